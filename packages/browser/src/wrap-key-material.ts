/** The one-call API: wrap material for KMS (or another target) with whichever standard plugins are installed. */
import { AWS_KMS, createWrapper, type Target, type WrapKeyMaterialOptions, type Wrapper } from '@kms-wrap/core';
import { wrapKeyMaterialWith } from '@kms-wrap/core/internal';
import { webCryptoProvider } from './default-provider.js';
import { loadInstalledAlgorithms, loadStandardAlgorithm } from './standard-algorithms.js';

/** The options, as @kms-wrap/node's wrapKeyMaterial takes them too (defined once, in core). */
export type { WrapKeyMaterialOptions };

const wrappers = new Map<string, Promise<Wrapper>>();

/**
 * One engine with every installed plugin, for a target (AWS KMS: the engine's default rules).
 * Not one per algorithm: a refusal's way out ("use X, or an RSA_4096 wrapping key") is checked
 * against the capacity of each alternative's plugin, and the engine knows only the capacities of
 * the plugins it was given.
 */
function installedWrapper(target: Target): Promise<Wrapper> {
  let w = wrappers.get(target.id);
  if (!w) {
    w = loadInstalledAlgorithms().then((algorithms) =>
      createWrapper({ algorithms, crypto: webCryptoProvider(), ...(target === AWS_KMS ? {} : { target }) }),
    );
    wrappers.set(target.id, w);
  }
  return w;
}

/**
 * Wraps key material; resolves to the bytes to write: for AWS KMS (the default) the
 * EncryptedKeyMaterial bytes for ImportKeyMaterial; for another target its envelope (Cloud KMS's
 * wrapped key, Azure's .byok JSON, Vault's base64 ciphertext). Core's wrapKeyMaterialWith, on WebCrypto.
 */
export function wrapKeyMaterial(options: WrapKeyMaterialOptions): Promise<Uint8Array> {
  return wrapKeyMaterialWith(options, { wrapper: installedWrapper, loadStandardAlgorithm });
}
