/**
 * The worker pool under wrapBatch: N worker threads started once, entries sent in chunks
 * (two chunks in flight per worker, so none waits on the main thread), outcomes collected by
 * entry index. Stopping sets a flag in shared memory that workers read before each entry: an
 * entry already started finishes (its output is whole), the rest come back 'skipped'.
 */
import { Worker } from 'node:worker_threads';
import { ERROR_CODES, type WrappingPublicKey } from '@kms-wrap/core';
import type { FromWorker, JobItem, JobOutcome, Phase, ToWorker, WorkerSetup } from './batch-protocol.js';

/** Chunks in flight per worker: one being worked on, one waiting in its queue. */
const IN_FLIGHT = 2;
const MAX_CHUNK = 64;

export interface PoolOptions {
  readonly size: number;
  readonly force: boolean;
  readonly fsync: boolean;
  readonly algorithms: readonly string[];
  /** Where the worker module is; next to this file by default (and next to a bundle of it). */
  readonly workerUrl?: URL;
}

export interface Pool {
  /** The parsed wrapping keys that JobItem.key indexes; sent once, before any chunk. */
  setKeys(keys: readonly WrappingPublicKey[]): void;
  /** Runs one phase over the items; resolves when every item has an outcome. */
  run(phase: Phase, items: readonly JobItem[], onChunk: (outcomes: readonly JobOutcome[]) => void): Promise<void>;
  /** Stop before the next entry, in every worker. Idempotent. */
  stop(): void;
  readonly stopped: boolean;
  close(): Promise<void>;
}

interface Slot {
  readonly worker: Worker;
  readonly pending: Map<number, readonly JobItem[]>;
  alive: boolean;
}

export function createPool(options: PoolOptions): Pool {
  const abort = new Int32Array(new SharedArrayBuffer(4));
  const setup: WorkerSetup = { abort: abort.buffer as SharedArrayBuffer, force: options.force, fsync: options.fsync, algorithms: options.algorithms };
  const url = options.workerUrl ?? new URL('./batch-worker.js', import.meta.url);
  const slots: Slot[] = [];
  for (let i = 0; i < options.size; i++) {
    const worker = new Worker(url, { workerData: setup, stdout: false, stderr: false });
    slots.push({ worker, pending: new Map(), alive: true });
  }
  let nextId = 0;
  let stopped = false;

  function run(phase: Phase, items: readonly JobItem[], onChunk: (outcomes: readonly JobOutcome[]) => void): Promise<void> {
    const live = slots.filter((s) => s.alive);
    const size = Math.max(1, Math.min(MAX_CHUNK, Math.ceil(items.length / (Math.max(1, live.length) * 8))));
    const chunks: JobItem[][] = [];
    for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
    let outstanding = chunks.length;

    return new Promise<void>((resolve) => {
      if (outstanding === 0) return resolve();
      const finish = (outcomes: readonly JobOutcome[]) => {
        onChunk(outcomes);
        outstanding--;
        if (outstanding === 0) {
          for (const s of slots) detach(s);
          stopHooks.delete(onStop);
          resolve();
        }
      };
      // Chunks never sent: skipped when stopped, failed when no worker is left to take them.
      const drain = (status: 'skipped' | 'failed') => {
        while (chunks.length > 0) finish(chunks.shift()!.map((item) => lost(item, status)));
      };
      const feed = (slot: Slot) => {
        if (stopped) return drain('skipped');
        while (slot.alive && slot.pending.size < IN_FLIGHT && chunks.length > 0) {
          const chunk = chunks.shift()!;
          const id = nextId++;
          slot.pending.set(id, chunk);
          slot.worker.postMessage({ type: 'chunk', id, phase, items: chunk } satisfies ToWorker);
        }
      };
      const handlers = new Map<Slot, { message: (m: FromWorker) => void; gone: () => void }>();
      const detach = (slot: Slot) => {
        const h = handlers.get(slot);
        if (!h) return;
        slot.worker.off('message', h.message).off('error', h.gone).off('exit', h.gone);
        handlers.delete(slot);
      };
      for (const slot of live) {
        const message = (m: FromWorker) => {
          if (m.type === 'fatal') return gone();
          const chunk = slot.pending.get(m.id);
          if (!chunk) return;
          slot.pending.delete(m.id);
          feed(slot);
          finish(m.outcomes);
        };
        // A worker that died: what it held failed (its entries wrote nothing or a whole file),
        // what is left goes to the others.
        const gone = () => {
          if (!slot.alive) return;
          slot.alive = false;
          detach(slot);
          void slot.worker.terminate();
          const held = [...slot.pending.values()];
          slot.pending.clear();
          for (const chunk of held) finish(chunk.map((item) => lost(item, 'failed')));
          if (!slots.some((s) => s.alive)) drain(stopped ? 'skipped' : 'failed');
        };
        handlers.set(slot, { message, gone });
        slot.worker.on('message', message).on('error', gone).on('exit', gone);
      }
      const onStop = () => drain('skipped');
      stopHooks.add(onStop);
      for (const slot of live) feed(slot);
      if (live.length === 0) drain('failed');
    });
  }

  const stopHooks = new Set<() => void>();
  return {
    setKeys(keys) {
      for (const s of slots) s.worker.postMessage({ type: 'keys', keys } satisfies ToWorker);
    },
    run,
    stop() {
      if (stopped) return;
      stopped = true;
      Atomics.store(abort, 0, 1);
      for (const hook of stopHooks) hook();
    },
    get stopped() {
      return stopped;
    },
    async close() {
      await Promise.all(slots.map((s) => s.worker.terminate()));
    },
  };
}

function lost(item: JobItem, status: 'skipped' | 'failed'): JobOutcome {
  if (status === 'skipped') return { index: item.index, status };
  return {
    index: item.index,
    status: 'failed',
    code: ERROR_CODES.INTERNAL,
    message: 'the worker thread handling this entry stopped unexpectedly; no output or a whole one was written — run the batch again for it',
  };
}
