/** The one-call API: wrap material for KMS (or another target) with whichever standard plugins are installed. */
import { AWS_KMS, createWrapper, parseTarget, type Target, type WrapKeyMaterialOptions, type Wrapper } from '@kms-wrap/core';
import { wrapKeyMaterialWith } from '@kms-wrap/core/internal';
import { createNodeCryptoProvider } from './node-crypto-provider.js';
import { loadInstalledAlgorithms, loadStandardAlgorithm } from './standard-algorithms.js';

/** The options, as @kms-wrap/browser's wrapKeyMaterial takes them too (defined once, in core). */
export type { WrapKeyMaterialOptions };

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
 * Azure's .byok JSON, Vault's base64 ciphertext). Core's wrapKeyMaterialWith, on node:crypto.
 */
export function wrapKeyMaterial(options: WrapKeyMaterialOptions): Promise<Uint8Array> {
  return wrapKeyMaterialWith(options, { wrapper: standardWrapper, loadStandardAlgorithm });
}
