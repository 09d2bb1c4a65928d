#!/usr/bin/env node
// node tools/fuzz/run.mjs [--inputs N] [--seed S] [--only REGEX] [--time-limit-ms MS]
//                         [--heap-growth-mb MB] [--max-failures N] [--no-openssl] [--json]
//
// The long fuzzing run over every parser of untrusted bytes, on the packages' built dist/ (run
// `pnpm build` first): 1,000,000 inputs by default, shared round-robin among the targets of
// targets.mjs, made by mutating a seed corpus of real keys (seeds.mjs, mutate.mjs). It fails
// (exit 1) on:
//   - a crash: anything thrown that is not a KmsWrapError with a known code and a one-line message;
//   - a broken property of a result (a wrapping key whose size is not its spec, a toPkcs8 output
//     that is not canonical, ...);
//   - a slow input: one taking more than --time-limit-ms (1000) three times running; a worker
//     that makes no progress for 15 s is a hang, stopped and reported with its input;
//   - memory: heapUsed after a forced GC at the end more than --heap-growth-mb (64) above the
//     level after the warm-up.
// Failing inputs are saved under $TMPDIR/kms-wrap-fuzz-failures/. The same --seed replays a run
// on the same corpus; the corpus holds fresh keys, so keep the saved input to reproduce.
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { writeFileSync } from 'node:fs';
import { generateSeeds } from './seeds.mjs';
import { inputFor } from './lib.mjs';
import { loadTargets, schedule } from './targets.mjs';

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = process.argv[i + 1];
  if (v === undefined || v.startsWith('--')) throw new Error(`--${name} needs a value`);
  return v;
}
const flag = (name) => process.argv.includes(`--${name}`);

const inputs = Number(option('inputs', '1000000'));
const seed = Number(option('seed', String((Date.now() ^ process.pid) >>> 0))) >>> 0;
const timeLimitMs = Number(option('time-limit-ms', '1000'));
const heapGrowthMb = Number(option('heap-growth-mb', '64'));
const maxFailures = Number(option('max-failures', '20'));
const only = option('only', undefined);
const asJson = flag('json');
const crashDir = join(tmpdir(), 'kms-wrap-fuzz-failures');
const STALL_MS = 15_000;
if (!Number.isInteger(inputs) || inputs < 1) throw new Error(`--inputs takes a whole number, not ${option('inputs')}`);

const log = (s) => process.stderr.write(`${s}\n`);
const started = performance.now();
log(`fuzz: seed ${seed}, ${inputs.toLocaleString('en')} inputs, ${availableParallelism()} cores; making the seed corpus…`);
const seeds = generateSeeds({ openssl: !flag('no-openssl') });
log(
  `fuzz: corpus: ${seeds.der.length} DER keys, ${seeds.spki.length} public keys, ${seeds.text.length} texts, ${seeds.jwk.length} JWKs, ${seeds.zip.length} zips`,
);

const progress = new Int32Array(new SharedArrayBuffer(12));
const worker = new Worker(new URL('./worker.mjs', import.meta.url), {
  workerData: {
    seeds,
    seed,
    start: 0,
    count: inputs,
    timeLimitMs,
    maxFailures,
    sampleEvery: Math.max(1000, Math.min(20_000, Math.floor(inputs / 50))),
    warmup: Math.min(50_000, Math.floor(inputs / 10)),
    crashDir,
    only,
    progress: progress.buffer,
  },
  resourceLimits: { maxOldGenerationSizeMb: 2048 },
});

const failures = [];
let lastDone = -1;
let lastChange = performance.now();
let nextReport = 0.1;
const result = await new Promise((resolve) => {
  const watchdog = setInterval(() => {
    const done = Atomics.load(progress, 0);
    if (done !== lastDone) {
      lastDone = done;
      lastChange = performance.now();
      return;
    }
    if (performance.now() - lastChange < STALL_MS) return;
    // A hang: stop the worker and rebuild the input it was on.
    clearInterval(watchdog);
    const i = Atomics.load(progress, 1);
    void worker.terminate();
    resolve({ hang: { index: i, targetIndex: Atomics.load(progress, 2) } });
  }, 1000);
  worker.on('message', (msg) => {
    if (msg.type === 'failure') {
      failures.push(msg.failure);
      log(
        `fuzz: FAILURE ${msg.failure.kind} in ${msg.failure.target} (input ${msg.failure.index}, ${msg.failure.inputBytes} bytes): ${msg.failure.detail}\n      saved: ${msg.failure.file}`,
      );
    } else if (msg.type === 'progress') {
      if (msg.done / inputs >= nextReport) {
        log(
          `fuzz: ${Math.round((100 * msg.done) / inputs)}% (${msg.done.toLocaleString('en')} inputs, ${((performance.now() - started) / 1000).toFixed(0)} s, heap ${(msg.heapUsed / 2 ** 20).toFixed(1)} MB)`,
        );
        nextReport = Math.floor((msg.done / inputs) * 10 + 1) / 10;
      }
    } else if (msg.type === 'done') {
      clearInterval(watchdog);
      resolve(msg);
    }
  });
  worker.on('error', (e) => {
    clearInterval(watchdog);
    resolve({ workerError: `${e.name}: ${e.message}` });
  });
  worker.on('exit', (code) => {
    clearInterval(watchdog);
    resolve({ workerError: `the worker exited with code ${code} before finishing (out of memory?)` });
  });
});

if (result.hang) {
  const { targets } = await loadTargets();
  const chosen = only ? targets.filter((t) => new RegExp(only, 'i').test(t.name)) : targets;
  const target = chosen[result.hang.targetIndex] ?? chosen[schedule(chosen)[result.hang.index % schedule(chosen).length]];
  const { input } = inputFor(seeds, seed, result.hang.index, target);
  const file = join(crashDir, `hang-${seed}-${result.hang.index}.bin`);
  writeFileSync(file, input instanceof Uint8Array || typeof input === 'string' ? input : JSON.stringify(input));
  failures.push({ kind: 'hang', target: target.name, index: result.hang.index, detail: `no progress for ${STALL_MS / 1000} s`, file });
}
if (result.workerError) failures.push({ kind: 'crash', target: '(worker)', detail: result.workerError });

const seconds = (performance.now() - started) / 1000;
const stats = result.stats ?? [];
const heap = result.heap;
const growthMb = heap ? (heap.end - heap.baseline) / 2 ** 20 : 0;
if (heap && growthMb > heapGrowthMb) {
  failures.push({
    kind: 'memory',
    target: '(all)',
    detail: `heapUsed grew ${growthMb.toFixed(1)} MB after the warm-up (limit ${heapGrowthMb} MB)`,
  });
}
const total = stats.reduce((n, s) => n + s.inputs, 0);
const summary = {
  ok: failures.length === 0,
  seed,
  inputs: total,
  seconds: Number(seconds.toFixed(1)),
  timeLimitMs,
  heap: heap && {
    baselineMb: Number((heap.baseline / 2 ** 20).toFixed(1)),
    endMb: Number((heap.end / 2 ** 20).toFixed(1)),
    growthMb: Number(growthMb.toFixed(1)),
    peakHeapUsedMb: Number((heap.peakHeapUsed / 2 ** 20).toFixed(1)),
    peakExternalMb: Number((heap.peakExternal / 2 ** 20).toFixed(1)),
  },
  targets: stats.map((s) => ({
    name: s.name,
    inputs: s.inputs,
    accepted: s.ok,
    refused: Object.values(s.refused).reduce((a, b) => a + b, 0),
    codes: Object.keys(s.refused).length,
    meanMs: Number((s.totalMs / Math.max(1, s.inputs)).toFixed(3)),
    maxMs: Number(s.maxMs.toFixed(1)),
    slowestInputBytes: s.slowestInputBytes ?? 0,
    maxInputBytes: s.maxInputBytes,
  })),
  failures,
};

if (asJson) {
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
} else {
  const rows = [['target', 'inputs', 'accepted', 'refused', 'codes', 'mean ms', 'max ms', 'largest input']];
  for (const t of summary.targets)
    rows.push([t.name, t.inputs, t.accepted, t.refused, t.codes, t.meanMs, t.maxMs, t.maxInputBytes].map(String));
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  for (const r of rows) console.log(r.map((v, c) => (c === 0 ? v.padEnd(widths[c]) : v.padStart(widths[c]))).join('  '));
  if (heap) {
    console.log(
      `heap after GC: ${summary.heap.baselineMb} MB after the warm-up, ${summary.heap.endMb} MB at the end (growth ${summary.heap.growthMb} MB, limit ${heapGrowthMb}); peak ${summary.heap.peakHeapUsedMb} MB heap, ${summary.heap.peakExternalMb} MB external`,
    );
  }
  console.log(
    `${summary.ok ? 'PASS' : 'FAIL'}: ${total.toLocaleString('en')} inputs in ${summary.seconds} s (seed ${seed}): ${failures.length} failure${failures.length === 1 ? '' : 's'}` +
      (failures.length === 0 ? ` — no crash, no input over ${timeLimitMs} ms, no heap growth` : ' — each below, with the input saved'),
  );
  for (const f of failures)
    console.log(
      `  ${f.kind} in ${f.target}${f.index === undefined ? '' : ` (input ${f.index})`}: ${f.detail}${f.file ? `\n    saved: ${f.file}` : ''}`,
    );
}
process.exit(summary.ok ? 0 : 1);
