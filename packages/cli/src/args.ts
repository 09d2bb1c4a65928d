/** Argument parsing on node:util parseArgs, with usage errors that say what to type instead. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ERROR_CODES, KmsWrapError } from '@kms-wrap/core';
import { closestName, orList } from '@kms-wrap/core/internal';

export type Options = NonNullable<ParseArgsConfig['options']>;

export function usageError(message: string): KmsWrapError {
  return new KmsWrapError(ERROR_CODES.USAGE, message);
}

export interface Parsed {
  readonly values: Record<string, string | boolean | undefined>;
  readonly positionals: string[];
}

/** Options whose value is text, not a file: a lone `-` there is just text. */
const FREE_TEXT = new Set(['description']);

/**
 * Where a command takes `-`: the options (and the positional) that read a file it may read from
 * standard input, and whether `-o -` writes standard output. Elsewhere a lone `-` is refused, not
 * taken as a file of that name.
 */
export interface Dash {
  readonly inputs?: readonly string[];
  readonly positional?: boolean;
  readonly output?: boolean;
}

export function parse(
  command: string,
  argv: string[],
  options: Options,
  positionals: { min: number; max: number },
  dash: Dash = {},
): Parsed {
  let result;
  try {
    result = parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    const msg = (e as Error).message.split('\n')[0]!.replace(/\. To specify a positional argument.*$/, '');
    // An option misspelt (--public-kye): name the one meant.
    const unknown = /^Unknown option '(--?[^']+)'/.exec(msg)?.[1];
    const near = unknown?.startsWith('--') ? closestName(unknown.slice(2), Object.keys(options)) : undefined;
    throw usageError(`${msg} — ${near ? `did you mean --${near}? ` : ''}see kms-wrap ${command} --help`);
  }
  const values = result.values as Record<string, string | boolean | undefined>;
  if (values['help']) return { values, positionals: result.positionals };
  // `-` where the command reads standard input or writes standard output; anywhere else it is
  // refused, rather than a file of that name created or looked for.
  const taken = (name: string) => FREE_TEXT.has(name) || (name === 'output' ? dash.output : dash.inputs?.includes(name));
  const misplaced = Object.entries(values).find(([name, v]) => v === '-' && !taken(name))?.[0];
  if (misplaced !== undefined) {
    const allowed = [...(dash.inputs ?? []).map((n) => `--${n} -`), ...(dash.positional ? ["'-'"] : []), ...(dash.output ? ['-o -'] : [])];
    const only = allowed.length > 0 ? `only ${orList(allowed)}` : 'no -';
    throw usageError(`kms-wrap ${command} takes ${only} for standard input or output, not --${misplaced} - — name a file instead`);
  }
  if (!dash.positional && result.positionals.includes('-')) {
    throw usageError(`kms-wrap ${command} reads a file, not standard input ('-') — name a file instead`);
  }
  const stdin = [
    ...Object.entries(values)
      .filter(([name, v]) => v === '-' && name !== 'output' && !FREE_TEXT.has(name))
      .map(([name]) => `--${name} -`),
    ...result.positionals.filter((x) => x === '-').map(() => "'-'"),
  ];
  if (stdin.length > 1) {
    throw usageError(
      `kms-wrap ${command} reads one file at most from standard input, and ${stdin.join(' and ')} both ask for it — name a file for all but one`,
    );
  }
  const n = result.positionals.length;
  if (n < positionals.min)
    throw usageError(
      `kms-wrap ${command} needs ${positionals.min === 1 ? 'an argument' : `${positionals.min} arguments`} — see kms-wrap ${command} --help`,
    );
  if (n > positionals.max)
    throw usageError(`unexpected argument '${result.positionals[positionals.max]}' — see kms-wrap ${command} --help`);
  return { values, positionals: result.positionals };
}

export function str(p: Parsed, name: string): string | undefined {
  const v = p.values[name];
  return typeof v === 'string' ? v : undefined;
}

export function flag(p: Parsed, name: string): boolean {
  return p.values[name] === true;
}

export function required(p: Parsed, command: string, name: string): string {
  const v = str(p, name);
  if (v === undefined || v === '') throw usageError(`kms-wrap ${command} needs --${name} — see kms-wrap ${command} --help`);
  return v;
}
