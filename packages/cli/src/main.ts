/**
 * The kms-wrap command: dispatch, one-line errors, exit codes (0 done, 1 refused, 2 usage).
 * Each command module is imported only when it runs, to keep start-up small.
 */
import { ERROR_CODES, isKmsWrapError } from '@kms-wrap/core';
import { didYouMean } from '@kms-wrap/core/internal';
import { usageError } from './args.js';
import { COMMAND_NAMES, HELP, MAIN_HELP } from './help.js';
import type { Io } from './io.js';
import { VERSION } from './version.js';

export type Command = (argv: string[], io: Io) => Promise<number>;

const COMMANDS: Readonly<Record<string, () => Promise<{ run: Command }>>> = {
  wrap: () => import('./commands/wrap.js'),
  batch: () => import('./commands/batch.js'),
  import: () => import('./commands/import.js'),
  keygen: () => import('./commands/keygen.js'),
  inspect: () => import('./commands/inspect.js'),
  convert: () => import('./commands/convert.js'),
  algorithms: () => import('./commands/algorithms.js'),
  demo: () => import('./commands/demo.js'),
  completion: () => import('./commands/completion.js'),
};

export { VERSION };

export async function main(argv: string[], ioGiven: Io): Promise<number> {
  // --quiet (-q), anywhere: nothing but errors; what --json prints is still printed.
  const quiet = argv.some((a) => a === '--quiet' || a === '-q');
  const [name, ...rest] = quiet ? argv.filter((a) => a !== '--quiet' && a !== '-q') : argv;
  let json = rest.includes('--json');
  const io: Io = quiet
    ? { ...ioGiven, quiet: true, data: ioGiven.stdout, ...(json ? {} : { stdout: { write: () => true, isTTY: false } }) }
    : ioGiven;
  try {
    if (name === undefined) {
      // Nothing asked: a usage mistake (exit 2), the usage on stderr where it does not mix with output.
      io.stderr.write(MAIN_HELP);
      return 2;
    }
    if (name === '-h' || name === '--help' || name === 'help') {
      const topic = name === 'help' ? rest[0] : undefined;
      io.stdout.write(topic && HELP[topic] ? HELP[topic] : MAIN_HELP);
      return 0;
    }
    if (name === '-v' || name === '--version') {
      io.stdout.write(`${VERSION}\n`);
      return 0;
    }
    const load = COMMAND_NAMES.includes(name) ? COMMANDS[name] : undefined;
    if (!load) {
      json = false;
      const names = COMMAND_NAMES;
      throw usageError(`'${name}' is not a kms-wrap command — ${didYouMean(name, names)}use one of ${names.join(', ')} (kms-wrap --help)`);
    }
    if (rest.includes('--help') || rest.includes('-h')) {
      io.stdout.write(HELP[name] ?? MAIN_HELP);
      return 0;
    }
    const { run } = await load();
    return await run(rest, io);
  } catch (e) {
    return fail(io, e, json);
  }
}

/** Exit 2: the command line itself is wrong (a flag that does not parse, a name typed that does not exist). */
const USAGE_MISTAKES: ReadonlySet<string> = new Set([ERROR_CODES.USAGE, ERROR_CODES.UNKNOWN_NAME]);

/** Prints a refusal as one line on stderr (and as JSON on stdout with --json); never a stack. */
export function fail(io: Io, e: unknown, json: boolean): number {
  if (isKmsWrapError(e)) {
    io.stderr.write(`kms-wrap: ${e.code}: ${e.message}\n`);
    if (json) io.stdout.write(`${JSON.stringify({ ok: false, error: { code: e.code, message: e.message } })}\n`);
    return USAGE_MISTAKES.has(e.code) ? 2 : 1;
  }
  // Not ours: say so without a stack, and never echo the error's data.
  const what =
    e instanceof Error ? `${e.name}${(e as NodeJS.ErrnoException).code ? ` ${(e as NodeJS.ErrnoException).code}` : ''}` : typeof e;
  io.stderr.write(
    `kms-wrap: ${ERROR_CODES.INTERNAL}: an unexpected ${what} stopped the command; nothing was written — please report it with the command line you ran\n`,
  );
  if (json) io.stdout.write(`${JSON.stringify({ ok: false, error: { code: ERROR_CODES.INTERNAL, message: what } })}\n`);
  return 1;
}
