/**
 * The messages between wrapBatch (main thread) and its workers. Work goes out in chunks of
 * entries to amortise messaging; outcomes come back a chunk at a time. An abort flag in
 * shared memory is read before each entry, so stopping never waits for a message.
 */
import type { Surface, WrappingPublicKey } from '@kms-wrap/core';

/** Where an entry's wrapping key comes from: a file the worker reads (and caches), or one of the keys sent first. */
export type KeyRef = { readonly path: string; readonly kind: 'publicKey' | 'parameters' } | number;

/** One entry, resolved: absolute paths, its wrapping key a file or an index into the keys sent first. */
export interface JobItem {
  readonly index: number;
  /** Absolute path of the material file, or the material itself (the worker gets a copy); with `sealed`, a PKCS#11 URI. */
  readonly material: string | Uint8Array;
  /**
   * The material is a key in a PKCS#11 token, named by its URI: opened by BatchOptions.openSealed
   * and wrapped by the token, on the calling thread only (never sent to a worker).
   */
  readonly sealed?: boolean;
  readonly key: KeyRef;
  readonly algorithm: string;
  readonly keySpec?: string;
  readonly region?: string;
  /** Absolute path of the output. */
  readonly output: string;
  /** The target's options for this entry's envelope (checked: every required one is there). */
  readonly targetOptions?: Readonly<Record<string, string>>;
  /**
   * Wrap phase: write the result held for this index (to the output noted with it); the other
   * fields are not filled in. A thread that holds none answers 'unheld'.
   */
  readonly heldOnly?: boolean;
}

export type Phase = 'check' | 'wrap';

export type JobOutcome =
  | {
      readonly index: number;
      readonly status: 'wrapped';
      readonly bytes: number;
      readonly algorithm: string;
      readonly keySpec: string | undefined;
      readonly keySpecCandidates: readonly string[];
      readonly wrappingKeySpec: string;
      /** The target's import command for the output. */
      readonly nextCommand?: string;
      /** AWS KMS: the import token file the command names (written beside the output from JSON or zip parameters). */
      readonly importToken?: string;
      /** Where it was written, when the item did not say (heldOnly). */
      readonly output?: string;
    }
  /** heldOnly, and this thread holds nothing for it (not the thread that held it): do it again in full. */
  | { readonly index: number; readonly status: 'unheld' }
  /** held: passed, and the worker already wrapped it and keeps the result for the wrap phase. */
  | { readonly index: number; readonly status: 'checked'; readonly held?: boolean }
  | { readonly index: number; readonly status: 'failed'; readonly code: string; readonly message: string }
  | { readonly index: number; readonly status: 'skipped' };

/** workerData: what a worker needs to start, before the batch is known. */
export interface WorkerSetup {
  /** Int32Array[1] over it: non-zero means stop before the next entry. */
  readonly abort: SharedArrayBuffer;
}

/** The batch's options, sent first (a pool can be started before its batch is read). */
export interface WorkerOptions {
  readonly force: boolean;
  readonly fsync: boolean;
  /** The algorithm ids the entries name: their plugins are loaded up front, the others only to explain a refusal. */
  readonly algorithms: readonly string[];
  /**
   * Check phase of a strict batch: wrap each entry that passes right away and keep the result
   * (not written) until the wrap phase, up to this many bytes of results; 0 = check only.
   */
  readonly holdBytes: number;
  /** "Now" for the import parameters' ParametersValidTo (ms since the epoch). */
  readonly now: number;
  /** The target's id (core's TARGETS): its rules judge each entry, its envelope is written. AWS KMS when absent. */
  readonly target?: string;
  /** For envelopes that record who made them (Azure's "generator"). */
  readonly generator?: string;
  /** Where refusals are read, for the words of their remedies (core's surface). */
  readonly surface?: Surface;
}

export type ToWorker =
  | { readonly type: 'setup'; readonly options: WorkerOptions }
  | { readonly type: 'keys'; readonly keys: readonly WrappingPublicKey[] }
  | { readonly type: 'chunk'; readonly id: number; readonly phase: Phase; readonly items: readonly JobItem[] };

export type FromWorker =
  | { readonly type: 'done'; readonly id: number; readonly outcomes: readonly JobOutcome[] }
  | { readonly type: 'fatal'; readonly message: string };
