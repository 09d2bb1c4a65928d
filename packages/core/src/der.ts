/**
 * Reading untrusted DER, bounded: depth, node count and content lengths are limited, the whole
 * input must be consumed, the bytes must be DER and not just BER (definite, minimal lengths;
 * minimal INTEGERs: `derProblem`), and every failure becomes a KmsWrapError with the caller's code
 * (never a TypeError), or a phrase the caller words (`readDer`). The reader is this file's own
 * (it replaced asn1js, whose acceptance it keeps: test/der-reader.test.ts holds the two side by
 * side on real keys and hostile mutations of them); der-encode.ts writes DER.
 */
import { KmsWrapError, type ErrorCode } from './errors.js';

/**
 * One BER value as read (X.690 §8.1): its identifier, its contents and, when it is constructed,
 * the values its contents encode. Every array is a view into the input (no copy).
 */
export interface Asn1 {
  /** X.690 §8.1.2.2: 0 universal, 1 application, 2 context-specific, 3 private. */
  readonly tagClass: number;
  /** The tag number; -1 when it is too long to hold (more than 8 octets), so it equals none asked for. */
  readonly tagNumber: number;
  readonly constructed: boolean;
  /** The contents octets (of an indefinite length: up to its end-of-contents). */
  readonly contents: Uint8Array;
  /** The values inside a constructed encoding, in order; none for a primitive one. */
  readonly items: readonly Asn1[];
}

const LIMITS = { maxDepth: 16, maxNodes: 4096, maxContentLength: 1 << 20 } as const;

const UNIVERSAL = 0;
const CONTEXT = 2;
/** Universal types whose encoding is always primitive (X.690 §8.2-8.5, §8.19-8.20, §8.25-8.26, ...). */
const ALWAYS_PRIMITIVE = [1, 2, 5, 6, 9, 13, 14, 23, 24, 31, 32, 33, 34];
/** What an end-of-contents (X.690 §8.1.5) reads as: it closes an indefinite length and is no value. */
const END_OF_CONTENTS: Asn1 = { tagClass: UNIVERSAL, tagNumber: 0, constructed: false, contents: new Uint8Array(0), items: [] };

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
    };

const WHOLE = 'check that the file is whole and binary';
const REEXPORT = 're-export it as DER (e.g. openssl pkey -outform DER), or use the file as its issuer wrote it';

/**
 * One BER value that must span the whole input, without the DER check, or why not: for telling
 * what a structure is before refusing it (material inspection). Everything else uses `readDer`.
 */
export function readBer(bytes: Uint8Array, maxNodes: number = LIMITS.maxNodes): DerRead {
  if (bytes.length === 0) return { problem: 'is empty', todo: 'check the file' };
  const read = berValue({ b: bytes, nodes: 0, maxNodes }, 0, bytes.length, 0);
  if (read === undefined || read.node === END_OF_CONTENTS) return { problem: 'is not valid DER (truncated or corrupt)', todo: WHOLE };
  if (read.end !== bytes.length) {
    return {
      problem: `has ${bytes.length - read.end} bytes after its DER value`,
      todo: 'check that the file holds one key and nothing else',
    };
  }
  return { node: read.node };
}

/** The input and the nodes read so far (a bound on them all, like depth and content length). */
interface Reader {
  readonly b: Uint8Array;
  nodes: number;
  readonly maxNodes: number;
}

/**
 * The BER value at `at`, whose identifier and length octets must end by `limit` (X.690 §8.1), and
 * where it ends; undefined if there is none within the bounds. Tags of any length, definite
 * lengths in any form, indefinite lengths of constructed values (closed by 00 00, §8.1.3.6); the
 * rules of X.690 that asn1js also enforced: types that are always primitive (or always
 * constructed) are, a BIT STRING has at most 7 unused bits, an OBJECT IDENTIFIER's last
 * subidentifier ends, a constructed BIT or OCTET STRING holds segments of its own type (§8.6.4,
 * §8.7.3); reserved universal tags (15, 37 and up) are refused. Recursion is bounded by
 * LIMITS.maxDepth.
 *
 * Contents are read as asn1js read them: within the input, not within the value that holds them,
 * a constructed value ending where its last value does. So a value whose length runs past the end
 * of its container is read, and readDer's check (`derProblem`) names the byte where the lengths
 * disagree, as it always has, rather than calling the input corrupt.
 */
function berValue(r: Reader, at: number, limit: number, depth: number): { node: Asn1; end: number } | undefined {
  const b = r.b;
  if (depth > LIMITS.maxDepth || ++r.nodes > r.maxNodes || at >= limit) return undefined;
  // Identifier octets, §8.1.2: class, constructed bit, tag number (high tag numbers base 128).
  const first = b[at]!;
  const tagClass = first >> 6;
  const constructed = (first & 0x20) !== 0;
  let tagNumber = first & 0x1f;
  let p = at + 1;
  if (tagNumber === 0x1f) {
    tagNumber = 0;
    const from = p;
    for (;;) {
      if (p >= limit) return undefined;
      const o = b[p++]!;
      tagNumber = tagNumber * 128 + (o & 0x7f);
      if ((o & 0x80) === 0) break;
    }
    if (p - from > 8 || !Number.isSafeInteger(tagNumber)) tagNumber = -1;
  }
  // Length octets, §8.1.3: short, long (at most 8 octets, FF reserved) or indefinite (80).
  if (p >= limit) return undefined;
  const lengthOctet = b[p++]!;
  let length = lengthOctet;
  const indefinite = lengthOctet === 0x80;
  if (lengthOctet > 0x80) {
    const n = lengthOctet & 0x7f;
    if (lengthOctet === 0xff || n > 8 || p + n > limit) return undefined;
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + b[p++]!;
  }
  if ((indefinite ? limit - p : length) > LIMITS.maxContentLength || (indefinite && !constructed)) return undefined;
  if (tagClass === UNIVERSAL) {
    if (tagNumber === 15 || tagNumber >= 37) return undefined;
    if (tagNumber === 0) return !constructed && length === 0 ? { node: END_OF_CONTENTS, end: p } : undefined;
    if (constructed ? ALWAYS_PRIMITIVE.includes(tagNumber) : tagNumber === 16 || tagNumber === 17) return undefined;
  }
  if (!constructed) {
    const end = p + length;
    if (end > b.length) return undefined;
    const contents = b.subarray(p, end);
    if (tagClass === UNIVERSAL && !primitiveFits(tagNumber, contents)) return undefined;
    return { node: { tagClass, tagNumber, constructed, contents, items: [] }, end };
  }
  const end = indefinite ? limit : p + length;
  if (end > b.length) return undefined;
  const items: Asn1[] = [];
  let q = p;
  let contentsEnd = end;
  while (indefinite || q < end) {
    const item = berValue(r, q, end, depth + 1);
    if (item === undefined) return undefined;
    if (item.node === END_OF_CONTENTS) {
      if (!indefinite) return undefined;
      contentsEnd = q;
      q = item.end;
      break;
    }
    items.push(item.node);
    q = item.end;
  }
  const node: Asn1 = { tagClass, tagNumber, constructed, contents: b.subarray(p, contentsEnd), items };
  if (tagClass === UNIVERSAL && (tagNumber === 3 || tagNumber === 4) && !segmentsFit(node)) return undefined;
  return { node, end: q };
}

/** The contents rules of a primitive universal value that the reader checks (see berValue). */
function primitiveFits(tagNumber: number, c: Uint8Array): boolean {
  switch (tagNumber) {
    case 3: // BIT STRING, §8.6.2.2: the initial octet counts the unused bits, 0 to 7.
      return c.length === 0 || c[0]! <= 7;
    case 6: // OBJECT IDENTIFIER, RELATIVE-OID, §8.19.2, §8.20.2: the last octet ends a subidentifier.
    case 13:
      return c.length === 0 || (c[c.length - 1]! & 0x80) === 0;
    case 28: // UniversalString: 4 octets a character; BMPString: 2.
      return c.length % 4 === 0;
    case 30:
      return c.length % 2 === 0;
    default:
      return true;
  }
}

/** §8.6.4, §8.7.3: a constructed BIT or OCTET STRING holds segments of its type; only the last segment of a BIT STRING has unused bits. */
function segmentsFit(node: Asn1): boolean {
  const last = node.items.length - 1;
  return node.items.every(
    (s, i) => s.tagClass === UNIVERSAL && s.tagNumber === node.tagNumber && (node.tagNumber === 4 || i === last || unusedBits(s) === 0),
  );
}

function unusedBits(s: Asn1): number {
  if (!s.constructed) return s.contents[0] ?? 0;
  const last = s.items[s.items.length - 1];
  return last === undefined ? 0 : unusedBits(last);
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
  throw new KmsWrapError(code, `${what} ${read.problem} — ${read.todo}`);
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

/** Nesting beyond the reader's bound is refused there; this only keeps the walker's recursion finite. */
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

/** Is `node` of the universal type `tagNumber` (2 INTEGER, 3 BIT STRING, ...), in the form given (primitive unless said)? */
export function isUniversal(node: Asn1 | undefined, tagNumber: number, constructed = false): node is Asn1 {
  return node !== undefined && node.tagClass === UNIVERSAL && node.tagNumber === tagNumber && node.constructed === constructed;
}

/** Is `node` the NULL of an AlgorithmIdentifier whose parameters must be NULL or absent? */
export function isNull(node: Asn1 | undefined): boolean {
  return isUniversal(node, 5);
}

/** The names asn1js gave the universal types, which refusals have always used ("of ASN.1 type BOOLEAN"). */
const TYPE_NAMES = [
  'EndOfContent',
  'BOOLEAN',
  'INTEGER',
  'BIT STRING',
  'OCTET STRING',
  'NULL',
  'OBJECT IDENTIFIER',
  '',
  '',
  '',
  'ENUMERATED',
  '',
  'UTF8String',
  'RelativeObjectIdentifier',
  'TIME',
  '',
  'SEQUENCE',
  'SET',
  'NumericString',
  'PrintableString',
  'TeletexString',
  'VideotexString',
  'IA5String',
  'UTCTime',
  'GeneralizedTime',
  'GraphicString',
  'VisibleString',
  'GeneralString',
  'UniversalString',
  'CharacterString',
  'BMPString',
  'DATE',
  'TimeOfDay',
  'DateTime',
  'Duration',
];

/**
 * What is wrong with an rsaEncryption AlgorithmIdentifier's parameters (RFC 8017 §A.1: "shall
 * have a value of type NULL"; RFC 3279 §2.3.1), or undefined if they are NULL or absent.
 */
export function rsaParametersProblem(alg: Asn1[]): string | undefined {
  if (alg.length === 1 || (alg.length === 2 && isNull(alg[1]))) return undefined;
  if (alg.length > 2) return `${alg.length - 1} parameters where rsaEncryption takes NULL`;
  const p = alg[1]!;
  const oid = oidOf(p);
  const type = (p.tagClass === UNIVERSAL && TYPE_NAMES[p.tagNumber]) || (p.constructed ? 'CONSTRUCTED' : 'PRIMITIVE');
  return `parameters ${oid !== undefined ? `OID ${oid}` : `of ASN.1 type ${type}`} where rsaEncryption takes NULL`;
}

export function isSequence(node: Asn1 | undefined): node is Asn1 {
  return isUniversal(node, 16, true);
}

/** The values of a SEQUENCE (a new array); none for anything else. */
export function children(node: Asn1 | undefined): Asn1[] {
  return isSequence(node) ? node.items.slice() : [];
}

/** Is `node` an INTEGER (of any contents)? */
export function isInteger(node: Asn1 | undefined): node is Asn1 {
  return isUniversal(node, 2);
}

/**
 * The dotted form of an OBJECT IDENTIFIER (X.690 §8.19: base-128 subidentifiers, the first one
 * 40·X + Y); undefined if `node` is not one.
 */
export function oidOf(node: Asn1 | undefined): string | undefined {
  if (!isUniversal(node, 6)) return undefined;
  const arcs: string[] = [];
  let v = 0n;
  for (const o of node.contents) {
    v = (v << 7n) | BigInt(o & 0x7f);
    if (o & 0x80) continue;
    if (arcs.length > 0) arcs.push(String(v));
    else arcs.push(v < 40n ? `0.${v}` : v < 80n ? `1.${v - 40n}` : `2.${v - 80n}`);
    v = 0n;
  }
  return arcs.join('.');
}

/** The content octets of an INTEGER, with any leading sign byte removed; undefined if not one. */
export function integerBytes(node: Asn1 | undefined): Uint8Array | undefined {
  if (!isInteger(node)) return undefined;
  let v = node.contents;
  while (v.length > 1 && v[0] === 0) v = v.subarray(1);
  return v;
}

/**
 * The value of a non-negative INTEGER as unsigned big-endian bytes without leading zeros (a view
 * into the parsed input: copy it to own it); undefined if `node` is not an INTEGER, has no
 * content octets (X.690 §8.3.1 wants one) or is negative.
 */
export function unsignedInteger(node: Asn1 | undefined): Uint8Array | undefined {
  if (!isInteger(node)) return undefined;
  const v = node.contents;
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
  if (!isInteger(node)) return false;
  const v = node.contents;
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

/** The contents of a primitive OCTET STRING; undefined if `node` is not one. */
export function octetsOf(node: Asn1 | undefined): Uint8Array | undefined {
  return isUniversal(node, 4) ? node.contents : undefined;
}

/** The bytes of a primitive BIT STRING with no unused bits. */
export function bitStringBytes(node: Asn1 | undefined): Uint8Array | undefined {
  if (!isUniversal(node, 3) || (node.contents[0] ?? 0) !== 0) return undefined;
  return node.contents.subarray(1);
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
  if (!isContextTag(node, n) || !node.constructed || node.items.length !== 1) return undefined;
  return node.items[0];
}

/** Is `node` tagged context-specific [n] (IMPLICIT or EXPLICIT)? */
export function isContextTag(node: Asn1 | undefined, n: number): node is Asn1 {
  return node !== undefined && node.tagClass === CONTEXT && node.tagNumber === n;
}

/** Context-specific tagged child [n] of a SEQUENCE, if present. */
export function tagged(nodes: Asn1[], n: number): Asn1 | undefined {
  return nodes.find((c) => isContextTag(c, n));
}
