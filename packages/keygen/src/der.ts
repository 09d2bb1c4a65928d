/**
 * Reading untrusted DER (core's decodeDer: asn1js, bounded) and the canonical INTEGER encoding
 * (X.690 §8.3: two's complement, minimal length).
 */
import * as asn1js from 'asn1js';
import { ERROR_CODES, KmsWrapError, decodeDer } from '@kms-wrap/core';

/**
 * A private key is a few kilobytes and a dozen nodes two levels deep; the bounds leave room for
 * certificates (so they are recognised and named) and stop hostile nesting or length fields.
 */
const MAX_LENGTH = 1 << 20;
const MAX_NODES = 2048;

/**
 * Decodes one DER value that must span all of `bytes` (BER that is not DER is refused by core). The result views into `bytes`
 * (no copy), so the caller keeps ownership and can zero it. Throws MATERIAL_INVALID.
 */
export function parseDer(bytes: Uint8Array, what: string): asn1js.AsnType {
  if (bytes.length > MAX_LENGTH) {
    throw new KmsWrapError(ERROR_CODES.MATERIAL_INVALID, `${what} is ${bytes.length} bytes, too large to be a private key — check the file`);
  }
  return decodeDer(bytes, what, ERROR_CODES.MATERIAL_INVALID, MAX_NODES);
}

/** A DER INTEGER from an unsigned big-endian value: leading zeros dropped, 0x00 added before a high bit. */
export function derInteger(unsigned: Uint8Array): asn1js.Integer {
  let i = 0;
  while (i < unsigned.length - 1 && unsigned[i] === 0) i++;
  const v = unsigned.subarray(i);
  const pad = v.length === 0 || (v[0]! & 0x80) !== 0 ? 1 : 0;
  const content = new Uint8Array(v.length + pad);
  content.set(v, pad);
  return new asn1js.Integer({ valueHex: content });
}

/**
 * The value of a non-negative INTEGER as unsigned big-endian bytes without leading zeros (a
 * fresh copy the caller owns); undefined if the node is not an INTEGER or is negative.
 */
export function unsignedInteger(node: unknown): Uint8Array | undefined {
  if (!(node instanceof asn1js.Integer)) return undefined;
  const v = node.valueBlock.valueHexView;
  if (v.length === 0 || (v[0]! & 0x80) !== 0) return undefined;
  let i = 0;
  while (i < v.length - 1 && v[i] === 0) i++;
  return new Uint8Array(v.subarray(i));
}

/**
 * A small non-negative INTEGER (a version field) as a number; undefined otherwise. Stricter than
 * core's smallInteger: an INTEGER with no content octets (X.690 §8.3.1 wants one) is not 0.
 */
export function smallInteger(node: unknown): number | undefined {
  const v = unsignedInteger(node);
  if (v === undefined || v.length > 4) return undefined;
  let n = 0;
  for (const b of v) n = n * 256 + b;
  return n;
}

/** Encodes an asn1js value (from pkijs `toSchema()` or built here) to DER bytes. */
export function toDer(value: { toBER(sizeOnly?: boolean): ArrayBuffer }): Uint8Array {
  return new Uint8Array(value.toBER(false));
}
