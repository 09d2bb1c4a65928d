/**
 * A migration's manifest and journal, as text (runtime-neutral: the caller reads and appends
 * the files).
 *
 * The manifest is JSON Lines, one KMS key a line:
 *
 *   {"material": "keys/app-1.bin", "algorithm": "RSAES_OAEP_SHA_256", "keyId": "1234abcd-..."}
 *   {"material": "keys/sig-7.der", "algorithm": "RSA_AES_KEY_WRAP_SHA_256", "wrappingKeySpec": "RSA_4096",
 *    "create": {"keySpec": "RSA_3072", "keyUsage": "SIGN_VERIFY", "alias": "alias/sig-7", "tags": {"team": "payments"},
 *               "multiRegion": true}, "replicas": ["eu-west-1"], "validTo": "2026-01-31T00:00:00Z"}
 *
 * Blank lines and lines starting with `#` are skipped; every malformed line is reported with
 * its number, not only the first. Whether a combination is accepted is not decided here but by
 * core's engine, with the key's spec, when the migration checks every line (kms-migrate.ts).
 *
 * The journal is JSON Lines too, one event a line, appended as it happens (never the material,
 * never an import token): see JournalRecord. A torn last line (a process killed mid-write) is
 * ignored when it is read back.
 */
import { ERROR_CODES, KmsWrapError, parseKeySpec, parseWrappingKeySpec, type KeySpec, type WrappingKeySpec } from '@kms-wrap/core';
import { checkValidTo, parseImportType, type ImportType } from './kms-import.js';

/** One key of a migration. */
export interface MigrationEntry {
  /** 1-based line of the manifest. */
  readonly line: number;
  /** How the journal knows this key: `id`, else keyId, else create.alias, else `line N`. */
  readonly id: string;
  /** The material's reference, as written (a path relative to the manifest); the caller's loader reads it. */
  readonly material: string;
  readonly algorithm: string;
  readonly wrappingKeySpec?: WrappingKeySpec;
  /** An existing key (Origin EXTERNAL): key id, key ARN or alias. */
  readonly keyId?: string;
  /** Or a key to create with Origin EXTERNAL first. */
  readonly create?: MigrationCreate;
  /** The AWS Region of the key when keyId is not an ARN (else the default Region). */
  readonly region?: string;
  readonly validTo?: Date;
  readonly importType?: ImportType;
  /** Regions of multi-Region replicas that take the same material (created with ReplicateKey when missing). */
  readonly replicas?: readonly string[];
}

export interface MigrationCreate {
  readonly keySpec: KeySpec;
  readonly keyUsage?: string;
  readonly description?: string;
  readonly alias?: string;
  readonly tags?: readonly { readonly TagKey: string; readonly TagValue: string }[];
  readonly multiRegion?: boolean;
}

export interface ManifestLineProblem {
  readonly line: number;
  readonly error: KmsWrapError;
}

export interface MigrationManifest {
  readonly entries: MigrationEntry[];
  readonly problems: ManifestLineProblem[];
}

const FIELDS = ['id', 'material', 'algorithm', 'wrappingKeySpec', 'keyId', 'create', 'region', 'validTo', 'importType', 'replicas'];
const CREATE_FIELDS = ['keySpec', 'keyUsage', 'description', 'alias', 'tags', 'multiRegion'];
const USAGES = ['ENCRYPT_DECRYPT', 'SIGN_VERIFY', 'GENERATE_VERIFY_MAC', 'KEY_AGREEMENT'];
export const AWS_REGION_NAME = /^[a-z]{2}(-[a-z]+)+-\d+$/;
const SHAPE =
  'one JSON object a line: {"material": PATH, "algorithm": ALG, "keyId": ID} or {"material": PATH, "algorithm": ALG, "create": {"keySpec": SPEC, ...}}';

/** Parses the manifest's text: the well-formed lines, and a problem for each other one. */
export function parseMigrationManifest(text: string, options: { now?: () => number } = {}): MigrationManifest {
  const now = options.now ?? Date.now;
  const entries: MigrationEntry[] = [];
  const problems: ManifestLineProblem[] = [];
  const seen = new Map<string, number>();
  const rows = text.split('\n');
  rows.forEach((row, i) => {
    const line = i + 1;
    const t = row.trim();
    if (t === '' || t.startsWith('#')) return;
    try {
      const entry = parseLine(t, line, now());
      const first = seen.get(entry.id);
      if (first !== undefined) throw bad(`the key ${entry.id} is on line ${first} too — give each key one line (or an "id" of its own)`);
      seen.set(entry.id, line);
      entries.push(entry);
    } catch (e) {
      problems.push({ line, error: e instanceof KmsWrapError ? e : bad(String((e as Error)?.message ?? e)) });
    }
  });
  if (entries.length === 0 && problems.length === 0) {
    problems.push({ line: 0, error: bad(`the manifest has no lines — ${SHAPE}`) });
  }
  return { entries, problems };
}

function bad(message: string): KmsWrapError {
  return new KmsWrapError(ERROR_CODES.MANIFEST_INVALID, message);
}

function parseLine(row: string, line: number, now: number): MigrationEntry {
  let value: unknown;
  try {
    value = JSON.parse(row);
  } catch {
    throw bad(`not JSON — ${SHAPE}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad(`not a JSON object — ${SHAPE}`);
  const o = value as Record<string, unknown>;
  unknownFields(o, FIELDS, '');
  const text = (k: string, from: Record<string, unknown> = o, prefix = ''): string | undefined => {
    const v = from[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v.trim() === '') throw bad(`"${prefix}${k}" must be a non-empty string`);
    return v.trim();
  };
  const material = text('material');
  const algorithmText = text('algorithm');
  if (material === undefined) throw bad(`"material" is missing — ${SHAPE}`);
  if (algorithmText === undefined) throw bad(`"algorithm" is missing — ${SHAPE}`);
  const algorithm = algorithmText.toUpperCase().replace(/-/g, '_');
  const keyId = text('keyId');
  if ((keyId === undefined) === (o['create'] === undefined)) {
    throw bad('give exactly one of "keyId" (an existing key with Origin EXTERNAL) and "create" (a key to create first)');
  }
  const wrappingKeySpecText = text('wrappingKeySpec');
  const wrappingKeySpec = wrappingKeySpecText === undefined ? undefined : parseWrappingKeySpec(wrappingKeySpecText);
  const region = text('region')?.toLowerCase();
  if (region !== undefined && !AWS_REGION_NAME.test(region)) throw bad(`"region" is an AWS Region name such as eu-west-1, not '${region}'`);
  if (region !== undefined && keyId?.startsWith('arn:')) throw bad('"region" is for a key id or alias: a key ARN names its Region');
  const validTo = parseValidTo(o['validTo'], now);
  const importTypeText = text('importType');
  const importType = importTypeText === undefined ? undefined : parseImportType(importTypeText);
  let replicas: string[] | undefined;
  if (o['replicas'] !== undefined) {
    const r = o['replicas'];
    if (!Array.isArray(r) || r.length === 0 || r.some((x) => typeof x !== 'string' || !AWS_REGION_NAME.test(x.trim().toLowerCase()))) {
      throw bad('"replicas" is a list of AWS Region names, such as ["eu-west-1", "ap-southeast-2"]');
    }
    replicas = r.map((x: string) => x.trim().toLowerCase());
    if (new Set(replicas).size !== replicas.length) throw bad('"replicas" names a Region twice');
  }
  let create: MigrationCreate | undefined;
  if (o['create'] !== undefined) {
    const c = o['create'];
    if (typeof c !== 'object' || c === null || Array.isArray(c))
      throw bad('"create" is an object: {"keySpec": SPEC, "keyUsage": USAGE, "alias": "alias/NAME", ...}');
    const co = c as Record<string, unknown>;
    unknownFields(co, CREATE_FIELDS, 'create.');
    const specText = text('keySpec', co, 'create.');
    if (specText === undefined)
      throw bad('"create.keySpec" is missing — the key spec of the key to create (SYMMETRIC_DEFAULT, RSA_3072, ...)');
    const keySpec = parseKeySpec(specText);
    const keyUsage = text('keyUsage', co, 'create.')?.toUpperCase();
    if (keyUsage !== undefined && !USAGES.includes(keyUsage))
      throw bad(`"create.keyUsage" is one of ${USAGES.join(', ')}, not '${keyUsage}'`);
    const alias = text('alias', co, 'create.');
    if (alias !== undefined && (!/^alias\/[a-zA-Z0-9/_-]{1,250}$/.test(alias) || alias.startsWith('alias/aws/'))) {
      throw bad(`"create.alias" is alias/NAME (letters, digits, / _ -; not alias/aws/...), not '${alias}'`);
    }
    const description = co['description'];
    if (description !== undefined && typeof description !== 'string') throw bad('"create.description" must be a string');
    const multiRegion = co['multiRegion'];
    if (multiRegion !== undefined && typeof multiRegion !== 'boolean') throw bad('"create.multiRegion" is true or false');
    create = {
      keySpec,
      ...(keyUsage ? { keyUsage } : {}),
      ...(description !== undefined ? { description } : {}),
      ...(alias ? { alias } : {}),
      ...(co['tags'] !== undefined ? { tags: parseTags(co['tags']) } : {}),
      ...(multiRegion !== undefined ? { multiRegion } : {}),
    };
    if (replicas && !create.multiRegion) throw bad('"replicas" needs a multi-Region key: add "multiRegion": true to "create"');
  }
  const id = text('id') ?? keyId ?? create?.alias ?? `line ${line}`;
  return {
    line,
    id,
    material,
    algorithm,
    ...(wrappingKeySpec ? { wrappingKeySpec } : {}),
    ...(keyId ? { keyId } : {}),
    ...(create ? { create } : {}),
    ...(region ? { region } : {}),
    ...(validTo ? { validTo } : {}),
    ...(importType ? { importType } : {}),
    ...(replicas ? { replicas } : {}),
  };
}

function unknownFields(o: Record<string, unknown>, fields: readonly string[], prefix: string): void {
  const unknown = Object.keys(o).filter((k) => !fields.includes(k));
  if (unknown.length > 0) {
    throw bad(
      `unknown field ${unknown.map((k) => JSON.stringify(prefix + k.slice(0, 40))).join(', ')} — the fields${prefix ? ` of "${prefix.slice(0, -1)}"` : ''} are ${fields.join(', ')}`,
    );
  }
}

function parseValidTo(v: unknown, now: number): Date | undefined {
  if (v === undefined) return undefined;
  let ms = Number.NaN;
  if (typeof v === 'number') ms = v * 1000;
  else if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/i.test(v.trim())) {
    const t = v.trim();
    ms = Date.parse(t.length === 10 ? `${t}T00:00:00Z` : /(Z|[+-]\d{2}:?\d{2})$/i.test(t) ? t : `${t}Z`);
  }
  if (!Number.isFinite(ms)) throw bad('"validTo" is an ISO 8601 date-time such as 2030-01-31T12:00:00Z, or epoch seconds');
  const date = new Date(ms);
  checkValidTo(date, now);
  return date;
}

function parseTags(v: unknown): { TagKey: string; TagValue: string }[] {
  const shape = '"create.tags" is an object of strings ({"team": "payments"}) or a list of {"TagKey": K, "TagValue": V}';
  let pairs: [unknown, unknown][];
  if (Array.isArray(v)) pairs = v.map((t) => [(t as Record<string, unknown>)?.['TagKey'], (t as Record<string, unknown>)?.['TagValue']]);
  else if (typeof v === 'object' && v !== null) pairs = Object.entries(v);
  else throw bad(shape);
  if (pairs.length > 49)
    throw bad(
      `"create.tags" has more than 49 tags: KMS takes 50 on a key, and kms-wrap adds ${CREATION_TAG} to find the key again after a stop`,
    );
  return pairs.map(([k, val]) => {
    if (typeof k !== 'string' || k === '' || typeof val !== 'string') throw bad(shape);
    if (k === CREATION_TAG)
      throw bad(`"create.tags" names ${CREATION_TAG}, the tag kms-wrap sets itself on the keys it creates — leave it out`);
    return { TagKey: k, TagValue: val };
  });
}

// ---------------------------------------------------------------------------------------------
// The journal

/** The tag on every key a migration creates: its value is the `creating` record's `creation`. */
export const CREATION_TAG = 'kms-wrap:creation';

export type JournalEvent =
  /**
   * A CreateKey is about to be sent, tagged `kms-wrap:creation` = `creation`: a kill before
   * `created` leaves a key that the next run finds by its alias or by that tag.
   */
  | 'creating'
  | 'created'
  | 'aliased'
  /** A ReplicateKey was answered: the replica exists in `region`. */
  | 'replicated'
  /** An ImportKeyMaterial is about to be sent into `key`. */
  | 'importing'
  | 'imported'
  | 'failed';

/** One journal line. Never holds material or an import token. */
export interface JournalRecord {
  /** The format's version: 1. */
  readonly v: 1;
  /** When it happened, ISO 8601. */
  readonly at: string;
  /** The manifest line's id (MigrationEntry.id) and its line number then. */
  readonly id: string;
  readonly line: number;
  readonly event: JournalEvent;
  /** The key ARN the event is about (the replica's for a replica). */
  readonly key?: string;
  /** The key's AWS Region. */
  readonly region?: string;
  readonly keyMaterialId?: string;
  /** For `creating`: the value of the key's `kms-wrap:creation` tag (random, one per CreateKey). */
  readonly creation?: string;
  /** For `failed`: the error code and its one-line message. */
  readonly code?: string;
  readonly message?: string;
}

/** One journal line's text, newline included. */
export function journalLine(record: JournalRecord): string {
  return `${JSON.stringify(record)}\n`;
}

/** The journal's records; lines that are not whole records (a torn last line) are counted, not fatal. */
export function parseJournal(text: string): { records: JournalRecord[]; torn: number } {
  const records: JournalRecord[] = [];
  let torn = 0;
  for (const row of text.split('\n')) {
    if (row.trim() === '') continue;
    try {
      const r = JSON.parse(row) as JournalRecord;
      if (r && r.v === 1 && typeof r.id === 'string' && typeof r.event === 'string') records.push(r);
      else torn++;
    } catch {
      torn++;
    }
  }
  return { records, torn };
}
