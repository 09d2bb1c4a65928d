/** One WebCrypto provider per page, made on first use (no work at import time). */
import type { CryptoProvider } from '@kms-wrap/core';
import { createWebCryptoProvider } from './webcrypto-provider.js';

let provider: CryptoProvider | undefined;

export function webCryptoProvider(): CryptoProvider {
  provider ??= createWebCryptoProvider();
  return provider;
}
