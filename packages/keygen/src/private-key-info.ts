/**
 * PKCS#8 PrivateKeyInfo (RFC 5208 §5; OneAsymmetricKey, RFC 5958 §2), the form AWS KMS imports
 * asymmetric key material in. Written with pkijs, read from core's DER nodes by the module:
 *
 *   PrivateKeyInfo ::= SEQUENCE {
 *     version                   Version,                        -- v1(0); RFC 5958: v2(1)
 *     privateKeyAlgorithm       PrivateKeyAlgorithmIdentifier,
 *     privateKey                PrivateKey,
 *     attributes            [0] IMPLICIT Attributes OPTIONAL,
 *     ...,
 *     [[2: publicKey        [1] IMPLICIT PublicKey OPTIONAL ]],  -- RFC 5958 only
 *     ... }
 *   Version ::= INTEGER
 *   PrivateKeyAlgorithmIdentifier ::= AlgorithmIdentifier
 *   PrivateKey ::= OCTET STRING
 *   Attributes ::= SET OF Attribute
 *
 *   AlgorithmIdentifier ::= SEQUENCE {                            -- RFC 5280 §4.1.1.2
 *     algorithm               OBJECT IDENTIFIER,
 *     parameters              ANY DEFINED BY algorithm OPTIONAL }
 *
 * The canonical form (what `openssl pkcs8 -topk8 -nocrypt -outform DER` prints) is version 0,
 * no attributes, no public key: the key type's own structure sits in `privateKey`.
 */
import * as asn1js from 'asn1js';
import { AlgorithmIdentifier, PrivateKeyInfo } from 'pkijs';
import { children, isContextTag, isInteger, isSequence, octetsOf, oidOf, type Asn1 } from '@kms-wrap/core/encoding';
import { optionalFields } from './optional-fields.js';
import { toDer } from './pkijs-der.js';

/** Encodes PrivateKeyInfo v1 with no attributes. `privateKey` stays the caller's to wipe. */
export function encodePrivateKeyInfo(algorithm: string, parameters: asn1js.AsnType, privateKey: Uint8Array): Uint8Array {
  const info = new PrivateKeyInfo({
    version: 0,
    privateKeyAlgorithm: new AlgorithmIdentifier({ algorithmId: algorithm, algorithmParams: parameters }),
    privateKey: new asn1js.OctetString({ valueHex: privateKey }),
  });
  return toDer(info.toSchema());
}

export interface PrivateKeyInfoFields {
  readonly version: Asn1;
  readonly algorithm: string;
  /** The AlgorithmIdentifier parameters as parsed, if present. */
  readonly parameters: Asn1 | undefined;
  /** The content of the privateKey OCTET STRING (a view into the parsed input). */
  readonly privateKey: Uint8Array;
}

/**
 * The fields of a PrivateKeyInfo, or undefined if `node` does not have its shape: an INTEGER, an
 * AlgorithmIdentifier, a primitive OCTET STRING, then optionally attributes (a constructed [0])
 * and publicKey (a primitive [1]); values after those are extensions, not read.
 */
export function readPrivateKeyInfo(node: Asn1): PrivateKeyInfoFields | undefined {
  if (!isSequence(node)) return undefined;
  const [version, privateKeyAlgorithm, privateKey, ...rest] = children(node);
  const [algorithm, parameters] = children(privateKeyAlgorithm);
  const oid = oidOf(algorithm);
  const octets = octetsOf(privateKey);
  if (!isInteger(version) || oid === undefined || octets === undefined) return undefined;
  const attributes = (n: Asn1): boolean => isContextTag(n, 0) && n.constructed;
  const publicKey = (n: Asn1): boolean => isContextTag(n, 1) && !n.constructed;
  if (optionalFields(rest, [attributes, publicKey]) === undefined) return undefined;
  return { version, algorithm: oid, parameters, privateKey: octets };
}
