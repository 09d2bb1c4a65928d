/**
 * wrapBatch: many wraps on all cores, read as a stream, for AWS KMS or another target (Google
 * Cloud KMS, Azure Key Vault, Vault transit): the target's rules decide each entry, and its
 * envelope (the wrapped bytes, a .byok JSON, base64 text) is what each output holds. The main thread reads the entries (an
 * array, or a manifest file a block at a time), resolves their paths, notes every output and
 * input path (as 52-bit hashes, so memory stays small however long the batch; a suspected clash
 * is confirmed on the exact paths before anything is refused), and hands the entries in chunks
 * to a pool of worker threads, each with one provider and wrapper for its life. The workers
 * read and parse the wrapping keys (each once, while in use), check the outputs, read the
 * material, check and wrap. A failed entry does not stop the others; an aborted batch leaves
 * only whole output files.
 *
 * strict (what the CLI runs): every entry is checked before any output is written. The workers
 * wrap each entry that passes while they have it in hand and keep the result in memory (up to
 * HOLD_BYTES a worker); once all have passed, each writes what it holds, and the entries past
 * the budget are read and wrapped. A clean batch is read and wrapped once; a refused one writes
 * nothing. Without strict, clashes between entries are found first (one quick pass), then each
 * entry is checked and wrapped in one go.
 *
 * A key in a PKCS#11 token (its RFC 7512 URI as the material) is wrapped by its token, in the
 * session of the thread that opened it: with BatchOptions.openSealed, such entries stay on this
 * thread, one at a time (the token lane), through the same steps and phases as a file's, and
 * their results take their places in entry order among the workers'. Without it they are refused
 * by name.
 */
import { availableParallelism } from 'node:os';
import {
  AWS_KMS,
  ERROR_CODES,
  KmsWrapError,
  checkTargetOptions,
  isKmsWrapError,
  type ErrorCode,
  type KeySpec,
  type Region,
  type SealedKeyMaterial,
  type Target,
  type WrappingKeySpec,
  type WrappingPublicKey,
  type Surface,
} from '@kms-wrap/core';
import { toBase64 } from '@kms-wrap/core/encoding';
import { orList, toWrappingPublicKey } from '@kms-wrap/core/internal';
import { isTokenMaterial, resolvePath, tokenMaterialProblem, type StreamedManifest } from './batch-manifest.js';
import { batchTarget } from './batch-target.js';
import { createJobRunner, runChunk, type JobRunner } from './batch-job.js';
import { createPool, type Pool } from './batch-pool.js';
import type { JobItem, JobOutcome, KeyRef, Phase, WorkerOptions } from './batch-protocol.js';

export interface BatchEntry {
  /**
   * The plaintext key material: a file path (relative to `cwd`), or the bytes themselves; or a
   * key in a PKCS#11 token, by its RFC 7512 URI (`pkcs11:token=...;object=...`), which
   * BatchOptions.openSealed opens.
   */
  readonly material: string | Uint8Array;
  /**
   * The wrapping public key: a file path (WrappingPublicKey.bin, or its base64 or PEM), its
   * bytes, or a parsed key. Give exactly one of publicKey and parameters.
   */
  readonly publicKey?: string | Uint8Array | WrappingPublicKey;
  /** GetParametersForImport output: the saved JSON, or the console's zip or its unzipped folder (AWS KMS only). */
  readonly parameters?: string;
  /** The target's algorithm id; optional where the target has a default (Azure Key Vault, Vault transit). */
  readonly algorithm?: string;
  /** Needed only when the bytes cannot tell (raw 32 bytes); checked against the material when given. */
  readonly keySpec?: KeySpec | string;
  /** 'standard' (default) or 'china' (AWS KMS only). */
  readonly region?: Region | string;
  /**
   * Where the EncryptedKeyMaterial (another target's envelope) goes, relative to `cwd`: written
   * whole or not at all, mode 0600.
   */
  readonly output: string;
  /** This entry's values of the target's options (Azure's kekId, keyName...), over BatchOptions.envelope.options. */
  readonly targetOptions?: Readonly<Record<string, string>>;
}

export interface BatchOptions {
  /**
   * Where the material goes: 'aws' (AWS KMS, the default), 'gcp', 'azure', 'vault' or another
   * name parseTarget knows, or one of core's Target objects (TARGETS; a Target of your own
   * cannot cross to the worker threads). Its rules decide each entry; each output is its
   * envelope (AWS KMS and Cloud KMS: the wrapped bytes; Azure: the .byok JSON; Vault: base64).
   */
  readonly target?: string | Target;
  /**
   * For the target's envelope: values of its options for every entry (Azure's kekId; an entry's
   * targetOptions win), and who made it, for envelopes that record it (Azure's "generator").
   */
  readonly envelope?: { readonly options?: Readonly<Record<string, string>>; readonly generator?: string };
  /** Worker threads; os.availableParallelism() by default. */
  readonly concurrency?: number;
  /**
   * This thread wraps too, with one worker fewer (concurrency counts it): faster where nothing
   * else needs it, as in a command line, since a worker costs a hundred milliseconds and more
   * of a core to start. It blocks the event loop for a chunk of entries (tens of milliseconds)
   * at a time, so a server should leave it off (the default).
   */
  readonly mainThread?: boolean;
  /**
   * Threads started ahead with startBatchWorkers (their start-up then overlaps reading the
   * manifest); this call uses them instead of starting its own, and closes them. Their number
   * stands in for concurrency.
   */
  readonly workers?: BatchWorkers;
  /** Replace existing outputs. Without it an existing output is refused before any work. */
  readonly force?: boolean;
  /**
   * fsync each output before it is put in place, so it survives a power cut. Off by default:
   * outputs are still written atomically (an interrupted batch leaves only whole files), and a
   * flush per file costs more than the wrap itself on most disks.
   */
  readonly fsync?: boolean;
  /** Check every entry before wrapping any; if one is refused, wrap none. */
  readonly strict?: boolean;
  /** Called after each chunk of entries. */
  readonly onProgress?: (progress: BatchProgress) => void;
  /** Stops scheduling: entries under way finish (their outputs are whole), the rest are skipped. */
  readonly signal?: AbortSignal;
  /** The base of relative paths; process.cwd() by default. */
  readonly cwd?: string;
  /** How messages name an entry: `entry ${index + 1}` by default (the CLI says "line 7"). */
  readonly label?: (index: number) => string;
  /** "Now" for the parameters' ParametersValidTo; Date.now by default. */
  readonly now?: () => number;
  /**
   * Told, once every entry is read, of what is allowed but likely a mistake: entries that share
   * one parameters file (one KMS key, one import token) with different material — a KMS key
   * takes one key material, and a re-import must be the same.
   */
  readonly onWarning?: (warning: BatchWarning) => void;
  /** Where refusals are read, for the words of their remedies ('command-line' for kms-wrap batch); the library's by default. */
  readonly surface?: Surface;
  /**
   * Opens a key in a PKCS#11 token, for the entries whose material is its URI (such as
   * @kms-wrap/pkcs11's openTokenKey with the module and PIN: `(uri) => openTokenKey({ uri, module, pin })`).
   * Called on this thread, one entry at a time, after the entry's wrapping key and output have
   * passed; the key is closed when the entry is done, wrapped or refused. An entry is opened in
   * the check phase (the token's limits are known only to its wrap) and, unless its result was
   * held, again in the wrap phase: an opener that asks for a PIN should ask once a batch, and
   * stop trying a PIN the token refused. Without it, such entries are refused by name.
   */
  readonly openSealed?: SealedOpener;
}

/** A key in a token, opened for one entry: what the engine judges, the token's wrap, and its close. */
export interface SealedKeyHandle extends SealedKeyMaterial {
  close(): void | Promise<void>;
}

/** BatchOptions.openSealed: `uri` as the entry gives it (trimmed), `index` the entry's (a manifest's line number). */
export type SealedOpener = (uri: string, index: number) => Promise<SealedKeyHandle>;

export interface BatchWarning {
  /** The entries concerned, in order. */
  readonly indices: readonly number[];
  readonly message: string;
}

export interface BatchProgress {
  readonly phase: Phase;
  /** Entries in this phase. */
  readonly total: number;
  /** Entries handled so far in this phase, failed ones included. */
  readonly done: number;
  readonly failed: number;
}

interface ResultBase {
  readonly index: number;
  /** The output's absolute path (or the entry's output as given, when it was not a string). */
  readonly output: string;
}

export type BatchEntryResult =
  | (ResultBase & {
      readonly status: 'wrapped';
      /** The bytes written: the wrapped key material, or the target's envelope of it. */
      readonly bytes: number;
      /** The algorithm id as the target names it. */
      readonly algorithm: string;
      /** The key spec, or undefined when raw bytes fit several (see keySpecCandidates). */
      readonly keySpec: KeySpec | undefined;
      readonly keySpecCandidates: readonly KeySpec[];
      readonly wrappingKeySpec: WrappingKeySpec;
      /**
       * The command of the target's own CLI that imports the output, ready to paste (core's
       * Envelope.nextCommand: a value not known is a shell variable, named on a comment line
       * above it). AWS KMS: `aws kms import-key-material` with the parameters' key id and token.
       */
      readonly nextCommand?: string;
      /**
       * AWS KMS with parameters: the import token file the command names — written beside the
       * output (out/key1.bin → out/key1.ImportToken.bin) from JSON or zip parameters, or the
       * unzipped folder's own ImportToken.bin.
       */
      readonly importToken?: string;
    })
  | (ResultBase & { readonly status: 'failed'; readonly error: KmsWrapError })
  | (ResultBase & { readonly status: 'skipped' });

export interface BatchSummary {
  /** One per entry, in entry order. */
  readonly results: readonly BatchEntryResult[];
  readonly total: number;
  readonly wrapped: number;
  readonly failed: number;
  readonly skipped: number;
  /** The signal stopped the batch. */
  readonly aborted: boolean;
  /** strict: some entry was refused by the checks, and nothing was wrapped. */
  readonly refused: boolean;
  /** Wall time of the whole call, preparation included. */
  readonly seconds: number;
  readonly wrapsPerSecond: number;
}

export interface BatchProblem {
  readonly index: number;
  readonly error: KmsWrapError;
}

/** A batch's totals, without the results (wrapManifest hands those over one by one). */
export type BatchTotals = Omit<BatchSummary, 'results'>;

/**
 * Per worker, the bytes of wrapped results a strict batch may keep between its check and its
 * wrap phase (wrapped while checked, written once every entry has passed), each counted with
 * 512 bytes for its bookkeeping: ~2,400 RSA_4096 materials wrapped with KWP (2.9 kB each), or
 * ~10,000 symmetric keys wrapped with RSAES_OAEP under RSA_4096. Past it, entries are checked
 * only, and wrapped in the wrap phase; memory stays bounded however long the batch.
 */
const HOLD_BYTES = 8 << 20;

/**
 * @internal For tests: a smaller hold budget (both kinds of entry in a short batch), another
 * worker module (one that dies on cue).
 */
export const _tuning: { holdBytes: number; workerUrl?: URL } = { holdBytes: HOLD_BYTES };

/** Wraps every entry; resolves to one result per entry (it rejects only on a misuse of the API). */
export async function wrapBatch(entries: readonly BatchEntry[], options: BatchOptions = {}): Promise<BatchSummary> {
  if (!Array.isArray(entries)) throw new TypeError('wrapBatch takes an array of entries');
  const results: (BatchEntryResult | undefined)[] = new Array(entries.length).fill(undefined);
  const totals = await runBatch(arraySource(entries), options, options.strict ? ['check', 'wrap'] : ['wrap'], (r) => {
    results[r.index] = r;
  });
  const cwd = options.cwd ?? process.cwd();
  // A refusal found before its entry had a path to show names no output: the entry's, resolved.
  const all = results.map((r, index): BatchEntryResult => {
    if (!r) return { index, output: outputPath(cwd, entries[index]), status: 'skipped' };
    return r.output === '' ? { ...r, output: outputPath(cwd, entries[index]) } : r;
  });
  return { results: all, ...totals };
}

/** Runs every check wrapBatch would, reading every file, and wraps nothing: the refused entries. */
export async function checkBatch(
  entries: readonly BatchEntry[],
  options: Omit<BatchOptions, 'strict' | 'fsync'> = {},
): Promise<BatchProblem[]> {
  if (!Array.isArray(entries)) throw new TypeError('checkBatch takes an array of entries');
  const problems = new Map<number, KmsWrapError>();
  await runBatch(arraySource(entries), options, ['check'], (r) => {
    if (r.status === 'failed') problems.set(r.index, r.error);
  });
  return [...problems].sort((a, b) => a[0] - b[0]).map(([index, error]) => ({ index, error }));
}

/** The target comes with the manifest (streamBatchManifest's options), its lines' fields read for it. */
export interface ManifestBatchOptions extends Omit<BatchOptions, 'cwd' | 'strict' | 'target'> {
  /**
   * Each result as it is known; `index` is the manifest's line number. A result can come twice
   * for one line in the check phase (a refusal found by the workers, then a clash between lines
   * found at the end, which is the one to show): keep the last. Wrap-phase results come once,
   * in line order.
   */
  readonly onResult?: (result: BatchEntryResult, phase: Phase) => void;
  /** Check every line and wrap none (checkBatch). */
  readonly checkOnly?: boolean;
}

/**
 * A manifest from streamBatchManifest, strictly: every line is checked before any output is
 * written, and one refused line refuses the batch. The manifest is read twice, a block at a
 * time, and no result is kept here: memory does not grow with its length.
 */
export async function wrapManifest(manifest: StreamedManifest, options: ManifestBatchOptions = {}): Promise<BatchTotals> {
  const source: Source = {
    count: manifest.count,
    async *items() {
      for await (const l of manifest.lines())
        yield 'entry' in l ? { index: l.line, entry: l.entry } : { index: l.line, problem: l.problem };
    },
  };
  const onResult = options.onResult ?? (() => {});
  if ((options as BatchOptions).target !== undefined) {
    throw new TypeError("wrapManifest takes the manifest's target: pass { target } to streamBatchManifest");
  }
  const target = manifest.target ?? AWS_KMS;
  return runBatch(
    source,
    { label: (line) => `line ${line}`, ...options, target },
    options.checkOnly ? ['check'] : ['check', 'wrap'],
    onResult,
  );
}

/** Worker threads started ahead of a batch; see BatchOptions.workers. */
export interface BatchWorkers {
  readonly concurrency: number;
  /** Stops the threads; only needed when no batch call takes them. */
  close(): Promise<void>;
}

const startedPools = new WeakMap<BatchWorkers, Pool>();

/**
 * Starts the worker threads of a coming batch call now: loading their modules takes tens of
 * milliseconds, which then overlap whatever the caller does before the call.
 */
export function startBatchWorkers(options: { readonly concurrency?: number; readonly mainThread?: boolean } = {}): BatchWorkers {
  const concurrency = checkedConcurrency(options.concurrency);
  const pool = createPool(poolShape(concurrency, options.mainThread));
  const workers: BatchWorkers = { concurrency, close: () => pool.close() };
  startedPools.set(workers, pool);
  return workers;
}

/** `threads` working: all workers, or this thread and one worker fewer. */
function poolShape(threads: number, mainThread: boolean | undefined): { size: number; inline: boolean; workerUrl?: URL } {
  const shape = mainThread ? { size: threads - 1, inline: true } : { size: threads, inline: false };
  return _tuning.workerUrl ? { ...shape, workerUrl: _tuning.workerUrl } : shape;
}

function checkedConcurrency(given: number | undefined): number {
  const concurrency = given ?? availableParallelism();
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new RangeError(`concurrency must be a whole number of at least 1, not ${concurrency}`);
  return concurrency;
}

/** The pool of BatchOptions.workers, once: a second call with the same workers is a misuse. */
function adopt(workers: BatchWorkers): Pool {
  const pool = startedPools.get(workers);
  if (!pool) throw new TypeError('options.workers must come from startBatchWorkers, and serves one batch');
  startedPools.delete(workers);
  return pool;
}

/** Entries as the engine reads them: each with a unique index; read once or twice. */
interface Source {
  /** How many items() yields. */
  readonly count: number;
  /** Keys given as bytes or parsed (not files): sent to the workers once; SourceItem.key indexes them. */
  readonly keys?: readonly WrappingPublicKey[];
  items(): AsyncIterable<SourceItem> | Iterable<SourceItem>;
}

type SourceItem =
  | { readonly index: number; readonly entry: BatchEntry; readonly key?: number }
  | { readonly index: number; readonly problem: KmsWrapError };

function arraySource(entries: readonly BatchEntry[]): Source {
  // Keys given in memory, parsed once, equal ones (by DER) sent once.
  const keys: WrappingPublicKey[] = [];
  const byDer = new Map<string, number>();
  const byKey = new Map<WrappingPublicKey, number>();
  const keyOf: (number | KmsWrapError | undefined)[] = entries.map((e) => {
    const given = typeof e === 'object' && e !== null && e.parameters === undefined ? e.publicKey : undefined;
    if (given === undefined || typeof given === 'string') return undefined;
    try {
      const key = toWrappingPublicKey(given); // a key object core did not parse is parsed again
      let k = byKey.get(key);
      if (k === undefined) {
        const der = toBase64(key.spki);
        k = byDer.get(der);
        if (k === undefined) byDer.set(der, (k = keys.push(key) - 1));
        byKey.set(key, k);
      }
      return k;
    } catch (e) {
      return isKmsWrapError(e)
        ? e
        : new KmsWrapError(ERROR_CODES.PUBLIC_KEY_INVALID, 'the wrapping public key given is not one', { cause: e });
    }
  });
  return {
    count: entries.length,
    keys,
    *items() {
      for (let index = 0; index < entries.length; index++) {
        const k = keyOf[index];
        if (k instanceof KmsWrapError) yield { index, problem: k };
        else yield { index, entry: entries[index]!, ...(k === undefined ? {} : { key: k }) };
      }
    },
  };
}

function outputPath(cwd: string, e: BatchEntry | undefined): string {
  return typeof e?.output === 'string' && e.output !== '' ? resolvePath(cwd, e.output) : String(e?.output);
}

async function runBatch(
  source: Source,
  options: BatchOptions,
  phases: readonly Phase[],
  onResult: (r: BatchEntryResult, phase: Phase) => void,
): Promise<BatchTotals> {
  const started = performance.now();
  const n = source.count;
  const signal = options.signal;
  const target = batchTarget(options.target); // before the pool is adopted: a misuse leaves it to its owner
  const batchOptions = options.envelope?.options ?? {};
  const given = options.workers ? adopt(options.workers) : undefined;
  const concurrency = given ? given.threads : checkedConcurrency(options.concurrency);
  const cwd = options.cwd ?? process.cwd();
  const label = options.label ?? ((i: number) => `entry ${i + 1}`);
  let wrapped = 0;
  const failed = new Set<number>();
  const totals = (aborted: boolean, refused: boolean): BatchTotals => {
    const seconds = (performance.now() - started) / 1000;
    return {
      total: n,
      wrapped,
      failed: failed.size,
      skipped: n - wrapped - failed.size,
      aborted,
      refused,
      seconds,
      wrapsPerSecond: seconds > 0 ? wrapped / seconds : 0,
    };
  };
  if (n === 0 || signal?.aborted) {
    await given?.close();
    return totals(signal?.aborted ?? false, false);
  }

  const checking = phases.includes('check');
  const wrapping = phases.includes('wrap');
  const pool = given ?? createPool(poolShape(Math.min(concurrency, n), options.mainThread));
  const state = { stopped: false };
  const onAbort = () => {
    state.stopped = true;
    pool.stop();
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    // The algorithms' plugins are loaded by each worker as it starts; an array's are known now,
    // a stream's are loaded as lines name them.
    const setup: WorkerOptions = {
      force: options.force ?? false,
      fsync: options.fsync ?? false,
      algorithms: source.keys ? algorithmsOf(source, target) : [],
      holdBytes: checking && wrapping ? _tuning.holdBytes : 0,
      now: (options.now ?? Date.now)(),
      target: target.id,
      ...(options.envelope?.generator === undefined ? {} : { generator: options.envelope.generator }),
      ...(options.surface === undefined ? {} : { surface: options.surface }),
    };
    pool.configure(setup);
    const keys = source.keys ?? [];
    if (keys.length > 0) pool.setKeys(keys);
    // The token lane: the entries of keys in a token, on this thread (whose opener they need), one at a time.
    const tokens: JobRunner | undefined = options.openSealed ? createJobRunner(setup, false, options.openSealed) : undefined;
    const lane = async (phase: Phase, job: JobItem): Promise<JobOutcome> =>
      (await runChunk(tokens!, phase, [job], keys, () => state.stopped))[0]!;
    const chunkSize = Math.max(1, Math.min(64, Math.ceil(n / (pool.threads * 8))));
    const heldBy = new Map<number, number>(); // entry index → the worker holding its result
    const paths = new _PathIndex(n);
    const shared = new SharedParameters();

    const fail = (index: number, error: KmsWrapError, output: string, phase: Phase) => {
      failed.add(index);
      onResult({ index, output, status: 'failed', error }, phase);
    };
    /** The entry as a job, or what is wrong with its shape. */
    const toJob = (item: Extract<SourceItem, { entry: BatchEntry }>): JobItem | KmsWrapError => {
      const e = item.entry;
      const shape = shapeProblem(e, target, tokens !== undefined);
      if (shape) return new KmsWrapError(ERROR_CODES.MANIFEST_INVALID, shape);
      let targetOptions: Record<string, string>;
      try {
        // Every required option given (by the batch or the entry), none another target's.
        targetOptions = checkTargetOptions(target, e.targetOptions === undefined ? batchOptions : { ...batchOptions, ...e.targetOptions });
      } catch (refusal) {
        return refusal as KmsWrapError;
      }
      const key: KeyRef =
        e.parameters !== undefined
          ? { path: resolvePath(cwd, e.parameters), kind: 'parameters' }
          : typeof e.publicKey === 'string'
            ? { path: resolvePath(cwd, e.publicKey), kind: 'publicKey' }
            : item.key!;
      const sealed = typeof e.material === 'string' && isTokenMaterial(e.material);
      return {
        index: item.index,
        material: typeof e.material !== 'string' ? e.material : sealed ? e.material.trim() : resolvePath(cwd, e.material),
        ...(sealed ? { sealed } : {}),
        key,
        algorithm: e.algorithm ?? target.defaultAlgorithm!,
        output: resolvePath(cwd, e.output),
        ...(e.keySpec === undefined ? {} : { keySpec: e.keySpec }),
        ...(e.region === undefined ? {} : { region: e.region }),
        ...(Object.keys(targetOptions).length === 0 ? {} : { targetOptions }),
      };
    };

    // Phase 1: read everything, note the paths; with checking, the workers check (and hold).
    let progress = { phase: (checking ? 'check' : 'wrap') as Phase, total: n, done: 0, failed: 0 };
    const report = () => options.onProgress?.({ ...progress, failed: failed.size });
    if (checking) report();
    const checked = (outcomes: readonly JobOutcome[], worker: number) => {
      for (const o of outcomes) {
        if (o.status === 'failed') fail(o.index, new KmsWrapError(o.code as ErrorCode, o.message), '', 'check');
        else if (o.status === 'checked' && o.held && (worker >= 0 || worker === TOKEN_LANE)) heldBy.set(o.index, worker);
        if (o.status !== 'skipped') progress.done++;
      }
      report();
    };
    pool.onOutcomes(checked);
    const send = sender(pool, 'check', chunkSize);
    for await (const item of source.items()) {
      if (state.stopped) break;
      if ('problem' in item) {
        fail(item.index, item.problem, '', checking ? 'check' : 'wrap');
        progress.done++;
        continue;
      }
      const job = toJob(item);
      if (job instanceof KmsWrapError) {
        fail(item.index, job, outputPath(cwd, item.entry), checking ? 'check' : 'wrap');
        progress.done++;
        continue;
      }
      paths.note(job);
      shared.note(job);
      if (!checking) continue;
      if (job.sealed) checked([await lane('check', job)], TOKEN_LANE);
      else await send(job);
    }
    await send.flush();
    if (!state.stopped && options.onWarning) for (const w of shared.warnings(label)) options.onWarning(w);
    if (!state.stopped) {
      for (const [index, error, output] of await paths.clashes(source, toJob, label))
        fail(index, error, output, checking ? 'check' : 'wrap');
    }
    if (state.stopped) return totals(true, false);
    if (!wrapping) return totals(false, false);
    if (checking && failed.size > 0) return totals(false, true); // strict: nothing is wrapped

    // Phase 2: wrap, in the order read; what a worker holds goes to that worker.
    progress = { phase: 'wrap', total: n - failed.size, done: 0, failed: 0 };
    const before = failed.size;
    const wrapReport = () => options.onProgress?.({ ...progress, failed: failed.size - before });
    wrapReport();
    const order = new Map<number, number>(); // entry index → its place in the order read, while under way
    const jobs = new Map<number, string>(); // entry index → its output, while under way
    const ready = new Map<number, BatchEntryResult>(); // results waiting for an earlier one
    let next = 0;
    let placed = 0;
    const passed = new Set<number>(); // places that will have no result
    const deliver = () => {
      for (;;) {
        if (passed.delete(next)) next++;
        else if (ready.has(next)) {
          onResult(ready.get(next)!, 'wrap');
          ready.delete(next++);
        } else break;
      }
    };
    const redo = new Set<number>(); // held by a thread that is gone: done again from the source
    const take = (outcomes: readonly JobOutcome[]) => {
      for (const o of outcomes) {
        if (o.status === 'unheld') {
          redo.add(o.index);
          passed.add(order.get(o.index)!); // its result comes later, in a place of its own
          order.delete(o.index);
          continue;
        }
        const result = toResult(o, (o.status === 'wrapped' ? o.output : undefined) ?? jobs.get(o.index) ?? '');
        jobs.delete(o.index);
        if (o.status === 'wrapped') wrapped++;
        if (o.status === 'failed') failed.add(o.index);
        if (o.status !== 'skipped') progress.done++;
        if (result) ready.set(order.get(o.index)!, result);
        order.delete(o.index);
      }
      deliver();
      wrapReport();
    };
    pool.onOutcomes(take);
    const wrap = sender(pool, 'wrap', chunkSize);
    const allHeld = heldBy.size === n - failed.size;
    if (allHeld) {
      // Every entry is held: the holders write what they hold, without reading the source again
      // (in its order: indices grow as it is read). An entry whose holder is gone comes back
      // 'unheld' and is done again from the source below.
      for (const index of [...heldBy.keys()].sort((a, b) => a - b)) {
        if (state.stopped) break;
        order.set(index, placed++);
        const job: JobItem = { index, heldOnly: true, material: '', key: 0, algorithm: '', output: '' };
        const holder = heldBy.get(index);
        if (holder === TOKEN_LANE) take([await lane('wrap', job)]);
        else await wrap(job, holder);
      }
      await wrap.flush();
      // Results wait in order for none of the redone ones.
      deliver();
    }
    // Not all held: every entry from the source (the holders write theirs). All held: only those
    // whose holder was gone.
    if (!allHeld || redo.size > 0) {
      for await (const item of source.items()) {
        if (state.stopped) break;
        if ('problem' in item || failed.has(item.index) || (allHeld && !redo.has(item.index))) continue;
        const job = toJob(item) as JobItem;
        order.set(item.index, placed++);
        jobs.set(item.index, job.output);
        if (job.sealed) take([await lane('wrap', job)]);
        else await wrap(job, allHeld ? undefined : heldBy.get(item.index));
      }
    }
    await wrap.flush();
    // Every job came back; anything still waiting (none, unless a worker lost one) goes out in order.
    for (const place of [...ready.keys()].sort((a, b) => a - b)) onResult(ready.get(place)!, 'wrap');
    return totals(state.stopped, false);
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await pool.close();
  }
}

/** heldBy's holder for a result the token lane holds (the pool's threads are 0 and up; -1 is none). */
const TOKEN_LANE = -2;

/** The algorithm ids an array's entries name, or the target's default (their plugins load as the workers start). */
function algorithmsOf(source: Source, target: Target): string[] {
  const ids = new Set<string>();
  for (const item of source.items() as Iterable<SourceItem>) {
    if (!('entry' in item)) continue;
    const id = item.entry?.algorithm ?? target.defaultAlgorithm;
    if (typeof id === 'string') ids.add(id.trim().toUpperCase());
  }
  return [...ids].filter(Boolean);
}

/**
 * Chunks jobs in the order given and submits them: a chunk goes to one destination (any worker,
 * or the one holding its results), so a change of destination closes the chunk. Held results
 * come in runs (a worker held whole chunks of the check phase), so chunks stay full, and no job
 * waits behind a half-filled chunk while later ones go ahead.
 */
function sender(pool: Pool, phase: Phase, size: number) {
  let buffer: JobItem[] = [];
  let to: number | undefined;
  const submit = async () => {
    if (buffer.length === 0) return;
    const chunk = buffer;
    buffer = [];
    await pool.submit(phase, chunk, to);
  };
  const send = async (job: JobItem, bound?: number): Promise<void> => {
    if (bound !== to) await submit();
    to = bound;
    buffer.push(job);
    if (buffer.length >= size) await submit();
  };
  send.flush = async (): Promise<void> => {
    await submit();
    await pool.idle();
  };
  return send;
}

/**
 * Entries that share a parameters file with different material files: per parameters file (by
 * its path's hash, 8 bytes whatever its length), the first entry's material; the paths of those
 * that differ kept only for them.
 */
class SharedParameters {
  private readonly first = new Map<number, { index: number; material: number }>();
  private readonly clashing = new Map<number, { path: string; indices: number[] }>();

  note(job: JobItem): void {
    if (typeof job.key === 'number' || job.key.kind !== 'parameters' || typeof job.material !== 'string') return;
    const key = pathHash(job.key.path);
    const material = pathHash(job.material);
    const seen = this.first.get(key);
    if (!seen) {
      this.first.set(key, { index: job.index, material });
      return;
    }
    if (seen.material === material && !this.clashing.has(key)) return;
    const c = this.clashing.get(key);
    if (c) c.indices.push(job.index);
    else this.clashing.set(key, { path: job.key.path, indices: [seen.index, job.index] });
  }

  warnings(label: (index: number) => string): BatchWarning[] {
    return [...this.clashing.values()].map(({ path, indices }) => ({
      indices,
      message: `${orList(indices.map(label), 'and')} share the parameters ${path} (one KMS key, one import token) with different material — a KMS key takes one key material (a re-import must be the same): give each key its own parameters`,
    }));
  }
}

type InputKind = 'the key material' | 'the import parameters' | 'the wrapping public key';

/**
 * Every output and input path of a batch, as 52-bit hashes in typed arrays: 28 bytes an entry
 * (its index; the hashes of its output, its material file and its key file, 0 for none), however
 * long the paths and however many distinct files. An output named twice, or naming an input,
 * makes the entries involved suspects (found at the end by sorting copies of the hashes);
 * clashes() reads the suspects' exact paths again and refuses only true clashes. Exported for
 * tests only (not from index.ts).
 */
export class _PathIndex {
  private size = 0;
  private index: Uint32Array;
  private hashes: Float64Array; // 3 an entry: output, material, key

  constructor(expected: number) {
    const capacity = Math.max(16, expected);
    this.index = new Uint32Array(capacity);
    this.hashes = new Float64Array(3 * capacity);
  }

  note(job: JobItem): void {
    if (this.size === this.index.length) {
      // More entries than counted (a manifest that grew while read): room for twice as many.
      const index = new Uint32Array(2 * this.size);
      const hashes = new Float64Array(6 * this.size);
      index.set(this.index);
      hashes.set(this.hashes);
      this.index = index;
      this.hashes = hashes;
    }
    const k = this.size++;
    this.index[k] = job.index;
    this.hashes[3 * k] = pathHash(job.output);
    this.hashes[3 * k + 1] = typeof job.material === 'string' && !job.sealed ? pathHash(job.material) : 0;
    this.hashes[3 * k + 2] = typeof job.key !== 'number' ? pathHash(job.key.path) : 0;
  }

  /** The entries whose output hash is another's output or anyone's input, and the entries reading such a path. */
  suspects(): Set<number> {
    const n = this.size;
    const h = this.hashes;
    const outputs = new Float64Array(n);
    const inputs = new Float64Array(2 * n);
    for (let k = 0; k < n; k++) {
      outputs[k] = h[3 * k]!;
      inputs[2 * k] = h[3 * k + 1]!;
      inputs[2 * k + 1] = h[3 * k + 2]!;
    }
    outputs.sort();
    inputs.sort(); // the 0s (no file) first
    const hot = new Set<number>();
    for (let i = 1; i < n; i++) if (outputs[i] === outputs[i - 1]) hot.add(outputs[i]!);
    for (let i = 0, j = 0; i < n && j < inputs.length;) {
      const a = outputs[i]!;
      const b = inputs[j]!;
      if (a < b) i++;
      else if (a > b) j++;
      else {
        hot.add(a);
        i++;
      }
    }
    const suspects = new Set<number>();
    if (hot.size === 0) return suspects;
    for (let k = 0; k < n; k++) {
      if (hot.has(h[3 * k]!) || hot.has(h[3 * k + 1]!) || hot.has(h[3 * k + 2]!)) suspects.add(this.index[k]!);
    }
    return suspects;
  }

  /** The true clashes among the suspects: [index, refusal, output]. Reads the source again if there are suspects. */
  async clashes(
    source: Source,
    toJob: (item: Extract<SourceItem, { entry: BatchEntry }>) => JobItem | KmsWrapError,
    label: (index: number) => string,
  ): Promise<[number, KmsWrapError, string][]> {
    const suspects = this.suspects();
    if (suspects.size === 0) return [];
    const byOutput = new Map<string, number[]>();
    const owners = new Map<string, { index: number; what: InputKind }>();
    const own = (path: string, index: number, what: InputKind) => {
      if (!owners.has(path)) owners.set(path, { index, what });
    };
    for await (const item of source.items()) {
      if (!('entry' in item) || !suspects.has(item.index)) continue;
      const job = toJob(item);
      if (job instanceof KmsWrapError) continue;
      if (typeof job.material === 'string' && !job.sealed) own(job.material, job.index, 'the key material');
      if (typeof job.key !== 'number')
        own(job.key.path, job.index, job.key.kind === 'parameters' ? 'the import parameters' : 'the wrapping public key');
      const list = byOutput.get(job.output);
      if (list) list.push(job.index);
      else byOutput.set(job.output, [job.index]);
    }
    const out: [number, KmsWrapError, string][] = [];
    for (const [output, users] of byOutput) {
      if (users.length > 1) {
        const names = users.sort((a, b) => a - b).map(label);
        const msg = `the output ${output} is named by ${names.slice(0, -1).join(', ')} and ${names[names.length - 1]} — give each entry its own output`;
        for (const i of users) out.push([i, new KmsWrapError(ERROR_CODES.MANIFEST_INVALID, msg), output]);
        continue;
      }
      const owner = owners.get(output);
      if (owner !== undefined) {
        const msg = `the output ${output} is ${owner.what} of ${label(owner.index)}, which writing it would destroy — choose another output`;
        out.push([users[0]!, new KmsWrapError(ERROR_CODES.MANIFEST_INVALID, msg), output]);
      }
    }
    return out.sort((a, b) => a[0] - b[0]);
  }
}

/** 52 bits from two FNV-1a lanes (different offsets and primes), each mixed at the end; never 0 (PathIndex's "no file"). */
function pathHash(s: string): number {
  let a = 0x811c9dc5;
  let b = 0x050c5d1f;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x0100019d);
  }
  a ^= a >>> 15;
  a = Math.imul(a, 0x2c1b3c6d);
  a ^= a >>> 12;
  b ^= b >>> 15;
  b = Math.imul(b, 0x297a2d39);
  b ^= b >>> 12;
  return (b & 0xfffff) * 0x100000000 + (a >>> 0) || 1;
}

function toResult(o: JobOutcome, output: string): BatchEntryResult | undefined {
  switch (o.status) {
    case 'wrapped':
      return {
        index: o.index,
        output,
        status: 'wrapped',
        bytes: o.bytes,
        algorithm: o.algorithm,
        keySpec: o.keySpec as KeySpec | undefined,
        keySpecCandidates: o.keySpecCandidates as KeySpec[],
        wrappingKeySpec: o.wrappingKeySpec as WrappingKeySpec,
        ...(o.nextCommand === undefined ? {} : { nextCommand: o.nextCommand }),
        ...(o.importToken === undefined ? {} : { importToken: o.importToken }),
      };
    case 'failed':
      return { index: o.index, output, status: 'failed', error: new KmsWrapError(o.code as ErrorCode, o.message) };
    case 'skipped':
      return { index: o.index, output, status: 'skipped' };
    case 'checked':
    case 'unheld':
      return undefined;
  }
}

/** `sealed`: the batch can open keys in a token (BatchOptions.openSealed); without it a URI as the material is refused by name. */
function shapeProblem(e: BatchEntry, target: Target, sealed: boolean): string | undefined {
  if (typeof e !== 'object' || e === null)
    return 'an entry is not an object — give { material, publicKey or parameters, algorithm, output }';
  const material = e.material as unknown;
  if (!(material instanceof Uint8Array) && (typeof material !== 'string' || material === ''))
    return 'the entry has no material — give the key material file';
  if (!sealed && typeof material === 'string' && isTokenMaterial(material)) return tokenMaterialProblem(material);
  if (target !== AWS_KMS) {
    // GetParametersForImport and the China Regions are AWS KMS's.
    if (e.parameters !== undefined)
      return `parameters (GetParametersForImport output) are AWS KMS's — give ${target.name}'s wrapping public key as publicKey (see ${target.docs})`;
    if (e.publicKey === undefined)
      return `the entry has no publicKey — give ${target.name}'s wrapping public key file (see ${target.docs})`;
    if (e.region !== undefined) return `region is AWS KMS's (the China Regions); ${target.name} has none — leave it out`;
  }
  if ((e.publicKey === undefined) === (e.parameters === undefined)) {
    return 'the entry needs exactly one of publicKey (the wrapping public key file) and parameters (the GetParametersForImport JSON)';
  }
  if (e.parameters !== undefined && (typeof e.parameters !== 'string' || e.parameters === '')) return 'parameters must be a file path';
  if (typeof e.publicKey === 'string' && e.publicKey === '') return 'publicKey must be a file path';
  const defaulted = e.algorithm === undefined && target.defaultAlgorithm !== undefined;
  if (!defaulted && (typeof e.algorithm !== 'string' || e.algorithm.trim() === '')) {
    if (target !== AWS_KMS) return `the entry has no algorithm — give ${target.name}'s: ${orList(Object.keys(target.rules.algorithms))}`;
    return 'the entry has no algorithm — give the wrapping algorithm requested from GetParametersForImport';
  }
  if (typeof e.output !== 'string' || e.output === '')
    return 'the entry has no output — give the file to write the wrapped key material to';
  if (e.keySpec !== undefined && typeof e.keySpec !== 'string') return 'keySpec must be a key spec name such as HMAC_256';
  if (e.region !== undefined && typeof e.region !== 'string') return "region must be 'china' or 'standard'";
  if (
    e.targetOptions !== undefined &&
    (typeof e.targetOptions !== 'object' || e.targetOptions === null || Object.values(e.targetOptions).some((v) => typeof v !== 'string'))
  ) {
    return `targetOptions must map ${target.name}'s option names to strings`;
  }
  return undefined;
}
