import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // pnpm pack, two npm installs from the registry, OpenSSL key generation: seconds each on a
    // busy 2-core machine. The whole suite stays well under three minutes.
    hookTimeout: 150_000,
    testTimeout: 60_000,
  },
});
