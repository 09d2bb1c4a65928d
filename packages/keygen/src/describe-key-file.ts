/**
 * describeKeyFile: what a key file is, for `kms-wrap inspect` — key type, KMS key spec, curve,
 * size, format, and whether KMS can import the bytes as they are. Raw symmetric/HMAC
 * material is known only by its length.
 */
import {
  ERROR_CODES,
  KEY_SPECS,
  KEY_SPEC_INFO,
  KmsWrapError,
  REGIONS,
  type CurveName,
  type KeySpec,
  type Region,
  type Surface,
} from '@kms-wrap/core';
import { sayOption, sayPass } from '@kms-wrap/core/internal';
import { bitLength, equalBytes, zeroize } from '@kms-wrap/core/encoding';
import { keySpecOf } from './key-spec-of.js';
import { encodePrivateKey, wipePrivateKey } from './private-key.js';
import { readPrivateKey, type KeyFormat } from './read-private-key.js';

export interface KeyFileInfo {
  /** The form of the bytes: a private key format, or raw (symmetric / HMAC) bytes. */
  readonly format: KeyFormat | 'raw';
  readonly type: 'rsa' | 'ec' | 'sm2' | 'raw';
  /** The KMS key spec, when exactly one fits (raw 32 bytes fit two: see candidates). */
  readonly keySpec?: KeySpec;
  /** Every KMS key spec the bytes can be imported as (empty for RSA sizes KMS lacks). */
  readonly candidates: readonly KeySpec[];
  readonly curve?: CurveName;
  /** RSA modulus bits, curve size in bits, or raw length in bits. */
  readonly bits: number;
  /** Length of the file in bytes. */
  readonly length: number;
  /** Regions whose KMS can import it (SM2 and 16-byte symmetric keys: China only). */
  readonly regions: readonly Region[];
  /** KMS can import these bytes as they are (binary PKCS#8 DER, or raw bytes of a key spec's length). */
  readonly importable: boolean;
  /** The bytes are exactly the canonical encoding keygen (and openssl pkcs8 -topk8) writes. */
  readonly canonical: boolean;
  /** What to do before importing, when anything. One line, no key material. */
  readonly advice?: string;
}

const CURVE_BITS: Readonly<Record<CurveName, number>> = { 'P-256': 256, 'P-384': 384, 'P-521': 521, secp256k1: 256, sm2p256v1: 256 };

const FORMAT_NAMES: Readonly<Record<KeyFormat, string>> = {
  'pkcs8-der': 'PKCS#8 DER',
  'pkcs8-pem': 'PKCS#8 PEM',
  'pkcs1-der': 'PKCS#1 DER',
  'pkcs1-pem': 'PKCS#1 PEM',
  'sec1-der': 'SEC1 DER',
  'sec1-pem': 'SEC1 PEM',
  jwk: 'JWK',
};

const CONVERT = 'convert it to binary PKCS#8 DER first (toPkcs8 in @kms-wrap/keygen, or openssl pkcs8 -topk8 -nocrypt -outform DER)';

/**
 * Describes a key file. Throws KmsWrapError for what is not key material at all (encrypted
 * keys: MATERIAL_ENCRYPTED; public keys, certificates, garbage: MATERIAL_INVALID).
 */
export function describeKeyFile(bytes: Uint8Array | string, options: { readonly surface?: Surface } = {}): KeyFileInfo {
  try {
    return describe(bytes, options.surface);
  } catch (error) {
    if (error instanceof KmsWrapError) throw error;
    throw new KmsWrapError(ERROR_CODES.MATERIAL_INVALID, 'the file could not be read as key material — check the file', { cause: error });
  }
}

function describe(bytes: Uint8Array | string, surface: Surface | undefined): KeyFileInfo {
  const length = typeof bytes === 'string' ? bytes.length : bytes.length;
  let read;
  try {
    read = readPrivateKey(bytes);
  } catch (error) {
    if (typeof bytes === 'string' || !(error instanceof KmsWrapError) || error.code !== ERROR_CODES.MATERIAL_INVALID) throw error;
    const raw = describeRaw(bytes.length, surface);
    if (raw !== undefined) return raw;
    if (bytes.length === 0 || bytes[0] === 0x30) throw error;
    throw new KmsWrapError(
      ERROR_CODES.MATERIAL_INVALID,
      `the file is ${bytes.length} bytes: not a private key (PKCS#8, PKCS#1, SEC1, PEM, JWK) and not raw key material (16, 28, 32, 48 or 64 bytes) — check the file`,
    );
  }
  const { from, key } = read;
  let canonicalDer: Uint8Array | undefined;
  try {
    const keySpec = keySpecOf(key);
    canonicalDer = encodePrivateKey(key);
    const canonical = from === 'pkcs8-der' && typeof bytes !== 'string' && equalBytes(canonicalDer, bytes);
    const curve = key.type === 'ec' ? key.ec.curve : undefined;
    const advice =
      keySpec === undefined
        ? 'KMS imports RSA_2048, RSA_3072 or RSA_4096 keys — use a key of one of those sizes'
        : from !== 'pkcs8-der'
          ? `the key is ${FORMAT_NAMES[from]} and KMS takes binary PKCS#8 DER — ${CONVERT}`
          : !canonical
            ? 're-encode it to canonical PKCS#8 DER (toPkcs8) — it has attributes, a missing or compressed public key, or non-minimal DER'
            : undefined;
    return {
      format: from,
      type: key.type === 'rsa' ? 'rsa' : curve === 'sm2p256v1' ? 'sm2' : 'ec',
      ...(keySpec === undefined ? {} : { keySpec }),
      candidates: keySpec === undefined ? [] : [keySpec],
      ...(curve === undefined ? {} : { curve }),
      bits: key.type === 'rsa' ? bitLength(key.rsa.n) : CURVE_BITS[key.ec.curve],
      length,
      regions: keySpec === undefined ? [] : KEY_SPEC_INFO[keySpec].regions,
      importable: from === 'pkcs8-der' && keySpec !== undefined,
      canonical,
      ...(advice === undefined ? {} : { advice }),
    };
  } finally {
    zeroize(canonicalDer);
    wipePrivateKey(key);
  }
}

/** Raw bytes of a length some key spec takes, in some region. */
function describeRaw(length: number, surface: Surface | undefined): KeyFileInfo | undefined {
  const candidates = KEY_SPECS.filter((s) => REGIONS.some((r) => KEY_SPEC_INFO[s].rawLength?.[r] === length));
  if (candidates.length === 0) return undefined;
  const regions = REGIONS.filter((r) => candidates.some((s) => KEY_SPEC_INFO[s].rawLength?.[r] === length));
  const chinaOnly = regions.length === 1 && regions[0] === 'china';
  const advice =
    candidates.length > 1
      ? `raw ${length} bytes fit ${candidates.join(' and ')} — name the key spec of the KMS key (${sayOption(surface, 'keySpec')})`
      : chinaOnly
        ? `${length}-byte symmetric keys (SM4-128) are imported only in the AWS China Regions — ${sayPass(surface, 'region', 'china')}`
        : undefined;
  return {
    format: 'raw',
    type: 'raw',
    ...(candidates.length === 1 ? { keySpec: candidates[0]! } : {}),
    candidates,
    bits: length * 8,
    length,
    regions,
    importable: true,
    canonical: true,
    ...(advice === undefined ? {} : { advice }),
  };
}
