// tools/demo.mjs (`pnpm demo`): its build is quiet but for one progress line on a terminal, and a
// failed build prints the build's whole output and stops. Driven with a stand-in `pnpm` first on
// PATH (so no real build runs here and no dist/ is touched), under script(1) for a terminal.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';

const demo = new URL('./demo.mjs', import.meta.url).pathname;

function withFakePnpm(exit, run) {
  const dir = mkdtempSync(join(tmpdir(), 'kms-wrap-demo-test-'));
  try {
    writeFileSync(
      join(dir, 'pnpm'),
      `#!/bin/sh\necho " NX   Running target build for 3 projects"\necho "@kms-wrap/core:build: tsc -b"\necho "@kms-wrap/cli:build: error TS2304: Cannot find name 'x'." >&2\nexit ${exit}\n`,
    );
    chmodSync(join(dir, 'pnpm'), 0o755);
    return run({ ...process.env, PATH: `${dir}:${process.env.PATH}` });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a failed build: its whole output on stderr, the exit code, and no demo', () => {
  const r = withFakePnpm(3, (env) => spawnSync(process.execPath, [demo], { env, encoding: 'utf8' }));
  assert.equal(r.status, 3);
  assert.match(r.stderr, /error TS2304: Cannot find name 'x'\./);
  assert.match(r.stderr, /pnpm demo: the build failed \(exit 3\); its output is above/);
  assert.doesNotMatch(r.stderr, /building kms-wrap:/, 'no progress line when stderr is not a terminal');
  assert.equal(r.stdout, '');
});

test('on a terminal: one line that counts the packages built', () => {
  const r = withFakePnpm(3, (env) => spawnSync('script', ['-qec', `${process.execPath} ${demo}`, '/dev/null'], { env, encoding: 'utf8' }));
  assert.match(r.stdout, /\r\x1b\[2Kbuilding kms-wrap: 2\/3 packages, \d+ s/);
});
