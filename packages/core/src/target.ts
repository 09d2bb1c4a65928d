/**
 * The target contract. A target is where wrapped key material goes — AWS KMS, Google Cloud KMS,
 * Azure Key Vault, HashiCorp Vault transit — and it is data plus one function:
 *   - rules: which of its algorithms take which material under which wrapping keys, in its own
 *     names; each rule names the construction (the plugin) that implements it;
 *   - envelope: the file its import takes (raw bytes, a .byok JSON, base64 text) and the
 *     command of its own CLI that imports that file.
 * The constructions (RSA-OAEP; RSA-OAEP of a fresh AES key + RFC 5649 KWP) stay in the plugins;
 * another cloud is another Target, not another plugin.
 */
import type { WrapResult } from './engine.js';
import { ERROR_CODES, KmsWrapError } from './errors.js';
import type { RuleSet } from './rules.js';
import type { MaterialSpec } from './specs.js';

/** A value the envelope or the next command needs (Azure's KEK id, the key's name, ...). */
export interface TargetOption {
  /** The key in EnvelopeContext.options: 'kekId'. */
  readonly name: string;
  /** The command-line flag: 'kek-id'. */
  readonly flag: string;
  /** Required: the envelope cannot be made without it (Azure's kid). Else a placeholder stands in the next command. */
  readonly required: boolean;
  readonly description: string;
}

export interface EnvelopeContext {
  /** The path the envelope is written to, as the next command should name it; the target's default file name if absent. */
  readonly fileName?: string;
  /** Values of the target's options, by TargetOption.name. */
  readonly options?: Readonly<Record<string, string | undefined>>;
  /** Who made it, for envelopes that record it (Azure's "generator"): "kms-wrap/0.1.0". */
  readonly generator?: string;
}

/** What to write, and what to run next. */
export interface Envelope {
  readonly bytes: Uint8Array;
  readonly fileName: string;
  /**
   * The import command of the target's own CLI, ready to paste into a POSIX shell. A value not
   * known here is a shell variable ("$KEY_ID"), and a comment line above the command says what to
   * set it to (`# set KEY_ID first: ...`): pasted as is, nothing is read as a redirection.
   */
  readonly nextCommand: string;
  /** The variables nextCommand leaves to the user (in the order named), with what each one is. */
  readonly placeholders?: readonly Placeholder[];
  /** 'binary' (the wrapped bytes as they are), 'json' or 'base64': for messages. */
  readonly format: 'binary' | 'json' | 'base64';
}

/** The part of a wrap's result an envelope reads. */
export type Wrapped = Pick<WrapResult, 'ciphertext' | 'algorithm' | 'keySpec' | 'keySpecCandidates' | 'wrappingKeySpec'>;

export interface Target {
  /** 'aws', 'gcp', 'azure', 'vault': what --target takes. */
  readonly id: string;
  readonly name: string;
  readonly rules: RuleSet;
  /** Where its wrapping public key comes from, and the command that fetches it. */
  readonly wrappingKeySource: string;
  /** The file name the envelope is written to by default. */
  readonly defaultFileName: string;
  /** The algorithm to use when none is named (a target with one, or a default parameter such as Vault's hash_function). */
  readonly defaultAlgorithm?: string;
  readonly options: readonly TargetOption[];
  /** The repository's page on this target (docs/targets/ID.md). */
  readonly docs: string;
  /** The file the target's import takes, and the command that imports it. Throws TARGET_OPTION_INVALID on bad options. */
  envelope(wrapped: Wrapped, context?: EnvelopeContext): Envelope;
}

/**
 * Checks the options given for a target before anything is wrapped: every required one is
 * there, and none belongs to no option of this target. Returns the options of this target.
 * `say` names an option where the user sets it: a flag on the command line (the default), an
 * option in code, a field on the page.
 */
export function checkTargetOptions(
  target: Target,
  options: Readonly<Record<string, string | undefined>>,
  say: (option: TargetOption) => string = (o) => `--${o.flag}`,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(options)) {
    if (value === undefined) continue;
    const option = target.options.find((o) => o.name === name);
    if (!option) {
      const owners = target.options.map(say);
      throw new KmsWrapError(
        ERROR_CODES.TARGET_OPTION_INVALID,
        `${name} is not an option of ${target.name} — ${owners.length > 0 ? `its options are ${owners.join(', ')}` : 'it takes none'} (see ${target.docs})`,
      );
    }
    out[name] = value;
  }
  for (const option of target.options) {
    if (option.required && (out[option.name] === undefined || out[option.name] === '')) {
      throw new KmsWrapError(
        ERROR_CODES.TARGET_OPTION_INVALID,
        `${target.name} needs ${say(option)}: ${option.description} (see ${target.docs})`,
      );
    }
  }
  return out;
}

/** A word the shell takes as is: quoted only when it has to be (spaces, $, quotes...). */
export function shellWord(s: string): string {
  return /^[A-Za-z0-9_\/.:=@%+,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A value the next command needs and kms-wrap does not know: a shell variable the user sets. */
export interface Placeholder {
  /** The variable's name: KEY_ID. */
  readonly name: string;
  /** What to set it to: "the KMS key (key id, ARN or alias) the material is for". */
  readonly description: string;
}

/** A value for the next command: the value shell-quoted, or (unknown) a placeholder's variable. */
export type ValueOr = (value: string | undefined, name: string, description: string) => string;

/**
 * The next command, with its placeholders: `build` words the command, calling `valueOr` for each
 * value that may be unknown. An unknown one is "$NAME" (quoted: a value with spaces stays one
 * word), and a comment line above the command says what NAME is — the whole text pastes into a
 * shell as is.
 */
export function commandWithPlaceholders(build: (valueOr: ValueOr) => string): { nextCommand: string; placeholders: Placeholder[] } {
  const placeholders: Placeholder[] = [];
  const command = build((value, name, description) => {
    if (value !== undefined && value !== '') return shellWord(value);
    if (!placeholders.some((p) => p.name === name)) placeholders.push({ name, description });
    return `"$${name}"`;
  });
  const comments = placeholders.map((p) => `# set ${p.name} first: ${p.description}`);
  return { nextCommand: [...comments, command].join('\n'), placeholders };
}

/**
 * The target's name for the material (settled), or every name it could be (raw 32 bytes:
 * symmetric or HMAC): `name` is then undefined and `candidates` lists them.
 */
export function targetKeyName(
  rules: RuleSet,
  wrapped: Pick<Wrapped, 'keySpec' | 'keySpecCandidates'>,
): { name: string | undefined; candidates: readonly string[] } {
  const names = rules.keySpecs ?? {};
  if (wrapped.keySpec !== undefined && names[wrapped.keySpec] !== undefined) return { name: names[wrapped.keySpec]!, candidates: [] };
  const all = [...new Set(wrapped.keySpecCandidates.map((s: MaterialSpec) => names[s]).filter((n): n is string => n !== undefined))];
  if (all.length === 1) return { name: all[0]!, candidates: [] };
  return { name: undefined, candidates: all };
}
