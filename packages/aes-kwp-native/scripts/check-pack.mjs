#!/usr/bin/env node
// `prepack` (so `pnpm pack`, `pnpm publish` and `changeset publish`): the package is only ever
// packed with both Linux binaries in dist/. A development build without the cross compiler
// leaves one out (scripts/build.mjs warns); packing that build would ship a package that falls
// back to node:crypto on the other architecture without saying so.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = process.env.KMS_WRAP_NATIVE_OUT || join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const missing = ['x64', 'arm64'].map((arch) => `aes_kwp-linux-${arch}.node`).filter((f) => !existsSync(join(dist, f)));
if (missing.length) {
  console.error(
    `@kms-wrap/aes-kwp-native: not packing without ${missing.join(' and ')} in ${dist} — build with KMS_WRAP_RELEASE=1 on Linux with both compilers (cc and the cross compiler: node tools/ensure-system-deps.mjs installs it)`,
  );
  process.exit(1);
}
