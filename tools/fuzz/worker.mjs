/**
 * The fuzzing loop, in a worker thread so that run.mjs can watch it: input i is made from the
 * seed corpus and a PRNG seeded by (seed, i) — replayable — and handed to target i mod T. The
 * worker records each outcome, times each input, samples the heap after a forced GC, and
 * reports failures (crashes, broken properties, slow inputs, malformed errors) with the input.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parentPort, workerData } from 'node:worker_threads';
import { inputFor, describeError } from './lib.mjs';
import { loadTargets, schedule } from './targets.mjs';

setFlagsFromString('--expose-gc');
/** @type {() => void} */
const gc = runInNewContext('gc');

const { seeds, seed, start, count, timeLimitMs, maxFailures, sampleEvery, warmup, crashDir, only } = workerData;
const progress = new Int32Array(workerData.progress);
const { targets: all, core, cleanup } = await loadTargets();
const targets = only ? all.filter((t) => new RegExp(only, 'i').test(t.name)) : all;
const codes = new Set(Object.values(core.ERROR_CODES));
const turns = schedule(targets);

const stats = targets.map((t) => ({ name: t.name, inputs: 0, ok: 0, refused: {}, maxMs: 0, totalMs: 0, maxInputBytes: 0 }));
const failures = [];
const heap = { baseline: undefined, samples: [], peakHeapUsed: 0, peakExternal: 0 };

function sampleHeap(label) {
  gc();
  const m = process.memoryUsage();
  heap.samples.push({ at: label, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, rss: m.rss });
  return m;
}

function save(i, target, input) {
  mkdirSync(crashDir, { recursive: true });
  const file = join(
    crashDir,
    `${target.name.replace(/[^A-Za-z0-9]+/g, '-')}-${seed}-${i}${input instanceof Uint8Array ? '.bin' : '.json'}`,
  );
  writeFileSync(
    file,
    input instanceof Uint8Array
      ? input
      : typeof input === 'string'
        ? input
        : JSON.stringify(input, (_k, v) => (v instanceof Uint8Array ? { base64: Buffer.from(v).toString('base64') } : v)),
  );
  return file;
}

async function once(target, input, n) {
  const t0 = performance.now();
  let error;
  try {
    await target.run(input, n);
  } catch (e) {
    error = e;
  }
  return { ms: performance.now() - t0, error };
}

sampleHeap('start');
for (let k = 0; k < count && failures.length < maxFailures; k++) {
  const i = start + k;
  const targetIndex = turns[i % turns.length];
  const target = targets[targetIndex];
  Atomics.store(progress, 1, i);
  Atomics.store(progress, 2, targetIndex);
  const { input, n } = inputFor(seeds, seed, i, target);
  let { ms, error } = await once(target, input, n);
  if (ms > timeLimitMs) {
    // A pause of the machine is not the parser's: it must be slow three times running.
    for (let r = 0; r < 2 && ms > timeLimitMs; r++) ms = Math.min(ms, (await once(target, input, n)).ms);
  }
  const s = stats[targetIndex];
  s.inputs++;
  s.totalMs += ms;
  const size = input instanceof Uint8Array || typeof input === 'string' ? input.length : 0;
  if (ms > s.maxMs) {
    s.maxMs = ms;
    s.slowestInputBytes = size;
  }
  s.maxInputBytes = Math.max(s.maxInputBytes, size);
  let failure;
  if (error === undefined) s.ok++;
  else {
    const d = describeError(error, codes);
    if (d.coded) s.refused[d.code] = (s.refused[d.code] ?? 0) + 1;
    else failure = { kind: d.kind, detail: d.detail };
  }
  if (ms > timeLimitMs) failure ??= { kind: 'slow', detail: `took ${ms.toFixed(0)} ms (limit ${timeLimitMs} ms) on a ${size}-byte input` };
  if (failure) {
    const entry = { ...failure, target: target.name, index: i, inputBytes: size, file: save(i, target, input) };
    failures.push(entry);
    parentPort.postMessage({ type: 'failure', failure: entry });
  }
  if ((k + 1) % sampleEvery === 0) {
    const m = sampleHeap(k + 1);
    if (heap.baseline === undefined && k + 1 >= warmup) heap.baseline = m.heapUsed;
    parentPort.postMessage({ type: 'progress', done: k + 1, heapUsed: m.heapUsed });
  } else if ((k & 255) === 0) {
    const m = process.memoryUsage();
    heap.peakHeapUsed = Math.max(heap.peakHeapUsed, m.heapUsed);
    heap.peakExternal = Math.max(heap.peakExternal, m.external + m.arrayBuffers);
  }
  Atomics.add(progress, 0, 1);
}
const end = sampleHeap('end');
heap.baseline ??= heap.samples[0].heapUsed;
heap.end = end.heapUsed;
cleanup();
parentPort.postMessage({ type: 'done', stats, failures, heap });
