/**
 * Reading untrusted DER with asn1js, bounded: depth, node count and lengths are limited by
 * asn1js's parser options, the whole input must be consumed, the bytes must be DER and not just
 * BER (definite, minimal lengths; minimal INTEGERs: `derProblem`), and every failure becomes a
 * KmsWrapError with the caller's code (never a TypeError), or a phrase the caller words
 * (`readDer`). This file owns that check; der-encode.ts writes DER.
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
  dhKeyAgreement: '1.2.840.113549.1.3.1',
  dhPublicNumber: '1.2.840.10046.2.1',
  pbes2: '1.2.840.113549.1.5.13',
  mlDsa44: '2.16.840.1.101.3.4.3.17',
  mlDsa65: '2.16.840.1.101.3.4.3.18',
  mlDsa87: '2.16.840.1.101.3.4.3.19',
} as const;

/** What `readBer` and `readDer` give: the value, or why there is none and what to do about it. */
export type DerRead =
  | { readonly node: Asn1; readonly problem?: undefined }
  | {
      readonly node?: undefined;
      /** Follows the thing's name: "is empty", "has 2 bytes after its DER value", "is not DER: ...". */
      readonly problem: string;
      /** What to do, after the dash of a refusal. */
      readonly todo: string;
      readonly cause?: unknown;
    };

const WHOLE = 'check that the file is whole and binary';
const REEXPORT = 're-export it as DER (e.g. openssl pkey -outform DER), or use the file as its issuer wrote it';

/**
 * One BER value that must span the whole input, without the DER check, or why not: for telling
 * what a structure is before refusing it (material inspection). Everything else uses `readDer`.
 */
export function readBer(bytes: Uint8Array, maxNodes: number = LIMITS.maxNodes): DerRead {
  if (bytes.length === 0) return { problem: 'is empty', todo: 'check the file' };
  let parsed: ReturnType<typeof asn1js.fromBER>;
  try {
    parsed = asn1js.fromBER(bytes, { ...LIMITS, maxNodes });
  } catch (cause) {
    return { problem: 'is not valid DER', todo: WHOLE, cause };
  }
  if (parsed.offset === -1 || parsed.result.error) return { problem: 'is not valid DER (truncated or corrupt)', todo: WHOLE };
  if (parsed.offset !== bytes.length) {
    return {
      problem: `has ${bytes.length - parsed.offset} bytes after its DER value`,
      todo: 'check that the file holds one key and nothing else',
    };
  }
  return { node: parsed.result as Asn1 };
}

/**
 * One DER value that must span the whole input, or why not; `maxNodes` lowers or raises the node
 * bound. BER that is not DER (indefinite or non-minimal lengths, non-minimal INTEGERs) is refused
 * (`derProblem`), so what is accepted is what KMS and every other DER reader will read alike.
 * The nodes view into `bytes` (no copy): the caller keeps ownership and can zero them.
 */
export function readDer(bytes: Uint8Array, maxNodes: number = LIMITS.maxNodes): DerRead {
  const read = readBer(bytes, maxNodes);
  if (read.problem !== undefined) return read;
  const problem = derProblem(bytes);
  return problem === undefined ? read : { problem: `is not DER: ${problem}`, todo: REEXPORT };
}

function refuse(read: Exclude<DerRead, { problem?: undefined }>, what: string, code: ErrorCode): never {
  throw new KmsWrapError(code, `${what} ${read.problem} — ${read.todo}`, { cause: read.cause });
}

/** `readBer`, refusing with the caller's code and `what` named. */
export function decodeBer(bytes: Uint8Array, what: string, code: ErrorCode, maxNodes: number = LIMITS.maxNodes): Asn1 {
  const read = readBer(bytes, maxNodes);
  if (read.problem !== undefined) refuse(read, what, code);
  return read.node;
}

/** `readDer`, refusing with the caller's code and `what` named (a KmsWrapError, never a TypeError). */
export function decodeDer(bytes: Uint8Array, what: string, code: ErrorCode, maxNodes: number = LIMITS.maxNodes): Asn1 {
  const read = readDer(bytes, maxNodes);
  if (read.problem !== undefined) refuse(read, what, code);
  return read.node;
}

/** Refuses `bytes` unless they are DER throughout (see `derProblem`), naming what and where. */
export function assertDer(bytes: Uint8Array, what: string, code: ErrorCode): void {
  const problem = derProblem(bytes);
  if (problem !== undefined) refuse({ problem: `is not DER: ${problem}`, todo: REEXPORT }, what, code);
}

/** Nesting beyond asn1js's bound is refused there; this only keeps the walker's recursion finite. */
const MAX_WALK_DEPTH = 64;

/** One TLV's header, read by `derHeader`. */
export interface DerHeader {
  /** The first identifier octet (class, constructed bit, and the tag number when below 31). */
  readonly tag: number;
  /** First content octet. */
  readonly start: number;
  /** One past the last content octet. */
  readonly end: number;
}

/**
 * The header of the DER value at `at`, which must end by `end` (X.690 §8.1.2-3, §10.1), or why it
 * is not one: tags in their shortest form, lengths definite, shortest, at most 4 octets, and
 * within `end`. The one header reader of the DER walker and of the RSA PKCS#8 fast path.
 */
export function derHeader(b: Uint8Array, at: number, end: number): DerHeader | string {
  let p = at;
  const tag = b[p++]!;
  if ((tag & 0x1f) === 0x1f) {
    // High tag number form (§8.1.2.4): base-128, no leading 0x80, only for numbers of 31 or more.
    if (p < end && b[p] === 0x80) return `a non-minimal tag at byte ${at}`;
    let number = 0;
    let octets = 0;
    for (;;) {
      if (p >= end) return `a truncated tag at byte ${at}`;
      const o = b[p++]!;
      number = number * 128 + (o & 0x7f);
      if (++octets > 4) return `an oversized tag at byte ${at}`;
      if ((o & 0x80) === 0) break;
    }
    if (number < 31) return `a non-minimal tag at byte ${at}`;
  }
  if (p >= end) return `a truncated value at byte ${at}`;
  const lengthAt = p;
  const first = b[p++]!;
  let length = first;
  if (first === 0x80) return `an indefinite length at byte ${lengthAt}`;
  if (first > 0x80) {
    const n = first & 0x7f;
    if (n > 4) return `an oversized length at byte ${lengthAt}`;
    if (p + n > end) return `a truncated length at byte ${lengthAt}`;
    if (b[p] === 0) return `a non-minimal length at byte ${lengthAt}`;
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + b[p++]!;
    if (length < 0x80) return `a non-minimal length at byte ${lengthAt}`;
  }
  if (length > end - p) return `a length past the end of its value at byte ${lengthAt}`;
  return { tag, start: p, end: p + length };
}

/**
 * Why `b` is not a sequence of DER values (X.690 §10.1, §8.1.3, §8.3.2, §8.19.2, §11.1), or undefined if it
 * is: every tag and length is walked, constructed values are entered, and each length must be
 * definite, in its shortest form and within its enclosing value; INTEGERs and OBJECT IDENTIFIER
 * subidentifiers must be minimal, BOOLEANs 00 or FF and NULLs empty. Offsets are of the offending octet, counted from 0.
 * The contents of OCTET and BIT STRINGs are not entered (their readers decode them with decodeDer).
 */
export function derProblem(b: Uint8Array): string | undefined {
  return walk(b, 0, b.length, 0);
}

function walk(b: Uint8Array, start: number, end: number, depth: number): string | undefined {
  if (depth > MAX_WALK_DEPTH) return `nesting deeper than ${MAX_WALK_DEPTH} at byte ${start}`;
  for (let p = start; p < end;) {
    const h = derHeader(b, p, end);
    if (typeof h === 'string') return h;
    const { tag } = h;
    const length = h.end - h.start;
    if (tag === 0x23 || tag === 0x24) return `a constructed string at byte ${p}`;
    if (tag & 0x20) {
      const inner = walk(b, h.start, h.end, depth + 1);
      if (inner !== undefined) return inner;
    } else if (tag === 0x02) {
      if (length === 0) return `an empty INTEGER at byte ${p}`;
      if (!isMinimalInteger(b, h.start, h.end)) return `a non-minimal INTEGER at byte ${p}`;
    } else if (tag === 0x01) {
      if (length !== 1 || (b[h.start] !== 0x00 && b[h.start] !== 0xff)) return `a BOOLEAN that is not 00 or FF at byte ${p}`;
    } else if (tag === 0x05) {
      if (length !== 0) return `a NULL with content at byte ${p}`;
    } else if (tag === 0x06) {
      // §8.19.2: subidentifiers in base 128, each in its fewest octets (none starts with 0x80), the last one ended.
      if (length === 0 || (b[h.end - 1]! & 0x80) !== 0) return `a malformed OBJECT IDENTIFIER at byte ${p}`;
      for (let i = h.start; i < h.end; i++) {
        if (b[i] === 0x80 && (i === h.start || (b[i - 1]! & 0x80) === 0)) return `a non-minimal OBJECT IDENTIFIER at byte ${p}`;
      }
    }
    p = h.end;
  }
  return undefined;
}

/**
 * Are the contents b[start, end) of an INTEGER in their shortest form (X.690 §8.3.2): no leading
 * 00 before a byte < 80, no leading FF before a byte >= 80? (Empty contents are not an INTEGER.)
 */
export function isMinimalInteger(b: Uint8Array, start: number, end: number): boolean {
  if (end - start < 2) return end > start;
  const first = b[start]!;
  const high = b[start + 1]! & 0x80;
  return !((first === 0x00 && high === 0) || (first === 0xff && high !== 0));
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

/** Is `node` the NULL of an AlgorithmIdentifier whose parameters must be NULL or absent? */
export function isNull(node: Asn1 | undefined): boolean {
  return node instanceof asn1js.Null;
}

/**
 * What is wrong with an rsaEncryption AlgorithmIdentifier's parameters (RFC 8017 §A.1: "shall
 * have a value of type NULL"; RFC 3279 §2.3.1), or undefined if they are NULL or absent.
 */
export function rsaParametersProblem(alg: Asn1[]): string | undefined {
  if (alg.length === 1 || (alg.length === 2 && isNull(alg[1]))) return undefined;
  if (alg.length > 2) return `${alg.length - 1} parameters where rsaEncryption takes NULL`;
  const oid = oidOf(alg[1]);
  return `parameters ${oid !== undefined ? `OID ${oid}` : `of ASN.1 type ${(alg[1]!.constructor as { NAME?: string }).NAME ?? '?'}`} where rsaEncryption takes NULL`;
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
 * The value of a non-negative INTEGER as unsigned big-endian bytes without leading zeros (a view
 * into the parsed input: copy it to own it); undefined if `node` is not an INTEGER, has no
 * content octets (X.690 §8.3.1 wants one) or is negative.
 */
export function unsignedInteger(node: Asn1 | undefined): Uint8Array | undefined {
  if (!(node instanceof asn1js.Integer)) return undefined;
  const v = node.valueBlock.valueHexView;
  if (v.length === 0 || (v[0]! & 0x80) !== 0) return undefined;
  let i = 0;
  while (i < v.length - 1 && v[i] === 0) i++;
  return v.subarray(i);
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

/** A small non-negative INTEGER as a number (versions); undefined if not one (nor an empty INTEGER). */
export function smallInteger(node: Asn1 | undefined): number | undefined {
  const v = unsignedInteger(node);
  if (v === undefined || v.length > 4) return undefined;
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

/** The one value inside an EXPLICIT context-specific tag [n] (a constructed [n] holding exactly one value). */
export function explicitValue(node: Asn1 | undefined, n: number): Asn1 | undefined {
  if (!(node instanceof asn1js.Constructed) || node.idBlock.tagClass !== 3 || node.idBlock.tagNumber !== n) return undefined;
  const inner = node.valueBlock.value as Asn1[];
  return inner.length === 1 ? inner[0] : undefined;
}

/** Is `node` tagged context-specific [n] (class 3, IMPLICIT or EXPLICIT)? */
export function isContextTag(node: Asn1 | undefined, n: number): boolean {
  return node !== undefined && node.idBlock.tagClass === 3 && node.idBlock.tagNumber === n;
}

/** Context-specific tagged child [n] of a SEQUENCE, if present. */
export function tagged(nodes: Asn1[], n: number): Asn1 | undefined {
  return nodes.find((c) => c.idBlock.tagClass === 3 && c.idBlock.tagNumber === n);
}
