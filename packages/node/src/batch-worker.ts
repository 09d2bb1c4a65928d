/**
 * A wrapBatch worker thread: one job runner (one provider, one wrapper) for its whole life, the
 * parsed wrapping keys received once (the provider imports each into a KeyObject once, cached
 * by the parsed key), then chunks of entries, handled in order. The abort flag in shared
 * memory is read before each entry: one under way finishes, so its output is whole.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { WrappingPublicKey } from '@kms-wrap/core';
import { createJobRunner } from './batch-job.js';
import type { FromWorker, JobOutcome, ToWorker, WorkerSetup } from './batch-protocol.js';

const port = parentPort!;
const setup = workerData as WorkerSetup;
const abort = new Int32Array(setup.abort);
const runner = createJobRunner(setup.algorithms, { force: setup.force, fsync: setup.fsync }, true);
let keys: readonly WrappingPublicKey[] = [];
let queue: Promise<void> = Promise.resolve();

port.on('message', (msg: ToWorker) => {
  if (msg.type === 'keys') {
    keys = msg.keys;
    return;
  }
  queue = queue
    .then(async () => {
      const outcomes: JobOutcome[] = [];
      for (const item of msg.items) {
        outcomes.push(Atomics.load(abort, 0) !== 0 ? { index: item.index, status: 'skipped' } : await runner.run(msg.phase, item, keys));
      }
      port.postMessage({ type: 'done', id: msg.id, outcomes } satisfies FromWorker);
    })
    .catch((e: unknown) => {
      port.postMessage({ type: 'fatal', message: e instanceof Error ? e.name : typeof e } satisfies FromWorker);
    });
});
