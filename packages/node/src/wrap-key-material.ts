/** The one-call API: wrap material for KMS with whichever standard plugins are installed. */
import { createWrapper, type KeySpec, type Region, type Wrapper, type WrappingPublicKey } from '@kms-wrap/core';
import { createNodeCryptoProvider } from './node-crypto-provider.js';
import { loadInstalledAlgorithms, loadStandardAlgorithm } from './standard-algorithms.js';

export interface WrapKeyMaterialOptions {
  /** Plaintext key material: raw bytes or PKCS#8 DER. */
  readonly material: Uint8Array;
  /** WrappingPublicKey.bin bytes, its base64 or PEM, or a parsed key. */
  readonly wrappingPublicKey: Uint8Array | string | WrappingPublicKey;
  readonly algorithm: string;
  readonly keySpec?: KeySpec | string;
  readonly region?: Region | string;
}

let wrapper: Promise<Wrapper> | undefined;

/** One engine over every installed standard plugin and node:crypto, made on first use. */
export function standardWrapper(): Promise<Wrapper> {
  wrapper ??= loadInstalledAlgorithms().then((algorithms) => createWrapper({ algorithms, crypto: createNodeCryptoProvider() }));
  return wrapper;
}

/** Wraps key material for ImportKeyMaterial; resolves to EncryptedKeyMaterial bytes. */
export async function wrapKeyMaterial(options: WrapKeyMaterialOptions): Promise<Uint8Array> {
  const id = options.algorithm.trim().toUpperCase();
  // Names the package to install when the requested algorithm's is missing.
  await loadStandardAlgorithm(id);
  // One engine over every installed plugin, so a refusal's advice is checked against each one's capacity.
  const result = await (await standardWrapper()).wrap({ ...options, algorithm: id });
  return result.ciphertext;
}
