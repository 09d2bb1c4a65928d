import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Keys (RSA 1024 to 4096, EC, SM2, a certificate) are made once per run, not per file.
    globalSetup: ['test/global-setup.ts'],
    hookTimeout: 120_000,
  },
});
