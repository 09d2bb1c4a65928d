/** Text encodings of DER: base64, PEM; hex, text and big-integer conversions. No runtime imports (no Buffer, no atob). */
import { ERROR_CODES, KmsWrapError, type ErrorCode } from './errors.js';

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX = new Int16Array(128).fill(-1);
for (let i = 0; i < 64; i++) B64_INDEX[B64.charCodeAt(i)] = i;
B64_INDEX['-'.charCodeAt(0)] = 62; // base64url
B64_INDEX['_'.charCodeAt(0)] = 63;

export function toBase64(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += B64[n >> 18]! + B64[(n >> 12) & 63]! + B64[(n >> 6) & 63]! + B64[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += B64[n >> 18]! + B64[(n >> 12) & 63]! + '==';
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += B64[n >> 18]! + B64[(n >> 12) & 63]! + B64[(n >> 6) & 63]! + '=';
  }
  return out;
}

/**
 * Strict base64 / base64url decoding; white space is ignored. Returns undefined if not base64.
 * With `only`, the other alphabet is refused (RFC 4648 §4 base64, §5 base64url) and so is a
 * non-canonical encoding: the unused bits of the last character must be zero (§3.5).
 */
export function fromBase64(text: string, only?: 'base64' | 'base64url'): Uint8Array | undefined {
  const clean = text.replace(/\s+/g, '');
  const body = clean.replace(/={1,2}$/, '');
  if (body.length === 0 || body.length % 4 === 1 || /=/.test(body)) return undefined;
  if ((only === 'base64' && /[-_]/.test(body)) || (only === 'base64url' && /[+/]/.test(body))) return undefined;
  if (clean.length !== body.length && clean.length % 4 !== 0) return undefined;
  const out = new Uint8Array(Math.floor((body.length * 3) / 4));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body.charCodeAt(i);
    const v = c < 128 ? B64_INDEX[c]! : -1;
    if (v < 0) {
      out.fill(0);
      return undefined;
    }
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  if (only !== undefined && (acc & ((1 << bits) - 1)) !== 0) {
    out.fill(0);
    return undefined;
  }
  return out;
}

export interface PemBlock {
  readonly label: string;
  readonly der: Uint8Array;
  /** Headers such as `Proc-Type: 4,ENCRYPTED` (legacy OpenSSL encryption). */
  readonly headers: readonly string[];
}

// RFC 7468 §3: "-----BEGIN " label "-----" ... "-----END " label "-----", the same label.
const PEM_BEGIN = /-----BEGIN ([A-Z0-9][A-Z0-9 #-]{0,60})-----/g;
const PEM_END = /-----END ([A-Z0-9][A-Z0-9 #-]{0,60})-----/g;
/** An RFC 1421 §4.6 header line (`Proc-Type: 4,ENCRYPTED`), as OpenSSL's legacy encryption writes. */
const PEM_HEADER = /^[A-Za-z-]+:/;

/** True if the text holds a PEM BEGIN line (then parsePem reads it or says why not). */
export function isPem(text: string): boolean {
  return text.includes('-----BEGIN ');
}

/**
 * Every PEM block in a text (RFC 7468 §2-3; OpenSSL's legacy headers, RFC 1421 §4.6), in order.
 * Text outside the blocks (OpenSSL's "Bag Attributes", comments) is ignored, as OpenSSL does.
 * Strict: a block must end with its own label, and its body must be canonical base64 (RFC 4648
 * §4, §3.5). A text with a BEGIN line and no complete block is refused; one with no BEGIN line
 * has no blocks. Refusals carry `code`.
 */
export function parsePem(text: string, code: ErrorCode = ERROR_CODES.MATERIAL_INVALID): PemBlock[] {
  const blocks: PemBlock[] = [];
  // Each BEGIN line, then the first END line after it. Once a BEGIN has no END after it, no later
  // one has: stop there (one regex over the whole text retried every BEGIN to the end of the
  // text, quadratic: a 1 MiB file of BEGIN lines took a minute).
  const begin = new RegExp(PEM_BEGIN);
  const end = new RegExp(PEM_END);
  for (let m = begin.exec(text); m !== null; m = begin.exec(text)) {
    const label = m[1]!;
    end.lastIndex = begin.lastIndex;
    const e = end.exec(text);
    if (e === null) break;
    if (e[1] !== label) throw new KmsWrapError(code, `the PEM block ${label} ends with a different label — the file is damaged`);
    const lines = text.slice(begin.lastIndex, e.index).split(/\r?\n/);
    begin.lastIndex = end.lastIndex;
    const headers = lines.filter((l) => PEM_HEADER.test(l.trim())).map((l) => l.trim());
    const body = lines.filter((l) => !PEM_HEADER.test(l.trim())).join('');
    const der = fromBase64(body, 'base64');
    if (der === undefined) throw new KmsWrapError(code, `the PEM block ${label} is not valid base64 — the file is damaged or truncated`);
    blocks.push({ label, der, headers });
  }
  if (blocks.length === 0 && text.includes('-----BEGIN')) {
    throw new KmsWrapError(code, 'the PEM text has no complete BEGIN/END block — the file is damaged or truncated');
  }
  return blocks;
}

/** True if the bytes are printable ASCII text (PEM, base64, JSON); only the first `limit` bytes are looked at. */
export function looksLikeText(bytes: Uint8Array, limit = 4096): boolean {
  if (bytes.length === 0) return false;
  const n = Math.min(bytes.length, limit);
  for (let i = 0; i < n; i++) {
    const b = bytes[i]!;
    if (b === 9 || b === 10 || b === 13) continue;
    if (b < 32 || b > 126) return false;
  }
  return true;
}

export function bytesToText(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 8192) {
    s += String.fromCharCode(...bytes.subarray(i, i + 8192));
  }
  return s;
}

/** UTF-8 encoding without TextEncoder (core declares no DOM or Node types). */
export function textToBytes(text: string): Uint8Array {
  const out: number[] = [];
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return Uint8Array.from(out);
}

/**
 * True if JSON text nests arrays or objects deeper than `limit`. Checked before JSON.parse on
 * untrusted text: the JSON kms-wrap reads is two levels deep, and V8 spends a second on a
 * megabyte of '['.
 */
export function jsonTooDeep(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // a backslash escapes the next character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

/** Overwrites a buffer with zeros. Call on plaintext material and ephemeral keys after use. */
export function zeroize(...buffers: (Uint8Array | undefined)[]): void {
  for (const b of buffers) b?.fill(0);
}

/** An unsigned big-endian integer as a bigint. */
export function bytesToBigInt(bytes: Uint8Array): bigint {
  // Halves, combined: byte by byte is quadratic (a 64 kB integer from a hostile file took 0.7 s).
  if (bytes.length > 64) {
    const mid = bytes.length >> 1;
    return (bytesToBigInt(bytes.subarray(0, mid)) << BigInt(8 * (bytes.length - mid))) | bytesToBigInt(bytes.subarray(mid));
  }
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  return n;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}
