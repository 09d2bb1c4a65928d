/** The one-call API: wrap material for KMS (or another target) with whichever standard plugins are installed. */
import {
  AWS_KMS,
  ERROR_CODES,
  KmsWrapError,
  createWrapper,
  orList,
  parseTarget,
  type EnvelopeContext,
  type MaterialSpec,
  type Region,
  type Target,
  type Wrapper,
  type WrappingPublicKey,
} from '@kms-wrap/core';
import { createNodeCryptoProvider } from './node-crypto-provider.js';
import { loadInstalledAlgorithms, loadStandardAlgorithm } from './standard-algorithms.js';

export interface WrapKeyMaterialOptions {
  /** Plaintext key material: raw bytes or PKCS#8 DER. */
  readonly material: Uint8Array;
  /** WrappingPublicKey.bin bytes, its base64 or PEM, or a parsed key. */
  readonly wrappingPublicKey: Uint8Array | string | WrappingPublicKey;
  /** The target's algorithm id; optional where the target has a default (Azure, Vault). */
  readonly algorithm?: string;
  readonly keySpec?: MaterialSpec | string;
  readonly region?: Region | string;
  /** 'aws' (default), 'gcp', 'azure', 'vault', or a Target. */
  readonly target?: string | Target;
  /** For targets other than AWS: the envelope's options (Azure's kekId, ...) and file name. */
  readonly envelope?: EnvelopeContext;
}

const wrappers = new Map<string, Promise<Wrapper>>();

/** One engine over every installed standard plugin and node:crypto for a target (AWS KMS by default), made on first use. */
export function standardWrapper(target?: string | Target): Promise<Wrapper> {
  const t = target === undefined ? undefined : parseTarget(target);
  const key = t === undefined || t === AWS_KMS ? 'aws' : t.id;
  let w = wrappers.get(key);
  if (!w) {
    w = loadInstalledAlgorithms().then((algorithms) =>
      createWrapper({ algorithms, crypto: createNodeCryptoProvider(), ...(t === undefined || t === AWS_KMS ? {} : { target: t }) }),
    );
    wrappers.set(key, w);
  }
  return w;
}

/**
 * Wraps key material; resolves to the bytes to write: for AWS KMS (the default) the
 * EncryptedKeyMaterial bytes; for another target its envelope (Cloud KMS's wrapped key,
 * Azure's .byok JSON, Vault's base64 ciphertext).
 */
export async function wrapKeyMaterial(options: WrapKeyMaterialOptions): Promise<Uint8Array> {
  const target = parseTarget(options.target ?? 'aws');
  const id = (options.algorithm ?? target.defaultAlgorithm ?? '').trim().toUpperCase();
  if (id === '') {
    throw new KmsWrapError(ERROR_CODES.UNKNOWN_NAME, `${target.name} needs an algorithm — use ${orList(Object.keys(target.rules.algorithms))}`);
  }
  // Names the package to install when the requested algorithm's is missing.
  await loadStandardAlgorithm(id, target.rules);
  // One engine over every installed plugin, so a refusal's advice is checked against each one's capacity.
  const wrapper = await standardWrapper(options.target);
  const { target: _t, envelope, ...request } = options;
  const result = await wrapper.wrap({ ...request, algorithm: id });
  if (target === AWS_KMS) return result.ciphertext;
  return target.envelope(result, envelope).bytes;
}
