/**
 * A wrapBatch worker thread: started before its batch is known (its modules load meanwhile),
 * then told the batch's options: one job runner (one provider, one wrapper) for its life, the
 * parsed wrapping keys received once (the provider imports each into a KeyObject once, cached
 * by the parsed key), then chunks of entries, handled in order. The abort flag in shared
 * memory is read before each entry: one under way finishes, so its output is whole.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { type WrappingPublicKey } from '@kms-wrap/core';
import { toWrappingPublicKey } from '@kms-wrap/core/internal';
import { createJobRunner, runChunk, type JobRunner } from './batch-job.js';
import type { FromWorker, ToWorker, WorkerSetup } from './batch-protocol.js';

const port = parentPort!;
const setup = workerData as WorkerSetup;
const abort = new Int32Array(setup.abort);
let runner: JobRunner | undefined;
let keys: readonly WrappingPublicKey[] = [];
let queue: Promise<void> = Promise.resolve();

port.on('message', (msg: ToWorker) => {
  if (msg.type === 'setup') {
    runner = createJobRunner(msg.options, true);
    return;
  }
  if (msg.type === 'keys') {
    // Structured clones, not the keys core parsed: parsed again here (once), so the checks ran in this thread.
    // One that does not parse is kept as it came: the engine parses it again per entry and refuses each with its code.
    keys = msg.keys.map((k) => {
      try {
        return toWrappingPublicKey(k);
      } catch {
        return k;
      }
    });
    return;
  }
  queue = queue
    .then(async () => {
      if (!runner) throw new Error('a chunk came before the setup message');
      const outcomes = await runChunk(runner, msg.phase, msg.items, keys, () => Atomics.load(abort, 0) !== 0);
      port.postMessage({ type: 'done', id: msg.id, outcomes } satisfies FromWorker);
    })
    .catch((e: unknown) => {
      port.postMessage({ type: 'fatal', message: e instanceof Error ? e.name : typeof e } satisfies FromWorker);
    });
});
