/**
 * Object identifiers keygen needs beyond core's OID table: the named curve each curve is written
 * with, and the key types it recognises only to refuse them with a reason.
 */
import { OID, type CurveName } from '@kms-wrap/core';

/** RFC 5480 §2.1.1.1 (P-256, P-384, P-521), SEC 2 v2 §A.2.1 (secp256k1), GM/T 0006-2012 (sm2p256v1). */
export const CURVE_OID: Readonly<Record<CurveName, string>> = {
  'P-256': OID.p256,
  'P-384': OID.p384,
  'P-521': OID.p521,
  secp256k1: OID.secp256k1,
  sm2p256v1: OID.sm2,
};

/** Private key algorithms that AWS KMS cannot import, by OID: named (with their article) in the refusal. */
export const FOREIGN_KEY_ALGORITHMS: Readonly<Record<string, string>> = {
  [OID.x25519]: 'an X25519',
  [OID.x448]: 'an X448',
  [OID.ed25519]: 'an Ed25519',
  [OID.ed448]: 'an Ed448',
  [OID.dsa]: 'a DSA',
  '1.2.840.113549.1.3.1': 'a Diffie-Hellman',
  '1.2.840.10046.2.1': 'an X9.42 Diffie-Hellman',
  [OID.rsassaPss]: 'an RSASSA-PSS (PSS-restricted RSA)',
};

/** ML-DSA private keys (FIPS 204, NIST CSOR): refused with the key spec's own reason. */
export const ML_DSA_KEY_SPECS: Readonly<Record<string, string>> = {
  [OID.mlDsa44]: 'ML_DSA_44',
  [OID.mlDsa65]: 'ML_DSA_65',
  [OID.mlDsa87]: 'ML_DSA_87',
};
