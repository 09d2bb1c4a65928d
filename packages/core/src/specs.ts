/**
 * The vocabulary of AWS KMS key import: key specs of importable material, wrapping key
 * specs, wrapping algorithm ids and regions. Facts from the AWS KMS developer guide
 * ("Requirements for imported key material", "Select a wrapping algorithm").
 */
import { ERROR_CODES, KmsWrapError } from './errors.js';
import { didYouMean } from './suggest.js';

export const KEY_SPECS = [
  'SYMMETRIC_DEFAULT',
  'HMAC_224',
  'HMAC_256',
  'HMAC_384',
  'HMAC_512',
  'RSA_2048',
  'RSA_3072',
  'RSA_4096',
  'ECC_NIST_P256',
  'ECC_NIST_P384',
  'ECC_NIST_P521',
  'ECC_SECG_P256K1',
  'SM2',
] as const;
export type KeySpec = (typeof KEY_SPECS)[number];

export const WRAPPING_KEY_SPECS = ['RSA_2048', 'RSA_3072', 'RSA_4096', 'SM2'] as const;
export type WrappingKeySpec = (typeof WRAPPING_KEY_SPECS)[number];

/** The wrapping algorithms AWS KMS accepts today, in its preference order. */
export const KMS_ALGORITHM_IDS = [
  'RSA_AES_KEY_WRAP_SHA_256',
  'RSA_AES_KEY_WRAP_SHA_1',
  'RSAES_OAEP_SHA_256',
  'RSAES_OAEP_SHA_1',
  'SM2PKE',
] as const;
export type KmsAlgorithmId = (typeof KMS_ALGORITHM_IDS)[number];

export const REGIONS = ['standard', 'china'] as const;
/** `china` is the AWS China Regions (cn-north-1, cn-northwest-1); `standard` is every other. */
export type Region = (typeof REGIONS)[number];

/** The kinds of material AWS KMS imports. */
export type KmsMaterialKind = 'symmetric' | 'hmac' | 'rsa' | 'ecc' | 'sm2';
/** Every kind of material a target may import: AWS's, and Ed25519 private keys (Vault transit). */
export type MaterialKind = KmsMaterialKind | 'ed25519';

export type CurveName = 'P-256' | 'P-384' | 'P-521' | 'secp256k1' | 'sm2p256v1';

export interface KeySpecInfo {
  readonly spec: KeySpec;
  readonly kind: KmsMaterialKind;
  /** Raw byte length per region, for symmetric and HMAC material. */
  readonly rawLength?: { readonly standard?: number; readonly china?: number };
  readonly rsaBits?: number;
  readonly curve?: CurveName;
  /** Regions where KMS can import it. */
  readonly regions: readonly Region[];
  /** The seed's default file name for generated material. */
  readonly fileName: string;
}

const BOTH: readonly Region[] = ['standard', 'china'];

export const KEY_SPEC_INFO: Readonly<Record<KeySpec, KeySpecInfo>> = {
  SYMMETRIC_DEFAULT: {
    spec: 'SYMMETRIC_DEFAULT',
    kind: 'symmetric',
    rawLength: { standard: 32, china: 16 },
    regions: BOTH,
    fileName: 'PlaintextKeyMaterial.bin',
  },
  HMAC_224: {
    spec: 'HMAC_224',
    kind: 'hmac',
    rawLength: { standard: 28, china: 28 },
    regions: BOTH,
    fileName: 'HMAC_224_PlaintextKey.bin',
  },
  HMAC_256: {
    spec: 'HMAC_256',
    kind: 'hmac',
    rawLength: { standard: 32, china: 32 },
    regions: BOTH,
    fileName: 'HMAC_256_PlaintextKey.bin',
  },
  HMAC_384: {
    spec: 'HMAC_384',
    kind: 'hmac',
    rawLength: { standard: 48, china: 48 },
    regions: BOTH,
    fileName: 'HMAC_384_PlaintextKey.bin',
  },
  HMAC_512: {
    spec: 'HMAC_512',
    kind: 'hmac',
    rawLength: { standard: 64, china: 64 },
    regions: BOTH,
    fileName: 'HMAC_512_PlaintextKey.bin',
  },
  RSA_2048: { spec: 'RSA_2048', kind: 'rsa', rsaBits: 2048, regions: BOTH, fileName: 'RSA_2048_PrivateKey.der' },
  RSA_3072: { spec: 'RSA_3072', kind: 'rsa', rsaBits: 3072, regions: BOTH, fileName: 'RSA_3072_PrivateKey.der' },
  RSA_4096: { spec: 'RSA_4096', kind: 'rsa', rsaBits: 4096, regions: BOTH, fileName: 'RSA_4096_PrivateKey.der' },
  ECC_NIST_P256: { spec: 'ECC_NIST_P256', kind: 'ecc', curve: 'P-256', regions: BOTH, fileName: 'ECC_NIST_P256_PrivateKey.der' },
  ECC_NIST_P384: { spec: 'ECC_NIST_P384', kind: 'ecc', curve: 'P-384', regions: BOTH, fileName: 'ECC_NIST_P384_PrivateKey.der' },
  ECC_NIST_P521: { spec: 'ECC_NIST_P521', kind: 'ecc', curve: 'P-521', regions: BOTH, fileName: 'ECC_NIST_P521_PrivateKey.der' },
  ECC_SECG_P256K1: { spec: 'ECC_SECG_P256K1', kind: 'ecc', curve: 'secp256k1', regions: BOTH, fileName: 'ECC_SECG_P256K1_PrivateKey.der' },
  SM2: { spec: 'SM2', kind: 'sm2', curve: 'sm2p256v1', regions: ['china'], fileName: 'SM2_PrivateKey.der' },
};

export interface WrappingKeySpecInfo {
  readonly spec: WrappingKeySpec;
  readonly type: 'rsa' | 'sm2';
  readonly bits: number;
  readonly regions: readonly Region[];
}

export const WRAPPING_KEY_SPEC_INFO: Readonly<Record<WrappingKeySpec, WrappingKeySpecInfo>> = {
  RSA_2048: { spec: 'RSA_2048', type: 'rsa', bits: 2048, regions: BOTH },
  RSA_3072: { spec: 'RSA_3072', type: 'rsa', bits: 3072, regions: BOTH },
  RSA_4096: { spec: 'RSA_4096', type: 'rsa', bits: 4096, regions: BOTH },
  SM2: { spec: 'SM2', type: 'sm2', bits: 256, regions: ['china'] },
};

/**
 * Material that other targets import and AWS KMS does not. A material spec names the shape of
 * the bytes (AWS's key spec names serve as that vocabulary); each target maps the specs it
 * imports to its own names (targets.ts). Kept apart from KEY_SPECS so that AWS KMS's list, its
 * parsing and its refusals stay exactly as they are.
 */
export const EXTRA_MATERIAL_SPECS = ['ED25519'] as const;
export type ExtraMaterialSpec = (typeof EXTRA_MATERIAL_SPECS)[number];
/** A key spec of AWS KMS, or a material spec only other targets import. */
export type MaterialSpec = KeySpec | ExtraMaterialSpec;
export const MATERIAL_SPECS: readonly MaterialSpec[] = [...KEY_SPECS, ...EXTRA_MATERIAL_SPECS];

export interface MaterialSpecInfo {
  readonly spec: MaterialSpec;
  readonly kind: MaterialKind;
  readonly rawLength?: { readonly standard?: number; readonly china?: number };
  readonly rsaBits?: number;
  readonly curve?: CurveName;
  /** AWS regions where KMS can import it ([] for material AWS KMS never imports). */
  readonly regions: readonly Region[];
  readonly fileName: string;
}

export const MATERIAL_SPEC_INFO: Readonly<Record<MaterialSpec, MaterialSpecInfo>> = {
  ...KEY_SPEC_INFO,
  // RFC 8410 §7: an Ed25519 private key as PKCS#8 (OneAsymmetricKey), 48 bytes from OpenSSL.
  ED25519: { spec: 'ED25519', kind: 'ed25519', regions: ['standard'], fileName: 'ED25519_PrivateKey.der' },
};

export function isMaterialSpec(name: string): name is MaterialSpec {
  return (MATERIAL_SPECS as readonly string[]).includes(name);
}

/**
 * Parses a material spec name: exactly parseKeySpec when `allowed` holds only AWS KMS key specs
 * (the default), else any material spec in `allowed`. Whether a target imports it is the rules'
 * to judge, with the target's reason.
 */
export function parseMaterialSpec(name: string, allowed: readonly MaterialSpec[] = KEY_SPECS): MaterialSpec {
  const n = normalise(name);
  if (!allowed.every((s) => isKeySpec(s))) {
    if (isMaterialSpec(n) && allowed.includes(n)) return n;
  }
  return parseKeySpec(name);
}

/** Names people try that KMS cannot import, with the reason. */
const UNIMPORTABLE_KEY_SPECS: Readonly<Record<string, string>> = {
  ML_DSA_44: 'KMS cannot import ML-DSA key material; create the ML-DSA key in KMS instead',
  ML_DSA_65: 'KMS cannot import ML-DSA key material; create the ML-DSA key in KMS instead',
  ML_DSA_87: 'KMS cannot import ML-DSA key material; create the ML-DSA key in KMS instead',
  RSA_1024: 'KMS has no RSA_1024 key spec; use RSA_2048, RSA_3072 or RSA_4096',
  ECC_NIST_P224: 'KMS has no ECC_NIST_P224 key spec; use ECC_NIST_P256, ECC_NIST_P384 or ECC_NIST_P521',
};

/** Algorithms KMS used to accept and no longer does. */
export const DEPRECATED_ALGORITHMS: Readonly<Record<string, string>> = {
  RSAES_PKCS1_V1_5:
    'RSAES_PKCS1_V1_5 has not been accepted by AWS KMS since 10 October 2023 — use RSAES_OAEP_SHA_256 (symmetric, HMAC, ECC material) or RSA_AES_KEY_WRAP_SHA_256 (RSA, ECC material)',
};

function normalise(name: string): string {
  return name.trim().toUpperCase().replace(/-/g, '_');
}

export function isKeySpec(name: string): name is KeySpec {
  return (KEY_SPECS as readonly string[]).includes(name);
}

export function isWrappingKeySpec(name: string): name is WrappingKeySpec {
  return (WRAPPING_KEY_SPECS as readonly string[]).includes(name);
}

export function isRegion(name: string): name is Region {
  return (REGIONS as readonly string[]).includes(name);
}

/** Parses a user-given key spec name, refusing unknown and unimportable ones with the reason. */
export function parseKeySpec(name: string): KeySpec {
  const n = normalise(name);
  if (isKeySpec(n)) return n;
  const why = UNIMPORTABLE_KEY_SPECS[n];
  if (why !== undefined) {
    throw new KmsWrapError(ERROR_CODES.KEY_SPEC_UNSUPPORTED, `${n} cannot be imported — ${why}`);
  }
  throw new KmsWrapError(
    ERROR_CODES.UNKNOWN_NAME,
    `'${name}' is not a KMS key spec — ${didYouMean(name, KEY_SPECS)}use one of ${KEY_SPECS.join(', ')}`,
  );
}

export function parseWrappingKeySpec(name: string): WrappingKeySpec {
  const n = normalise(name);
  if (isWrappingKeySpec(n)) return n;
  throw new KmsWrapError(
    ERROR_CODES.UNKNOWN_NAME,
    `'${name}' is not a wrapping key spec — ${didYouMean(name, WRAPPING_KEY_SPECS)}use one of ${WRAPPING_KEY_SPECS.join(', ')} (RSA_4096 is preferred)`,
  );
}

/** Accepts `standard`, `china`, and AWS region names (`cn-north-1` → china). */
export function parseRegion(name: string): Region {
  const n = name.trim().toLowerCase();
  if (isRegion(n)) return n;
  if (/^cn-[a-z]+-\d+$/.test(n) || n === 'aws-cn' || n === 'cn') return 'china';
  if (/^[a-z]{2}(-gov)?-[a-z]+-\d+$/.test(n) || n === 'aws' || n === 'global') return 'standard';
  throw new KmsWrapError(
    ERROR_CODES.UNKNOWN_NAME,
    `'${name}' is not a region — use 'china' for the AWS China Regions, or 'standard' (the default) for every other`,
  );
}

/** The material length KMS expects for raw (symmetric, HMAC) key specs in a region. */
export function rawLengthOf(spec: KeySpec, region: Region): number | undefined {
  return KEY_SPEC_INFO[spec].rawLength?.[region];
}
