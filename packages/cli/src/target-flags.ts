/**
 * --target and the flags of each target's envelope options (Azure's --kek-id, Vault's --mount,
 * Cloud KMS's --import-job...), taken from the targets' declarations rather than listed twice.
 */
import { TARGETS, TARGET_IDS, type Target } from '@kms-wrap/core';
import { str, usageError, type Options, type Parsed } from './args.js';

/** AWS KMS's options wrap has flags of its own for, or reads from the parameters (commands/wrap-aws.ts): not target flags. */
const AWS_OWN = new Set(['key-id', 'import-token', 'valid-to']);

const OWNERS = new Map<string, Target[]>();
for (const id of TARGET_IDS) {
  for (const o of TARGETS[id].options) {
    if (AWS_OWN.has(o.flag)) continue;
    OWNERS.set(o.flag, [...(OWNERS.get(o.flag) ?? []), TARGETS[id]]);
  }
}

/** The parseArgs options for --target, --hash-function and every target's flags. */
export const TARGET_FLAGS: Options = Object.fromEntries([
  ['target', { type: 'string' }],
  ['hash-function', { type: 'string' }],
  ...[...OWNERS.keys()].map((flag) => [flag, { type: 'string' }]),
]);

/**
 * The envelope options given for `target`, by option name. A flag of another target's is a
 * usage error that names the target it belongs to.
 */
export function targetOptionValues(p: Parsed, target: Target, command: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [flag, owners] of OWNERS) {
    const value = str(p, flag);
    if (value === undefined) continue;
    const option = target.options.find((o) => o.flag === flag);
    if (!option) {
      throw usageError(
        `--${flag} is for --target ${owners.map((t) => t.id).join(' or ')}, not ${target.id} (${target.name}) — leave it out, or see kms-wrap ${command} --help`,
      );
    }
    out[option.name] = value;
  }
  if (str(p, 'hash-function') !== undefined && target.id !== 'vault') {
    throw usageError(
      `--hash-function is for --target vault (Vault transit's hash_function), not ${target.id} — name the algorithm with --algorithm`,
    );
  }
  return out;
}
