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
  /** The import command of the target's own CLI, ready to paste (placeholders in <ANGLE_BRACKETS>). */
  readonly nextCommand: string;
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

/** A value for the next command, or a <PLACEHOLDER> for the user to fill in. */
export function valueOr(value: string | undefined, placeholder: string): string {
  return value === undefined || value === '' ? `<${placeholder}>` : shellWord(value);
}

/** The target's name for the material, or every name it could be (raw 32 bytes: symmetric or HMAC). */
export function targetKeyName(rules: RuleSet, wrapped: Pick<Wrapped, 'keySpec' | 'keySpecCandidates'>): { name: string; settled: boolean } {
  const names = rules.keySpecs ?? {};
  if (wrapped.keySpec !== undefined && names[wrapped.keySpec] !== undefined) return { name: names[wrapped.keySpec]!, settled: true };
  const all = [...new Set(wrapped.keySpecCandidates.map((s: MaterialSpec) => names[s]).filter((n): n is string => n !== undefined))];
  if (all.length === 1) return { name: all[0]!, settled: true };
  return { name: `<${all.join('|') || 'KEY_TYPE'}>`, settled: false };
}
