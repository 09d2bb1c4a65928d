#!/usr/bin/env node
// The tests use real peers outside npm: the OpenSSL 3 CLI (and xxd, for the seed's recipe)
// Debian's Chromium for the browser tests, zsh and fish for the CLI's completion scripts, the AWS CLI and script(1) for
// its pasted commands and terminal checks, SoftHSM2 (a PKCS#11 token); on Linux x64, for @kms-wrap/aes-kwp-native's arm64
// addon, the cross compiler that builds it, and qemu-user with Debian's arm64 Node.js (unpacked
// into a directory, not installed) that run it. Install them when missing and possible (root with
// apt-get); otherwise say exactly what to install. Never downloads a browser build.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Where Debian's arm64 Node.js is unpacked, for `qemu-aarch64 -L`: the aes-kwp-native tests
// look in the same place (KMS_WRAP_ARM64_SYSROOT, else this).
const ARM64_SYSROOT = process.env.KMS_WRAP_ARM64_SYSROOT || '/opt/kms-wrap-test/arm64';
const arm64 = process.platform === 'linux' && process.arch === 'x64';

const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
const missing = [
  ['openssl', has('openssl')],
  ['xxd', has('xxd')],
  ['chromium', existsSync('/usr/bin/chromium')],
  // The shells whose completion scripts the CLI prints (kms-wrap completion zsh|fish), run in the tests.
  ['zsh', has('zsh')],
  ['fish', has('fish')],
  // The AWS CLI, which the CLI's pasted next command is run with (it expands $VAR and ~ in fileb:// paths itself).
  ['awscli', has('aws')],
  // script(1): a terminal as a command's stdout (binary output to a terminal is refused).
  ['bsdutils', has('script')],
  // A real PKCS#11 token for @kms-wrap/pkcs11 and `kms-wrap wrap --material pkcs11:...`: SoftHSM2,
  // one token initialised per test run in a temporary directory (SOFTHSM2_CONF).
  ['softhsm2', has('softhsm2-util')],
  // OpenSC: pkcs11-tool, and pkcs11-spy.so, which logs the calls a token gets (a wrong PIN is tried once).
  ['opensc', has('pkcs11-tool')],
  ...(arm64
    ? [
        ['gcc-aarch64-linux-gnu', has('aarch64-linux-gnu-gcc')],
        ['qemu-user', has('qemu-aarch64')],
      ]
    : []),
]
  .filter(([, ok]) => !ok)
  .map(([name]) => name);
const needSysroot = arm64 && !existsSync(join(ARM64_SYSROOT, 'usr/bin/node'));

// pkcs11js (@kms-wrap/pkcs11's optional dependency) builds its addon with node-gyp at install.
// pnpm 12 passes no .npmrc setting to install scripts, so without npm_config_nodedir node-gyp
// downloads Node's headers, and offline the build fails and pnpm leaves the optional dependency
// out. Install it again, built with the system's headers (Debian's nodejs: /usr/include/node).
const repo = new URL('..', import.meta.url).pathname;
const addon = join(repo, 'packages/pkcs11/node_modules/pkcs11js/build/Release/pkcs11.node');
if (!existsSync(addon) && existsSync('/usr/include/node/node_api.h')) {
  console.error("building pkcs11js's addon with Node's headers from /usr/include/node (pnpm install)…");
  const r = spawnSync('pnpm', ['install', '--frozen-lockfile', '--config.side-effects-cache=false'], {
    cwd: repo,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, npm_config_nodedir: process.env.npm_config_nodedir || '/usr' },
  });
  if (r.status !== 0 || !existsSync(addon)) {
    console.error("pkcs11js's addon could not be built: install python3, make and g++, then npm_config_nodedir=/usr pnpm install");
    process.exit(1);
  }
}
if (missing.length === 0 && !needSysroot) process.exit(0);

const root = typeof process.getuid === 'function' && process.getuid() === 0;
if (!root || !has('apt-get')) {
  const what = [
    ...missing,
    ...(needSysroot ? [`Debian's arm64 nodejs unpacked into ${ARM64_SYSROOT} (see tools/ensure-system-deps.mjs)`] : []),
  ];
  console.error(
    `kms-wrap tests need ${what.join(', ')}: install them, e.g. sudo apt-get install -y ${missing.join(' ') || '…'}, or run the tests as root once`,
  );
  process.exit(1);
}
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
const apt = (args, what, options = {}) => {
  const r = spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env, ...options });
  if (r.status !== 0) {
    console.error(`apt-get ${args[0]} failed: install ${what} by hand`);
    process.exit(1);
  }
};

if (missing.length > 0) {
  console.error(`installing ${missing.join(', ')} from Debian's packages for the tests…`);
  apt(['update', '-qq'], missing.join(', '));
  apt(['install', '-y', '-qq', ...missing], missing.join(', '));
}

if (needSysroot) {
  // Debian's nodejs for arm64 and what it loads (arm64 libraries; the arch-independent node-*
  // packages it reads its builtins from), unpacked with dpkg -x: nothing of it is installed.
  console.error(`unpacking Debian's arm64 nodejs into ${ARM64_SYSROOT} for the aes-kwp-native arm64 tests…`);
  const dpkg = spawnSync('dpkg', ['--add-architecture', 'arm64'], { stdio: 'inherit' });
  if (dpkg.status !== 0) process.exit(1);
  apt(['update', '-qq'], "Debian's arm64 nodejs");
  const depends = spawnSync(
    'apt-cache',
    [
      'depends',
      '--recurse',
      '--no-recommends',
      '--no-suggests',
      '--no-conflicts',
      '--no-breaks',
      '--no-replaces',
      '--no-enhances',
      '--no-pre-depends',
      'nodejs:arm64',
    ],
    { encoding: 'utf8' },
  );
  // Real packages: "name:arm64" lines; virtual ones ("<node-acorn:arm64>") are arch-independent node-* packages.
  const names = new Set();
  for (const line of depends.stdout.split('\n')) {
    const real = /^([a-z0-9][a-z0-9.+-]*):arm64$/.exec(line);
    if (real) names.add(`${real[1]}:arm64`);
    const virtual = /<(node-[a-z0-9.+-]+):arm64>/.exec(line);
    if (virtual) names.add(virtual[1]);
  }
  for (const tool of ['dpkg', 'tar', 'install-info', 'openssl', 'gcc-12-base']) names.delete(`${tool}:arm64`);
  if (!names.has('nodejs:arm64')) {
    console.error(`apt-cache found no nodejs:arm64: ${depends.stderr.slice(0, 500)}`);
    process.exit(1);
  }
  const dir = mkdtempSync(join(tmpdir(), 'kms-wrap-arm64-'));
  try {
    apt(['download', '-qq', ...names], "Debian's arm64 nodejs", { cwd: dir });
    const staging = `${ARM64_SYSROOT}.${process.pid}.tmp`;
    mkdirSync(staging, { recursive: true });
    for (const deb of readdirSync(dir).filter((f) => f.endsWith('.deb'))) {
      if (spawnSync('dpkg', ['-x', join(dir, deb), staging], { stdio: 'inherit' }).status !== 0) process.exit(1);
    }
    rmSync(ARM64_SYSROOT, { recursive: true, force: true });
    renameSync(staging, ARM64_SYSROOT);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const check = spawnSync('qemu-aarch64', ['-L', ARM64_SYSROOT, join(ARM64_SYSROOT, 'usr/bin/node'), '-p', 'process.arch'], {
    encoding: 'utf8',
  });
  if (check.stdout.trim() !== 'arm64') {
    console.error(`the arm64 nodejs in ${ARM64_SYSROOT} does not run under qemu-aarch64: ${check.stderr.slice(0, 500)}`);
    process.exit(1);
  }
}
