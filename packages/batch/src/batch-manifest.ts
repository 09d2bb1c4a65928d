/**
 * The batch manifest: JSON Lines, one wrap a line, paths relative to the manifest's folder:
 *
 *   {"material": PATH, "publicKey": PATH, "algorithm": ALG, "output": PATH}
 *   {"material": PATH, "parameters": PATH, "algorithm": ALG, "keySpec": SPEC, "region": "china", "output": PATH}
 *
 * A line's material may also be a key in a PKCS#11 token, by its RFC 7512 URI
 * ("pkcs11:token=...;object=..."): kept as given, not resolved as a path (wrapManifest's
 * openSealed opens it).
 *
 * Read for another target (Google Cloud KMS, Azure Key Vault, Vault transit), a line may also
 * carry that target's options by name ({"kekId": KID, "keyName": NAME} for Azure), and may
 * leave out the algorithm where the target has a default.
 *
 * Blank lines are skipped. Every malformed line is reported with its number, not only the first.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import { AWS_KMS, ERROR_CODES, KmsWrapError, type Target } from '@kms-wrap/core';
import type { BatchEntry } from './batch.js';
import { batchTarget } from './batch-target.js';
import { errno } from './batch-files.js';
import { readFdBounded } from '@kms-wrap/node/files';

/**
 * The longest manifest read: a manifest of 100,000 lines is about 20 MB, and this bound stops a
 * wrong path (/dev/zero, a pipe that never closes) early. readBatchManifest holds the whole
 * text; streamBatchManifest holds one block at a time, and stops at the same bound.
 */
export const MAX_MANIFEST_BYTES = 256 << 20;
/** streamBatchManifest: a longer line is not a manifest line (and is reported, not held). */
export const MAX_MANIFEST_LINE_BYTES = 64 << 10;

export interface ManifestProblem {
  /** 1-based line number. */
  readonly line: number;
  readonly error: KmsWrapError;
}

export interface BatchManifest {
  /** The well-formed lines, paths made absolute. */
  readonly entries: BatchEntry[];
  /** The line number of each entry. */
  readonly lines: number[];
  readonly problems: ManifestProblem[];
}

const FIELDS = new Set(['material', 'publicKey', 'parameters', 'algorithm', 'keySpec', 'region', 'output']);

export interface ManifestOptions {
  /**
   * The target the manifest is for: 'aws' (AWS KMS, the default), 'gcp', 'azure', 'vault', or
   * one of core's Target objects. Its options are fields of a line (not AWS KMS's: a batch's
   * AWS import tokens stay with their parameters).
   */
  readonly target?: string | Target;
}

const fieldsByTarget = new Map<Target, { all: ReadonlySet<string>; options: ReadonlySet<string> }>();

/** The fields of a line for this target: the entry's, and another target's options by name. */
function fieldsOf(target: Target): { all: ReadonlySet<string>; options: ReadonlySet<string> } {
  let f = fieldsByTarget.get(target);
  if (!f) {
    const options = new Set(target === AWS_KMS ? [] : target.options.map((o) => o.name).filter((name) => !FIELDS.has(name)));
    f = { all: new Set([...FIELDS, ...options]), options };
    fieldsByTarget.set(target, f);
  }
  return f;
}
const SHAPE = 'one JSON object a line: {"material": PATH, "publicKey": PATH or "parameters": PATH, "algorithm": ALG, "output": PATH}';

const DOT_SEGMENT = /(?:^|\/)\.\.?(?:\/|$)/;

/**
 * path.resolve(base, p), without its cost (microseconds a call, thousands of calls a batch)
 * when the answer is plain: on POSIX, an absolute p with no `.`, `..` or empty segments is
 * its own answer, and such a relative p is base + '/' + p when base is such an absolute path.
 */
export function resolvePath(base: string, p: string): string {
  if (sep !== '/' || p.includes('//') || p.endsWith('/') || DOT_SEGMENT.test(p)) return resolve(base, p);
  if (p.startsWith('/')) return p;
  if (!base.startsWith('/') || base.includes('//') || DOT_SEGMENT.test(base)) return resolve(base, p);
  return base === '/' ? `/${p}` : base.endsWith('/') ? resolve(base, p) : `${base}/${p}`;
}

/** One manifest line: an entry, a problem's message, or undefined for a blank line. */
export function parseManifestLine(
  row: string,
  baseDir: string,
  resolved?: Map<string, string>,
  target: Target = AWS_KMS,
): BatchEntry | string | undefined {
  if (row.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(row);
  } catch {
    return `not JSON — ${SHAPE}`;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return `not a JSON object — ${SHAPE}`;
  const o = value as Record<string, unknown>;
  const fields = fieldsOf(target);
  const unknown = Object.keys(o).filter((k) => !fields.all.has(k));
  if (unknown.length > 0)
    return `unknown field ${unknown.map((k) => JSON.stringify(k.slice(0, 40))).join(', ')} — the fields are ${[...fields.all].join(', ')}`;
  for (const k of Object.keys(o)) {
    if (typeof o[k] !== 'string' || (o[k] as string).trim() === '') return `"${k}" must be a non-empty string`;
  }
  const s = o as Record<string, string | undefined>;
  for (const k of ['material', 'algorithm', 'output'] as const) {
    if (s[k] === undefined && !(k === 'algorithm' && target.defaultAlgorithm !== undefined)) return `"${k}" is missing — ${SHAPE}`;
  }
  if ((s['publicKey'] === undefined) === (s['parameters'] === undefined)) {
    return 'give exactly one of "publicKey" (WrappingPublicKey.bin) and "parameters" (the GetParametersForImport JSON)';
  }
  const at = (p: string) => {
    let r = resolved?.get(p);
    if (r === undefined) {
      r = resolvePath(baseDir, p);
      // Only a small cache: the wrapping key's path repeats on every line, the others rarely.
      if (resolved && resolved.size < 256) resolved.set(p, r);
    }
    return r;
  };
  let targetOptions: Record<string, string> | undefined;
  for (const k of fields.options) if (s[k] !== undefined) (targetOptions ??= {})[k] = s[k];
  return {
    material: isTokenMaterial(s['material']!) ? s['material']!.trim() : at(s['material']!),
    ...(s['publicKey'] === undefined ? { parameters: at(s['parameters']!) } : { publicKey: at(s['publicKey']) }),
    ...(s['algorithm'] === undefined ? {} : { algorithm: s['algorithm'] }),
    ...(s['keySpec'] === undefined ? {} : { keySpec: s['keySpec'] }),
    ...(s['region'] === undefined ? {} : { region: s['region'] }),
    output: at(s['output']!),
    ...(targetOptions === undefined ? {} : { targetOptions }),
  };
}

/** A key in a PKCS#11 token, named by an RFC 7512 URI where a material file goes: never a path. */
export function isTokenMaterial(material: string): boolean {
  return /^pkcs11:/i.test(material.trim());
}

/**
 * A key in a token is wrapped by its token, in a session on the thread that opened it: a batch
 * given no opener (BatchOptions.openSealed) refuses it by name, and never reads it as a file.
 */
export function tokenMaterialProblem(material: string): string {
  return `a key in a PKCS#11 token (${material.trim().split(';')[0]};...) is wrapped by its token, and this batch was given no way to open one — pass openSealed (such as @kms-wrap/pkcs11's openTokenKey), or wrap it with kms-wrap wrap --material URI`;
}

/** Parses manifest text; `baseDir` anchors relative paths (the manifest's folder). */
export function parseBatchManifest(text: string, baseDir: string, options: ManifestOptions = {}): BatchManifest {
  const target = batchTarget(options.target);
  const entries: BatchEntry[] = [];
  const lines: number[] = [];
  const problems: ManifestProblem[] = [];
  const resolved = new Map<string, string>();
  text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .forEach((row, i) => {
      const r = parseManifestLine(row, baseDir, resolved, target);
      if (r === undefined) return;
      if (typeof r === 'string') problems.push({ line: i + 1, error: new KmsWrapError(ERROR_CODES.MANIFEST_INVALID, r) });
      else {
        entries.push(r);
        lines.push(i + 1);
      }
    });
  return { entries, lines, problems };
}

/** Reads and parses a manifest file. Throws only when the file itself cannot be read. */
export async function readBatchManifest(path: string, options: ManifestOptions = {}): Promise<BatchManifest> {
  batchTarget(options.target); // a misuse before the file is read
  const fh = await openManifest(path);
  let text: string;
  try {
    // Bounded, not fh.readFile: stat's size is 0 for a pipe or device, and a file can grow meanwhile.
    const { size } = await fh.stat();
    if (size > MAX_MANIFEST_BYTES)
      throw new KmsWrapError(ERROR_CODES.FILE_UNREADABLE, `the manifest ${path} is ${size} bytes — split it into smaller batches`);
    const bytes = await readFdBounded(fh.fd, size, MAX_MANIFEST_BYTES);
    if (bytes === undefined) throw tooLong(path);
    text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  } catch (cause) {
    if (cause instanceof KmsWrapError) throw cause;
    throw new KmsWrapError(ERROR_CODES.FILE_UNREADABLE, `cannot read the manifest ${path}: ${errno(cause)} — check the path`, { cause });
  } finally {
    await fh.close();
  }
  const m = parseBatchManifest(text, dirname(path), options);
  if (m.entries.length === 0 && m.problems.length === 0) {
    throw new KmsWrapError(ERROR_CODES.MANIFEST_INVALID, `the manifest ${path} has no lines — ${SHAPE}`);
  }
  return m;
}

/** One line of a streamed manifest: its number, and its entry or what is wrong with it. */
export type ManifestLine =
  { readonly line: number; readonly entry: BatchEntry } | { readonly line: number; readonly problem: KmsWrapError };

/** A manifest read a block at a time, as often as wanted (wrapBatch reads it twice: checks, then wraps). */
export interface StreamedManifest {
  readonly path: string;
  /** The target its lines were read for (AWS KMS when absent); wrapManifest wraps for it. */
  readonly target?: Target;
  /** Lines that are not blank. */
  readonly count: number;
  lines(): AsyncIterable<ManifestLine>;
}

/**
 * 512 KiB: under Node's EXTERN_APEX (~1 MB), so each block decodes to an ordinary V8 string,
 * collected with the heap. A 1 MiB block's text became an external string, which V8 frees only
 * near its external-memory limit: ~40 MB of them were outstanding during a 100,000-line batch.
 */
const BLOCK = 1 << 19;

/**
 * Opens a manifest for streaming: checks it can be read, counts its lines (one pass that holds
 * a block at a time), and returns a reader that parses it afresh each time it is iterated.
 * Memory does not grow with the manifest's length. Throws when the file cannot be read, is
 * more than MAX_MANIFEST_BYTES (a device or pipe that never ends included), or has no lines.
 */
export async function streamBatchManifest(path: string, options: ManifestOptions = {}): Promise<StreamedManifest> {
  const target = batchTarget(options.target);
  const count = await countLines(path);
  if (count === 0) throw new KmsWrapError(ERROR_CODES.MANIFEST_INVALID, `the manifest ${path} has no lines — ${SHAPE}`);
  const baseDir = dirname(path);
  return {
    path,
    count,
    target,
    async *lines() {
      const resolved = new Map<string, string>();
      for await (const row of rawLines(path)) {
        if (row.tooLong) {
          yield {
            line: row.line,
            problem: new KmsWrapError(
              ERROR_CODES.MANIFEST_INVALID,
              `the line is over ${MAX_MANIFEST_LINE_BYTES >> 10} kB, far longer than a manifest line — ${SHAPE}`,
            ),
          };
          continue;
        }
        const r = parseManifestLine(row.text, baseDir, resolved, target);
        if (r === undefined) continue;
        yield typeof r === 'string'
          ? { line: row.line, problem: new KmsWrapError(ERROR_CODES.MANIFEST_INVALID, r) }
          : { line: row.line, entry: r };
      }
    },
  };
}

function tooLong(path: string): KmsWrapError {
  return new KmsWrapError(
    ERROR_CODES.FILE_UNREADABLE,
    `the manifest ${path} is more than ${MAX_MANIFEST_BYTES} bytes — split it into smaller batches`,
  );
}

async function openManifest(path: string): Promise<FileHandle> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (cause) {
    throw new KmsWrapError(ERROR_CODES.FILE_UNREADABLE, `cannot read the manifest ${path}: ${errno(cause)} — check the path`, { cause });
  }
  let directory = false;
  try {
    directory = (await fh.stat()).isDirectory();
  } catch (cause) {
    await fh.close();
    throw new KmsWrapError(ERROR_CODES.FILE_UNREADABLE, `cannot read the manifest ${path}: ${errno(cause)} — check the path`, { cause });
  }
  if (directory) {
    await fh.close();
    throw new KmsWrapError(ERROR_CODES.FILE_UNREADABLE, `the manifest path ${path} is a directory — name the .jsonl file`);
  }
  return fh;
}

const ASCII_SPACE = new Uint8Array(256);
for (const b of [0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20]) ASCII_SPACE[b] = 1;
const EMPTY = Buffer.alloc(0);

/**
 * The lines lines() will yield (not blank, or over-long), counted on the bytes: a pass that
 * decodes only the rare line with non-ASCII bytes, and holds a block and one line at a time.
 */
async function countLines(path: string): Promise<number> {
  const fh = await openManifest(path);
  try {
    // stat's size is 0 for a pipe or device: the bytes read are counted too (tooLong).
    const { size } = await fh.stat();
    if (size > MAX_MANIFEST_BYTES)
      throw new KmsWrapError(ERROR_CODES.FILE_UNREADABLE, `the manifest ${path} is ${size} bytes — split it into smaller batches`);
    let total = 0;
    const block = Buffer.allocUnsafe(BLOCK);
    const decoder = new TextDecoder('utf-8');
    let count = 0;
    let parts: Buffer[] = []; // the line so far, when it spans blocks
    let partBytes = 0;
    let overlong = false; // the line so far is past any chance of being short: its bytes are not kept
    let first = true;
    const line = (tail: Buffer) => {
      let bytes = parts.length === 0 ? tail : Buffer.concat([...parts, tail]);
      parts = [];
      partBytes = 0;
      if (first) {
        first = false;
        if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
      }
      if (overlong) {
        overlong = false;
        count++;
        return;
      }
      if (bytes.length > 0 && bytes[bytes.length - 1] === 0x0d) bytes = bytes.subarray(0, -1);
      // The first byte that is not ASCII white space decides, if it is ASCII: the line is not blank.
      let i = 0;
      while (i < bytes.length && ASCII_SPACE[bytes[i]!] === 1) i++;
      if (i === bytes.length) {
        if (bytes.length > MAX_MANIFEST_LINE_BYTES) count++; // blank, and over-long: reported
        return;
      }
      if (bytes[i]! < 0x80) {
        count++;
        return;
      }
      const text = decoder.decode(bytes);
      if (text.trim() !== '' || text.length > MAX_MANIFEST_LINE_BYTES) count++;
    };
    for (;;) {
      const { bytesRead } = await fh.read(block, 0, BLOCK, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > MAX_MANIFEST_BYTES) throw tooLong(path);
      const data = block.subarray(0, bytesRead);
      let from = 0;
      for (let nl = data.indexOf(0x0a); nl !== -1; nl = data.indexOf(0x0a, from)) {
        line(overlong ? EMPTY : data.subarray(from, nl)); // used before the block is read into again
        from = nl + 1;
      }
      if (from < data.length && !overlong) {
        parts.push(Buffer.from(data.subarray(from)));
        partBytes += data.length - from;
        // Past 4 bytes a character, no decoding makes it short: count it, keep none of it.
        if (partBytes > 4 * MAX_MANIFEST_LINE_BYTES) {
          parts = [];
          partBytes = 0;
          overlong = true;
        }
      }
    }
    if (partBytes > 0 || overlong) line(EMPTY);
    return count;
  } catch (cause) {
    if (cause instanceof KmsWrapError) throw cause;
    throw new KmsWrapError(ERROR_CODES.FILE_UNREADABLE, `cannot read the manifest ${path}: ${errno(cause)} — check the path`, { cause });
  } finally {
    await fh.close();
  }
}

/** The file's lines, a block at a time: a BOM dropped, CR LF taken as LF, an over-long line flagged and skipped. */
async function* rawLines(path: string): AsyncGenerator<{ line: number; text: string; tooLong: boolean }> {
  const fh = await openManifest(path);
  try {
    const decoder = new TextDecoder('utf-8');
    const block = Buffer.allocUnsafe(BLOCK);
    let carry = ''; // the start of a line that continues in the next block
    let skipping = false; // inside an over-long line, up to its end
    let line = 0;
    let first = true;
    let total = 0; // the file can have grown since countLines read it
    for (;;) {
      const { bytesRead } = await fh.read(block, 0, BLOCK, null);
      const end = bytesRead === 0;
      total += bytesRead;
      if (total > MAX_MANIFEST_BYTES) throw tooLong(path);
      let text = end ? decoder.decode() : decoder.decode(block.subarray(0, bytesRead), { stream: true });
      if (first && text.length > 0) {
        if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
        first = false;
      }
      let from = 0;
      for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', from)) {
        line++;
        if (skipping) skipping = false;
        else {
          const row = carry + text.slice(from, nl);
          if (row.length > MAX_MANIFEST_LINE_BYTES) yield { line, text: '', tooLong: true };
          else yield { line, text: row.endsWith('\r') ? row.slice(0, -1) : row, tooLong: false };
        }
        carry = '';
        from = nl + 1;
      }
      if (!skipping) {
        carry += text.slice(from);
        if (carry.length > MAX_MANIFEST_LINE_BYTES) {
          yield { line: line + 1, text: '', tooLong: true };
          carry = '';
          skipping = true;
        }
      }
      if (end) {
        if (!skipping && carry !== '') {
          yield carry.length > MAX_MANIFEST_LINE_BYTES
            ? { line: line + 1, text: '', tooLong: true }
            : { line: line + 1, text: carry.endsWith('\r') ? carry.slice(0, -1) : carry, tooLong: false };
        }
        return;
      }
    }
  } catch (cause) {
    if (cause instanceof KmsWrapError) throw cause;
    throw new KmsWrapError(ERROR_CODES.FILE_UNREADABLE, `cannot read the manifest ${path}: ${errno(cause)} — check the path`, { cause });
  } finally {
    await fh.close();
  }
}
