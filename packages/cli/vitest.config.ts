import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The spawn-based tests run `node dist/bin.js`: build it (a no-op when up to date) first.
    globalSetup: ['test/global-setup.ts'],
    // OpenSSL RSA_4096 key generation and `kms-wrap demo` take seconds on a busy 2-core machine.
    testTimeout: 60_000,
    // The tests mostly wait on child processes (node dist/bin.js, openssl): more files at once
    // than cores keeps 2 cores busy (vitest's default is one worker fewer than cores).
    maxWorkers: Math.max(3, availableParallelism()),
    hookTimeout: 120_000,
    // The workspace packages' built dist/ is plain ESM: let Node load it natively, untransformed.
    server: { deps: { external: [/\/packages\/[^/]+\/dist\//] } },
  },
});
