/**
 * The bridge from core's DER contents to asn1js / pkijs schemas, for the structures keygen writes
 * with pkijs (PKCS#8, RSAPrivateKey, ECPrivateKey). Core reads DER with its own reader and writes
 * small structures byte by byte (@kms-wrap/core/encoding); asn1js is keygen's alone.
 */
import * as asn1js from 'asn1js';
import { unsignedIntegerContent } from '@kms-wrap/core/encoding';

/** An asn1js INTEGER of a non-negative big-endian magnitude, in its fewest octets (X.690 §8.3). */
export function asn1UnsignedInteger(magnitude: Uint8Array): asn1js.Integer {
  return new asn1js.Integer({ valueHex: unsignedIntegerContent(magnitude) });
}

/** Encodes an asn1js value (from pkijs `toSchema()` or built with asn1js) to DER bytes. */
export function toDer(value: { toBER(sizeOnly?: boolean): ArrayBuffer }): Uint8Array {
  return new Uint8Array(value.toBER(false));
}
