/**
 * Reading untrusted DER with asn1js, bounded: depth, node count and lengths are limited by
 * asn1js's parser options, the whole input must be consumed, and every failure becomes a
 * KmsWrapError with the caller's code (never a TypeError).
 */
import * as asn1js from 'asn1js';
import { KmsWrapError, type ErrorCode } from './errors.js';

export type Asn1 = asn1js.AsnType;

const LIMITS = { maxDepth: 16, maxNodes: 4096, maxContentLength: 1 << 20, parseEmbedded: false, copyInput: false } as const;

export const OID = {
  rsaEncryption: '1.2.840.113549.1.1.1',
  rsassaPss: '1.2.840.113549.1.1.10',
  ecPublicKey: '1.2.840.10045.2.1',
  sm2: '1.2.156.10197.1.301',
  p256: '1.2.840.10045.3.1.7',
  p384: '1.3.132.0.34',
  p521: '1.3.132.0.35',
  secp256k1: '1.3.132.0.10',
  ed25519: '1.3.101.112',
  ed448: '1.3.101.113',
  x25519: '1.3.101.110',
  x448: '1.3.101.111',
  dsa: '1.2.840.10040.4.1',
  pbes2: '1.2.840.113549.1.5.13',
  mlDsa44: '2.16.840.1.101.3.4.3.17',
  mlDsa65: '2.16.840.1.101.3.4.3.18',
  mlDsa87: '2.16.840.1.101.3.4.3.19',
} as const;

/** Decodes one DER value that must span the whole input; `maxNodes` lowers or raises the node bound. */
export function decodeDer(bytes: Uint8Array, what: string, code: ErrorCode, maxNodes: number = LIMITS.maxNodes): Asn1 {
  if (bytes.length === 0) throw new KmsWrapError(code, `${what} is empty — check the file`);
  let parsed: ReturnType<typeof asn1js.fromBER>;
  try {
    parsed = asn1js.fromBER(bytes, { ...LIMITS, maxNodes });
  } catch (cause) {
    throw new KmsWrapError(code, `${what} is not valid DER — check that the file is whole and binary`, { cause });
  }
  if (parsed.offset === -1 || parsed.result.error) {
    throw new KmsWrapError(code, `${what} is not valid DER (truncated or corrupt) — check that the file is whole and binary`);
  }
  if (parsed.offset !== bytes.length) {
    throw new KmsWrapError(code, `${what} has ${bytes.length - parsed.offset} bytes after its DER value — check that the file holds one key and nothing else`);
  }
  return parsed.result as Asn1;
}

/** Quick structural test: one DER SEQUENCE whose length field spans the whole input. */
export function looksLikeDerSequence(bytes: Uint8Array): boolean {
  if (bytes.length < 2 || bytes[0] !== 0x30) return false;
  const first = bytes[1]!;
  if (first < 0x80) return first + 2 === bytes.length;
  const n = first & 0x7f;
  if (n === 0 || n > 4 || bytes.length < 2 + n) return false;
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + bytes[2 + i]!;
  return len + 2 + n === bytes.length;
}

export function isSequence(node: Asn1 | undefined): node is asn1js.Sequence {
  return node instanceof asn1js.Sequence;
}

export function children(node: Asn1 | undefined): Asn1[] {
  if (node instanceof asn1js.Sequence) return node.valueBlock.value as Asn1[];
  return [];
}

export function oidOf(node: Asn1 | undefined): string | undefined {
  return node instanceof asn1js.ObjectIdentifier ? node.valueBlock.toString() : undefined;
}

/** The content octets of an INTEGER, with any leading sign byte removed; undefined if not one. */
export function integerBytes(node: Asn1 | undefined): Uint8Array | undefined {
  if (!(node instanceof asn1js.Integer)) return undefined;
  let v = node.valueBlock.valueHexView;
  while (v.length > 1 && v[0] === 0) v = v.subarray(1);
  return v;
}

/**
 * True if `node` is an INTEGER in DER's form of a non-negative value (X.690 §8.3.2): no sign bit
 * set, and no leading zero octet that is not needed. A key's modulus and exponent must be.
 */
export function isDerUnsigned(node: Asn1 | undefined): boolean {
  if (!(node instanceof asn1js.Integer)) return false;
  const v = node.valueBlock.valueHexView;
  return v.length > 0 && (v[0]! & 0x80) === 0 && !(v.length > 1 && v[0] === 0 && (v[1]! & 0x80) === 0);
}

/** A small non-negative INTEGER as a number (versions); undefined if not one. */
export function smallInteger(node: Asn1 | undefined): number | undefined {
  const v = integerBytes(node);
  if (v === undefined || v.length > 4) return undefined;
  if (node instanceof asn1js.Integer && (node.valueBlock.valueHexView[0]! & 0x80) !== 0) return undefined;
  let n = 0;
  for (const b of v) n = n * 256 + b;
  return n;
}

export function octetsOf(node: Asn1 | undefined): Uint8Array | undefined {
  return node instanceof asn1js.OctetString && !node.idBlock.isConstructed ? node.valueBlock.valueHexView : undefined;
}

/** The bytes of a BIT STRING with no unused bits. */
export function bitStringBytes(node: Asn1 | undefined): Uint8Array | undefined {
  if (!(node instanceof asn1js.BitString) || node.idBlock.isConstructed) return undefined;
  if (node.valueBlock.unusedBits !== 0) return undefined;
  return node.valueBlock.valueHexView;
}

/** Bit length of a big-endian unsigned integer. */
export function bitLength(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length && bytes[i] === 0) i++;
  if (i === bytes.length) return 0;
  return (bytes.length - i - 1) * 8 + (32 - Math.clz32(bytes[i]!));
}

/** Context-specific tagged child [n] of a SEQUENCE, if present. */
export function tagged(nodes: Asn1[], n: number): Asn1 | undefined {
  return nodes.find((c) => c.idBlock.tagClass === 3 && c.idBlock.tagNumber === n);
}
