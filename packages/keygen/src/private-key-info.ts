/**
 * PKCS#8 PrivateKeyInfo (RFC 5208 §5; OneAsymmetricKey, RFC 5958 §2), the form AWS KMS imports
 * asymmetric key material in. Written with pkijs, read with an asn1js schema of the module:
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
import { toDer } from '@kms-wrap/core/encoding';

/** Encodes PrivateKeyInfo v1 with no attributes. `privateKey` stays the caller's to wipe. */
export function encodePrivateKeyInfo(algorithm: string, parameters: asn1js.AsnType, privateKey: Uint8Array): Uint8Array {
  const info = new PrivateKeyInfo({
    version: 0,
    privateKeyAlgorithm: new AlgorithmIdentifier({ algorithmId: algorithm, algorithmParams: parameters }),
    privateKey: new asn1js.OctetString({ valueHex: privateKey }),
  });
  return toDer(info.toSchema());
}

const privateKeyInfoSchema = (): asn1js.Sequence =>
  new asn1js.Sequence({
    value: [
      new asn1js.Integer({ name: 'version' }),
      new asn1js.Sequence({
        name: 'privateKeyAlgorithm',
        value: [new asn1js.ObjectIdentifier({ name: 'algorithm' }), new asn1js.Any({ name: 'parameters', optional: true })],
      }),
      new asn1js.OctetString({ name: 'privateKey' }),
      new asn1js.Constructed({
        name: 'attributes',
        optional: true,
        idBlock: { tagClass: 3, tagNumber: 0 },
        value: [new asn1js.Repeated({ value: new asn1js.Any() })],
      }),
      new asn1js.Primitive({ name: 'publicKey', optional: true, idBlock: { tagClass: 3, tagNumber: 1 } }),
    ],
  });

export interface PrivateKeyInfoFields {
  readonly version: asn1js.Integer;
  readonly algorithm: string;
  /** The AlgorithmIdentifier parameters as parsed, if present. */
  readonly parameters: asn1js.AsnType | undefined;
  /** The content of the privateKey OCTET STRING (a view into the parsed input). */
  readonly privateKey: Uint8Array;
}

/** The fields of a PrivateKeyInfo, or undefined if `node` does not have its shape. */
export function readPrivateKeyInfo(node: asn1js.AsnType): PrivateKeyInfoFields | undefined {
  const { verified, result } = asn1js.compareSchema(node, node, privateKeyInfoSchema());
  if (!verified) return undefined;
  const r = result as Record<string, asn1js.AsnType | undefined>;
  const privateKey = r['privateKey'];
  const version = r['version'];
  const algorithm = r['algorithm'];
  if (!(privateKey instanceof asn1js.OctetString) || privateKey.idBlock.isConstructed) return undefined;
  if (!(version instanceof asn1js.Integer) || !(algorithm instanceof asn1js.ObjectIdentifier)) return undefined;
  return {
    version,
    algorithm: algorithm.valueBlock.toString(),
    parameters: r['parameters'],
    privateKey: privateKey.valueBlock.valueHexView,
  };
}
