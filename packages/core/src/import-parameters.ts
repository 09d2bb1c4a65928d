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
const REFETCH =
  'save the whole output of aws kms get-parameters-for-import --key-id KEY --wrapping-algorithm ALG --wrapping-key-spec RSA_4096';

export function parseImportParameters(json: string): ImportParameters {
  let value: unknown;
  if (jsonTooDeep(json, 16))
    throw new KmsWrapError(INVALID, `the parameters file nests far deeper than GetParametersForImport output — ${REFETCH}`);
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
    throw new KmsWrapError(
      INVALID,
      `the parameters' ParametersValidTo (${JSON.stringify(value).slice(0, 40)}) is neither epoch seconds nor ISO 8601 — ${REFETCH}`,
    );
  }
  return new Date(ms);
}

/**
 * How a caller words the two refusals below: the CLI names its option and the command that
 * fetches new parameters; a batch names the file and says "the algorithm".
 */
export interface ParametersContext {
  /** The file or folder the parameters came from ("the import parameters in PATH"); omitted: not named. */
  readonly path?: string;
  /** The command that fetches new parameters ("fetch new ones: COMMAND"); omitted: not shown. */
  readonly refetch?: string;
  /** The option that names the algorithm ("--algorithm is X ... pass --algorithm Y"); omitted: "the algorithm is X ... use Y". */
  readonly algorithmOption?: string;
  /** Say how long ago expired parameters expired ("(3 hours ago)"). */
  readonly sayHowLongAgo?: boolean;
}

const HOUR = 3600_000;

/**
 * Refuses expired parameters (ERR_PARAMETERS_EXPIRED: KMS refuses an expired import token);
 * returns a warning when less than an hour is left, else undefined.
 */
export function checkParametersExpiry(validTo: Date | undefined, now: number, context: ParametersContext = {}): string | undefined {
  if (!validTo) return undefined;
  const left = validTo.getTime() - now;
  if (left <= 0) {
    const where = context.path === undefined ? '' : ` in ${context.path}`;
    const ago = context.sayHowLongAgo ? ` (${formatSpan(-left)} ago)` : '';
    const refetch = context.refetch === undefined ? '' : `: ${context.refetch}`;
    throw new KmsWrapError(
      ERROR_CODES.PARAMETERS_EXPIRED,
      `the import parameters${where} expired at ${validTo.toISOString()}${ago}, and KMS refuses an expired token — fetch new ones${refetch}`,
    );
  }
  if (left < HOUR) return `the import parameters expire in ${formatSpan(left)} (at ${validTo.toISOString()}): import before then`;
  return undefined;
}

/**
 * Refuses parameters requested for another wrapping algorithm than the one asked for
 * (ERR_PARAMETERS_MISMATCH): KMS unwraps only with the algorithm of the GetParametersForImport
 * call. `issuedFor` is what the console's README says, if anything; both ids are compared
 * upper-cased.
 */
export function checkParametersAlgorithm(issuedFor: string | undefined, algorithm: string, context: ParametersContext = {}): void {
  const wanted = algorithm.trim().toUpperCase();
  if (issuedFor === undefined || issuedFor === wanted) return;
  const where = context.path === undefined ? '' : ` in ${context.path}`;
  const named = context.algorithmOption ?? 'the algorithm';
  const instead = context.algorithmOption === undefined ? `use ${issuedFor}` : `pass ${context.algorithmOption} ${issuedFor}`;
  const refetch = context.refetch === undefined ? '' : `: ${context.refetch}`;
  throw new KmsWrapError(
    ERROR_CODES.PARAMETERS_MISMATCH,
    `the parameters${where} were requested for ${issuedFor} (their README says so), and ${named} is ${wanted}: KMS unwraps only with the algorithm the parameters were requested for — ${instead}, or fetch new parameters for ${wanted}${refetch}`,
  );
}

function formatSpan(ms: number): string {
  const min = Math.round(ms / 60_000);
  if (min < 120) return `${min} minute${min === 1 ? '' : 's'}`;
  return `${Math.round(min / 60)} hours`;
}
