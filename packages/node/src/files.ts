/**
 * Files: reading with errors that say what is wrong, and atomic writes: a temporary file in
 * the same directory, written with mode 0600, fsync'd, then renamed over the target (or
 * linked, when overwriting is not allowed, so an existing file is never replaced).
 *
 * Interrupted: on SIGINT, SIGTERM or SIGHUP while a write is under way, its temporary file is
 * removed before the process exits (130, 143, 129), unless another handler of the signal (batch's
 * graceful stop) takes charge; then the temporary files still there are removed at exit. Only
 * SIGKILL (or a power cut) can leave one: a hidden `.NAME.<12 hex>.tmp` beside NAME, never
 * NAME itself, which is always either absent, the old file, or the whole new one.
 */
import { randomBytes } from 'node:crypto';
import { close, fsync, link as linkCb, openSync, readFile as readFileCb, rename as renameCb, stat as statCb, unlink as unlinkCb, unlinkSync, write } from 'node:fs';
import { promisify } from 'node:util';
import { basename, dirname, join } from 'node:path';
import { ERROR_CODES, KmsWrapError } from '@kms-wrap/core';

// node:fs's callbacks, promisified: node:fs/promises (and what it loads) costs a command's start
// more than the few calls made here.
const stat = promisify(statCb);
const readFile = promisify(readFileCb);
const rename = promisify(renameCb);
const link = promisify(linkCb);
const unlink = promisify(unlinkCb);

/** Largest input file kms-wrap reads: key material and public keys are a few kB. */
export const MAX_INPUT_BYTES = 1 << 20;

/** Reads a whole input file; `what` names it in messages ("the key material"). */
export async function readInputFile(path: string, what: string): Promise<Uint8Array> {
  let size: number;
  try {
    const s = await stat(path);
    if (s.isDirectory()) throw new KmsWrapError(ERROR_CODES.FILE_UNREADABLE, `${what} path ${path} is a directory — name the file inside it`);
    size = s.size;
  } catch (cause) {
    if (cause instanceof KmsWrapError) throw cause;
    throw new KmsWrapError(ERROR_CODES.FILE_UNREADABLE, `cannot read ${what} from ${path}: ${errnoText(cause)} — check the path`, { cause });
  }
  if (size > MAX_INPUT_BYTES) {
    throw new KmsWrapError(ERROR_CODES.FILE_UNREADABLE, `${what} file ${path} is ${size} bytes, far larger than any key — check the path`);
  }
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (cause) {
    throw new KmsWrapError(ERROR_CODES.FILE_UNREADABLE, `cannot read ${what} from ${path}: ${errnoText(cause)} — check the path and permissions`, { cause });
  }
  if (bytes.length === 0) throw new KmsWrapError(ERROR_CODES.FILE_UNREADABLE, `${what} file ${path} is empty — check that it was saved whole`);
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export interface WriteOptions {
  /** Replace an existing file. Without it an existing file is an error and stays untouched. */
  readonly force?: boolean;
  /** File mode; 0o600 by default (key material and wrapped key material alike). */
  readonly mode?: number;
}

const writeAsync = promisify(write);
const fsyncAsync = promisify(fsync);
const closeAsync = promisify(close);

/** Temporary files being written now, removed if a signal stops the process. */
const liveTemps = new Set<string>();
const SIGNAL_EXIT_CODES: Readonly<Partial<Record<NodeJS.Signals, number>>> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };
const SIGNALS = Object.keys(SIGNAL_EXIT_CODES) as NodeJS.Signals[];

function removeLiveTemps(): void {
  for (const tmp of liveTemps) {
    try {
      unlinkSync(tmp);
    } catch {
      // already renamed or linked into place and unlinked, or never created
    }
  }
  liveTemps.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  // Another handler (batch's: finish what is under way) decides when to exit; 'exit' cleans up then.
  if (process.listenerCount(signal) > 1) return;
  removeLiveTemps();
  process.exit(SIGNAL_EXIT_CODES[signal] ?? 1);
}

/** Registers a temporary file: the handlers are installed only while one is live. */
function trackTemp(tmp: string): void {
  if (liveTemps.size === 0) {
    for (const s of SIGNALS) process.on(s, onSignal);
    process.on('exit', removeLiveTemps);
  }
  liveTemps.add(tmp);
}

function untrackTemp(tmp: string): void {
  if (!liveTemps.delete(tmp) || liveTemps.size > 0) return;
  for (const s of SIGNALS) process.off(s, onSignal);
  process.off('exit', removeLiveTemps);
}

/** The temporary files writeFileAtomic has under way (for tests). */
export function liveTempFiles(): readonly string[] {
  return [...liveTemps];
}

/** Writes a file whole or not at all. */
export async function writeFileAtomic(path: string, data: Uint8Array, options: WriteOptions = {}): Promise<void> {
  const force = options.force ?? false;
  if (!force && (await exists(path))) {
    throw new KmsWrapError(ERROR_CODES.FILE_EXISTS, `${path} exists — choose another output (-o) or pass --force to replace it`);
  }
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  let fd: number | undefined;
  try {
    // Registered, and the signal handlers installed, before the file exists; then created
    // synchronously, so a signal's handler (which runs between turns) always finds it. (Installed
    // after, a signal arriving in between killed the process with the file left behind.)
    trackTemp(tmp);
    fd = openSync(tmp, 'wx', options.mode ?? 0o600);
    for (let n = 0; n < data.length; ) n += (await writeAsync(fd, data, n, data.length - n)).bytesWritten;
    await fsyncAsync(fd);
    await closeAsync(fd);
    fd = undefined;
    if (force) {
      await rename(tmp, path);
    } else {
      // link() fails if the target appeared meanwhile: never replace a file without force.
      await link(tmp, path);
      await unlink(tmp);
    }
    untrackTemp(tmp);
  } catch (cause) {
    if (fd !== undefined) await closeAsync(fd).catch(() => {});
    await unlink(tmp).catch(() => {});
    untrackTemp(tmp);
    if ((cause as NodeJS.ErrnoException).code === 'EEXIST' && !force) {
      throw new KmsWrapError(ERROR_CODES.FILE_EXISTS, `${path} exists — choose another output (-o) or pass --force to replace it`, { cause });
    }
    throw new KmsWrapError(ERROR_CODES.FILE_UNWRITABLE, `cannot write ${path}: ${errnoText(cause)} — check the directory and permissions`, { cause });
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
