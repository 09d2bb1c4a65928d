/**
 * The worker pool under wrapBatch: N worker threads started once (before the batch is known,
 * if the caller wants), entries sent in chunks as the batch is read (two chunks in flight per
 * worker, so none waits on the main thread; a bounded queue, so reading never runs far ahead of
 * the work), outcomes handed back a chunk at a time. A chunk can be bound to one worker (the one
 * holding its entries' results from the check phase); if that worker is gone, any other takes
 * it and does the work afresh. Stopping sets a flag in shared memory that workers read before
 * each entry: an entry already started finishes (its output is whole), the rest come back
 * 'skipped'.
 *
 * With `inline`, this thread is one more slot (the last), taking chunks like the workers: it is
 * ready at once, where a worker takes a hundred milliseconds and more of a core to start, and
 * it blocks this thread's event loop for a chunk's time (tens of milliseconds) at a time.
 */
import { Worker } from 'node:worker_threads';
import { ERROR_CODES, type WrappingPublicKey } from '@kms-wrap/core';
import { createJobRunner, runChunk, type JobRunner } from './batch-job.js';
import type { FromWorker, JobItem, JobOutcome, Phase, ToWorker, WorkerOptions, WorkerSetup } from './batch-protocol.js';

/** Chunks in flight per worker: one being worked on, one waiting in its queue. */
const IN_FLIGHT = 2;
/** Chunks queued here per worker, beyond those in flight, before submit waits. */
const QUEUED = 2;

export interface PoolOptions {
  /** Worker threads. */
  readonly size: number;
  /** This thread works too (see above): one more slot, numbered `size`. */
  readonly inline?: boolean;
  /** Where the worker module is; next to this file by default (and next to a bundle of it). */
  readonly workerUrl?: URL;
}

export type OutcomeHandler = (outcomes: readonly JobOutcome[], worker: number) => void;

export interface Pool {
  /** Worker threads. */
  readonly size: number;
  /** Threads that take chunks: the workers, and this one if inline. */
  readonly threads: number;
  /** The batch's options; sent once, before the keys and any chunk. */
  configure(options: WorkerOptions): void;
  /** The parsed wrapping keys that a numeric JobItem.key indexes; sent before any chunk. */
  setKeys(keys: readonly WrappingPublicKey[]): void;
  /** Where outcomes go, with the slot that ran them (0..size-1 the workers, size this thread; -1 none). */
  onOutcomes(handler: OutcomeHandler): void;
  /**
   * Queues a chunk for any worker, or for worker `bound`. Resolves once the queue has room for
   * more: await it before reading further. After stop, the chunk comes back 'skipped'.
   */
  submit(phase: Phase, items: readonly JobItem[], bound?: number): Promise<void>;
  /** Resolves when every chunk submitted so far has come back. */
  idle(): Promise<void>;
  /** Stop before the next entry, in every worker. Idempotent. */
  stop(): void;
  readonly stopped: boolean;
  close(): Promise<void>;
}

interface Chunk {
  readonly phase: Phase;
  readonly items: readonly JobItem[];
}

interface Slot {
  readonly id: number;
  /** undefined: this thread (the inline slot). */
  readonly worker: Worker | undefined;
  readonly pending: Map<number, Chunk>;
  /** Chunks bound to this worker, not yet sent. */
  readonly own: Chunk[];
  alive: boolean;
}

export function createPool(options: PoolOptions): Pool {
  const abort = new Int32Array(new SharedArrayBuffer(4));
  const setup: WorkerSetup = { abort: abort.buffer as SharedArrayBuffer };
  const url = options.workerUrl ?? new URL('./batch-worker.js', import.meta.url);
  const slots: Slot[] = [];
  const free: Chunk[] = []; // chunks any worker takes
  let handler: OutcomeHandler = () => {};
  let nextId = 0;
  let stopped = false;
  let outstanding = 0; // chunks submitted and not yet come back
  let idleWaiters: (() => void)[] = [];
  let roomWaiters: (() => void)[] = [];

  const queued = () => free.length + slots.reduce((n, s) => n + s.own.length, 0);
  const limit = () => Math.max(1, slots.filter((s) => s.alive).length) * QUEUED;
  let inlineRunner: JobRunner | undefined;
  let inlineKeys: readonly WrappingPublicKey[] = [];

  function settle(): void {
    if (queued() < limit()) {
      const w = roomWaiters;
      roomWaiters = [];
      for (const resolve of w) resolve();
    }
    if (outstanding === 0) {
      const w = idleWaiters;
      idleWaiters = [];
      for (const resolve of w) resolve();
    }
  }

  function finish(outcomes: readonly JobOutcome[], worker: number): void {
    outstanding--;
    handler(outcomes, worker);
    settle();
  }

  /** Chunks that will never be sent: skipped once stopped, failed when no worker is left. */
  function drain(): void {
    const status = stopped ? 'skipped' : 'failed';
    for (const q of [free, ...slots.map((s) => s.own)]) {
      for (const chunk of q.splice(0))
        finish(
          chunk.items.map((item) => lost(item, status)),
          -1,
        );
    }
  }

  function feed(slot: Slot): void {
    if (stopped) return drain();
    if (!slot.worker) return feedInline(slot);
    while (slot.alive && slot.pending.size < IN_FLIGHT && (slot.own.length > 0 || free.length > 0)) {
      const chunk = slot.own.length > 0 ? slot.own.shift()! : free.shift()!;
      const id = nextId++;
      slot.pending.set(id, chunk);
      slot.worker.postMessage({ type: 'chunk', id, phase: chunk.phase, items: chunk.items } satisfies ToWorker);
    }
    settle();
  }

  /** The inline slot: one chunk at a time, each entry awaited, the event loop served between chunks. */
  function feedInline(slot: Slot): void {
    if (slot.pending.size > 0 || !inlineRunner) return;
    if (slot.own.length === 0 && free.length === 0) return;
    const chunk = slot.own.length > 0 ? slot.own.shift()! : free.shift()!;
    const id = nextId++;
    slot.pending.set(id, chunk);
    settle();
    const runner = inlineRunner;
    setImmediate(async () => {
      let outcomes: JobOutcome[];
      try {
        outcomes = await runChunk(runner, chunk.phase, chunk.items, inlineKeys, () => stopped);
      } catch {
        // run() answers every entry itself; should it ever throw, the chunk fails as a lost worker's would
        outcomes = chunk.items.map((item) => lost(item, 'failed'));
      }
      if (!slot.pending.delete(id)) return; // closed meanwhile
      finish(outcomes, slot.id);
      feed(slot);
    });
  }

  const feedAll = () => {
    for (const s of slots) if (s.alive && (!s.worker || s.pending.size < IN_FLIGHT)) feed(s);
  };

  for (let i = 0; i < options.size; i++) {
    const worker = new Worker(url, { workerData: setup, stdout: false, stderr: false });
    const slot: Slot = { id: i, worker, pending: new Map(), own: [], alive: true };
    slots.push(slot);
    // A worker that died: what it held failed (its entries wrote nothing or a whole file); what
    // was bound to it goes to the others, which do it afresh.
    const gone = () => {
      if (!slot.alive) return;
      slot.alive = false;
      void worker.terminate();
      const held = [...slot.pending.values()];
      slot.pending.clear();
      free.push(...slot.own.splice(0));
      for (const chunk of held)
        finish(
          chunk.items.map((item) => lost(item, 'failed')),
          slot.id,
        );
      if (!slots.some((s) => s.alive)) drain();
      else feedAll();
    };
    worker.on('message', (m: FromWorker) => {
      if (m.type === 'fatal') return gone();
      const chunk = slot.pending.get(m.id);
      if (!chunk) return;
      slot.pending.delete(m.id);
      feed(slot);
      finish(m.outcomes, slot.id);
    });
    worker.on('error', gone).on('exit', gone);
  }
  if (options.inline) slots.push({ id: options.size, worker: undefined, pending: new Map(), own: [], alive: true });

  return {
    size: options.size,
    threads: options.size + (options.inline ? 1 : 0),
    configure(o) {
      for (const s of slots) s.worker?.postMessage({ type: 'setup', options: o } satisfies ToWorker);
      // This thread's own copy of given material is the caller's: never zeroed here.
      if (options.inline) inlineRunner = createJobRunner(o, false);
    },
    setKeys(keys) {
      for (const s of slots) s.worker?.postMessage({ type: 'keys', keys } satisfies ToWorker);
      inlineKeys = keys;
    },
    onOutcomes(h) {
      handler = h;
    },
    submit(phase, items, bound) {
      const chunk: Chunk = { phase, items };
      outstanding++;
      const slot = bound === undefined ? undefined : slots[bound];
      if (slot?.alive) slot.own.push(chunk);
      else free.push(chunk);
      if (stopped || !slots.some((s) => s.alive)) drain();
      else if (slot?.alive) feed(slot);
      else feedAll();
      if (queued() < limit()) return Promise.resolve();
      return new Promise<void>((resolve) => roomWaiters.push(resolve));
    },
    idle() {
      if (outstanding === 0) return Promise.resolve();
      return new Promise<void>((resolve) => idleWaiters.push(resolve));
    },
    stop() {
      if (stopped) return;
      stopped = true;
      Atomics.store(abort, 0, 1);
      drain();
    },
    get stopped() {
      return stopped;
    },
    async close() {
      stopped = true;
      Atomics.store(abort, 0, 1);
      for (const s of slots) s.alive = false; // no outcomes after this
      for (const s of slots) s.pending.clear();
      await Promise.all(slots.map((s) => s.worker?.terminate()));
    },
  };
}

function lost(item: JobItem, status: 'skipped' | 'failed'): JobOutcome {
  if (status === 'skipped') return { index: item.index, status };
  return {
    index: item.index,
    status: 'failed',
    code: ERROR_CODES.INTERNAL,
    message:
      'the worker thread handling this entry stopped unexpectedly; no output or a whole one was written — run the batch again for it',
  };
}
