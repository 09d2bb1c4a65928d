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
// compile fails the build; a cross compiler that is not installed is reported and skipped in a
// development build, and fails a release build (KMS_WRAP_RELEASE=1, set by `pnpm release`): a
// published package must carry both binaries (scripts/check-pack.mjs holds `pnpm pack` to it).
//
// `node scripts/build.mjs --toolchain` prints the compilers this build would use (and the release
// flag), one a line: nx hashes that output (package.json, a "runtime" input), so a compiler that
// appears after a build makes the next build run again instead of coming from the cache.
// KMS_WRAP_NATIVE_OUT builds into another directory than dist/ (the tests use a temporary one).
import { execFileSync } from 'node:child_process';
import { accessSync, constants, copyFileSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const ARCHES = { x64: { cross: 'x86_64-linux-gnu-gcc', env: 'CC_X64' }, arm64: { cross: 'aarch64-linux-gnu-gcc', env: 'CC_ARM64' } };
const release = process.env.KMS_WRAP_RELEASE === '1';
const compilerFor = (arch, { env, cross }) => process.env[env] || (arch === process.arch ? process.env.CC || 'cc' : cross);
// Where the shell would find a command (execFileSync looks it up the same way).
const resolve = (cmd) => {
  const candidates =
    isAbsolute(cmd) || cmd.includes('/')
      ? [cmd]
      : (process.env.PATH ?? '')
          .split(delimiter)
          .filter(Boolean)
          .map((d) => join(d, cmd));
  return candidates.find((f) => {
    try {
      accessSync(f, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
};

if (process.argv[2] === '--toolchain') {
  for (const [arch, spec] of Object.entries(ARCHES)) console.log(`${arch}: ${resolve(compilerFor(arch, spec)) ?? 'none'}`);
  console.log(`release: ${release}`);
  process.exit(0);
}

const outDir = process.env.KMS_WRAP_NATIVE_OUT || join(root, 'dist');
mkdirSync(outDir, { recursive: true });
for (const f of ['index.cjs', 'index.js', 'index.d.ts']) copyFileSync(join(root, 'src', f), join(outDir, f));
// The same declarations serve the CommonJS entry (the "require" condition's types).
copyFileSync(join(root, 'src', 'index.d.ts'), join(outDir, 'index.d.cts'));
if (process.platform !== 'linux' || !(process.arch in ARCHES)) {
  console.log(
    `@kms-wrap/aes-kwp-native: nothing to build on ${process.platform}-${process.arch} (the addon is for Linux x64 and arm64; node:crypto's KWP is used)`,
  );
  process.exit(0);
}

// node_api.h: where npm/node-gyp are told Node lives (npm_config_nodedir), else next to node.
const includes = [process.env.npm_config_nodedir, join(dirname(process.execPath), '..')]
  .filter(Boolean)
  .map((d) => join(d, 'include', 'node'));
const include = includes.find((d) => existsSync(join(d, 'node_api.h')));
if (!include) {
  console.error(
    `@kms-wrap/aes-kwp-native: node_api.h not found in ${includes.join(' or ')} (install Node's headers, or set npm_config_nodedir)`,
  );
  process.exit(1);
}

for (const [arch, spec] of Object.entries(ARCHES)) {
  const native = arch === process.arch;
  const cc = compilerFor(arch, spec);
  const { cross } = spec;
  const out = join(outDir, `aes_kwp-linux-${arch}.node`);
  const tmp = `${out}.${process.pid}.tmp`;
  // -fvisibility=hidden: only the Node-API entry points are exported. No -maes or -march: the AES
  // code is compiled for the instructions function by function (target attributes), so the
  // module loads on any CPU of the architecture.
  const args = [
    '-std=c11',
    '-O2',
    '-fPIC',
    '-shared',
    '-fvisibility=hidden',
    '-Wall',
    '-Wextra',
    '-Werror',
    '-fstack-protector-strong',
    '-D_FORTIFY_SOURCE=2',
    '-DNAPI_VERSION=8',
    '-I',
    include,
    join(root, 'src', 'aes_kwp.c'),
    '-o',
    tmp,
    '-Wl,-z,relro,-z,now',
    '-Wl,-z,noexecstack',
    '-s',
  ];
  try {
    execFileSync(cc, args, { stdio: ['ignore', 'inherit', 'inherit'] });
    renameSync(tmp, out);
  } catch (e) {
    rmSync(tmp, { force: true });
    if (!native && e?.code === 'ENOENT') {
      rmSync(out, { force: true });
      const install = `install gcc-${cross.replace(/-gcc$/, '').replace(/_/g, '-')}`;
      if (release) {
        console.error(
          `@kms-wrap/aes-kwp-native: no ${cc} here, so no Linux ${arch} addon, and a release must carry it (${install}, then build again)`,
        );
        process.exit(1);
      }
      console.warn(`@kms-wrap/aes-kwp-native: no ${cc} here, so no Linux ${arch} addon (${install}; a release build refuses this)`);
      continue;
    }
    console.error(`@kms-wrap/aes-kwp-native: ${cc} ${args.join(' ')} failed: ${e instanceof Error ? e.message : e}`);
    process.exit(1);
  }
}
