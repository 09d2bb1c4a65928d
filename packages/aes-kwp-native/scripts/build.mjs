#!/usr/bin/env node
// The package's build: copies the loader (src/index.cjs, its ES module re-export, and their types
// as index.d.ts and index.d.cts) into dist/, then compiles src/aes_kwp.c into
// dist/aes_kwp-linux-x64.node and dist/aes_kwp-linux-arm64.node against the running Node's own
// headers (node_api.h, the same for both): for this machine's architecture with the system C
// compiler ($CC, or cc), for the other with its cross compiler (x86_64-linux-gnu-gcc,
// aarch64-linux-gnu-gcc; $CC_X64, $CC_ARM64), which the tests install (tools/ensure-system-deps.mjs).
// Part of `pnpm build`, never of an install: the published package carries the binaries built
// here and runs no code when installed. Elsewhere than Linux there is nothing to compile (the
// loader then reports the addon unavailable and @kms-wrap/node uses node:crypto). A failure to
// compile fails the build; a cross compiler that is not installed is reported and skipped.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
mkdirSync(join(root, 'dist'), { recursive: true });
for (const f of ['index.cjs', 'index.js', 'index.d.ts']) copyFileSync(join(root, 'src', f), join(root, 'dist', f));
// The same declarations serve the CommonJS entry (the "require" condition's types).
copyFileSync(join(root, 'src', 'index.d.ts'), join(root, 'dist', 'index.d.cts'));
const ARCHES = { x64: { cross: 'x86_64-linux-gnu-gcc', env: 'CC_X64' }, arm64: { cross: 'aarch64-linux-gnu-gcc', env: 'CC_ARM64' } };
if (process.platform !== 'linux' || !(process.arch in ARCHES)) {
  console.log(`@kms-wrap/aes-kwp-native: nothing to build on ${process.platform}-${process.arch} (the addon is for Linux x64 and arm64; node:crypto's KWP is used)`);
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

for (const [arch, { cross, env }] of Object.entries(ARCHES)) {
  const native = arch === process.arch;
  const cc = process.env[env] || (native ? process.env.CC || 'cc' : cross);
  const out = join(root, 'dist', `aes_kwp-linux-${arch}.node`);
  const tmp = `${out}.${process.pid}.tmp`;
  // -fvisibility=hidden: only the Node-API entry points are exported. No -maes or -march: the AES
  // code is compiled for the instructions function by function (target attributes), so the
  // module loads on any CPU of the architecture.
  const args = ['-std=c11', '-O2', '-fPIC', '-shared', '-fvisibility=hidden', '-Wall', '-Wextra', '-Werror', '-fstack-protector-strong',
    '-D_FORTIFY_SOURCE=2', '-DNAPI_VERSION=8', '-I', include, join(root, 'src', 'aes_kwp.c'), '-o', tmp, '-Wl,-z,relro,-z,now', '-Wl,-z,noexecstack', '-s'];
  try {
    execFileSync(cc, args, { stdio: ['ignore', 'inherit', 'inherit'] });
    renameSync(tmp, out);
  } catch (e) {
    rmSync(tmp, { force: true });
    if (!native && e?.code === 'ENOENT') {
      rmSync(out, { force: true });
      console.warn(`@kms-wrap/aes-kwp-native: no ${cc} here, so no Linux ${arch} addon (install gcc-${cross.replace(/-gcc$/, '').replace(/_/g, '-')})`);
      continue;
    }
    console.error(`@kms-wrap/aes-kwp-native: ${cc} ${args.join(' ')} failed: ${e instanceof Error ? e.message : e}`);
    process.exit(1);
  }
}
