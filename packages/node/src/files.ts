/**
 * Files: reading with errors that say what is wrong, and atomic writes: a temporary file in
 * the same directory, written with mode 0600, fsync'd, then renamed over the target (or
 * linked, when overwriting is not allowed, so an existing file is never replaced).
 */
import { randomBytes } from 'node:crypto';
import { link, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ERROR_CODES, KmsWrapError } from '@kms-wrap/core';

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

/** Writes a file whole or not at all. */
export async function writeFileAtomic(path: string, data: Uint8Array, options: WriteOptions = {}): Promise<void> {
  const force = options.force ?? false;
  if (!force && (await exists(path))) {
    throw new KmsWrapError(ERROR_CODES.FILE_EXISTS, `${path} exists — choose another output (-o) or pass --force to replace it`);
  }
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  let handle;
  try {
    handle = await open(tmp, 'wx', options.mode ?? 0o600);
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    handle = undefined;
    if (force) {
      await rename(tmp, path);
    } else {
      // link() fails if the target appeared meanwhile: never replace a file without force.
      await link(tmp, path);
      await unlink(tmp);
    }
  } catch (cause) {
    await handle?.close().catch(() => {});
    await unlink(tmp).catch(() => {});
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

function errnoText(e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a directory';
    case 'ENOTDIR':
      return 'a part of the path is not a directory';
    case 'ENOSPC':
      return 'the disk is full';
    default:
      return code ?? 'unknown error';
  }
}
