/**
 * GetParametersForImport output: the CLI's JSON (KeyId, ImportToken, PublicKey,
 * ParametersValidTo) or the console's unzipped folder (WrappingPublicKey.bin, ImportToken.bin).
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ERROR_CODES, KmsWrapError, bytesToText, parseImportParameters, parseWrappingPublicKey, type WrappingPublicKey } from '@kms-wrap/core';
import { readInputFile } from '@kms-wrap/node';

export interface LoadedParameters {
  readonly keyId: string | undefined;
  readonly importToken: Uint8Array;
  /** True when the token came inside JSON and must be written out as ImportToken.bin. */
  readonly tokenFromJson: boolean;
  readonly wrappingKey: WrappingPublicKey;
  readonly validTo: Date | undefined;
}

export async function loadParameters(path: string): Promise<LoadedParameters> {
  const isDir = await stat(path).then((s) => s.isDirectory(), () => false);
  if (isDir) {
    const wrappingKey = parseWrappingPublicKey(await readInputFile(join(path, 'WrappingPublicKey.bin'), 'the wrapping public key (WrappingPublicKey.bin)'));
    const importToken = await readInputFile(join(path, 'ImportToken.bin'), 'the import token (ImportToken.bin)');
    return { keyId: undefined, importToken, tokenFromJson: false, wrappingKey, validTo: undefined };
  }
  const bytes = await readInputFile(path, 'the import parameters');
  const p = parseImportParameters(bytesToText(bytes));
  return { keyId: p.keyId, importToken: p.importToken, tokenFromJson: true, wrappingKey: p.wrappingKey, validTo: p.validTo };
}

const HOUR = 3600_000;

/** Refuses expired parameters; returns a warning when less than an hour is left. */
export function checkExpiry(validTo: Date | undefined, now: number, refetch: string): string | undefined {
  if (!validTo) return undefined;
  const left = validTo.getTime() - now;
  if (left <= 0) {
    throw new KmsWrapError(
      ERROR_CODES.PARAMETERS_EXPIRED,
      `the import parameters expired at ${validTo.toISOString()} (${formatSpan(-left)} ago), and KMS refuses an expired token — fetch new ones: ${refetch}`,
    );
  }
  if (left < HOUR) return `the import parameters expire in ${formatSpan(left)} (at ${validTo.toISOString()}): import before then`;
  return undefined;
}

function formatSpan(ms: number): string {
  const min = Math.round(ms / 60_000);
  if (min < 120) return `${min} minute${min === 1 ? '' : 's'}`;
  return `${Math.round(min / 60)} hours`;
}
