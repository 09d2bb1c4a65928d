/**
 * The command line as a process runs it: `process.argv`, stdout and stderr, the exit code, and
 * the signals that stop it while it writes (signals.ts). What bin.ts awaits, and the entry of
 * each bundle of scripts/bundle.mjs (whose bin calls it).
 */
import { writeSync } from 'node:fs';
import type { Io } from './io.js';
import { main } from './main.js';
import { removeTempFilesOnSignals } from './signals.js';

export { main };

export async function runCommandLine(): Promise<void> {
  const stop = removeTempFilesOnSignals();
  try {
    process.exitCode = await main(process.argv.slice(2), {
      stdout: output(1, () => process.stdout),
      stderr: output(2, () => process.stderr),
    });
  } finally {
    stop();
  }
}

/**
 * stdout or stderr, written straight to the file descriptor (fs.writeSync) as long as that
 * works: the first touch of process.stdout loads Node's streams (for a pipe, its sockets too),
 * which a command that prints two lines need not wait for. Output nobody reads any more
 * (`kms-wrap ... | head`: EPIPE) is dropped, without a stack trace; the command finishes with
 * its own exit code. A write that fails otherwise (a full non-blocking pipe: EAGAIN) and any
 * later text go through the stream instead, in order.
 */
function output(fd: 1 | 2, get: () => NodeJS.WriteStream): Io['stdout'] {
  let stream: NodeJS.WriteStream | undefined;
  const viaStream = (): NodeJS.WriteStream => {
    if (!stream) {
      stream = get();
      stream.on('error', (e: NodeJS.ErrnoException) => {
        if (e.code !== 'EPIPE') throw e;
      });
    }
    return stream;
  };
  let broken = false;
  return {
    write(text: string | Uint8Array): boolean {
      if (broken) return false;
      // Bytes (-o -) are the caller's, zeroed after: the stream gets a copy it may keep.
      if (stream) return stream.write(typeof text === 'string' ? text : Buffer.from(text));
      const bytes = typeof text === 'string' ? Buffer.from(text) : text;
      let done = 0;
      try {
        while (done < bytes.length) done += writeSync(fd, bytes, done);
        return true;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EPIPE') {
          broken = true;
          return false;
        }
        // EAGAIN (a full non-blocking pipe), anything else: the stream handles it as it would have
      }
      return viaStream().write(Buffer.from(bytes.subarray(done)));
    },
    get isTTY(): boolean {
      return viaStream().isTTY;
    },
  };
}
