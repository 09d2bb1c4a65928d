/**
 * kms-wrap completion bash|zsh|fish: a script for the shell that completes commands, their
 * options and the names they take (key specs, algorithms, targets, regions). One source: the
 * commands and options are read from the help texts (help.ts), the names from core.
 */
import { KEY_SPECS, MATERIAL_SPECS, REGIONS, TARGETS, TARGET_IDS } from '@kms-wrap/core';
import { parse, usageError } from '../args.js';
import { COMMAND_NAMES, HELP } from '../help.js';
import type { Io } from '../io.js';

const SHELLS = ['bash', 'zsh', 'fish'] as const;

interface Option {
  readonly name: string;
  /** The names it takes, or 'file' for a path, or undefined for a flag. */
  readonly values?: readonly string[] | 'file';
}

export async function run(argv: string[], io: Io): Promise<number> {
  const p = parse('completion', argv, {}, { min: 1, max: 1 });
  const shell = p.positionals[0]!;
  if (!(SHELLS as readonly string[]).includes(shell))
    throw usageError(`'${shell}' is not a shell kms-wrap completes — use bash, zsh or fish`);
  io.stdout.write(shell === 'fish' ? fish() : shell === 'zsh' ? zsh() : bash());
  return 0;
}

/** Every name of a kind the command line takes. */
const NAMES: Readonly<Record<string, readonly string[]>> = {
  ALG: [...new Set(TARGET_IDS.flatMap((id) => Object.keys(TARGETS[id].rules.algorithms)))],
  SPEC: MATERIAL_SPECS,
  KEY_SPEC: KEY_SPECS,
  REGION: REGIONS,
  T: TARGET_IDS,
};
const FILES = new Set(['FILE', 'IN', 'OUT', 'MANIFEST', 'DIR']);

/**
 * A command's options, as its help text declares them — in its Usage line and at the start of
 * its option lines (`  --name VALUE   what it is`), not where prose mentions another tool's flag.
 */
export function optionsOf(command: string): Option[] {
  const found = new Map<string, Option>();
  const declared = (HELP[command] ?? '')
    .split('\n')
    .map((l) =>
      l.startsWith('Usage:')
        ? l
        : /^ {2}(-[a-z], )?--[a-z]/.test(l)
          ? l.replace(/^( *(?:-[a-z], )?--[a-z0-9-]+(?: [^ ]+)?) {2,}.*$/, '$1')
          : '',
    )
    .join('\n');
  for (const m of declared.matchAll(/(?<![\w-])(--[a-z][a-z0-9-]*|-o)(?: ([A-Z][A-Z_]*|[a-z0-9]+(?:\|[a-z0-9]+)+)\b)?/g)) {
    const name = m[1]!;
    const value = m[2];
    const values =
      value === undefined ? undefined : value.includes('|') ? value.split('|') : FILES.has(value) ? 'file' : (NAMES[value] ?? []);
    const before = found.get(name);
    if (!before || (before.values === undefined && values !== undefined))
      found.set(name, { name, ...(values === undefined ? {} : { values }) });
  }
  found.delete('--help');
  found.delete('--version');
  return [...found.values()];
}

/** What a command takes as its first argument, if it is a name. */
function positionalNames(command: string): readonly string[] | undefined {
  return command === 'keygen' ? KEY_SPECS : command === 'completion' ? SHELLS : undefined;
}

const q = (words: readonly string[]) => words.join(' ');

function bash(): string {
  const optionCases = COMMAND_NAMES.map((c) => `    ${c}) opts=${JSON.stringify(q(optionsOf(c).map((o) => o.name)))} ;;`).join('\n');
  const valueCases = new Map<string, string>();
  for (const c of COMMAND_NAMES) {
    for (const o of optionsOf(c)) {
      if (o.values === undefined) continue;
      valueCases.set(
        o.name,
        o.values === 'file'
          ? '      COMPREPLY=($(compgen -f -- "$cur")); return ;;'
          : `      COMPREPLY=($(compgen -W ${JSON.stringify(q(o.values))} -- "$cur")); return ;;`,
      );
    }
  }
  const positional = COMMAND_NAMES.filter((c) => positionalNames(c))
    .map((c) => `    ${c}) COMPREPLY=($(compgen -W ${JSON.stringify(q(positionalNames(c)!))} -- "$cur")); return ;;`)
    .join('\n');
  return `# kms-wrap completion for bash. Load it with: source <(kms-wrap completion bash)
_kms_wrap() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" cmd="\${COMP_WORDS[1]}" opts
  COMPREPLY=()
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=($(compgen -W ${JSON.stringify(q([...COMMAND_NAMES, '--help', '--version']))} -- "$cur"))
    return
  fi
  case "$prev" in
${[...valueCases].map(([name, body]) => `    ${name})\n${body}`).join('\n')}
  esac
  if [[ "$cur" == -* ]]; then
    case "$cmd" in
${optionCases}
    esac
    COMPREPLY=($(compgen -W "$opts --help" -- "$cur"))
    return
  fi
  if [ "$COMP_CWORD" -eq 2 ]; then
    case "$cmd" in
${positional}
    esac
  fi
  COMPREPLY=($(compgen -f -- "$cur"))
}
complete -o filenames -o bashdefault -F _kms_wrap kms-wrap
`;
}

function zsh(): string {
  return `# kms-wrap completion for zsh (through zsh's bash completion). Load it with: source <(kms-wrap completion zsh)
autoload -U +X compinit && compinit -u
autoload -U +X bashcompinit && bashcompinit
${bash().split('\n').slice(1).join('\n')}`;
}

function fish(): string {
  const out = ['# kms-wrap completion for fish. Load it with: kms-wrap completion fish | source', 'complete -c kms-wrap -f'];
  out.push(`complete -c kms-wrap -n __fish_use_subcommand -a ${JSON.stringify(q(COMMAND_NAMES))}`);
  for (const c of COMMAND_NAMES) {
    const when = `-n '__fish_seen_subcommand_from ${c}'`;
    const names = positionalNames(c);
    if (names) out.push(`complete -c kms-wrap ${when} -a ${JSON.stringify(q(names))}`);
    for (const o of optionsOf(c)) {
      const flag = o.name === '-o' ? '-s o' : `-l ${o.name.slice(2)}`;
      const takes = o.values === undefined ? '' : o.values === 'file' ? ' -r -F' : ` -x -a ${JSON.stringify(q(o.values))}`;
      out.push(`complete -c kms-wrap ${when} ${flag}${takes}`);
    }
    if (!names) out.push(`complete -c kms-wrap ${when} -F`);
  }
  return `${out.join('\n')}\n`;
}
