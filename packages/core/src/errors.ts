/**
 * The one error class of kms-wrap. Every refusal carries a stable `code` (never renamed,
 * never reused for another meaning) and a message of the form "what is wrong — what to do".
 * Messages never contain key material, in any encoding.
 */
export const ERROR_CODES = {
  /** A name that is not a key spec, wrapping key spec, algorithm or region. */
  UNKNOWN_NAME: 'ERR_UNKNOWN_NAME',
  /** RSAES_PKCS1_V1_5 and other algorithms KMS no longer accepts. */
  ALGORITHM_DEPRECATED: 'ERR_ALGORITHM_DEPRECATED',
  /** The algorithm is known but no plugin for it was given to the engine / is installed. */
  ALGORITHM_NOT_AVAILABLE: 'ERR_ALGORITHM_NOT_AVAILABLE',
  /** Material bytes that match no key spec (wrong length, not PKCS#8, unsupported curve...). */
  MATERIAL_INVALID: 'ERR_MATERIAL_INVALID',
  /** Material in a form KMS does not take as is (PEM, PKCS#1, SEC1, JWK): convert it first. */
  MATERIAL_FORMAT: 'ERR_MATERIAL_FORMAT',
  /** Encrypted PKCS#8: KMS needs the plaintext private key. */
  MATERIAL_ENCRYPTED: 'ERR_MATERIAL_ENCRYPTED',
  /** Raw bytes that fit more than one key spec, and none was named. */
  KEY_SPEC_AMBIGUOUS: 'ERR_KEY_SPEC_AMBIGUOUS',
  /** The named key spec contradicts the material. */
  KEY_SPEC_MISMATCH: 'ERR_KEY_SPEC_MISMATCH',
  /** A key spec that KMS cannot import (ML-DSA, RSA_1024, ...). */
  KEY_SPEC_UNSUPPORTED: 'ERR_KEY_SPEC_UNSUPPORTED',
  /** The wrapping public key does not parse. */
  PUBLIC_KEY_INVALID: 'ERR_PUBLIC_KEY_INVALID',
  /** A private key was given where the wrapping public key belongs. */
  PUBLIC_KEY_IS_PRIVATE: 'ERR_PUBLIC_KEY_IS_PRIVATE',
  /** A wrapping key that is weak or not one KMS issues (RSA < 2048, odd sizes, bad exponent). */
  PUBLIC_KEY_WEAK: 'ERR_PUBLIC_KEY_WEAK',
  /** A wrapping key of the wrong type for the algorithm (EC key for an RSA algorithm...). */
  PUBLIC_KEY_TYPE: 'ERR_PUBLIC_KEY_TYPE',
  /** Material + algorithm + wrapping key spec that KMS does not accept. */
  COMBINATION_REJECTED: 'ERR_COMBINATION_REJECTED',
  /** Something only the China Regions have, or that they lack. */
  REGION_MISMATCH: 'ERR_REGION_MISMATCH',
  /** Material larger than the algorithm can wrap under this wrapping key. */
  CAPACITY_EXCEEDED: 'ERR_CAPACITY_EXCEEDED',
  /** A plugin produced output of the wrong shape: nothing is written. */
  OUTPUT_CHECK_FAILED: 'ERR_OUTPUT_CHECK_FAILED',
  /** The crypto provider lacks a primitive the algorithm needs. */
  PROVIDER_UNSUPPORTED: 'ERR_PROVIDER_UNSUPPORTED',
  /** An engine or plugin set up wrongly (duplicate ids, missing fields). */
  PLUGIN_INVALID: 'ERR_PLUGIN_INVALID',
  /** GetParametersForImport output that does not parse. */
  PARAMETERS_INVALID: 'ERR_PARAMETERS_INVALID',
  /** GetParametersForImport output past its ParametersValidTo. */
  PARAMETERS_EXPIRED: 'ERR_PARAMETERS_EXPIRED',
  /** A file that cannot be read (missing, a directory, empty). */
  FILE_UNREADABLE: 'ERR_FILE_UNREADABLE',
  /** An output file exists and --force / force was not given. */
  FILE_EXISTS: 'ERR_FILE_EXISTS',
  /** An output file could not be written. */
  FILE_UNWRITABLE: 'ERR_FILE_UNWRITABLE',
  /** A command line that does not parse (unknown option, missing argument): exit code 2. */
  USAGE: 'ERR_USAGE',
  /** Something kms-wrap did not expect: a bug to report. Nothing was written. */
  INTERNAL: 'ERR_INTERNAL',
  /** Unwrapping (demo, tests) did not give back the material. */
  VERIFY_FAILED: 'ERR_VERIFY_FAILED',
  /** A batch manifest line (or wrapBatch entry) that is malformed, or outputs that collide. */
  MANIFEST_INVALID: 'ERR_MANIFEST_INVALID',
  /** Import parameters that contradict the command (README.txt names another wrapping algorithm...). */
  PARAMETERS_MISMATCH: 'ERR_PARAMETERS_MISMATCH',
  /** An expiry date for imported key material that KMS would refuse (past, over 365 days ahead). */
  VALID_TO_INVALID: 'ERR_VALID_TO_INVALID',
  /** The KMS key cannot take this import (Origin not EXTERNAL, its state, custom key store...): found before importing. */
  KMS_KEY_UNSUITABLE: 'ERR_KMS_KEY_UNSUITABLE',
  /** KMS refused a call (bad ciphertext, other material, expired or foreign token, key state, not found...). */
  KMS_REJECTED: 'ERR_KMS_REJECTED',
  /** The AWS credentials are valid but not allowed to make the call (IAM or key policy). */
  KMS_ACCESS_DENIED: 'ERR_KMS_ACCESS_DENIED',
  /** No usable AWS credentials: none found, expired, unknown profile, bad signature. */
  AWS_CREDENTIALS: 'ERR_AWS_CREDENTIALS',
  /** AWS configuration missing or wrong for the call (no region, ...). */
  AWS_CONFIG: 'ERR_AWS_CONFIG',
  /** KMS could not be reached (network, DNS, timeout, endpoint). */
  AWS_UNREACHABLE: 'ERR_AWS_UNREACHABLE',
  /** The AWS SDK for JavaScript v3 (@aws-sdk/client-kms) is needed and not installed. */
  AWS_SDK_MISSING: 'ERR_AWS_SDK_MISSING',
  /** A value a target's envelope needs that is missing or malformed (Azure's KEK id, ...), or given for another target. */
  TARGET_OPTION_INVALID: 'ERR_TARGET_OPTION_INVALID',
  /** A library call given an argument of the wrong type (a string where bytes are needed, no algorithm...). */
  ARGUMENT_INVALID: 'ERR_ARGUMENT_INVALID',
  /** PKCS#11 cannot be used: pkcs11js (or its addon) is not installed, or the module does not load. */
  TOKEN_UNAVAILABLE: 'ERR_TOKEN_UNAVAILABLE',
  /** A PKCS#11 URI (RFC 7512) that does not parse, or names what kms-wrap cannot use. */
  TOKEN_URI_INVALID: 'ERR_TOKEN_URI_INVALID',
  /** A PKCS#11 URI that matches no token or no object. */
  TOKEN_NOT_FOUND: 'ERR_TOKEN_NOT_FOUND',
  /** A PKCS#11 URI that matches several tokens or objects. */
  TOKEN_AMBIGUOUS: 'ERR_TOKEN_AMBIGUOUS',
  /** The token's PIN: missing, wrong (tried once, never again), locked, expired. */
  TOKEN_PIN: 'ERR_TOKEN_PIN',
  /** A key in a token that may not leave it, even wrapped (CKA_EXTRACTABLE false, or wrap-with-trusted only). */
  TOKEN_NOT_EXTRACTABLE: 'ERR_TOKEN_NOT_EXTRACTABLE',
  /** The token lacks a mechanism, a hash or a behaviour the wrap or keygen needs (SoftHSM 2.6's OAEP is SHA-1 only...). */
  TOKEN_UNSUPPORTED: 'ERR_TOKEN_UNSUPPORTED',
  /** The token refused a call for another reason: its CKR_ code is named. */
  TOKEN_FAILED: 'ERR_TOKEN_FAILED',
} as const;

export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

export class KmsWrapError extends Error {
  override readonly name = 'KmsWrapError';
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }

  /** One line, as the CLI prints it: `<CODE>: what is wrong — what to do`. */
  toLine(): string {
    return `${this.code}: ${this.message}`;
  }
}

/** The codes, for recognising a KmsWrapError made by another copy of core (see isKmsWrapError). */
const CODES: ReadonlySet<string> = new Set(Object.values(ERROR_CODES));

/**
 * True for a KmsWrapError, also one made by another copy of this module: a package loaded beside
 * a bundle (the CLI's bundle and @kms-wrap/pkcs11 from node_modules) has its own class object.
 */
export function isKmsWrapError(value: unknown): value is KmsWrapError {
  if (value instanceof KmsWrapError) return true;
  return (
    value instanceof Error &&
    value.name === 'KmsWrapError' &&
    CODES.has((value as { code?: unknown }).code as string) &&
    typeof (value as { toLine?: unknown }).toLine === 'function'
  );
}
