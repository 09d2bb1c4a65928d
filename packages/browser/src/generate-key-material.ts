/**
 * Key material of any KMS key spec, made in the browser: @kms-wrap/keygen (an optional peer
 * dependency, found by dynamic import) with the WebCrypto provider.
 */
import { ERROR_CODES, KmsWrapError, parseRegion, type KeySpec, type Region } from '@kms-wrap/core';
import { importOptional } from '@kms-wrap/core/internal';
import { webCryptoProvider } from './default-provider.js';

export interface GenerateKeyMaterialOptions {
  /** 'standard' (default) or 'china': SYMMETRIC_DEFAULT is 16 bytes (SM4) there, and SM2 exists only there. */
  readonly region?: Region | string;
}

const PACKAGE = '@kms-wrap/keygen';
let keygen: Promise<typeof import('@kms-wrap/keygen') | undefined> | undefined;

/** Fresh key material: raw bytes (symmetric, HMAC) or PKCS#8 DER (RSA, ECC, SM2). The caller zeroes it after use. */
export async function generateKeyMaterial(keySpec: KeySpec | string, options: GenerateKeyMaterialOptions = {}): Promise<Uint8Array> {
  const region = parseRegion(options.region ?? 'standard');
  keygen ??= importOptional(PACKAGE, () => import('@kms-wrap/keygen'));
  const mod = await keygen;
  if (!mod) {
    throw new KmsWrapError(
      ERROR_CODES.ALGORITHM_NOT_AVAILABLE,
      `generating key material needs ${PACKAGE}, which is not installed — npm install ${PACKAGE}`,
    );
  }
  return mod.generateKeyMaterial(keySpec, { region, crypto: webCryptoProvider() });
}
