/**
 * ECPrivateKey (SEC1 v2 §C.4, RFC 5915 §3): the privateKey of an id-ecPublicKey PKCS#8 key, and
 * the body of an "EC PRIVATE KEY" PEM. Written with pkijs, read with an asn1js schema:
 *
 *   ECPrivateKey ::= SEQUENCE {
 *     version        INTEGER { ecPrivkeyVer1(1) } (ecPrivkeyVer1),
 *     privateKey     OCTET STRING,
 *     parameters [0] ECParameters {{ NamedCurve }} OPTIONAL,
 *     publicKey  [1] BIT STRING OPTIONAL }
 *
 *   ECParameters ::= CHOICE {                          -- RFC 5480 §2.1.1
 *     namedCurve      OBJECT IDENTIFIER
 *     -- implicitCurve   NULL
 *     -- specifiedCurve  SpecifiedECDomain }
 *
 * RFC 5915 §3: privateKey is the scalar as an octet string of ceiling(log2(n)/8) octets;
 * inside PKCS#8 the curve is named in the AlgorithmIdentifier, so `parameters` is left out
 * (OpenSSL writes it only in SEC1 files), and `publicKey` is the uncompressed point
 * (SEC1 v2 §2.3.3).
 */
import * as asn1js from 'asn1js';
import { ECPrivateKey, ECPublicKey } from 'pkijs';
import { ERROR_CODES, KmsWrapError } from '@kms-wrap/core';
import { oidOf, smallInteger, toDer } from '@kms-wrap/core/encoding';

/** Encodes version 1, the fixed-length scalar `d` and the uncompressed point `04 || x || y`. */
export function encodeEcPrivateKey(d: Uint8Array, point: Uint8Array): Uint8Array {
  const size = (point.length - 1) / 2;
  const value = new ECPrivateKey({
    version: 1,
    privateKey: new asn1js.OctetString({ valueHex: d }),
    publicKey: new ECPublicKey({ x: point.slice(1, 1 + size).buffer, y: point.slice(1 + size).buffer }),
  });
  return toDer(value.toSchema());
}

const ecPrivateKeySchema = (): asn1js.Sequence =>
  new asn1js.Sequence({
    value: [
      new asn1js.Integer({ name: 'version' }),
      new asn1js.OctetString({ name: 'privateKey' }),
      new asn1js.Constructed({ optional: true, idBlock: { tagClass: 3, tagNumber: 0 }, value: [new asn1js.Any({ name: 'parameters' })] }),
      new asn1js.Constructed({
        optional: true,
        idBlock: { tagClass: 3, tagNumber: 1 },
        value: [new asn1js.BitString({ name: 'publicKey' })],
      }),
    ],
  });

export interface EcPrivateKeyFields {
  /** The scalar as written (a view into the parsed input). */
  readonly d: Uint8Array;
  /** The named curve from [0], if present. */
  readonly curveOid?: string;
  /** [0] holds explicit curve parameters (SpecifiedECDomain), not a name. */
  readonly explicitParameters: boolean;
  /** The SEC1 point from [1], if present (a view into the parsed input). */
  readonly point?: Uint8Array;
}

/** True if `node` has the shape of an ECPrivateKey (used to tell SEC1 DER from others). */
export function isEcPrivateKey(node: asn1js.AsnType): boolean {
  const { verified, result } = asn1js.compareSchema(node, node, ecPrivateKeySchema());
  return verified && smallInteger((result as Record<string, asn1js.AsnType | undefined>)['version']) === 1;
}

export function readEcPrivateKey(node: asn1js.AsnType, what: string): EcPrivateKeyFields {
  const { verified, result } = asn1js.compareSchema(node, node, ecPrivateKeySchema());
  const r = result as Record<string, asn1js.AsnType | undefined>;
  const privateKey = r['privateKey'];
  if (!verified || !(privateKey instanceof asn1js.OctetString) || privateKey.idBlock.isConstructed) {
    throw new KmsWrapError(ERROR_CODES.MATERIAL_INVALID, `${what} is not an ECPrivateKey — check that the file is an EC private key`);
  }
  if (smallInteger(r['version']) !== 1) {
    throw new KmsWrapError(ERROR_CODES.MATERIAL_INVALID, `${what} has ECPrivateKey version other than 1 — export it again`);
  }
  const parameters = r['parameters'];
  const publicKey = r['publicKey'];
  let point: Uint8Array | undefined;
  if (publicKey instanceof asn1js.BitString) {
    if (publicKey.idBlock.isConstructed || publicKey.valueBlock.unusedBits !== 0) {
      throw new KmsWrapError(ERROR_CODES.MATERIAL_INVALID, `${what} has a malformed public key field — export the key again`);
    }
    point = publicKey.valueBlock.valueHexView;
  }
  const curveOid = oidOf(parameters);
  return {
    d: privateKey.valueBlock.valueHexView,
    ...(curveOid === undefined ? {} : { curveOid }),
    explicitParameters: parameters !== undefined && curveOid === undefined,
    ...(point === undefined ? {} : { point }),
  };
}
