/**
 * GetParametersForImport output: the CLI's JSON (KeyId, ImportToken, PublicKey,
 * ParametersValidTo), the console's zip, or its unzipped folder (WrappingPublicKey.bin,
 * ImportToken.bin, README.txt) — parsed by @kms-wrap/aws, read from the disk by
 * @kms-wrap/node's loadImportParameters. Here: what the command line adds (--valid-to, and
 * core's expiry and algorithm checks worded for the command line).
 */
import { resolve } from 'node:path';
import { checkValidTo, parseImportParametersFile, type ImportParametersSource } from '@kms-wrap/aws';
import { checkParametersAlgorithm as checkAlgorithm, checkParametersExpiry, type WrappingPublicKey } from '@kms-wrap/core';
import { loadImportParameters } from '@kms-wrap/node';
import { inflateRaw } from '@kms-wrap/node/files';
import { DASH, STDIN_NAME, readStandardInput } from './input.js';
import { usageError } from './args.js';

export interface LoadedParameters {
  readonly source: ImportParametersSource;
  readonly keyId: string | undefined;
  readonly importToken: Uint8Array;
  /** True when the token came inside JSON. */
  readonly tokenFromJson: boolean;
  /** True when ImportToken.bin must be written beside the output (JSON, zip): fileb:// needs a file. */
  readonly writeToken: boolean;
  /** The token's own file (the unzipped folder). */
  readonly tokenFile: string | undefined;
  readonly wrappingKey: WrappingPublicKey;
  readonly validTo: Date | undefined;
  /** The wrapping algorithm the console's README names, if any. */
  readonly wrappingAlgorithm: string | undefined;
}

/** From a file, the console's zip or folder, or (`-`) standard input: the JSON or the zip. */
export async function loadParameters(cwd: string, arg: string): Promise<LoadedParameters> {
  const p =
    arg === DASH
      ? await parseImportParametersFile(await readStandardInput('the import parameters'), STDIN_NAME, { inflateRaw })
      : await loadImportParameters(resolve(cwd, arg));
  return {
    source: p.source,
    keyId: p.keyId,
    importToken: p.importToken,
    tokenFromJson: p.source === 'json',
    writeToken: p.importTokenFile === undefined,
    tokenFile: p.importTokenFile,
    wrappingKey: p.wrappingKey,
    validTo: p.validTo,
    wrappingAlgorithm: p.wrappingAlgorithm,
  };
}

/** Refuses parameters requested for another wrapping algorithm than --algorithm (the console's README says which). */
export function checkParametersAlgorithm(params: LoadedParameters, algorithm: string, path: string, refetch: string): void {
  checkAlgorithm(params.wrappingAlgorithm, algorithm, { path, refetch, algorithmOption: '--algorithm' });
}

/** Refuses expired parameters; returns a warning when less than an hour is left. */
export function checkExpiry(validTo: Date | undefined, now: number, refetch: string): string | undefined {
  return checkParametersExpiry(validTo, now, { refetch, sayHowLongAgo: true });
}

/**
 * --valid-to DATE: an ISO 8601 date or date-time (2030-01-31, 2030-01-31T12:00:00Z,
 * 2030-01-31T12:00:00+01:00; no zone means UTC) or epoch seconds. Must be in the future and
 * at most 365 days ahead (KMS's limits).
 */
export function parseValidToOption(text: string, now: number, command: string): Date {
  const t = text.trim();
  let ms = Number.NaN;
  if (/^\d+(\.\d+)?$/.test(t)) ms = Number(t) * 1000;
  else if (/^\d{4}-\d{2}-\d{2}$/.test(t)) ms = Date.parse(`${t}T00:00:00Z`);
  else if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/i.test(t)) {
    const zoned = /(Z|[+-]\d{2}:?\d{2})$/i.test(t) ? t.replace(/([+-]\d{2})(\d{2})$/, '$1:$2') : `${t}Z`;
    ms = Date.parse(zoned);
  }
  if (!Number.isFinite(ms)) {
    throw usageError(
      `--valid-to takes an ISO 8601 date-time such as 2030-01-31T12:00:00Z, or epoch seconds, not '${text}' — see kms-wrap ${command} --help`,
    );
  }
  const date = new Date(ms);
  checkValidTo(date, now);
  return date;
}

/** An ISO 8601 date-time without milliseconds when they are zero: what the aws CLI prints and takes. */
export function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.000Z$/, 'Z');
}
