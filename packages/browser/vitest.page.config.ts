/**
 * The offline page, end to end: Node drives the system Chromium with playwright-core over
 * dist/kms-wrap.html opened from file://, and OpenSSL unwraps what the page downloads.
 * Needs the build (dist/kms-wrap.html); nx runs `build` before `test`.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'page',
    include: ['test/page/**/*.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
