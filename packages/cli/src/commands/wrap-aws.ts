/**
 * What AWS KMS's import adds to `kms-wrap wrap` (commands/wrap.ts, the one path for every
 * target): the GetParametersForImport output (--parameters: the key id, the import token, the
 * wrapping public key, when they expire), --region (the China Regions' SM2 and SM4) and
 * --valid-to. They come out as the AWS KMS target's envelope options (core's AWS_KMS: keyId,
 * importToken, validTo, which its import command names) and as ImportToken.bin, the file
 * written beside the output when the token came inside the parameters (fileb:// needs a file).
 */
import { dirname, join } from 'node:path';
import { ERROR_CODES, KmsWrapError, parseRegion, parseWrappingPublicKey, type Region, type WrappingPublicKey } from '@kms-wrap/core';
import { equalBytes } from '@kms-wrap/core/encoding';
import { shellWord } from '@kms-wrap/core/internal';
import { checkOutput, exists, readInputFile } from '@kms-wrap/node';
import { readInput } from '../input.js';
import { required, str, usageError, type Parsed } from '../args.js';
import { SURFACE, warn, type Io } from '../io.js';
import {
  checkExpiry,
  checkParametersAlgorithm,
  isoSeconds,
  loadParameters,
  parseValidToOption,
  type LoadedParameters,
} from '../parameters.js';

/** AWS KMS's flags of wrap, read in the order the command line has always been checked. */
export interface AwsFlags {
  readonly material: string;
  readonly algorithm: string;
  readonly publicKey: string | undefined;
  readonly parameters: string | undefined;
  readonly region: Region;
  readonly validTo: Date | undefined;
}

export function awsFlags(p: Parsed, now: number): AwsFlags {
  const material = required(p, 'wrap', 'material');
  const algorithm = required(p, 'wrap', 'algorithm').trim().toUpperCase();
  const publicKey = str(p, 'public-key');
  const parameters = str(p, 'parameters');
  if ((publicKey === undefined) === (parameters === undefined)) {
    throw usageError('kms-wrap wrap needs exactly one of --public-key FILE or --parameters FILE — see kms-wrap wrap --help');
  }
  const region = parseRegion(str(p, 'region') ?? 'standard');
  const validToText = str(p, 'valid-to');
  const validTo = validToText === undefined ? undefined : parseValidToOption(validToText, now, 'wrap');
  return { material, algorithm, publicKey, parameters, region, validTo };
}

/** The wrapping public key: the one in the parameters (checked: the algorithm they were requested for, not expired), or --public-key's. */
export async function awsWrappingKey(
  flags: AwsFlags,
  io: Io,
  cwd: string,
  now: number,
): Promise<{ wrappingKey: WrappingPublicKey; params: LoadedParameters | undefined }> {
  if (flags.parameters === undefined) {
    return {
      wrappingKey: parseWrappingPublicKey(await readInput(cwd, flags.publicKey!, 'the wrapping public key')),
      params: undefined,
    };
  }
  const params = await loadParameters(cwd, flags.parameters);
  const refetch = refetchCommand(params.keyId, flags.algorithm, params.wrappingKey.spec);
  checkParametersAlgorithm(params, flags.algorithm, flags.parameters, refetch);
  const soon = checkExpiry(params.validTo, now, refetch);
  if (soon) warn(io, soon);
  return { wrappingKey: params.wrappingKey, params };
}

/**
 * The import token file to write: --import-token FILE, else ImportToken.bin beside the output,
 * when the token came inside the parameters (JSON, the console's zip; fileb:// needs a file) —
 * or, from the unzipped folder (whose ImportToken.bin is there already), only where
 * --import-token names a copy.
 */
export function tokenBeside(
  output: string,
  params: LoadedParameters | undefined,
  named: string | undefined,
): { path: string; bytes: Uint8Array } | undefined {
  if (!params || (!params.writeToken && named === undefined)) return undefined;
  return { path: named ?? join(dirname(output), 'ImportToken.bin'), bytes: params.importToken };
}

/**
 * True when the token is to be written; false when the file there holds these very bytes (one
 * set of parameters, several outputs: not a conflict, nothing to write). Another file there is
 * refused without --force, and the refusal says how to name another token file.
 */
export async function tokenConflict(token: { path: string; bytes: Uint8Array }, force: boolean, named: boolean): Promise<boolean> {
  if (!(await exists(token.path))) return true;
  await checkOutput(token.path, true, 'ImportToken.bin', SURFACE); // a directory there is refused, with or without --force
  const there = await readInputFile(token.path, 'the import token there').catch(() => undefined);
  if (there && equalBytes(there, token.bytes)) return false;
  if (force) return true;
  const other = named
    ? 'name another file with --import-token'
    : 'name the token file with --import-token FILE (the command printed then names it)';
  throw new KmsWrapError(
    ERROR_CODES.FILE_EXISTS,
    `${token.path} exists and holds another import token (from other parameters) — ${other}, or pass --force to replace it`,
  );
}

/** The AWS KMS target's envelope options: what its `aws kms import-key-material` command names. */
export function awsEnvelopeOptions(
  params: LoadedParameters | undefined,
  token: string | undefined,
  validTo: Date | undefined,
): Record<string, string | undefined> {
  return { keyId: params?.keyId, importToken: token, validTo: validTo && isoSeconds(validTo) };
}

function refetchCommand(keyId: string | undefined, algorithm: string, spec: string): string {
  return `aws kms get-parameters-for-import --key-id ${keyId === undefined ? '"$KEY_ID"' : shellWord(keyId)} --wrapping-algorithm ${algorithm} --wrapping-key-spec ${spec} > params.json`;
}
