/**
 * AWS SDK and KMS errors, translated into one KmsWrapError line that says what probably went
 * wrong and what to do. The SDK is never imported here: errors are recognised by their
 * `name` (the KMS exception's shape name), `$metadata` and, for network failures, `code`.
 */
import { ERROR_CODES, KmsWrapError, type Surface } from '@kms-wrap/core';
import { sayOption, type RemedyOption } from '@kms-wrap/core/internal';

export interface KmsErrorContext {
  /** DescribeKey, GetParametersForImport or ImportKeyMaterial. */
  readonly operation: string;
  readonly keyId: string;
  /** The AWS region name, when known (for "not found in eu-west-1"). */
  readonly regionName?: string | undefined;
  readonly algorithm?: string;
  /** Where the error is read: how a remedy names an option (the library's words by default). */
  readonly surface?: Surface | undefined;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'UND_ERR_CONNECT_TIMEOUT',
]);
const CREDENTIAL_NAMES = new Set([
  'CredentialsProviderError',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'ExpiredTokenException',
  'ExpiredToken',
  'IncompleteSignatureException',
  'MissingAuthenticationToken',
  'TokenRefreshRequired',
]);

function field(e: unknown, name: string): unknown {
  return typeof e === 'object' && e !== null ? (e as Record<string, unknown>)[name] : undefined;
}

/** The AWS error's name: the SDK sets `name` to the exception shape (e.g. 'InvalidCiphertextException'). */
export function awsErrorName(e: unknown): string | undefined {
  for (const k of ['name', 'Code', '__type']) {
    const v = field(e, k);
    if (typeof v === 'string' && v !== 'Error') return v.replace(/^.*#/, '');
  }
  return undefined;
}

function shortMessage(e: unknown): string {
  const m = field(e, 'message');
  if (typeof m !== 'string' || m.trim() === '') return '';
  const one = m.replace(/\s+/g, ' ').trim();
  return one.length > 200 ? `${one.slice(0, 200)}…` : one;
}

/** True for an error that came back from KMS (an SDK service exception), not from the client side. */
export function isServiceError(e: unknown): boolean {
  const meta = field(e, '$metadata');
  return (
    typeof meta === 'object' && meta !== null && (field(e, '$fault') !== undefined || typeof field(meta, 'httpStatusCode') === 'number')
  );
}

/**
 * Translates an error thrown by `client.send(...)`. Errors kms-wrap does not recognise and
 * that did not come from KMS are returned unchanged (a bug to report, not a KMS answer).
 */
export function translateKmsError(e: unknown, ctx: KmsErrorContext): unknown {
  if (e instanceof KmsWrapError) return e;
  const name = awsErrorName(e) ?? '';
  const said = shortMessage(e);
  const why = said ? ` (${name || 'error'}: ${said})` : name ? ` (${name})` : '';
  const key = ctx.keyId;
  const say = (option: RemedyOption, value?: string) => sayOption(ctx.surface, option, value);
  const op = ctx.operation;
  const where = ctx.regionName ? ` in ${ctx.regionName}` : '';
  const reject = (what: string, todo: string) =>
    new KmsWrapError(ERROR_CODES.KMS_REJECTED, `KMS refused ${op}: ${what}${why} — ${todo}`, { cause: e });
  switch (name) {
    case 'InvalidCiphertextException':
      return reject(
        'it could not decrypt the encrypted key material with the private key behind this import token — the material was wrapped with another public key or another wrapping algorithm than the token was issued for',
        `wrap with the PublicKey of the same GetParametersForImport call and the algorithm requested there${ctx.algorithm ? ` (${ctx.algorithm})` : ''}, then import again`,
      );
    case 'IncorrectKeyMaterialException':
      return reject(
        `the key material is not what KMS key ${key} expects: a reimport must be the material imported before, and new material must match the key spec`,
        'import the original key material (for a symmetric single-Region key, pass --import-type NEW_KEY_MATERIAL to add new material)',
      );
    case 'ExpiredImportTokenException':
      return reject(
        'the import token has expired (import parameters last 24 hours)',
        'fetch new parameters and wrap again: kms-wrap import does both in one run',
      );
    case 'InvalidImportTokenException':
      return reject(
        `the import token is not valid for KMS key ${key} (it belongs to another key, another GetParametersForImport call, or was damaged)`,
        'use the ImportToken from the same GetParametersForImport call as the public key, for the same key',
      );
    case 'NotFoundException':
      return reject(
        `KMS key ${key} was not found${where}`,
        `check the key id or ARN and the region (${say('awsRegion')}, AWS_REGION, or the profile's region)`,
      );
    case 'InvalidArnException':
      return reject(`'${key}' is not a valid key ARN`, 'give the key id (1234abcd-...), the key ARN, or an alias for DescribeKey');
    case 'KMSInvalidStateException':
      return reject(
        `KMS key ${key} is in a state that does not allow this import (pending deletion, unavailable, or material already present for a one-time import)`,
        `check its state with aws kms describe-key --key-id ${key}; cancel a pending deletion, or reimport the same material`,
      );
    case 'DisabledException':
      return reject(`KMS key ${key} is disabled`, `enable it first: aws kms enable-key --key-id ${key}`);
    case 'UnsupportedOperationException':
      return reject(
        `KMS does not support this import for key ${key} (a key in a custom key store, a key spec or import type KMS does not take here, or a multi-Region replica that needs EXISTING_KEY_MATERIAL)`,
        `use a key created with --origin EXTERNAL outside custom key stores, and leave out ${say('importType')} and ${say('description')} unless the key is a symmetric encryption key`,
      );
    case 'ValidationException':
      return reject(
        'a request parameter is invalid',
        `check ${say('validTo')} (future, at most 365 days ahead), ${say('importType')} and ${say('description')}`,
      );
    case 'LimitExceededException':
    case 'ThrottlingException':
      return reject('a KMS request quota was exceeded', 'wait a moment and run the command again');
    case 'KMSInternalException':
    case 'DependencyTimeoutException':
    case 'InternalFailure':
    case 'ServiceUnavailable':
    case 'ServiceUnavailableException':
      return reject('KMS had an internal error or timed out', 'run the command again in a moment');
    case 'AccessDeniedException':
    case 'AccessDenied':
      return new KmsWrapError(
        ERROR_CODES.KMS_ACCESS_DENIED,
        `the AWS credentials are not allowed to call kms:${op} on ${key}${why} — grant kms:DescribeKey, kms:GetParametersForImport and kms:ImportKeyMaterial on the key (key policy or IAM), or use other credentials (${say('profile')})`,
        { cause: e },
      );
  }
  if (CREDENTIAL_NAMES.has(name) || (/could not load credentials|credential/i.test(said) && !isServiceError(e))) {
    return new KmsWrapError(
      ERROR_CODES.AWS_CREDENTIALS,
      `no valid AWS credentials for ${op}${why} — sign in (aws sso login, aws configure), set AWS_PROFILE or ${ctx.surface === 'command-line' ? 'pass ' : 'use '}${say('profile')}, and check that the session has not expired`,
      { cause: e },
    );
  }
  if (/region is missing|region not accepted|invalid region|unresolved region/i.test(said)) {
    return new KmsWrapError(
      ERROR_CODES.AWS_CONFIG,
      `no AWS region is set for ${op}${why} — ${ctx.surface === 'command-line' ? 'pass' : 'set'} ${say('awsRegion', 'e.g. eu-west-1, cn-north-1')}, or set AWS_REGION`,
      { cause: e },
    );
  }
  const code = field(e, 'code');
  if (
    (typeof code === 'string' && NETWORK_CODES.has(code)) ||
    name === 'TimeoutError' ||
    name === 'RequestTimeout' ||
    name === 'AbortError'
  ) {
    return new KmsWrapError(
      ERROR_CODES.AWS_UNREACHABLE,
      `could not reach KMS${where} for ${op}${why} — check the network, proxy settings and the region${ctx.regionName ? '' : ` (${say('awsRegion')})`}`,
      { cause: e },
    );
  }
  if (isServiceError(e)) {
    return reject(
      `an error kms-wrap does not know`,
      'see the AWS KMS API reference for this error, or run the aws CLI command with --debug',
    );
  }
  return e;
}
