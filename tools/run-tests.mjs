#!/usr/bin/env node
// `pnpm test`: builds and tests every package through nx (cached, dependsOn build), then
// prints the totals of all vitest JSON reports as one line, `N passed, N failed`, for CI.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const projects = ['packages', 'tools'].flatMap((d) =>
  readdirSync(join(root, d), { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => join(root, d, e.name)),
);
for (const p of projects) rmSync(join(p, 'test-results'), { recursive: true, force: true });

const deps = spawnSync(process.execPath, [join(root, 'tools/ensure-system-deps.mjs')], { stdio: 'inherit' });
if (deps.status !== 0) {
  console.log('\n0 passed, 1 failed');
  process.exit(1);
}

const args = ['nx', 'run-many', '-t', 'test', ...process.argv.slice(2)];
const run = spawnSync('pnpm', ['exec', ...args], { stdio: 'inherit', cwd: root });

let passed = 0;
let failed = 0;
let skipped = 0;
for (const p of projects) {
  const dir = join(p, 'test-results');
  if (!existsSync(dir)) continue;
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.json'))) {
    const r = JSON.parse(readFileSync(join(dir, f), 'utf8'));
    passed += r.numPassedTests ?? 0;
    failed += r.numFailedTests ?? 0;
    skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  }
}
// The repository's own checks outside the packages (the supply chain: lockfile, install scripts;
// the import-cycle check of `pnpm lint`), on node:test.
const repo = spawnSync(
  process.execPath,
  [
    '--test',
    '--test-reporter=tap',
    join(root, 'tools/supply-chain/'),
    join(root, 'tools/check-cycles.test.mjs'),
    join(root, 'tools/demo.test.mjs'),
  ],
  { cwd: root, encoding: 'utf8' },
);
process.stdout.write(
  repo.stdout
    .split('\n')
    .filter((l) => /^(not )?ok |^# (pass|fail)/.test(l.trim()))
    .join('\n') + '\n',
);
passed += Number(/^# pass (\d+)/m.exec(repo.stdout)?.[1] ?? 0);
failed += Number(/^# fail (\d+)/m.exec(repo.stdout)?.[1] ?? 0);
if (repo.status !== 0 && !/^# fail [1-9]/m.test(repo.stdout)) failed += 1;
const status = run.status || repo.status || 0;
if (status !== 0 && failed === 0) failed = 1; // a build or runner failure counts
console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(status);
