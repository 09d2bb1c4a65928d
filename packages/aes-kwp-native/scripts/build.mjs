#!/usr/bin/env node
// The package's build: copies the loader (src/index.cjs, its ES module re-export, and their types
// as index.d.ts and index.d.cts) into dist/, then compiles src/aes_kwp.c into
// dist/aes_kwp-linux-x64.node with the system C compiler ($CC, or cc) against the running Node's
// own headers (node_api.h). Part of `pnpm build`, never of an install: the published package
// carries the binary built here and runs no code when installed. Elsewhere than Linux x64 there
// is nothing to compile (the loader then reports the addon unavailable and @kms-wrap/node uses
// node:crypto); on Linux x64 a failure fails the build.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const target = `${process.platform}-${process.arch}`;
mkdirSync(join(root, 'dist'), { recursive: true });
for (const f of ['index.cjs', 'index.js', 'index.d.ts']) copyFileSync(join(root, 'src', f), join(root, 'dist', f));
// The same declarations serve the CommonJS entry (the "require" condition's types).
copyFileSync(join(root, 'src', 'index.d.ts'), join(root, 'dist', 'index.d.cts'));
if (target !== 'linux-x64') {
  console.log(`@kms-wrap/aes-kwp-native: nothing to build on ${target} (the addon is Linux x64 only; node:crypto's KWP is used)`);
  process.exit(0);
}

// node_api.h: where npm/node-gyp are told Node lives (npm_config_nodedir), else next to node.
const includes = [process.env.npm_config_nodedir, join(dirname(process.execPath), '..')]
  .filter(Boolean)
  .map((d) => join(d, 'include', 'node'));
const include = includes.find((d) => existsSync(join(d, 'node_api.h')));
if (!include) {
  console.error(`@kms-wrap/aes-kwp-native: node_api.h not found in ${includes.join(' or ')} (install Node's headers, or set npm_config_nodedir)`);
  process.exit(1);
}

const out = join(root, 'dist', `aes_kwp-${target}.node`);
const tmp = `${out}.${process.pid}.tmp`;
const cc = process.env.CC || 'cc';
// -fvisibility=hidden: only napi_register_module_v1 is exported. No -maes: the AES code is
// compiled for AES-NI function by function (target attributes), so the module loads on any x86-64.
const args = ['-std=c11', '-O2', '-fPIC', '-shared', '-fvisibility=hidden', '-Wall', '-Wextra', '-Werror', '-fstack-protector-strong',
  '-D_FORTIFY_SOURCE=2', '-DNAPI_VERSION=8', '-I', include, join(root, 'src', 'aes_kwp.c'), '-o', tmp, '-Wl,-z,relro,-z,now', '-Wl,-z,noexecstack'];
try {
  execFileSync(cc, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  renameSync(tmp, out);
} catch (e) {
  rmSync(tmp, { force: true });
  console.error(`@kms-wrap/aes-kwp-native: ${cc} ${args.join(' ')} failed: ${e instanceof Error ? e.message : e}`);
  process.exit(1);
}
