/** Argument parsing on node:util parseArgs, with usage errors that say what to type instead. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ERROR_CODES, KmsWrapError } from '@kms-wrap/core';
import { closestName } from '@kms-wrap/core/internal';

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

export function parse(command: string, argv: string[], options: Options, positionals: { min: number; max: number }): Parsed {
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
  // `-` (standard input or output) is not read or written yet: refuse it rather than create or
  // look for a file of that name.
  const dash = Object.entries(values).find(([name, v]) => v === '-' && !FREE_TEXT.has(name))?.[0];
  if (dash !== undefined || result.positionals.includes('-')) {
    const where = dash === undefined ? "'-'" : `--${dash} -`;
    throw usageError(`kms-wrap ${command} does not read standard input or write standard output yet (${where}) — name a file instead`);
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
