/**
 * DER that is not a plaintext private key, recognised by shape (core's identifyDer, which also
 * names it for `inspect`) so that the refusal says what the file is instead of "invalid":
 *
 *   EncryptedPrivateKeyInfo ::= SEQUENCE {                 -- RFC 5208 §6, RFC 5958 §3
 *     encryptionAlgorithm  EncryptionAlgorithmIdentifier,
 *     encryptedData        EncryptedData }                 -- OCTET STRING
 *
 *   SubjectPublicKeyInfo ::= SEQUENCE {                    -- RFC 5280 §4.1
 *     algorithm            AlgorithmIdentifier,
 *     subjectPublicKey     BIT STRING }
 *
 *   RSAPublicKey ::= SEQUENCE {                            -- RFC 8017 §A.1.1
 *     modulus              INTEGER,
 *     publicExponent       INTEGER }
 *
 *   Certificate ::= SEQUENCE {                             -- RFC 5280 §4.1
 *     tbsCertificate       TBSCertificate,                 -- a SEQUENCE
 *     signatureAlgorithm   AlgorithmIdentifier,
 *     signatureValue       BIT STRING }
 */
import { ERROR_CODES, KmsWrapError } from '@kms-wrap/core';
import { identifyDer, type Asn1, type DerKind } from '@kms-wrap/core/encoding';

/** What the file is, in the refusal, for the kinds of DER that are a key's neighbours but not a private key. */
const NOT_A_PRIVATE_KEY: Partial<Record<DerKind, string>> = {
  spki: 'a public key (SubjectPublicKeyInfo)',
  'pkcs1-public': 'an RSA public key (PKCS#1 RSAPublicKey)',
  certificate: 'an X.509 certificate',
};

export const DECRYPT_HINT = 'decrypt it first: openssl pkcs8 -topk8 -nocrypt -in KEY -outform DER -out KEY.der';

/** Throws the refusal that fits `node`, a DER value that is not a plaintext private key. */
export function refuseForeignDer(node: Asn1, what: string): never {
  const kind = identifyDer(node);
  if (kind === 'encrypted-pkcs8') {
    throw new KmsWrapError(
      ERROR_CODES.MATERIAL_ENCRYPTED,
      `${what} is an encrypted PKCS#8 private key and KMS needs the plaintext key — ${DECRYPT_HINT}`,
    );
  }
  const name = NOT_A_PRIVATE_KEY[kind];
  if (name !== undefined) {
    throw new KmsWrapError(
      ERROR_CODES.MATERIAL_INVALID,
      `${what} is ${name}, not a private key — KMS imports the private key; use the private key file`,
    );
  }
  throw new KmsWrapError(
    ERROR_CODES.MATERIAL_INVALID,
    `${what} is DER but not a private key (PKCS#8, PKCS#1 or SEC1) — check that the file is the private key`,
  );
}
