/**
 * What a DER structure is, from its shape (the ASN.1 modules are quoted at each test).
 * Used by material inspection and wrapping key parsing, so that a key in the wrong place
 * gets a sentence about what it is, not "invalid".
 */
import { OID, children, isInteger, isSequence, isUniversal, oidOf, smallInteger, octetsOf, bitStringBytes, type Asn1 } from './der.js';
import type { CurveName } from './specs.js';

export type DerKind = 'pkcs8' | 'encrypted-pkcs8' | 'pkcs1-private' | 'sec1-private' | 'spki' | 'pkcs1-public' | 'certificate' | 'unknown';

/** The named curves of the key specs KMS imports (RFC 5480 §2.1.1.1, SEC 2 v2 §A.2.1, GM/T 0006-2012). */
export const CURVE_BY_OID: Readonly<Record<string, CurveName>> = {
  [OID.p256]: 'P-256',
  [OID.p384]: 'P-384',
  [OID.p521]: 'P-521',
  [OID.secp256k1]: 'secp256k1',
  [OID.sm2]: 'sm2p256v1',
};

/** The OID each curve is named with in a key: the inverse of CURVE_BY_OID. */
export const OID_BY_CURVE: Readonly<Record<CurveName, string>> = /* @__PURE__ */ Object.fromEntries(
  Object.entries(CURVE_BY_OID).map(([oid, curve]) => [curve, oid]),
) as Record<CurveName, string>;

/**
 * Key algorithms KMS cannot import, by OID, as named in a refusal with their article ("is an
 * Ed25519 private key"): the one table of them, for material inspection, wrapping keys and keygen.
 */
export const FOREIGN_KEY_TYPES: Readonly<Record<string, string>> = {
  [OID.ed25519]: 'an Ed25519',
  [OID.ed448]: 'an Ed448',
  [OID.x25519]: 'an X25519',
  [OID.x448]: 'an X448',
  [OID.dsa]: 'a DSA',
  [OID.dhKeyAgreement]: 'a Diffie-Hellman',
  [OID.dhPublicNumber]: 'an X9.42 Diffie-Hellman',
  [OID.rsassaPss]: 'an RSASSA-PSS (PSS-restricted RSA)',
  [OID.mlDsa44]: 'an ML-DSA-44',
  [OID.mlDsa65]: 'an ML-DSA-65',
  [OID.mlDsa87]: 'an ML-DSA-87',
};

/** ML-DSA keys (FIPS 204, NIST CSOR): the key spec name that parseKeySpec refuses with the reason. */
export const UNIMPORTABLE_SPEC_BY_OID: Readonly<Record<string, string>> = {
  [OID.mlDsa44]: 'ML_DSA_44',
  [OID.mlDsa65]: 'ML_DSA_65',
  [OID.mlDsa87]: 'ML_DSA_87',
};

export function identifyDer(node: Asn1): DerKind {
  if (!isSequence(node)) return 'unknown';
  const c = children(node);
  // PrivateKeyInfo ::= SEQUENCE { version INTEGER, privateKeyAlgorithm AlgorithmIdentifier,
  //   privateKey OCTET STRING, attributes [0] IMPLICIT Attributes OPTIONAL, ... }   (RFC 5208 §5, RFC 5958 §2)
  if (c.length >= 3 && smallInteger(c[0]) !== undefined && isSequence(c[1]) && octetsOf(c[2]) !== undefined) {
    return 'pkcs8';
  }
  // EncryptedPrivateKeyInfo ::= SEQUENCE { encryptionAlgorithm AlgorithmIdentifier, encryptedData OCTET STRING }  (RFC 5208 §6)
  if (c.length === 2 && isSequence(c[0]) && oidOf(children(c[0])[0]) !== undefined && octetsOf(c[1]) !== undefined) {
    return 'encrypted-pkcs8';
  }
  // SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier, subjectPublicKey BIT STRING }  (RFC 5280 §4.1)
  if (c.length === 2 && isSequence(c[0]) && bitStringBytes(c[1]) !== undefined) return 'spki';
  // RSAPrivateKey ::= SEQUENCE { version, modulus, publicExponent, privateExponent, prime1, prime2,
  //   exponent1, exponent2, coefficient, otherPrimeInfos OPTIONAL }  (RFC 8017 §A.1.2)
  if (c.length >= 9 && c.slice(0, 9).every(isInteger)) return 'pkcs1-private';
  // ECPrivateKey ::= SEQUENCE { version INTEGER (1), privateKey OCTET STRING, parameters [0], publicKey [1] }  (RFC 5915 §3)
  if (c.length >= 2 && smallInteger(c[0]) === 1 && octetsOf(c[1]) !== undefined) return 'sec1-private';
  // RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }  (RFC 8017 §A.1.1)
  if (c.length === 2 && c.every(isInteger)) return 'pkcs1-public';
  // Certificate ::= SEQUENCE { tbsCertificate SEQUENCE, signatureAlgorithm, signatureValue BIT STRING }
  if (c.length === 3 && isSequence(c[0]) && isSequence(c[1]) && (isUniversal(c[2], 3) || isUniversal(c[2], 3, true))) return 'certificate';
  return 'unknown';
}

export const DER_KIND_NAMES: Readonly<Record<DerKind, string>> = {
  pkcs8: 'a PKCS#8 private key',
  'encrypted-pkcs8': 'an encrypted PKCS#8 private key',
  'pkcs1-private': 'a PKCS#1 RSA private key',
  'sec1-private': 'a SEC1 EC private key',
  spki: 'a public key (SubjectPublicKeyInfo)',
  'pkcs1-public': 'a PKCS#1 RSA public key',
  certificate: 'an X.509 certificate',
  unknown: 'DER data of an unknown kind',
};
