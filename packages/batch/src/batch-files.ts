/**
 * The file steps of one batch entry, synchronous: a worker thread runs one entry at a time,
 * and blocking calls there cost a fraction of the thread-pool round trips of node:fs/promises.
 * Same contract as @kms-wrap/node's writeFileAtomic: errors that say what is wrong, outputs
 * written whole or not at all (a temporary file in the same directory, mode 0600, then linked
 * into place, or renamed over the target with force), a temporary file never left behind.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, sep } from 'node:path';
import { ERROR_CODES, KmsWrapError, type Surface } from '@kms-wrap/core';
import { sayPass } from '@kms-wrap/core/internal';
import { errnoText } from '@kms-wrap/node/files';

export interface WriteSyncOptions {
  /** Replace an existing file. Without it an existing file is an error and stays untouched. */
  readonly force: boolean;
  /** fsync the file before it is put in place (durable across a power cut; costs a disk flush a file). */
  readonly fsync: boolean;
  /** The file's mode; 0600 by default (an import token, which is not secret, is 0644). */
  readonly mode?: number;
  /** Where a refusal is read, for how it names the force option (core's surface). */
  readonly surface?: Surface;
}

/** This thread's part of temporary names: random once, then a counter (a CSPRNG call a file cost more than the write). */
const tempPrefix = randomBytes(6).toString('hex');
let tempCounter = 0;

/**
 * The hidden temporary name an output is written under first: `.NAME.<12 hex>-<n>.tmp`, unique
 * to this thread and call; it is opened with O_EXCL, so a clash fails rather than shares a file.
 */
export function tempNameFor(path: string): string {
  // dirname + sep, not join: the output's path is already resolved, and join's normalising costs
  // more than the rest of the name.
  const dir = dirname(path);
  return `${dir}${dir.endsWith(sep) ? '' : sep}.${basename(path)}.${tempPrefix}-${(tempCounter++).toString(36)}.tmp`;
}

/** Writes a file whole or not at all, mode 0600. */
export function writeFileAtomicSync(path: string, data: Uint8Array, options: WriteSyncOptions): void {
  const tmp = tempNameFor(path);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'wx', options.mode ?? 0o600);
    let n = 0;
    while (n < data.length) n += writeSync(fd, data, n, data.length - n);
    if (options.fsync) fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    if (options.force) {
      renameSync(tmp, path);
    } else {
      // link() fails if the target appeared meanwhile: never replace a file without force.
      linkSync(tmp, path);
      unlinkSync(tmp);
    }
  } catch (cause) {
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        // already failing: the write error is the one to report
      }
    }
    try {
      unlinkSync(tmp);
    } catch {
      // not created, or already renamed into place
    }
    if ((cause as NodeJS.ErrnoException).code === 'EEXIST' && !options.force) {
      throw new KmsWrapError(
        ERROR_CODES.FILE_EXISTS,
        `${path} exists — choose another output or ${sayPass(options.surface, 'force')} to replace it`,
        { cause },
      );
    }
    throw new KmsWrapError(ERROR_CODES.FILE_UNWRITABLE, `cannot write ${path}: ${errno(cause)} — check the directory and permissions`, {
      cause,
    });
  }
}

/** How batch words ENOENT (it names missing directories too): see errnoText. */
export const NO_ENTRY = 'no such file or directory';

/** ENOENT as batch words it: see errnoText. */
export const errno = (e: unknown): string => errnoText(e, NO_ENTRY);
