/**
 * The one-call wrap of the runtime adapters (@kms-wrap/node's and @kms-wrap/browser's
 * wrapKeyMaterial): the options they take, defined once, and the steps they share — the
 * target (AWS KMS by default), its default algorithm, the standard plugin the algorithm needs,
 * the wrap, and the bytes to write (the target's envelope). Each adapter gives only its runtime:
 * the engine over its installed plugins and crypto provider, and its loader of standard plugins.
 */
import { ERROR_CODES, KmsWrapError } from './errors.js';
import { checkArguments, type Wrapper } from './engine.js';
import type { WrappingPublicKey } from './keys.js';
import { orList, type RuleSet } from './rules.js';
import type { MaterialSpec, Region } from './specs.js';
import type { EnvelopeContext, Target } from './target.js';
import { AWS_KMS } from './target-aws.js';
import { parseTarget } from './targets.js';

export interface WrapKeyMaterialOptions {
  /** Plaintext key material: raw bytes or PKCS#8 DER. Not modified; the caller zeroes it. */
  readonly material: Uint8Array;
  /** WrappingPublicKey.bin bytes, its base64 or PEM, or a parsed key. */
  readonly wrappingPublicKey: Uint8Array | string | WrappingPublicKey;
  /** The target's algorithm id; optional where the target has a default (Azure, Vault). */
  readonly algorithm?: string;
  readonly keySpec?: MaterialSpec | string;
  /** AWS KMS's 'standard' (default) or 'china'; AWS region names such as cn-north-1 are understood. */
  readonly region?: Region | string;
  /** 'aws' (default), 'gcp', 'azure', 'vault', or a Target. */
  readonly target?: string | Target;
  /** For targets other than AWS KMS: the envelope's options (Azure's kekId, ...) and file name. */
  readonly envelope?: EnvelopeContext;
}

/** What an adapter gives wrapKeyMaterialWith: its runtime. */
export interface WrapKeyMaterialRuntime {
  /** One engine over every installed plugin and the runtime's crypto provider, for `target`. */
  wrapper(target: Target): Promise<Wrapper>;
  /** The standard plugin of an algorithm of `rules` (StandardAlgorithms.loadStandardAlgorithm): names the package to install when it is missing. */
  loadStandardAlgorithm(id: string, rules: RuleSet): Promise<unknown>;
}

/**
 * Wraps key material; resolves to the bytes to write: for AWS KMS (the default) the
 * EncryptedKeyMaterial bytes; for another target its envelope (Cloud KMS's wrapped key,
 * Azure's .byok JSON, Vault's base64 ciphertext).
 */
export async function wrapKeyMaterialWith(options: WrapKeyMaterialOptions, runtime: WrapKeyMaterialRuntime): Promise<Uint8Array> {
  // Every option's type, before any is read: a coded refusal that names it, never a TypeError.
  checkArguments(options as unknown, 'wrapKeyMaterial');
  const target = parseTarget(options.target ?? 'aws');
  const id = (options.algorithm ?? target.defaultAlgorithm ?? '').trim().toUpperCase();
  if (id === '') {
    throw new KmsWrapError(
      ERROR_CODES.UNKNOWN_NAME,
      `${target.name} needs an algorithm — use ${orList(Object.keys(target.rules.algorithms))}`,
    );
  }
  // Names the package to install when the requested algorithm's is missing.
  await runtime.loadStandardAlgorithm(id, target.rules);
  // One engine over every installed plugin, so a refusal's advice is checked against each one's capacity.
  const wrapper = await runtime.wrapper(target);
  const { target: _target, envelope, ...request } = options;
  const result = await wrapper.wrap({ ...request, algorithm: id });
  if (target === AWS_KMS) return result.ciphertext;
  return target.envelope(result, envelope).bytes;
}
