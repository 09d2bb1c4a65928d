/**
 * A small, bounded zip reader: enough for the KMS console's ImportParameters zip
 * (WrappingPublicKey.bin, ImportToken.bin, README.txt), and nothing more. Stored and
 * deflated entries only (APPNOTE 6.3.x methods 0 and 8); no ZIP64, no encryption, no
 * multi-disk archives. Untrusted input: every offset and length is checked against the
 * buffer, entries are capped at MAX_ZIP_ENTRY_BYTES and the archive at MAX_ZIP_ENTRIES, and
 * inflation stops at the cap (zip bombs fail fast instead of filling memory).
 *
 * Runtime-neutral: DEFLATE (RFC 1951) is the runtime's, injected as `inflateRaw` (node:zlib's
 * inflateRawSync in Node, DecompressionStream('deflate-raw') by default: see inflate.ts); the
 * CRC-32 is computed here (crc32.ts).
 */
import { ERROR_CODES, KmsWrapError, isKmsWrapError, type ErrorCode } from '@kms-wrap/core';
import { crc32 } from './crc32.js';
import { inflateRawStream, isTooLarge, type InflateRaw } from './inflate.js';

// A universal global (Node, browsers, Deno), declared here so that the package needs no DOM or Node types.
declare const TextDecoder: new (label: string, options?: { fatal?: boolean }) => { decode(bytes: Uint8Array): string };

/** Largest entry kms-wrap inflates: a wrapping public key, a token or a README is a few kB. */
export const MAX_ZIP_ENTRY_BYTES = 1 << 20;
/** Most entries an archive may list: the console's zip has three. */
export const MAX_ZIP_ENTRIES = 64;

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_END = 0x06054b50;
const END_SIZE = 22;
const CENTRAL_SIZE = 46;
const LOCAL_SIZE = 30;

export interface ZipEntry {
  /** The name as stored (folders included, '/' separated). */
  readonly name: string;
  /** 0 stored, 8 deflated. */
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly crc32: number;
  readonly localHeaderOffset: number;
  readonly isDirectory: boolean;
}

export interface ZipOptions {
  /** Names the archive in messages ("the import parameters zip params.zip"). */
  readonly what?: string;
  /** The error code for a malformed archive; ERR_FILE_UNREADABLE by default. */
  readonly code?: ErrorCode;
  /** The hint after the dash in messages. */
  readonly hint?: string;
  /** Raw DEFLATE for method 8 entries; DecompressionStream('deflate-raw') by default. */
  readonly inflateRaw?: InflateRaw;
}

/** True if the bytes start like a zip archive (a local header, or the end record of an empty one). */
export function isZip(bytes: Uint8Array): boolean {
  if (bytes.length < 4) return false;
  const sig = u32(bytes, 0);
  return sig === SIG_LOCAL || sig === SIG_END;
}

/** Lists the entries of an archive from its central directory. */
export function listZipEntries(bytes: Uint8Array, options: ZipOptions = {}): ZipEntry[] {
  const fail: Fail = failer(options);
  const end = findEnd(bytes);
  if (end < 0) fail('has no end of central directory record (truncated, or not a zip)');
  const disk = u16(bytes, end + 4);
  const cdDisk = u16(bytes, end + 6);
  const onDisk = u16(bytes, end + 8);
  const total = u16(bytes, end + 10);
  const cdSize = u32(bytes, end + 12);
  const cdOffset = u32(bytes, end + 16);
  if (disk !== 0 || cdDisk !== 0 || onDisk !== total) fail('is a multi-part archive');
  if (total === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) fail('is a ZIP64 archive, far larger than import parameters');
  if (total > MAX_ZIP_ENTRIES)
    fail(`lists ${total} entries, more than the ${MAX_ZIP_ENTRIES} kms-wrap reads (the console's zip has three)`);
  if (cdOffset + cdSize > end) fail('has a central directory outside the file');

  const entries: ZipEntry[] = [];
  let p = cdOffset;
  for (let i = 0; i < total; i++) {
    if (p + CENTRAL_SIZE > cdOffset + cdSize || u32(bytes, p) !== SIG_CENTRAL) fail('has a malformed central directory');
    const flags = u16(bytes, p + 8);
    const method = u16(bytes, p + 10);
    const crc = u32(bytes, p + 16);
    const compressedSize = u32(bytes, p + 20);
    const size = u32(bytes, p + 24);
    const nameLength = u16(bytes, p + 28);
    const extraLength = u16(bytes, p + 30);
    const commentLength = u16(bytes, p + 32);
    const localHeaderOffset = u32(bytes, p + 42);
    const next = p + CENTRAL_SIZE + nameLength + extraLength + commentLength;
    if (next > cdOffset + cdSize) fail('has a malformed central directory');
    const name = new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(p + CENTRAL_SIZE, p + CENTRAL_SIZE + nameLength));
    if ((flags & 1) !== 0) fail(`holds an encrypted entry (${printable(name)})`);
    if (compressedSize === 0xffffffff || size === 0xffffffff || localHeaderOffset === 0xffffffff)
      fail('is a ZIP64 archive, far larger than import parameters');
    if (localHeaderOffset >= cdOffset) fail('has an entry outside the file');
    entries.push({ name, method, compressedSize, size, crc32: crc, localHeaderOffset, isDirectory: name.endsWith('/') });
    p = next;
  }
  return entries;
}

/** The bytes of one entry, inflated and checked (size, CRC-32), or a KmsWrapError. */
export async function readZipEntry(bytes: Uint8Array, entry: ZipEntry, options: ZipOptions = {}): Promise<Uint8Array> {
  const fail: Fail = failer(options);
  const name = printable(entry.name);
  if (entry.size > MAX_ZIP_ENTRY_BYTES || entry.compressedSize > MAX_ZIP_ENTRY_BYTES) {
    fail(
      `has an entry ${name} of ${Math.max(entry.size, entry.compressedSize)} bytes, far larger than import parameters (at most ${MAX_ZIP_ENTRY_BYTES})`,
    );
  }
  const p = entry.localHeaderOffset;
  if (p + LOCAL_SIZE > bytes.length || u32(bytes, p) !== SIG_LOCAL) fail(`has a malformed local header for ${name}`);
  const start = p + LOCAL_SIZE + u16(bytes, p + 26) + u16(bytes, p + 28);
  const stop = start + entry.compressedSize;
  if (stop > bytes.length) fail(`is truncated inside ${name}`);
  const data = bytes.subarray(start, stop);
  let out: Uint8Array;
  if (entry.method === 0) {
    if (entry.compressedSize !== entry.size) fail(`has a stored entry ${name} whose sizes disagree`);
    out = data.slice();
  } else if (entry.method === 8) {
    const tooLarge = () => `has an entry ${name} that inflates past ${MAX_ZIP_ENTRY_BYTES} bytes (a zip bomb, or not import parameters)`;
    try {
      out = await (options.inflateRaw ?? inflateRawStream)(data, MAX_ZIP_ENTRY_BYTES);
    } catch (cause) {
      if (isKmsWrapError(cause)) throw cause;
      fail(isTooLarge(cause) ? tooLarge() : `has a corrupt deflated entry ${name}`, cause);
    }
    if (out.length > MAX_ZIP_ENTRY_BYTES) fail(tooLarge());
  } else {
    fail(
      `stores ${name} with compression method ${entry.method}; kms-wrap reads stored and deflated entries — re-zip it, or unzip it and give the folder`,
    );
  }
  if (out.length !== entry.size) fail(`has an entry ${name} of ${out.length} bytes where the directory says ${entry.size}`);
  if (crc32(out) !== entry.crc32 >>> 0) fail(`has an entry ${name} whose CRC-32 does not match: the download is damaged`);
  return out;
}

function findEnd(bytes: Uint8Array): number {
  const last = bytes.length - END_SIZE;
  const first = Math.max(0, last - 0xffff);
  for (let i = last; i >= first; i--) {
    if (u32(bytes, i) === SIG_END && i + END_SIZE + u16(bytes, i + 20) <= bytes.length) return i;
  }
  return -1;
}

type Fail = (why: string, cause?: unknown) => never;

function failer(options: ZipOptions): Fail {
  const what = options.what ?? 'the zip file';
  const code = options.code ?? ERROR_CODES.FILE_UNREADABLE;
  const hint = options.hint ?? 'check that it was downloaded whole';
  return (why, cause) => {
    throw new KmsWrapError(code, `${what} ${why} — ${hint}`, cause === undefined ? undefined : { cause });
  };
}

function printable(name: string): string {
  return JSON.stringify(name.length > 60 ? `${name.slice(0, 60)}…` : name);
}

function u16(b: Uint8Array, i: number): number {
  if (i < 0 || i + 2 > b.length) return -1;
  return b[i]! | (b[i + 1]! << 8);
}

function u32(b: Uint8Array, i: number): number {
  if (i < 0 || i + 4 > b.length) return -1;
  return (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0;
}
