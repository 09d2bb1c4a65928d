/**
 * Files: reading with errors that say what is wrong, and atomic writes: a temporary file in
 * the same directory, written with mode 0600, fsync'd, then renamed over the target (or
 * linked, when overwriting is not allowed, so an existing file is never replaced).
 *
 * Interrupted: a write's temporary file is registered from before it exists until it is gone
 * (pendingTempFiles). A program that stops on a signal calls removePendingTempFiles() before it
 * exits — synchronous, fit for a signal handler or process 'exit' — and onPendingTempFiles tells
 * it when writes start and end, to handle signals only then. This library installs no signal
 * handler and never exits the process: the kms-wrap command does both (@kms-wrap/cli, signals.ts).
 * A temporary file removed under a write makes that write fail (FILE_UNWRITABLE), never put a
 * partial output in place. Only SIGKILL (or a power cut) can leave one: a hidden
 * `.NAME.<12 hex>.tmp` beside NAME, never NAME itself, which is always either absent, the old
 * file, or the whole new one.
 */
import { randomBytes } from 'node:crypto';
import {
  close,
  closeSync,
  fstat as fstatCb,
  fstatSync,
  fsync,
  link as linkCb,
  open as openCb,
  openSync,
  read as readCb,
  readSync,
  rename as renameCb,
  stat as statCb,
  unlink as unlinkCb,
  unlinkSync,
  write,
} from 'node:fs';
import { promisify } from 'node:util';
import { basename, dirname, join } from 'node:path';
import { ERROR_CODES, KmsWrapError, type Surface } from '@kms-wrap/core';
import { sayPass } from '@kms-wrap/core/internal';

// node:fs's callbacks, promisified: node:fs/promises (and what it loads) costs a command's start
// more than the few calls made here.
const stat = promisify(statCb);
const openAsync = promisify(openCb);
const fstatAsync = promisify(fstatCb);
const readAsync = promisify(readCb);
const rename = promisify(renameCb);
const link = promisify(linkCb);
const unlink = promisify(unlinkCb);
const closeAsync = promisify(close);

/** Largest input file kms-wrap reads: key material and public keys are a few kB. */
export const MAX_INPUT_BYTES = 1 << 20;

/**
 * Reads a whole input file; `what` names it in messages ("the key material"). The file is opened
 * once and at most MAX_INPUT_BYTES + 1 bytes are read from it: stat's size is 0 for devices and
 * pipes (/dev/zero, <(…), a FIFO), and a file can grow between stat and read.
 */
export async function readInputFile(path: string, what: string): Promise<Uint8Array> {
  let fd: number;
  try {
    fd = await openAsync(path, 'r');
  } catch (cause) {
    throw unreadable(path, what, cause, 'no such file');
  }
  try {
    let size: number;
    try {
      const s = await fstatAsync(fd);
      if (s.isDirectory()) throw isDirectory(path, what);
      size = s.size;
    } catch (cause) {
      if (cause instanceof KmsWrapError) throw cause;
      throw unreadable(path, what, cause, 'no such file');
    }
    if (size > MAX_INPUT_BYTES) throw tooLarge(path, what, size);
    let bytes: Uint8Array | undefined;
    try {
      bytes = await readFdBounded(fd, size, MAX_INPUT_BYTES);
    } catch (cause) {
      throw new KmsWrapError(
        ERROR_CODES.FILE_UNREADABLE,
        `cannot read ${what} from ${path}: ${errnoText(cause)} — check the path and permissions`,
        { cause },
      );
    }
    if (bytes === undefined) throw tooLarge(path, what, undefined);
    if (bytes.length === 0) throw isEmpty(path, what);
    return bytes;
  } finally {
    await closeAsync(fd).catch(() => {});
  }
}

/**
 * readInputFile, synchronous (batch's worker threads): the same bounded read, the same errors;
 * `noEntry` words ENOENT (see errnoText).
 */
export function readInputFileSync(path: string, what: string, noEntry = 'no such file'): Uint8Array {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (cause) {
    throw unreadable(path, what, cause, noEntry);
  }
  try {
    const s = fstatSync(fd);
    if (s.isDirectory()) throw isDirectory(path, what);
    if (s.size > MAX_INPUT_BYTES) throw tooLarge(path, what, s.size);
    const bytes = readFdBoundedSync(fd, s.size, MAX_INPUT_BYTES);
    if (bytes === undefined) throw tooLarge(path, what, undefined);
    if (bytes.length === 0) throw isEmpty(path, what);
    return bytes;
  } catch (cause) {
    if (cause instanceof KmsWrapError) throw cause;
    throw new KmsWrapError(
      ERROR_CODES.FILE_UNREADABLE,
      `cannot read ${what} from ${path}: ${errnoText(cause, noEntry)} — check the path and permissions`,
      { cause },
    );
  } finally {
    try {
      closeSync(fd);
    } catch {
      // nothing was written: nothing to lose
    }
  }
}

/** Where the next read goes: `length` bytes into `buf` at `offset`. */
interface ReadStep {
  readonly buf: Uint8Array;
  readonly offset: number;
  readonly length: number;
}

/**
 * The bounded read's loop, once for both ways of reading: it yields where to read next and is
 * told how many bytes came (0 at the end); a read that fails is thrown into it, and it zeroes
 * what it holds. Never more than `cap` + 1 bytes are asked for.
 */
function* boundedRead(sizeHint: number, cap: number): Generator<ReadStep, Uint8Array | undefined, number> {
  let buf: Uint8Array = new Uint8Array(firstLength(sizeHint, cap));
  let n = 0;
  try {
    for (;;) {
      if (n === buf.length) {
        if (n > cap) break;
        buf = grow(buf, cap);
      }
      const got = yield { buf, offset: n, length: buf.length - n };
      if (got === 0) break;
      n += got;
    }
  } catch (e) {
    buf.fill(0);
    throw e;
  }
  return finish(buf, n, cap);
}

/**
 * The bounded read itself: reads `fd` to its end, but never more than `cap` + 1 bytes. Returns
 * the bytes, or undefined when more than `cap` are there (what was read is zeroed: it may be key
 * material). `sizeHint` (fstat's size; 0 for devices and pipes) only sizes the first buffer.
 */
export async function readFdBounded(fd: number, sizeHint: number, cap: number): Promise<Uint8Array | undefined> {
  const steps = boundedRead(sizeHint, cap);
  for (let step = steps.next(); ;) {
    if (step.done) return step.value;
    let got: number;
    try {
      got = (await readAsync(fd, step.value.buf, step.value.offset, step.value.length, null)).bytesRead;
    } catch (e) {
      step = steps.throw(e); // zeroes what was read, and throws e again
      continue;
    }
    step = steps.next(got);
  }
}

/** readFdBounded, synchronous. */
export function readFdBoundedSync(fd: number, sizeHint: number, cap: number): Uint8Array | undefined {
  const steps = boundedRead(sizeHint, cap);
  for (let step = steps.next(); ;) {
    if (step.done) return step.value;
    let got: number;
    try {
      got = readSync(fd, step.value.buf, step.value.offset, step.value.length, null);
    } catch (e) {
      step = steps.throw(e);
      continue;
    }
    step = steps.next(got);
  }
}

/** The stated size and one byte more (to see the end), or 64 KiB when stat does not know. */
function firstLength(sizeHint: number, cap: number): number {
  return Math.min(cap + 1, sizeHint > 0 ? sizeHint + 1 : 64 * 1024);
}

function grow(buf: Uint8Array, cap: number): Uint8Array {
  const next = new Uint8Array(Math.min(cap + 1, buf.length * 2));
  next.set(buf);
  buf.fill(0);
  return next;
}

function finish(buf: Uint8Array, n: number, cap: number): Uint8Array | undefined {
  if (n > cap) {
    buf.fill(0);
    return undefined;
  }
  if (n === buf.length) return buf;
  // A copy of exactly n bytes, not a view: callers (and what they hand the bytes to) may use
  // .buffer whole, and the spare capacity would be read as key material.
  const bytes = buf.slice(0, n);
  buf.fill(0);
  return bytes;
}

function unreadable(path: string, what: string, cause: unknown, noEntry: string): KmsWrapError {
  const code = (cause as NodeJS.ErrnoException)?.code;
  const hint = code === 'EACCES' || code === 'EPERM' ? 'check the path and permissions' : 'check the path';
  return new KmsWrapError(ERROR_CODES.FILE_UNREADABLE, `cannot read ${what} from ${path}: ${errnoText(cause, noEntry)} — ${hint}`, {
    cause,
  });
}

function isDirectory(path: string, what: string): KmsWrapError {
  return new KmsWrapError(ERROR_CODES.FILE_UNREADABLE, `${what} path ${path} is a directory — name the file inside it`);
}

/** `size` when stat stated it; undefined when the read found more than the cap (a device, a pipe, a growing file). */
function tooLarge(path: string, what: string, size: number | undefined): KmsWrapError {
  const is = size === undefined ? `more than ${MAX_INPUT_BYTES}` : `${size}`;
  return new KmsWrapError(ERROR_CODES.FILE_UNREADABLE, `${what} file ${path} is ${is} bytes, far larger than any key — check the path`);
}

function isEmpty(path: string, what: string): KmsWrapError {
  return new KmsWrapError(ERROR_CODES.FILE_UNREADABLE, `${what} file ${path} is empty — check that it was saved whole`);
}

export interface WriteOptions {
  /** Replace an existing file. Without it an existing file is an error and stays untouched. */
  readonly force?: boolean;
  /** File mode; 0o600 by default (key material and wrapped key material alike). */
  readonly mode?: number;
  /** Where a refusal is read, for how it names the force option: force: true (library, the default) or --force (command line). */
  readonly surface?: Surface;
}

const writeAsync = promisify(write);
const fsyncAsync = promisify(fsync);

/** Temporary files being written now: see removePendingTempFiles. */
const pendingTemps = new Set<string>();
const pendingListeners = new Set<(pending: boolean) => void>();

/**
 * Removes the temporary files of the writes under way, synchronously: what a program that stops
 * on a signal calls before it exits (in its signal handler, or on process 'exit'), so that no
 * hidden `.NAME.<hex>.tmp` is left behind. A write whose temporary file is removed fails
 * (FILE_UNWRITABLE) instead of putting its output in place; an output already in place stays.
 */
export function removePendingTempFiles(): void {
  for (const tmp of pendingTemps) {
    try {
      unlinkSync(tmp);
    } catch {
      // already linked into place and unlinked, or not created yet
    }
  }
}

/** The temporary files of the writes under way (each a hidden `.NAME.<12 hex>.tmp` beside its output). */
export function pendingTempFiles(): readonly string[] {
  return [...pendingTemps];
}

/**
 * Calls `listener(true)` when a write starts while none is under way (before its temporary file
 * is created), and `listener(false)` when the last one under way ends: a program installs its
 * signal handlers only while there is something to remove. Returns the function that stops it.
 */
export function onPendingTempFiles(listener: (pending: boolean) => void): () => void {
  pendingListeners.add(listener);
  return () => {
    pendingListeners.delete(listener);
  };
}

function trackTemp(tmp: string): void {
  pendingTemps.add(tmp);
  if (pendingTemps.size === 1) for (const l of pendingListeners) l(true);
}

function untrackTemp(tmp: string): void {
  if (!pendingTemps.delete(tmp) || pendingTemps.size > 0) return;
  for (const l of pendingListeners) l(false);
}

const existsError = (path: string, surface: Surface | undefined, cause?: unknown) =>
  new KmsWrapError(
    ERROR_CODES.FILE_EXISTS,
    `${path} exists — choose another output${surface === 'command-line' ? ' (-o)' : ''} or ${sayPass(surface, 'force')} to replace it`,
    cause === undefined ? undefined : { cause },
  );

/**
 * Refuses an output path before anything is computed for it: a directory (with or without
 * --force: it is never replaced by a file), or an existing file without `force`.
 */
export async function checkOutput(path: string, force: boolean, fileName = 'FILE', surface?: Surface): Promise<void> {
  let s;
  try {
    s = await stat(path);
  } catch {
    return;
  }
  if (s.isDirectory()) {
    throw new KmsWrapError(ERROR_CODES.FILE_UNWRITABLE, `${path} is a directory — name a file inside it (-o ${join(path, fileName)})`);
  }
  if (!force) throw existsError(path, surface);
}

/** Writes a file whole or not at all. */
export async function writeFileAtomic(path: string, data: Uint8Array, options: WriteOptions = {}): Promise<void> {
  const force = options.force ?? false;
  await checkOutput(path, force, undefined, options.surface);
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  let fd: number | undefined;
  try {
    // Registered (and onPendingTempFiles's listeners told) before the file exists; then created
    // synchronously, so a signal's handler (which runs between turns) always finds it. (Registered
    // after, a signal arriving in between killed the process with the file left behind.)
    trackTemp(tmp);
    fd = openSync(tmp, 'wx', options.mode ?? 0o600);
    for (let n = 0; n < data.length;) n += (await writeAsync(fd, data, n, data.length - n)).bytesWritten;
    await fsyncAsync(fd);
    await closeAsync(fd);
    fd = undefined;
    if (force) {
      await rename(tmp, path);
    } else {
      // link() fails if the target appeared meanwhile: never replace a file without force.
      await link(tmp, path);
      // The output is whole and in place: the temporary name may already be gone (removePendingTempFiles).
      await unlink(tmp).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'ENOENT') throw e;
      });
    }
    untrackTemp(tmp);
  } catch (cause) {
    if (fd !== undefined) await closeAsync(fd).catch(() => {});
    await unlink(tmp).catch(() => {});
    untrackTemp(tmp);
    if ((cause as NodeJS.ErrnoException).code === 'EEXIST' && !force) {
      throw existsError(path, options.surface, cause);
    }
    throw new KmsWrapError(ERROR_CODES.FILE_UNWRITABLE, `cannot write ${path}: ${errnoText(cause)} — check the directory and permissions`, {
      cause,
    });
  }
}

export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * An errno as words for a message, from the one table kms-wrap has. `noEntry` words ENOENT: the
 * single-file commands say "no such file", batch (which also names missing directories) says
 * "no such file or directory".
 */
export function errnoText(e: unknown, noEntry = 'no such file'): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  switch (code) {
    case 'ENOENT':
      return noEntry;
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a directory';
    case 'ENOTDIR':
      return 'a part of the path is not a directory';
    case 'ENOSPC':
      return 'the disk is full';
    case 'EROFS':
      return 'the file system is read-only';
    default:
      return code ?? 'unknown error';
  }
}
