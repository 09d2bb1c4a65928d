/**
 * GetParametersForImport output, in each form people have it:
 *  - the JSON saved from `aws kms get-parameters-for-import` (core's parseImportParameters);
 *  - the console's download, as its zip (ImportParameters.zip) or unzipped into a folder:
 *    WrappingPublicKey.bin, ImportToken.bin, README.txt (older downloads name them
 *    wrappingKey_<keyId>, importToken_<keyId>, README_<keyId>.txt).
 * The README is read for the key id, the wrapping algorithm, the wrapping key spec and the
 * expiry when it states them; its wording is not specified, so it is parsed leniently and a
 * README that says none of them is no error.
 *
 * Runtime-neutral: a file arrives as bytes, a folder as its file names and a way to read one;
 * the runtime adapter (@kms-wrap/node's loadImportParameters) reads the disk, with bounded reads.
 */
import {
  ERROR_CODES,
  KMS_ALGORITHM_IDS,
  KmsWrapError,
  parseImportParameters,
  parseWrappingPublicKey,
  type WrappingPublicKey,
} from '@kms-wrap/core';
import { bytesToText } from '@kms-wrap/core/encoding';
import type { InflateRaw } from './inflate.js';
import { isZip, listZipEntries, readZipEntry, type ZipEntry } from './zip.js';

export type ImportParametersSource = 'json' | 'zip' | 'folder';

export interface LoadedImportParameters {
  readonly source: ImportParametersSource;
  /** The key ARN or id the parameters are for, when the file says (JSON KeyId, README, file names). */
  readonly keyId: string | undefined;
  readonly importToken: Uint8Array;
  readonly wrappingKey: WrappingPublicKey;
  /** When the parameters expire (JSON ParametersValidTo, README), if known. */
  readonly validTo: Date | undefined;
  /** The wrapping algorithm the parameters were requested for, when the README says. */
  readonly wrappingAlgorithm: string | undefined;
  /** The token's own file for `fileb://` (the unzipped folder); undefined when it has to be written out. */
  readonly importTokenFile: string | undefined;
}

export interface ConsoleReadme {
  readonly keyId?: string;
  readonly wrappingAlgorithm?: string;
  readonly wrappingKeySpec?: string;
  readonly validTo?: Date;
}

const INVALID = ERROR_CODES.PARAMETERS_INVALID;
const REFETCH =
  'download the wrapping public key and import token again (console), or save the whole output of aws kms get-parameters-for-import';

const PUBLIC_KEY_NAME = /^(wrappingpublickey\.bin|wrappingkey_.+|publickey\.bin)$/i;
const TOKEN_NAME = /^(importtoken\.bin|importtoken_.+)$/i;
const README_NAME = /^readme.*\.txt$/i;
const MAX_FOLDER_ENTRIES = 1000;

/** The console's download unzipped into a folder, as the runtime lists and reads it. */
export interface ImportParametersFolder {
  /** The folder, for messages ("the folder PATH"). */
  readonly name: string;
  /** The names of the files in it. */
  readonly files: readonly string[];
  /** Reads one of its files (bounded by the adapter); `what` names it in messages. */
  read(file: string, what: string): Promise<Uint8Array>;
  /** A file's own path, for the token's fileb:// (importTokenFile); omitted: none. */
  pathOf?(file: string): string;
}

export interface ImportParametersOptions {
  /** Raw DEFLATE for the zip (node:zlib's inflateRawSync in Node); DecompressionStream('deflate-raw') by default. */
  readonly inflateRaw?: InflateRaw;
}

/** GetParametersForImport output from one file's bytes: the console's zip, or the JSON. `name` names the file in messages. */
export async function parseImportParametersFile(
  bytes: Uint8Array,
  name: string,
  options: ImportParametersOptions = {},
): Promise<LoadedImportParameters> {
  if (isZip(bytes)) return parseZip(name, bytes, options.inflateRaw);
  const p = parseImportParameters(bytesToText(bytes));
  return {
    source: 'json',
    keyId: p.keyId,
    importToken: p.importToken,
    wrappingKey: p.wrappingKey,
    validTo: p.validTo,
    wrappingAlgorithm: undefined,
    importTokenFile: undefined,
  };
}

/** GetParametersForImport output from the console's download unzipped into a folder. */
export async function parseImportParametersFolder(folder: ImportParametersFolder): Promise<LoadedImportParameters> {
  const names = folder.files.length > MAX_FOLDER_ENTRIES ? folder.files.slice(0, MAX_FOLDER_ENTRIES) : folder.files;
  const where = `the folder ${folder.name}`;
  const keyName = pick(names, PUBLIC_KEY_NAME, where, 'wrapping public keys', 'WrappingPublicKey.bin') ?? 'WrappingPublicKey.bin';
  const tokenName = pick(names, TOKEN_NAME, where, 'import tokens', 'ImportToken.bin') ?? 'ImportToken.bin';
  const readmeName = pick(names, README_NAME, where, 'README files', 'README.txt');
  const wrappingKey = parseWrappingPublicKey(await folder.read(keyName, `the wrapping public key (${keyName})`));
  const importToken = await folder.read(tokenName, `the import token (${tokenName})`);
  const readme =
    readmeName === undefined ? {} : parseConsoleReadme(bytesToText(await folder.read(readmeName, `the README (${readmeName})`)));
  return assemble('folder', where, {
    wrappingKey,
    importToken,
    readme,
    names: [keyName, tokenName],
    importTokenFile: folder.pathOf?.(tokenName),
  });
}

async function parseZip(path: string, bytes: Uint8Array, inflateRaw: InflateRaw | undefined): Promise<LoadedImportParameters> {
  const opts = { what: `the import parameters zip ${path}`, code: INVALID, hint: REFETCH, ...(inflateRaw ? { inflateRaw } : {}) };
  const entries = listZipEntries(bytes, opts).filter(
    (e) => !e.isDirectory && !e.name.startsWith('__MACOSX/') && !base(e.name).startsWith('._'),
  );
  const byName = (re: RegExp, what: string, expected: string, required: boolean): ZipEntry | undefined => {
    const found = entries.filter((e) => re.test(base(e.name)));
    if (found.length > 1) {
      throw new KmsWrapError(
        INVALID,
        `the zip ${path} holds ${found.length} ${what} (${found.map((e) => e.name).join(', ')}) — keep the files of one download`,
      );
    }
    if (found.length === 0 && required) {
      throw new KmsWrapError(
        INVALID,
        `the zip ${path} has no ${expected} — it is not the console's import parameters download; ${REFETCH}`,
      );
    }
    return found[0];
  };
  const keyEntry = byName(PUBLIC_KEY_NAME, 'wrapping public keys', 'WrappingPublicKey.bin', true)!;
  const tokenEntry = byName(TOKEN_NAME, 'import tokens', 'ImportToken.bin', true)!;
  const readmeEntry = byName(README_NAME, 'README files', 'README.txt', false);
  const wrappingKey = parseWrappingPublicKey(await readZipEntry(bytes, keyEntry, opts));
  const importToken = await readZipEntry(bytes, tokenEntry, opts);
  if (importToken.length === 0) throw new KmsWrapError(INVALID, `the import token in the zip ${path} is empty — ${REFETCH}`);
  const readme = readmeEntry === undefined ? {} : parseConsoleReadme(bytesToText(await readZipEntry(bytes, readmeEntry, opts)));
  return assemble('zip', `the zip ${path}`, {
    wrappingKey,
    importToken,
    readme,
    names: [keyEntry.name, tokenEntry.name],
    importTokenFile: undefined,
  });
}

function assemble(
  source: ImportParametersSource,
  where: string,
  p: {
    wrappingKey: WrappingPublicKey;
    importToken: Uint8Array;
    readme: ConsoleReadme;
    names: string[];
    importTokenFile: string | undefined;
  },
): LoadedImportParameters {
  if (p.readme.wrappingKeySpec !== undefined && p.readme.wrappingKeySpec !== p.wrappingKey.spec) {
    throw new KmsWrapError(
      ERROR_CODES.PARAMETERS_MISMATCH,
      `the README in ${where} names an ${p.readme.wrappingKeySpec} wrapping key, but the wrapping public key is ${p.wrappingKey.spec}: the files come from different downloads — ${REFETCH}`,
    );
  }
  const keyId = p.readme.keyId ?? p.names.map(keyIdInName).find((k) => k !== undefined);
  return {
    source,
    keyId,
    importToken: p.importToken,
    wrappingKey: p.wrappingKey,
    validTo: p.readme.validTo,
    wrappingAlgorithm: p.readme.wrappingAlgorithm,
    importTokenFile: p.importTokenFile,
  };
}

function pick(names: readonly string[], re: RegExp, where: string, what: string, expected: string): string | undefined {
  const found = names.filter((n) => re.test(n) && !n.startsWith('._'));
  if (found.length > 1) {
    throw new KmsWrapError(
      INVALID,
      `${where} holds ${found.length} ${what} (${found.join(', ')}) — keep the files of one download (${expected}) in the folder`,
    );
  }
  return found[0];
}

function base(name: string): string {
  return name.slice(name.lastIndexOf('/') + 1);
}

const ARN = /arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/(?:mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/i;
const KEY_ID = /\b(?:mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b/i;
const ALGORITHM = new RegExp(`\\b(${[...KMS_ALGORITHM_IDS, 'RSAES_PKCS1_V1_5'].join('|')})\\b`);
const WRAPPING_KEY_SPEC = /\b(RSA_2048|RSA_3072|RSA_4096|SM2)\b/;
const DATE_TIME = /\b(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?))?\s*(Z|UTC|GMT|[+-]\d{2}:?\d{2})?/i;

function keyIdInName(name: string): string | undefined {
  // No \b here: in wrappingKey_<id> the id follows an underscore, itself a word character.
  return /(?:mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/i.exec(base(name))?.[0];
}

/**
 * What the console's README.txt says, as far as it says it: the KMS key (ARN or id), the
 * wrapping algorithm and wrapping key spec, and when the parameters expire. Lenient: a
 * line is read for a fact only when it names it ("algorithm", "wrapping key", "expire"/"valid").
 */
export function parseConsoleReadme(text: string): ConsoleReadme {
  const lines = text.slice(0, 64 * 1024).split(/\r?\n/);
  const out: { -readonly [K in keyof ConsoleReadme]: ConsoleReadme[K] } = {};
  const arn = ARN.exec(text);
  if (arn) out.keyId = arn[0];
  else {
    const line = lines.find((l) => /\bkey\b/i.test(l) && KEY_ID.test(l));
    if (line) out.keyId = KEY_ID.exec(line)![0];
  }
  const algLine = lines.find((l) => /algorithm/i.test(l) && ALGORITHM.test(l));
  if (algLine) out.wrappingAlgorithm = ALGORITHM.exec(algLine)![1];
  else {
    const all = new Set([...text.matchAll(new RegExp(ALGORITHM.source, 'g'))].map((m) => m[1]!));
    if (all.size === 1) out.wrappingAlgorithm = [...all][0];
  }
  const specLine = lines.find((l) => /wrapping|public key/i.test(l) && !/algorithm/i.test(l) && WRAPPING_KEY_SPEC.test(l));
  if (specLine) out.wrappingKeySpec = WRAPPING_KEY_SPEC.exec(specLine)![1];
  for (const l of lines) {
    if (!/expir|valid/i.test(l)) continue;
    const d = readmeDate(l);
    if (d) {
      out.validTo = d;
      break;
    }
  }
  return out;
}

function readmeDate(line: string): Date | undefined {
  const m = DATE_TIME.exec(line);
  if (m) {
    const zone =
      m[3] === undefined || /^(utc|gmt|z)$/i.test(m[3]) ? 'Z' : m[3].length === 5 ? `${m[3].slice(0, 3)}:${m[3].slice(3)}` : m[3];
    const ms = Date.parse(`${m[1]}T${m[2] ?? '00:00'}${zone}`);
    return Number.isFinite(ms) ? new Date(ms) : undefined;
  }
  const colon = line.indexOf(':');
  if (colon < 0) return undefined;
  const rest = line
    .slice(colon + 1)
    .trim()
    .replace(/\.$/, '');
  if (!/\d{4}/.test(rest) || !/[a-z]{3}/i.test(rest)) return undefined; // "Tue, 14 May 2024 12:00:00 GMT" and the like
  const ms = Date.parse(rest);
  return Number.isFinite(ms) ? new Date(ms) : undefined;
}
