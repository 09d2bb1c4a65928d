// pnpm bench memory: kms-wrap batch over manifests of growing length (1,000 to 100,000 lines by
// default), the peak resident memory of each run (main thread and workers: one process), and the
// longest run again with V8's old space capped, to show the memory a batch needs stays bounded.
// Every line names the same 32-byte key (the material's size does not matter here, the number
// of lines does) under one RSA_4096 wrapping key, with RSAES_OAEP_SHA_256, and its own
// output. The first and last outputs of each run are unwrapped.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { BIN, ROOT, benchDir, fmt, machine, requireBuilt, table } from './lib.mjs';

const ALG = 'RSAES_OAEP_SHA_256';
const HERE = join(ROOT, 'tools/bench');

export async function memoryBench(o) {
  requireBuilt();
  const sizes = String(o.lines)
    .split(',')
    .map((s) => Number(s.trim()))
    .filter((n) => Number.isInteger(n) && n > 0);
  if (sizes.length === 0) throw new Error('--lines takes a list of line counts, such as 1000,10000,100000');
  const where = benchDir(o.dir);
  console.log(`kms-wrap bench memory: kms-wrap batch over ${sizes.map((n) => fmt(n)).join(', ')} lines (${ALG}, a 32-byte key, RSA_4096)`);
  console.log(`machine: ${machine()}`);
  console.log(`files: ${where.label}`);
  const dir = mkdtempSync(join(where.path, 'kms-wrap-memory-'));
  try {
    const pair = generateKeyPairSync('rsa', { modulusLength: 4096 });
    writeFileSync(join(dir, 'WrappingPublicKey.bin'), pair.publicKey.export({ type: 'spki', format: 'der' }));
    writeFileSync(join(dir, 'private.der'), pair.privateKey.export({ type: 'pkcs8', format: 'der' }), { mode: 0o600 });
    writeFileSync(join(dir, 'key.bin'), randomBytes(32), { mode: 0o600 });
    const rows = [];
    const runs = [...sizes.map((n) => ({ n, cap: undefined })), { n: Math.max(...sizes), cap: o.cap }];
    for (const run of runs) {
      const name = `m${run.n}${run.cap ? '-capped' : ''}`;
      const out = join(dir, `out-${name}`);
      mkdirSync(out);
      const manifest = join(dir, `${name}.jsonl`);
      const lines = [];
      for (let i = 0; i < run.n; i++) {
        lines.push(
          JSON.stringify({
            material: 'key.bin',
            keySpec: 'SYMMETRIC_DEFAULT',
            publicKey: 'WrappingPublicKey.bin',
            algorithm: ALG,
            output: `out-${name}/${i}.bin`,
          }),
        );
      }
      writeFileSync(manifest, `${lines.join('\n')}\n`);
      lines.length = 0;
      process.stderr.write(`bench: ${fmt(run.n)} lines${run.cap ? `, old space capped at ${run.cap} MB` : ''}...\n`);
      const r = await measure(manifest, run.cap);
      const check = await verify(manifest, join(dir, 'private.der'), run.n);
      rows.push({ ...run, ...r, check });
      rmSync(out, { recursive: true, force: true });
      rmSync(manifest, { force: true });
    }
    const base = rows[0];
    console.log('');
    console.log(
      table([
        ['lines', 'time (s)', 'wraps/s', 'peak RSS (MB)', `vs ${fmt(base.n)} lines`, 'outputs checked'],
        ...rows.map((r) => [
          `${fmt(r.n)}${r.cap ? ` (--max-old-space-size=${r.cap})` : ''}`,
          fmt(r.ms / 1000, 2),
          fmt((r.n * 1000) / r.ms),
          fmt(r.rssKb / 1024, 1),
          `${r.rssKb >= base.rssKb ? '+' : '−'}${fmt(Math.abs(r.rssKb - base.rssKb) / 1024, 1)} MB`,
          `${r.check.ok}/${r.check.total}`,
        ]),
      ]),
    );
    const capped = rows.at(-1);
    console.log(
      `\nThe manifest is read a block at a time, twice (checks, then wraps), and results go out as they come; per line, only 52-bit hashes of its paths stay (to refuse two lines naming one output, or an output another line reads: 28 bytes a line in typed arrays, 2.8 MB at 100,000), and the results held between the checks and the writes are capped at 8 MB a thread.` +
        `\nWith V8's old space capped at ${o.cap} MB a thread, ${fmt(capped.n)} lines ${capped.code === 0 ? 'complete' : `FAILED (exit ${capped.code})`}: what the batch keeps alive is bounded; the rest of the uncapped growth is garbage V8 had no reason to collect yet (it grows its heaps when memory is plentiful).`,
    );
    if (rows.some((r) => r.code !== 0 || r.check.bad.length > 0)) process.exitCode = 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One `kms-wrap batch`: wall time, exit code, and the process's peak RSS (read by a preloaded hook at exit). */
function measure(manifest, cap) {
  return new Promise((resolve, reject) => {
    const args = ['--require', join(HERE, 'max-rss.cjs'), BIN, 'batch', manifest];
    const env = {
      ...process.env,
      ...(cap ? { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --max-old-space-size=${cap}`.trim() } : {}),
    };
    const start = process.hrtime.bigint();
    const p = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], env });
    let stderr = '';
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', reject);
    p.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      const m = /kms-wrap-bench max-rss-kb (\d+)/.exec(stderr);
      if (!m) return reject(new Error(`no peak RSS reported (exit ${code}): ${stderr.slice(0, 1000)}`));
      resolve({ ms, code, rssKb: Number(m[1]) });
    });
  });
}

/** The first and last 25 outputs unwrap to the key (tools/bench/verify.mjs). */
async function verify(manifest, privateKey, n) {
  const ranges =
    n <= 50
      ? [[0, n]]
      : [
          [0, 25],
          [n - 25, n],
        ];
  let ok = 0;
  const bad = [];
  for (const [from, to] of ranges) {
    const r = await new Promise((resolve, reject) => {
      const p = spawn(process.execPath, [join(HERE, 'verify.mjs'), manifest, privateKey, String(from), String(to)], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      p.stdout.on('data', (d) => (out += d));
      p.on('error', reject);
      p.on('close', () => resolve(JSON.parse(out || '{"ok":0,"bad":["verify.mjs printed nothing"]}')));
    });
    ok += r.ok;
    bad.push(...r.bad);
  }
  return { ok, bad, total: ranges.reduce((a, [f, t]) => a + t - f, 0) };
}
