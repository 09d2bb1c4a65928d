/**
 * The output of `aws kms get-parameters-for-import ... > params.json`: KeyId, ImportToken
 * (base64), PublicKey (base64 DER SubjectPublicKeyInfo), ParametersValidTo (epoch seconds
 * such as 1568290320.0 in some CLI versions, ISO 8601 in others).
 */
import { fromBase64, jsonTooDeep } from './encoding.js';
import { ERROR_CODES, KmsWrapError } from './errors.js';
import type { WrappingPublicKey } from './keys.js';
import { parseWrappingPublicKey } from './wrapping-public-key.js';

export interface ImportParameters {
  readonly keyId: string;
  readonly importToken: Uint8Array;
  readonly wrappingKey: WrappingPublicKey;
  /** undefined when the JSON has no ParametersValidTo. */
  readonly validTo: Date | undefined;
}

const INVALID = ERROR_CODES.PARAMETERS_INVALID;
const REFETCH = 'save the whole output of aws kms get-parameters-for-import --key-id KEY --wrapping-algorithm ALG --wrapping-key-spec RSA_4096';

export function parseImportParameters(json: string): ImportParameters {
  let value: unknown;
  if (jsonTooDeep(json, 16)) throw new KmsWrapError(INVALID, `the parameters file nests far deeper than GetParametersForImport output — ${REFETCH}`);
  try {
    value = JSON.parse(json);
  } catch (cause) {
    throw new KmsWrapError(INVALID, `the parameters file is not JSON — ${REFETCH}`, { cause });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new KmsWrapError(INVALID, `the parameters file is not a JSON object — ${REFETCH}`);
  }
  const o = value as Record<string, unknown>;
  const keyId = o['KeyId'];
  const token = o['ImportToken'];
  const publicKey = o['PublicKey'];
  if (typeof keyId !== 'string' || keyId.length === 0) throw new KmsWrapError(INVALID, `the parameters have no KeyId — ${REFETCH}`);
  if (typeof token !== 'string') throw new KmsWrapError(INVALID, `the parameters have no ImportToken — ${REFETCH}`);
  if (typeof publicKey !== 'string') throw new KmsWrapError(INVALID, `the parameters have no PublicKey — ${REFETCH}`);
  const importToken = fromBase64(token);
  if (importToken === undefined || importToken.length === 0) {
    throw new KmsWrapError(INVALID, `the parameters' ImportToken is not base64 — ${REFETCH}`);
  }
  return { keyId, importToken, wrappingKey: parseWrappingPublicKey(publicKey), validTo: parseValidTo(o['ParametersValidTo']) };
}

/** Epoch seconds (number or numeric string, fractions allowed) or an ISO 8601 date-time. */
export function parseValidTo(value: unknown): Date | undefined {
  if (value === undefined || value === null) return undefined;
  let ms: number;
  if (typeof value === 'number') ms = value * 1000;
  else if (typeof value === 'string' && /^\d+(\.\d+)?$/.test(value.trim())) ms = Number(value) * 1000;
  else if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value.trim())) ms = Date.parse(value);
  else ms = Number.NaN;
  // A Date holds ±8.64e15 ms: a larger finite number is an Invalid Date, which passes every
  // expiry comparison (NaN) and throws a RangeError when printed.
  if (!Number.isFinite(new Date(ms).getTime())) {
    throw new KmsWrapError(INVALID, `the parameters' ParametersValidTo (${JSON.stringify(value).slice(0, 40)}) is neither epoch seconds nor ISO 8601 — ${REFETCH}`);
  }
  return new Date(ms);
}
