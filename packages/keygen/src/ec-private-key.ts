/**
 * ECPrivateKey (SEC1 v2 §C.4, RFC 5915 §3): the privateKey of an id-ecPublicKey PKCS#8 key, and
 * the body of an "EC PRIVATE KEY" PEM. Written with pkijs, read from core's DER nodes:
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
import {
  bitStringBytes,
  children,
  isContextTag,
  isInteger,
  isSequence,
  isUniversal,
  octetsOf,
  oidOf,
  smallInteger,
  type Asn1,
} from '@kms-wrap/core/encoding';
import { optionalFields } from './optional-fields.js';
import { toDer } from './pkijs-der.js';

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

/**
 * The values of an ECPrivateKey, or undefined if `node` does not have its shape: an INTEGER, a
 * primitive OCTET STRING, then optionally [0] holding the parameters and [1] holding a primitive
 * BIT STRING (each the first value of a constructed tag); values after those are not read.
 */
function ecPrivateKeyFields(
  node: Asn1,
): { version: Asn1; d: Uint8Array; parameters: Asn1 | undefined; publicKey: Asn1 | undefined } | undefined {
  if (!isSequence(node)) return undefined;
  const [version, privateKey, ...rest] = children(node);
  const d = octetsOf(privateKey);
  if (!isInteger(version) || d === undefined) return undefined;
  const parameters = (n: Asn1): boolean => isContextTag(n, 0) && n.constructed && n.items.length > 0;
  const publicKey = (n: Asn1): boolean => isContextTag(n, 1) && n.constructed && isUniversal(n.items[0], 3);
  const tail = optionalFields(rest, [parameters, publicKey]);
  if (tail === undefined) return undefined;
  return { version, d, parameters: tail[0]?.items[0], publicKey: tail[1]?.items[0] };
}

/** True if `node` has the shape of an ECPrivateKey (used to tell SEC1 DER from others). */
export function isEcPrivateKey(node: Asn1): boolean {
  return smallInteger(ecPrivateKeyFields(node)?.version) === 1;
}

export function readEcPrivateKey(node: Asn1, what: string): EcPrivateKeyFields {
  const fields = ecPrivateKeyFields(node);
  if (fields === undefined) {
    throw new KmsWrapError(ERROR_CODES.MATERIAL_INVALID, `${what} is not an ECPrivateKey — check that the file is an EC private key`);
  }
  if (smallInteger(fields.version) !== 1) {
    throw new KmsWrapError(ERROR_CODES.MATERIAL_INVALID, `${what} has ECPrivateKey version other than 1 — export it again`);
  }
  const { parameters, publicKey } = fields;
  let point: Uint8Array | undefined;
  if (publicKey !== undefined) {
    point = bitStringBytes(publicKey);
    if (point === undefined) {
      throw new KmsWrapError(ERROR_CODES.MATERIAL_INVALID, `${what} has a malformed public key field — export the key again`);
    }
  }
  const curveOid = oidOf(parameters);
  return {
    d: fields.d,
    ...(curveOid === undefined ? {} : { curveOid }),
    explicitParameters: parameters !== undefined && curveOid === undefined,
    ...(point === undefined ? {} : { point }),
  };
}
