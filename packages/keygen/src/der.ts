/**
 * Reading untrusted DER with asn1js, bounded (depth, node count, content length), and the
 * canonical INTEGER encoding (X.690 §8.3: two's complement, minimal length).
 */
import * as asn1js from 'asn1js';
import { ERROR_CODES, KmsWrapError } from '@kms-wrap/core';

export type Asn1 = asn1js.AsnType;

/**
 * A private key is a few kilobytes and a dozen nodes two levels deep; the limits leave room for
 * certificates (so they are recognised and named) and stop hostile nesting or length fields.
 */
const LIMITS = { maxDepth: 16, maxNodes: 2048, maxContentLength: 1 << 20, parseEmbedded: false, copyInput: false };

/**
 * Decodes one BER/DER value that must span all of `bytes`. The result views into `bytes`
 * (no copy), so the caller keeps ownership and can zero it. Throws MATERIAL_INVALID.
 */
export function parseDer(bytes: Uint8Array, what: string): Asn1 {
  if (bytes.length === 0) {
    throw new KmsWrapError(ERROR_CODES.MATERIAL_INVALID, `${what} is empty — check the file`);
  }
  if (bytes.length > LIMITS.maxContentLength) {
    throw new KmsWrapError(ERROR_CODES.MATERIAL_INVALID, `${what} is ${bytes.length} bytes, too large to be a private key — check the file`);
  }
  let parsed: ReturnType<typeof asn1js.fromBER>;
  try {
    parsed = asn1js.fromBER(bytes, LIMITS);
  } catch (cause) {
    throw new KmsWrapError(ERROR_CODES.MATERIAL_INVALID, `${what} is not valid DER — check that the file is whole and binary`, { cause });
  }
  if (parsed.offset === -1 || parsed.result.error) {
    throw new KmsWrapError(ERROR_CODES.MATERIAL_INVALID, `${what} is not valid DER (truncated or corrupt) — check that the file is whole and binary`);
  }
  if (parsed.offset !== bytes.length) {
    throw new KmsWrapError(
      ERROR_CODES.MATERIAL_INVALID,
      `${what} has ${bytes.length - parsed.offset} bytes after its DER value — check that the file holds one key and nothing else`,
    );
  }
  return parsed.result;
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

/** A small non-negative INTEGER (a version field) as a number; undefined otherwise. */
export function smallInteger(node: unknown): number | undefined {
  const v = unsignedInteger(node);
  if (v === undefined || v.length > 4) return undefined;
  let n = 0;
  for (const b of v) n = n * 256 + b;
  return n;
}

export function oidOf(node: unknown): string | undefined {
  return node instanceof asn1js.ObjectIdentifier ? node.valueBlock.toString() : undefined;
}

/** Encodes an asn1js value (from pkijs `toSchema()` or built here) to DER bytes. */
export function toDer(value: { toBER(sizeOnly?: boolean): ArrayBuffer }): Uint8Array {
  return new Uint8Array(value.toBER(false));
}
