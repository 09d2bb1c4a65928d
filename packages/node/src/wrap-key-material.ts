/** The one-call API: wrap material for KMS with whichever standard plugins are installed. */
import { createWrapper, type KeySpec, type Region, type Wrapper, type WrappingAlgorithm, type WrappingPublicKey } from '@kms-wrap/core';
import { createNodeCryptoProvider } from './node-crypto-provider.js';
import { loadStandardAlgorithm } from './standard-algorithms.js';

export interface WrapKeyMaterialOptions {
  /** Plaintext key material: raw bytes or PKCS#8 DER. */
  readonly material: Uint8Array;
  /** WrappingPublicKey.bin bytes, its base64 or PEM, or a parsed key. */
  readonly wrappingPublicKey: Uint8Array | string | WrappingPublicKey;
  readonly algorithm: string;
  readonly keySpec?: KeySpec | string;
  readonly region?: Region | string;
}

const provider = createNodeCryptoProvider();
const wrappers = new Map<WrappingAlgorithm, Wrapper>();

/** Wraps key material for ImportKeyMaterial; resolves to EncryptedKeyMaterial bytes. */
export async function wrapKeyMaterial(options: WrapKeyMaterialOptions): Promise<Uint8Array> {
  const id = options.algorithm.trim().toUpperCase();
  const plugin = await loadStandardAlgorithm(id);
  let wrapper = plugin && wrappers.get(plugin);
  if (!wrapper) {
    wrapper = createWrapper({ algorithms: plugin ? [plugin] : [], crypto: provider });
    if (plugin) wrappers.set(plugin, wrapper);
  }
  const result = await wrapper.wrap({ ...options, algorithm: id });
  return result.ciphertext;
}
