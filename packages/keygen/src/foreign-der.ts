/**
 * DER that is not a plaintext private key, recognised by shape so that the refusal says what
 * the file is instead of "invalid":
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
import * as asn1js from 'asn1js';
import { ERROR_CODES, KmsWrapError } from '@kms-wrap/core';

const algorithmIdentifier = (name = ''): asn1js.Sequence =>
  new asn1js.Sequence({ name, value: [new asn1js.ObjectIdentifier(), new asn1js.Any({ optional: true })] });

const SHAPES = [
  {
    kind: 'encrypted',
    schema: () => new asn1js.Sequence({ value: [algorithmIdentifier(), new asn1js.OctetString()] }),
  },
  {
    kind: 'a public key (SubjectPublicKeyInfo)',
    schema: () => new asn1js.Sequence({ value: [algorithmIdentifier(), new asn1js.BitString()] }),
  },
  {
    kind: 'an RSA public key (PKCS#1 RSAPublicKey)',
    schema: () => new asn1js.Sequence({ value: [new asn1js.Integer(), new asn1js.Integer()] }),
  },
  {
    kind: 'an X.509 certificate',
    schema: () => new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [new asn1js.Repeated({ value: new asn1js.Any() })] }), algorithmIdentifier(), new asn1js.BitString()] }),
  },
] as const;

export const DECRYPT_HINT = 'decrypt it first: openssl pkcs8 -topk8 -nocrypt -in KEY -outform DER -out KEY.der';

/** Throws the refusal that fits `node`, a DER value that is not a plaintext private key. */
export function refuseForeignDer(node: asn1js.AsnType, what: string): never {
  for (const shape of SHAPES) {
    if (!asn1js.compareSchema(node, node, shape.schema()).verified) continue;
    if (shape.kind === 'encrypted') {
      throw new KmsWrapError(ERROR_CODES.MATERIAL_ENCRYPTED, `${what} is an encrypted PKCS#8 private key and KMS needs the plaintext key — ${DECRYPT_HINT}`);
    }
    throw new KmsWrapError(ERROR_CODES.MATERIAL_INVALID, `${what} is ${shape.kind}, not a private key — KMS imports the private key; use the private key file`);
  }
  throw new KmsWrapError(
    ERROR_CODES.MATERIAL_INVALID,
    `${what} is DER but not a private key (PKCS#8, PKCS#1 or SEC1) — check that the file is the private key`,
  );
}
