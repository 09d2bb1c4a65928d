import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The OpenSSL interop matrix runs its ~170 cases concurrently (describe.concurrent): each
    // case waits on openssl child processes, not on this process's CPU.
    maxConcurrency: 8,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
