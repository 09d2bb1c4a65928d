#!/usr/bin/env node
// `pnpm demo`: build every package (nx, cached), then run `kms-wrap demo`. The build's own
// output is kept out of the way: on a terminal one line says how far it is; if the build fails,
// its whole output is printed and the demo does not run.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const tty = process.stderr.isTTY === true;
const show = (text) => tty && process.stderr.write(`\r\x1b[2K${text}`);

const started = Date.now();
const build = spawn('pnpm', ['exec', 'nx', 'run-many', '-t', 'build', '--output-style=stream'], {
  cwd: root,
  stdio: ['ignore', 'pipe', 'pipe'],
});
let log = '';
const done = new Set();
let total;
const read = (chunk) => {
  const text = chunk.toString();
  log += text;
  total ??= Number(/Running target build for (\d+) projects?/.exec(log)?.[1]) || undefined;
  // nx prefixes each task's lines with its name, "@kms-wrap/core:build: ..." or "nx run @kms-wrap/core:build".
  for (const m of text.matchAll(/(@kms-wrap\/[a-z0-9-]+):build/g)) done.add(m[1]);
  show(`building kms-wrap: ${done.size}${total ? `/${total}` : ''} packages, ${Math.round((Date.now() - started) / 1000)} s`);
};
build.stdout.on('data', read);
build.stderr.on('data', read);
const code = await new Promise((resolve) => build.on('close', resolve));
show('');
if (code !== 0) {
  process.stderr.write(log);
  process.stderr.write(`\npnpm demo: the build failed (exit ${code}); its output is above\n`);
  process.exit(code ?? 1);
}
const demo = spawn(
  process.execPath,
  [fileURLToPath(new URL('../packages/cli/dist/bin.js', import.meta.url)), 'demo', ...process.argv.slice(2)],
  { stdio: 'inherit' },
);
demo.on('close', (c) => process.exit(c ?? 1));
