// Shared helpers of tools/bench: paths, timing child processes, medians, tables.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** The package's `bin`: the bundle that `pnpm build` writes after tsc (packages/cli/scripts/bundle.mjs). */
export const BIN = join(ROOT, 'packages/cli/dist/bundle/kms-wrap.js');
/** The seed's recipe: shared/ sits beside the clone (CI lays it there too). */
export const RECIPE = resolve(ROOT, '../shared/anchors/openssl-recipe.sh');
export const pkg = (name) => join(ROOT, 'packages', name, 'dist/index.js');
/** @kms-wrap/aes-kwp-native as @kms-wrap/node finds it: { wrap, status }. */
export const aesKwpNative = () => createRequire(join(ROOT, 'packages/node/package.json'))('@kms-wrap/aes-kwp-native');

/** The built packages are what is measured; the bundle is made again from them, so it is never stale. */
export function requireBuilt() {
  if (!existsSync(join(ROOT, 'packages/cli/dist/bin.js'))) {
    console.error('bench: packages/cli/dist is missing — run pnpm build first');
    process.exit(2);
  }
  const r = spawnSync(process.execPath, [join(ROOT, 'packages/cli/scripts/bundle.mjs')], { encoding: 'utf8' });
  if (r.status !== 0) {
    console.error(`bench: bundling the command failed — run pnpm build:\n${r.stderr}`);
    process.exit(2);
  }
}

/** Runs a command to completion; returns wall milliseconds. Throws with its stderr on failure. */
export function timed(cmd, args, options = {}) {
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 28, ...options });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) {
    throw new Error(`${[cmd, ...args].join(' ').slice(0, 200)} exited ${r.status ?? r.signal}:\n${(r.stderr ?? '').slice(0, 2000)}`);
  }
  return { ms, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Where the fixture and every output go. On these virtual machines a file creation on the disk
 * costs anywhere from 50 to 550 µs depending on what the file system did just before (the same
 * 2000 creates took 93 ms in one run and 1,080 ms in the next), which would swamp the wraps being
 * compared; a RAM file system (/dev/shm) costs a steady ~35 µs a file. --dir PATH measures there.
 */
export function benchDir(chosen) {
  if (chosen) return { path: chosen, label: `${chosen} (--dir)` };
  try {
    accessSync('/dev/shm', constants.W_OK);
    return { path: '/dev/shm', label: '/dev/shm (tmpfs: file creation costs the same in every run; --dir PATH to measure on a disk)' };
  } catch {
    return { path: tmpdir(), label: `${tmpdir()} (no /dev/shm here)` };
  }
}

export function median(values) {
  const v = [...values].sort((a, b) => a - b);
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

export const min = (v) => Math.min(...v);
export const max = (v) => Math.max(...v);

export function fmt(n, digits = 0) {
  if (!Number.isFinite(n)) return '—';
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Fixed-width table: rows of cells, first row the header; numbers right-aligned. */
export function table(rows) {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c] ?? '').length)));
  const line = (r) =>
    r
      .map((cell, c) => {
        const s = String(cell ?? '');
        return c === 0 ? s.padEnd(widths[c]) : s.padStart(widths[c]);
      })
      .join('   ')
      .trimEnd();
  return [line(rows[0]), widths.map((w) => '-'.repeat(w)).join('   '), ...rows.slice(1).map(line)].join('\n');
}

export function machine() {
  const openssl = spawnSync('openssl', ['version'], { encoding: 'utf8' }).stdout?.trim() ?? 'no openssl';
  const [l1] = loadavg();
  return `${availableParallelism()} cores, Node ${process.version}, ${openssl.split(' (')[0]}; load average ${l1.toFixed(2)} at the start`;
}

export function loadNow() {
  return loadavg()[0].toFixed(2);
}

export function parseOptions(argv, defaults) {
  const o = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(argv[i]);
    if (!m) continue;
    const key = m[1].replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    if (!(key in defaults)) throw new Error(`bench: unknown option --${m[1]}`);
    const value = m[2] ?? argv[++i];
    o[key] = typeof defaults[key] === 'number' ? Number(value) : value;
  }
  return o;
}

export function readJson(path) {
  return JSON.parse(readFileSync(path, 'utf8'));
}
