/** How kms-wrap's messages name a remedy: as flags (core's surface: "pass --region china", "--force"). */
export const SURFACE = 'command-line' as const;

/** Where a command writes: injectable so tests run commands in-process. */
export interface Io {
  /** Text, and the data of `-o -` (bytes). */
  readonly stdout: { write(s: string | Uint8Array): unknown; isTTY?: boolean };
  readonly stderr: { write(s: string): unknown; isTTY?: boolean };
  /** stdout as given, for the data of `-o -`, which --quiet does not silence (main sets it with --quiet). */
  readonly data?: Io['stdout'];
  /** The working directory for relative paths; process.cwd() by default. */
  readonly cwd?: string;
  /** "Now", for expiry checks; Date.now by default. */
  readonly now?: () => number;
  /** --quiet: notes, warnings and progress are not printed (errors are). */
  readonly quiet?: boolean;
}

export function line(stream: Io['stdout'], text = ''): void {
  stream.write(`${text}\n`);
}

export function json(io: Io, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** A note on stderr that is not an error: "kms-wrap: note: ...". */
export function note(io: Io, text: string): void {
  if (io.quiet) return;
  io.stderr.write(`kms-wrap: note: ${text}\n`);
}

export function warn(io: Io, text: string): void {
  if (io.quiet) return;
  io.stderr.write(`kms-wrap: warning: ${text}\n`);
}

/**
 * One line of progress on stderr, redrawn in place, when stderr is a terminal (and not --quiet);
 * nothing otherwise, so pipes and logs get only the result.
 */
export function progress(io: Io): { show(text: string): void; done(): void } {
  if (!io.stderr.isTTY || io.quiet) return { show: () => {}, done: () => {} };
  let shown = false;
  return {
    show(text) {
      io.stderr.write(`\r\x1b[2K${text}`);
      shown = true;
    },
    done() {
      if (shown) io.stderr.write('\r\x1b[2K');
      shown = false;
    },
  };
}

/**
 * Where a command's human summary goes: stdout, or stderr when stdout carries the output itself
 * (`-o -`), so that the data is never mixed with words; nothing with --quiet.
 */
export function summaryStream(io: Io, outputIsStdout: boolean): Io['stderr'] {
  if (!outputIsStdout) return io.stdout;
  return io.quiet ? { write: () => true } : io.stderr;
}
