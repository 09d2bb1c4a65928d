/**
 * Browser tests: the WebCrypto provider, the convenience API, the conformance suite for
 * every plugin, and OpenSSL unwrapping what the browser wrapped, in real headless Chromium.
 */
import { playwright } from '@vitest/browser-playwright';
import { defineConfig } from 'vitest/config';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './test/setup/chromium.js';
import { commands } from './test/setup/commands.js';

export default defineConfig({
  // Pre-bundle the third-party modules the workspace packages import, so that Vite does not
  // discover them in the middle of a run and reload the page under test.
  optimizeDeps: {
    include: [
      '@noble/ciphers/aes.js',
      '@kms-wrap/keygen > asn1js',
      '@kms-wrap/keygen > pkijs',
      '@kms-wrap/keygen > @noble/curves/nist.js',
      '@kms-wrap/keygen > @noble/curves/secp256k1.js',
      '@kms-wrap/keygen > @noble/curves/abstract/weierstrass.js',
    ],
  },
  test: {
    name: 'browser',
    include: ['test/browser/**/*.test.ts'],
    globalSetup: ['test/setup/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    browser: {
      enabled: true,
      headless: true,
      provider: playwright({ launchOptions: { executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS] } }),
      instances: [{ browser: 'chromium' }],
      commands,
      screenshotFailures: false,
    },
  },
});
