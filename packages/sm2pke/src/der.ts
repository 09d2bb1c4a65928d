/**
 * A tiny DER (X.690 §8, §10) reader and writer: just what SM2Cipher and PKCS#8 need.
 * Single-byte tags, definite minimal lengths, every read bounds-checked. A reader reports
 * problems through `fail`, so each caller throws its own coded error.
 */

export const _TAG = {
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  SEQUENCE: 0x30,
} as const;

/** X.690 §8.1.3: definite length, short form below 128, else the minimal long form. */
export function _encodeLength(length: number): Uint8Array {
  if (length < 0x80) return Uint8Array.of(length);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  return Uint8Array.from([0x80 | bytes.length, ...bytes]);
}

export function _tlv(tag: number, content: Uint8Array): Uint8Array {
  const length = _encodeLength(content.length);
  const out = new Uint8Array(1 + length.length + content.length);
  out[0] = tag;
  out.set(length, 1);
  out.set(content, 1 + length.length);
  return out;
}

export function _concat(...parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/**
 * X.690 §8.3: a non-negative INTEGER from big-endian magnitude bytes, in the fewest octets:
 * leading zero bytes dropped, one 0x00 added when the high bit is set (else it would be
 * negative), and zero itself as the single octet 0x00.
 */
export function _unsignedInteger(magnitude: Uint8Array): Uint8Array {
  let i = 0;
  while (i < magnitude.length - 1 && magnitude[i] === 0) i++;
  const body = magnitude.subarray(i);
  if (body.length === 0) return _tlv(_TAG.INTEGER, Uint8Array.of(0));
  return _tlv(_TAG.INTEGER, body[0]! & 0x80 ? _concat(Uint8Array.of(0), body) : body);
}

/** The total length of a TLV whose content is `contentLength` bytes. */
export function _tlvLength(contentLength: number): number {
  return 1 + _encodeLength(contentLength).length + contentLength;
}

export class _DerReader {
  private pos: number;

  constructor(
    private readonly buf: Uint8Array,
    private readonly fail: (why: string) => never,
    start = 0,
    private readonly end = buf.length,
  ) {
    this.pos = start;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  /** The tag of the next element, or undefined at the end. */
  peekTag(): number | undefined {
    return this.done ? undefined : this.buf[this.pos];
  }

  /** Reads one element with tag `tag` and returns its content (a view, not a copy). */
  read(tag: number, what: string): Uint8Array {
    const [start, end] = this.readBounds(tag, what);
    return this.buf.subarray(start, end);
  }

  /** Reads a constructed element with tag `tag` and returns a reader over its content. */
  enter(tag: number, what: string): _DerReader {
    const [start, end] = this.readBounds(tag, what);
    return new _DerReader(this.buf, this.fail, start, end);
  }

  /** Refuses anything left after the last expected element. */
  finish(what: string): void {
    if (!this.done) this.fail(`unexpected data after ${what}`);
  }

  private readBounds(tag: number, what: string): [number, number] {
    if (this.pos >= this.end) this.fail(`${what} is missing`);
    const actual = this.buf[this.pos]!;
    if (actual !== tag) this.fail(`${what} has tag 0x${actual.toString(16)}, expected 0x${tag.toString(16)}`);
    let p = this.pos + 1;
    if (p >= this.end) this.fail(`${what} has no length`);
    const first = this.buf[p++]!;
    let length = first;
    if (first & 0x80) {
      // §8.1.3.5 long form; §10.1 DER: definite, minimal, and not used below 128
      const count = first & 0x7f;
      if (count === 0) this.fail(`${what} has an indefinite length`);
      if (count > 4) this.fail(`${what} has a length too large`);
      if (p + count > this.end) this.fail(`${what} is truncated`);
      if (this.buf[p] === 0) this.fail(`${what} has a non-minimal length`);
      length = 0;
      for (let i = 0; i < count; i++) length = length * 256 + this.buf[p++]!;
      if (length < 0x80) this.fail(`${what} has a non-minimal length`);
    }
    if (length > this.end - p) this.fail(`${what} is truncated`);
    this.pos = p + length;
    return [p, p + length];
  }
}

/**
 * X.690 §8.3.2: checks an INTEGER's content is minimal and non-negative, and returns its
 * magnitude without the sign octet.
 */
export function _readUnsigned(content: Uint8Array, what: string, fail: (why: string) => never): Uint8Array {
  if (content.length === 0) fail(`${what} is empty`);
  if (content[0]! & 0x80) fail(`${what} is negative`);
  if (content.length > 1 && content[0] === 0 && !(content[1]! & 0x80)) fail(`${what} is not minimally encoded`);
  return content[0] === 0 && content.length > 1 ? content.subarray(1) : content;
}
