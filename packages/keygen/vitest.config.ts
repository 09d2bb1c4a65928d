import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // RSA key generation (Node and OpenSSL peers) takes seconds at 3072/4096 bits.
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
