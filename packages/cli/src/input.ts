/**
 * `-` on the command line: the file read from standard input (bounded like every input file,
 * the same cap), and `-o -`, the output written to standard output (text or, with --base64,
 * base64; binary never to a terminal).
 */
import { resolve } from 'node:path';
import { ERROR_CODES, KmsWrapError } from '@kms-wrap/core';
import { toBase64 } from '@kms-wrap/core/encoding';
import { MAX_INPUT_BYTES, readInputFile, writeFileAtomic } from '@kms-wrap/node';
import { errnoText, readFdBounded } from '@kms-wrap/node/files';
import { isatty } from 'node:tty';
import { usageError } from './args.js';
import { SURFACE, type Io } from './io.js';

/** What `-` means in a file's place. */
export const DASH = '-';

/** The name an input read from standard input goes by in messages. */
export const STDIN_NAME = 'standard input';

/** A file the command reads, or standard input for `-`; `what` names it in messages ("the key material"). */
export function readInput(cwd: string, arg: string, what: string): Promise<Uint8Array> {
  return arg === DASH ? readStandardInput(what) : readInputFile(resolve(cwd, arg), what);
}

/** Standard input, read to its end (at most MAX_INPUT_BYTES); refused when it is a terminal (nothing was piped in). */
export async function readStandardInput(what: string): Promise<Uint8Array> {
  if (isatty(0)) {
    throw usageError(
      `${what} is to come from standard input ('-'), and standard input is a terminal — pipe it in (... < FILE), or name the file`,
    );
  }
  let bytes: Uint8Array | undefined;
  try {
    bytes = await readFdBounded(0, 0, MAX_INPUT_BYTES);
  } catch (cause) {
    throw new KmsWrapError(
      ERROR_CODES.FILE_UNREADABLE,
      `cannot read ${what} from standard input: ${errnoText(cause)} — pipe the file in, or name it`,
      {
        cause,
      },
    );
  }
  if (bytes === undefined) {
    throw new KmsWrapError(
      ERROR_CODES.FILE_UNREADABLE,
      `${what} on standard input is more than ${MAX_INPUT_BYTES} bytes, far larger than any key — check what is piped in`,
    );
  }
  if (bytes.length === 0)
    throw new KmsWrapError(ERROR_CODES.FILE_UNREADABLE, `${what} on standard input is empty — check what is piped in`);
  return bytes;
}

/**
 * Refuses, before anything is read, binary output to a terminal: it would show as noise and could
 * leave the terminal in a strange state (and key material on the screen).
 */
export function checkStdoutFor(io: Io, binary: boolean, base64: boolean, what: string, command: string): void {
  if (binary && !base64 && (io.data ?? io.stdout).isTTY) {
    throw usageError(
      `${what} is binary, and standard output is a terminal — pass --base64 for base64 text, redirect it (kms-wrap ${command} ... -o - > FILE), or name a file with -o`,
    );
  }
}

/** The output's bytes as written: as they are, or base64 text (one line) with --base64. */
export function encoded(bytes: Uint8Array, base64: boolean): Uint8Array {
  return base64 ? new TextEncoder().encode(`${toBase64(bytes)}\n`) : bytes;
}

/** Writes the output: to standard output for `-o -` (the caller zeroes `bytes`), else atomically to the file. */
export async function writeOutput(
  io: Io,
  path: string | undefined,
  bytes: Uint8Array,
  options: { force: boolean; base64: boolean; mode?: number },
): Promise<void> {
  const out = encoded(bytes, options.base64);
  try {
    if (path === undefined) (io.data ?? io.stdout).write(out);
    else
      await writeFileAtomic(path, out, {
        force: options.force,
        surface: SURFACE,
        ...(options.mode === undefined ? {} : { mode: options.mode }),
      });
  } finally {
    if (out !== bytes) out.fill(0);
  }
}
