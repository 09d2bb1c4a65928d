#!/usr/bin/env node
// The tests use real peers outside npm: the OpenSSL 3 CLI (and xxd, for the seed's recipe)
// and Debian's Chromium for the browser tests. Install them when missing and possible
// (root with apt-get); otherwise say exactly what to install. Never downloads a browser build.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
const missing = [
  ['openssl', has('openssl')],
  ['xxd', has('xxd')],
  ['chromium', existsSync('/usr/bin/chromium')],
].filter(([, ok]) => !ok).map(([name]) => name);

if (missing.length === 0) process.exit(0);
const root = typeof process.getuid === 'function' && process.getuid() === 0;
if (!root || !has('apt-get')) {
  console.error(`kms-wrap tests need ${missing.join(', ')} (Debian packages): install them, e.g. sudo apt-get install -y ${missing.join(' ')}`);
  process.exit(1);
}
console.error(`installing ${missing.join(', ')} from Debian's packages for the tests…`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
for (const args of [['update', '-qq'], ['install', '-y', '-qq', ...missing]]) {
  const r = spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env });
  if (r.status !== 0) {
    console.error(`apt-get ${args[0]} failed: install ${missing.join(', ')} by hand`);
    process.exit(1);
  }
}
