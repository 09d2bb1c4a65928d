/** The one-call API: wrap material for KMS with whichever standard plugins are installed. */
import { createWrapper, type KeySpec, type Region, type Wrapper, type WrappingPublicKey } from '@kms-wrap/core';
import { webCryptoProvider } from './default-provider.js';
import { loadInstalledAlgorithms, loadStandardAlgorithm } from './standard-algorithms.js';

export interface WrapKeyMaterialOptions {
  /** Plaintext key material: raw bytes or PKCS#8 DER. Not modified; the caller zeroes it. */
  readonly material: Uint8Array;
  /** WrappingPublicKey.bin bytes, its base64 or PEM, or a parsed key. */
  readonly wrappingPublicKey: Uint8Array | string | WrappingPublicKey;
  readonly algorithm: string;
  readonly keySpec?: KeySpec | string;
  readonly region?: Region | string;
}

let wrapper: Promise<Wrapper> | undefined;

/**
 * One engine with every installed plugin. Not one per algorithm: a refusal's way out ("use
 * X, or an RSA_4096 wrapping key") is checked against the capacity of each alternative's
 * plugin, and the engine knows only the capacities of the plugins it was given.
 */
function installedWrapper(): Promise<Wrapper> {
  wrapper ??= loadInstalledAlgorithms().then((algorithms) => createWrapper({ algorithms, crypto: webCryptoProvider() }));
  return wrapper;
}

/** Wraps key material for ImportKeyMaterial; resolves to the EncryptedKeyMaterial bytes. */
export async function wrapKeyMaterial(options: WrapKeyMaterialOptions): Promise<Uint8Array> {
  const id = options.algorithm.trim().toUpperCase();
  // Names the package to install when the algorithm's own plugin is missing.
  await loadStandardAlgorithm(id);
  const result = await (await installedWrapper()).wrap({ ...options, algorithm: id });
  return result.ciphertext;
}
