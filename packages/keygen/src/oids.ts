/**
 * Object identifiers of the key types and named curves that keygen reads and writes, and of
 * the key types it recognises only to refuse them with a reason.
 */
import type { CurveName } from '@kms-wrap/core';

export const OID = {
  /** rsaEncryption, RFC 8017 §A.1 (parameters: NULL). */
  rsaEncryption: '1.2.840.113549.1.1.1',
  /** id-RSASSA-PSS, RFC 8017 §A.2.3: an RSA key restricted to PSS signatures. */
  rsassaPss: '1.2.840.113549.1.1.10',
  /** id-ecPublicKey, RFC 5480 §2.1.1 (parameters: namedCurve). */
  ecPublicKey: '1.2.840.10045.2.1',
  /** secp256r1 (prime256v1), RFC 5480 §2.1.1.1. */
  p256: '1.2.840.10045.3.1.7',
  /** secp384r1, RFC 5480 §2.1.1.1. */
  p384: '1.3.132.0.34',
  /** secp521r1, RFC 5480 §2.1.1.1. */
  p521: '1.3.132.0.35',
  /** secp256k1, SEC 2 v2 §A.2.1. */
  secp256k1: '1.3.132.0.10',
  /** sm2p256v1, GM/T 0006-2012 (OpenSSL: "sm2"). Some tools also use it as the key algorithm. */
  sm2: '1.2.156.10197.1.301',
} as const;

export const CURVE_OID: Readonly<Record<CurveName, string>> = {
  'P-256': OID.p256,
  'P-384': OID.p384,
  'P-521': OID.p521,
  secp256k1: OID.secp256k1,
  sm2p256v1: OID.sm2,
};

export function curveByOid(oid: string): CurveName | undefined {
  for (const [name, value] of Object.entries(CURVE_OID)) if (value === oid) return name as CurveName;
  return undefined;
}

/** Private key algorithms that AWS KMS cannot import, by OID: named (with their article) in the refusal. */
export const FOREIGN_KEY_ALGORITHMS: Readonly<Record<string, string>> = {
  '1.3.101.110': 'an X25519',
  '1.3.101.111': 'an X448',
  '1.3.101.112': 'an Ed25519',
  '1.3.101.113': 'an Ed448',
  '1.2.840.10040.4.1': 'a DSA',
  '1.2.840.113549.1.3.1': 'a Diffie-Hellman',
  '1.2.840.10046.2.1': 'an X9.42 Diffie-Hellman',
  [OID.rsassaPss]: 'an RSASSA-PSS (PSS-restricted RSA)',
};

/** ML-DSA private keys (FIPS 204, NIST CSOR): refused with the key spec's own reason. */
export const ML_DSA_KEY_SPECS: Readonly<Record<string, string>> = {
  '2.16.840.1.101.3.4.3.17': 'ML_DSA_44',
  '2.16.840.1.101.3.4.3.18': 'ML_DSA_65',
  '2.16.840.1.101.3.4.3.19': 'ML_DSA_87',
};
