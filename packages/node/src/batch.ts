/**
 * wrapBatch: many wraps on all cores. The main thread resolves paths, reads and parses each
 * distinct wrapping key once (deduplicated by content, so two copies of WrappingPublicKey.bin
 * cost one parse), refuses colliding and existing outputs, then hands the entries in chunks to
 * a pool of worker threads, each with one provider and wrapper for its life. A failed entry
 * does not stop the others; an aborted batch leaves only whole output files.
 */
import { accessSync, constants, readdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, dirname, resolve } from 'node:path';
import {
  ERROR_CODES,
  KmsWrapError,
  isKmsWrapError,
  parseWrappingPublicKey,
  toBase64,
  type ErrorCode,
  type KeySpec,
  type Region,
  type WrappingKeySpec,
  type WrappingPublicKey,
} from '@kms-wrap/core';
import { createJobRunner, type JobRunner } from './batch-job.js';
import { createPool, type Pool } from './batch-pool.js';
import type { JobItem, JobOutcome, Phase } from './batch-protocol.js';
import { readInputFile } from './files.js';
import { loadImportParameters } from './import-parameters-files.js';

export interface BatchEntry {
  /** The plaintext key material: a file path (relative to `cwd`), or the bytes themselves. */
  readonly material: string | Uint8Array;
  /**
   * The wrapping public key: a file path (WrappingPublicKey.bin, or its base64 or PEM), its
   * bytes, or a parsed key. Give exactly one of publicKey and parameters.
   */
  readonly publicKey?: string | Uint8Array | WrappingPublicKey;
  /** GetParametersForImport output: the saved JSON, or the console's zip or its unzipped folder. */
  readonly parameters?: string;
  readonly algorithm: string;
  /** Needed only when the bytes cannot tell (raw 32 bytes); checked against the material when given. */
  readonly keySpec?: KeySpec | string;
  /** 'standard' (default) or 'china'. */
  readonly region?: Region | string;
  /** Where the EncryptedKeyMaterial goes (relative to `cwd`): written whole or not at all, mode 0600. */
  readonly output: string;
}

export interface BatchOptions {
  /** Worker threads; os.availableParallelism() by default. */
  readonly concurrency?: number;
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
      readonly bytes: number;
      readonly algorithm: string;
      /** The key spec, or undefined when raw bytes fit several (see keySpecCandidates). */
      readonly keySpec: KeySpec | undefined;
      readonly keySpecCandidates: readonly KeySpec[];
      readonly wrappingKeySpec: WrappingKeySpec;
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

/** Wraps every entry; resolves to one result per entry (it rejects only on a misuse of the API). */
export async function wrapBatch(entries: readonly BatchEntry[], options: BatchOptions = {}): Promise<BatchSummary> {
  return runBatch(entries, options, options.strict ? ['check', 'wrap'] : ['wrap']);
}

/** Runs every check wrapBatch would, reading every file, and wraps nothing: the refused entries. */
export async function checkBatch(entries: readonly BatchEntry[], options: Omit<BatchOptions, 'strict' | 'fsync'> = {}): Promise<BatchProblem[]> {
  const summary = await runBatch(entries, options, ['check']);
  return summary.results.flatMap((r) => (r.status === 'failed' ? [{ index: r.index, error: r.error }] : []));
}

async function runBatch(entries: readonly BatchEntry[], options: BatchOptions, phases: readonly Phase[]): Promise<BatchSummary> {
  const started = performance.now();
  if (!Array.isArray(entries)) throw new TypeError('wrapBatch takes an array of entries');
  const n = entries.length;
  const signal = options.signal;
  const concurrency = options.concurrency ?? availableParallelism();
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be a whole number of at least 1, not ${concurrency}`);

  const results: (BatchEntryResult | undefined)[] = new Array(n).fill(undefined);
  const outputs = entries.map((e) => (typeof e?.output === 'string' && e.output !== '' ? resolve(options.cwd ?? process.cwd(), e.output) : String(e?.output)));
  const summary = (aborted: boolean, refused: boolean): BatchSummary => {
    const all = results.map((r, index) => r ?? { index, output: outputs[index]!, status: 'skipped' as const });
    const wrapped = all.filter((r) => r.status === 'wrapped').length;
    const failed = all.filter((r) => r.status === 'failed').length;
    const seconds = (performance.now() - started) / 1000;
    return { results: all, total: n, wrapped, failed, skipped: n - wrapped - failed, aborted, refused, seconds, wrapsPerSecond: seconds > 0 ? wrapped / seconds : 0 };
  };
  if (n === 0 || signal?.aborted) return summary(signal?.aborted ?? false, false);

  // Workers start now: loading their modules overlaps with reading the keys and the checks here.
  const algorithms = [...new Set(entries.map((e) => (typeof e?.algorithm === 'string' ? e.algorithm.trim().toUpperCase() : '')))].filter(Boolean);
  const pool = phases.includes('wrap')
    ? createPool({ size: Math.min(concurrency, n), force: options.force ?? false, fsync: options.fsync ?? false, algorithms })
    : undefined;
  // The checks run on this thread, while the workers start: a check is a file read and microseconds of work.
  const runner = phases.includes('check') ? createJobRunner(algorithms, { force: false, fsync: false }, false) : undefined;
  const state = { stopped: false };
  const onAbort = () => {
    state.stopped = true;
    pool?.stop();
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const { items, keys, problems } = await prepare(entries, outputs, options);
    for (const p of problems) results[p.index] = { index: p.index, output: outputs[p.index]!, status: 'failed', error: p.error };
    pool?.setKeys(keys);
    let refused = false;
    let todo = items;
    for (const phase of phases) {
      if (state.stopped) break;
      if (phase === 'wrap' && phases.includes('check')) {
        // strict: one refusal anywhere and nothing is wrapped.
        if (results.some((r) => r?.status === 'failed')) {
          refused = true;
          break;
        }
        todo = items.filter((item) => results[item.index] === undefined);
      }
      if (phase === 'check') await checkHere(runner!, () => state.stopped, todo, keys, results, outputs, options.onProgress);
      else await runPhase(pool!, phase, todo, results, outputs, options.onProgress);
    }
    if (!phases.includes('wrap')) {
      // checkBatch: 'checked' entries are not results; only refusals are.
      for (let i = 0; i < n; i++) if (results[i]?.status !== 'failed') results[i] = undefined;
    }
    return summary(state.stopped, refused);
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await pool?.close();
  }
}

/** Every check on this thread, yielding to the event loop now and then (signals, progress). */
async function checkHere(
  runner: JobRunner,
  stopped: () => boolean,
  items: readonly JobItem[],
  keys: readonly WrappingPublicKey[],
  results: (BatchEntryResult | undefined)[],
  outputs: readonly string[],
  onProgress: BatchOptions['onProgress'],
): Promise<void> {
  let done = 0;
  let failed = 0;
  onProgress?.({ phase: 'check', total: items.length, done, failed });
  for (let i = 0; i < items.length && !stopped(); i++) {
    const o = await runner.run('check', items[i]!, keys);
    const r = toResult(o, outputs[o.index]!);
    if (r) results[o.index] = r;
    if (o.status === 'failed') failed++;
    done++;
    if (done % 128 === 0 || done === items.length) {
      onProgress?.({ phase: 'check', total: items.length, done, failed });
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
}

async function runPhase(
  pool: Pool,
  phase: Phase,
  items: readonly JobItem[],
  results: (BatchEntryResult | undefined)[],
  outputs: readonly string[],
  onProgress: BatchOptions['onProgress'],
): Promise<void> {
  let done = 0;
  let failed = 0;
  onProgress?.({ phase, total: items.length, done, failed });
  await pool.run(phase, items, (outcomes) => {
    for (const o of outcomes) {
      const r = toResult(o, outputs[o.index]!);
      if (r) results[o.index] = r;
      if (o.status === 'failed') failed++;
      if (o.status !== 'skipped') done++;
    }
    onProgress?.({ phase, total: items.length, done, failed });
  });
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
      };
    case 'failed':
      return { index: o.index, output, status: 'failed', error: new KmsWrapError(o.code as ErrorCode, o.message) };
    case 'skipped':
      return { index: o.index, output, status: 'skipped' };
    case 'checked':
      return undefined;
  }
}

interface Prepared {
  readonly items: JobItem[];
  readonly keys: WrappingPublicKey[];
  readonly problems: BatchProblem[];
}

type KeySource = { readonly path: string; readonly kind: 'publicKey' | 'parameters' } | { readonly value: Uint8Array | WrappingPublicKey };

/**
 * Everything the main thread checks before a worker sees an entry: the entry's shape, its
 * wrapping key (each distinct source read and parsed once), and its output (no two entries
 * share one, none overwrites an input, none exists unless force, its directory exists).
 */
async function prepare(entries: readonly BatchEntry[], outputs: readonly string[], options: BatchOptions): Promise<Prepared> {
  const base = options.cwd ?? process.cwd();
  const resolved = new Map<string, string>();
  const at = (p: string) => {
    let r = resolved.get(p);
    if (r === undefined) resolved.set(p, (r = resolve(base, p)));
    return r;
  };
  const label = options.label ?? ((i: number) => `entry ${i + 1}`);
  const now = (options.now ?? Date.now)();
  const problems = new Map<number, KmsWrapError>();
  const refuse = (i: number, e: unknown) => {
    if (!problems.has(i)) problems.set(i, isKmsWrapError(e) ? e : new KmsWrapError(ERROR_CODES.INTERNAL, 'an unexpected error stopped this entry', { cause: e }));
  };

  // Shape, and where each entry's key comes from.
  const sources: (KeySource | undefined)[] = entries.map((e, i) => {
    const shape = shapeProblem(e);
    if (shape) {
      refuse(i, new KmsWrapError(ERROR_CODES.MANIFEST_INVALID, shape));
      return undefined;
    }
    if (e.parameters !== undefined) return { path: at(e.parameters), kind: 'parameters' };
    return typeof e.publicKey === 'string' ? { path: at(e.publicKey), kind: 'publicKey' } : { value: e.publicKey! };
  });

  // Each distinct key source once, in parallel; equal keys (by DER) share one index.
  const loads = new Map<string | object, Promise<LoadedKey>>();
  const keyPromise = (s: KeySource): Promise<LoadedKey> => {
    const id = 'path' in s ? `${s.kind}:${s.path}` : s.value;
    let p = loads.get(id);
    if (!p) {
      p = loadKey(s, now);
      p.catch(() => {}); // observed below, per entry
      loads.set(id, p);
    }
    return p;
  };
  const keys: WrappingPublicKey[] = [];
  const keyIndexByDer = new Map<string, number>();
  const keyIndexByKey = new Map<WrappingPublicKey, number>();
  const keyIndex = await Promise.all(
    sources.map(async (s, i) => {
      if (!s) return -1;
      try {
        const { key, issuedFor } = await keyPromise(s);
        const algorithm = entries[i]!.algorithm.trim().toUpperCase();
        if (issuedFor !== undefined && issuedFor !== algorithm) {
          throw new KmsWrapError(
            ERROR_CODES.PARAMETERS_MISMATCH,
            `the parameters in ${(s as { path: string }).path} were requested for ${issuedFor} (their README says so), and the algorithm is ${algorithm}: KMS unwraps only with the algorithm the parameters were requested for — use ${issuedFor}, or fetch new parameters for ${algorithm}`,
          );
        }
        let k = keyIndexByKey.get(key);
        if (k === undefined) {
          const der = toBase64(key.spki);
          k = keyIndexByDer.get(der);
          if (k === undefined) {
            k = keys.push(key) - 1;
            keyIndexByDer.set(der, k);
          }
          keyIndexByKey.set(key, k);
        }
        return k;
      } catch (e) {
        refuse(i, e);
        return -1;
      }
    }),
  );

  // Outputs: collisions with each other and with inputs, existing files, missing directories.
  const inputs = new Map<string, string>();
  entries.forEach((e, i) => {
    const s = sources[i];
    if (!s) return;
    if (typeof e.material === 'string') inputs.set(at(e.material), `the key material of ${label(i)}`);
    if ('path' in s) inputs.set(s.path, `the ${s.kind === 'parameters' ? 'import parameters' : 'wrapping public key'} of ${label(i)}`);
  });
  const byOutput = new Map<string, number[]>();
  entries.forEach((_, i) => {
    if (!sources[i]) return;
    const list = byOutput.get(outputs[i]!);
    if (list) list.push(i);
    else byOutput.set(outputs[i]!, [i]);
  });
  const dirOk = new Map<string, string | undefined>();
  // What each output directory holds, listed once: a stat per output costs more with thousands.
  const listings = new Map<string, Set<string>>();
  const existing = (dir: string): Set<string> => {
    let names = listings.get(dir);
    if (!names) {
      try {
        names = new Set(readdirSync(dir));
      } catch {
        names = new Set();
      }
      listings.set(dir, names);
    }
    return names;
  };
  for (const [output, users] of byOutput) {
    if (users.length > 1) {
      const names = users.map(label);
      const msg = `the output ${output} is named by ${names.slice(0, -1).join(', ')} and ${names[names.length - 1]} — give each entry its own output`;
      for (const i of users) refuse(i, new KmsWrapError(ERROR_CODES.MANIFEST_INVALID, msg));
      continue;
    }
    const i = users[0]!;
    const input = inputs.get(output);
    if (input !== undefined) {
      refuse(i, new KmsWrapError(ERROR_CODES.MANIFEST_INVALID, `the output ${output} is ${input}, which writing it would destroy — choose another output`));
      continue;
    }
    const dir = dirname(output);
    if (!dirOk.has(dir)) dirOk.set(dir, directoryProblem(dir));
    const bad = dirOk.get(dir);
    if (bad !== undefined) {
      refuse(i, new KmsWrapError(ERROR_CODES.FILE_UNWRITABLE, `cannot write ${output}: ${bad}`));
      continue;
    }
    if (!options.force && existing(dir).has(basename(output))) {
      refuse(i, new KmsWrapError(ERROR_CODES.FILE_EXISTS, `${output} exists — choose another output, or pass --force (force: true) to replace it`));
    }
  }

  const items: JobItem[] = [];
  entries.forEach((e, i) => {
    if (problems.has(i)) return;
    items.push({
      index: i,
      material: typeof e.material === 'string' ? at(e.material) : e.material,
      key: keyIndex[i]!,
      algorithm: e.algorithm,
      output: outputs[i]!,
      ...(e.keySpec === undefined ? {} : { keySpec: e.keySpec }),
      ...(e.region === undefined ? {} : { region: e.region }),
    });
  });
  return { items, keys, problems: [...problems].sort((a, b) => a[0] - b[0]).map(([index, error]) => ({ index, error })) };
}

/** What is wrong with an entry's shape (for callers without types), or undefined. */
function shapeProblem(e: BatchEntry): string | undefined {
  if (typeof e !== 'object' || e === null) return 'an entry is not an object — give { material, publicKey or parameters, algorithm, output }';
  const material = e.material as unknown;
  if (!(material instanceof Uint8Array) && (typeof material !== 'string' || material === '')) return 'the entry has no material — give the key material file';
  if ((e.publicKey === undefined) === (e.parameters === undefined)) {
    return 'the entry needs exactly one of publicKey (the wrapping public key file) and parameters (the GetParametersForImport JSON)';
  }
  if (e.parameters !== undefined && (typeof e.parameters !== 'string' || e.parameters === '')) return 'parameters must be a file path';
  if (typeof e.publicKey === 'string' && e.publicKey === '') return 'publicKey must be a file path';
  if (typeof e.algorithm !== 'string' || e.algorithm.trim() === '') return 'the entry has no algorithm — give the wrapping algorithm requested from GetParametersForImport';
  if (typeof e.output !== 'string' || e.output === '') return 'the entry has no output — give the file to write the wrapped key material to';
  if (e.keySpec !== undefined && typeof e.keySpec !== 'string') return 'keySpec must be a key spec name such as HMAC_256';
  if (e.region !== undefined && typeof e.region !== 'string') return "region must be 'china' or 'standard'";
  return undefined;
}

interface LoadedKey {
  readonly key: WrappingPublicKey;
  /** The algorithm the parameters were requested for, when the console's README says. */
  readonly issuedFor?: string;
}

async function loadKey(s: KeySource, now: number): Promise<LoadedKey> {
  if (!('path' in s)) return { key: s.value instanceof Uint8Array ? parseWrappingPublicKey(s.value) : s.value };
  if (s.kind === 'publicKey') return { key: parseWrappingPublicKey(await readInputFile(s.path, 'the wrapping public key')) };
  // The JSON from get-parameters-for-import, or the console's zip or unzipped folder.
  const p = await loadImportParameters(s.path);
  if (p.validTo && p.validTo.getTime() <= now) {
    throw new KmsWrapError(
      ERROR_CODES.PARAMETERS_EXPIRED,
      `the import parameters in ${s.path} expired at ${p.validTo.toISOString()}, and KMS refuses an expired token — fetch new ones: aws kms get-parameters-for-import --key-id ${p.keyId ?? 'KEY'} ...`,
    );
  }
  return { key: p.wrappingKey, ...(p.wrappingAlgorithm === undefined ? {} : { issuedFor: p.wrappingAlgorithm }) };
}

function directoryProblem(dir: string): string | undefined {
  try {
    if (!statSync(dir).isDirectory()) return `${dir} is not a directory — check the path`;
  } catch {
    return `the directory ${dir} does not exist — create it first`;
  }
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    return `the directory ${dir} is not writable — check its permissions`;
  }
  return undefined;
}
