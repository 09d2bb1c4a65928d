/**
 * One batch entry, in a worker thread (or in the calling thread, with mainThread): its wrapping
 * key (each file read and parsed once, a small cache of the last ones used), its output (the
 * directory exists and is writable; no file there unless force), its material, then
 * wrapper.check or wrapper.wrap (the engine's checks before and after the plugin), the output
 * written atomically, the material zeroed.
 *
 * The wrapper is the batch's target's (AWS KMS, or Cloud KMS, Azure Key Vault, Vault transit):
 * its rules judge each entry, and what is written is the target's envelope of the wrapped bytes
 * (checked in the check phase too, on the plan, for the envelope's own refusals).
 *
 * The wrapper holds only the plugins the batch names, so a thread starts without loading the
 * others. A refusal is then worded by a second wrapper with every installed plugin, whose way
 * out may name another algorithm; both judge acceptance by the same rules.
 *
 * Holding (the check phase of a strict batch): an entry that passes is wrapped at once and its
 * result kept in memory, unwritten, up to a byte budget; the wrap phase, sent the entry by the
 * same thread, writes it without reading, checking and wrapping a second time. Nothing reaches
 * the disk before every entry has passed, and memory stays bounded whatever the batch's length.
 *
 * Sealed entries (a key in a PKCS#11 token, named by its URI): only the calling thread's runner
 * given the batch's opener takes them. The key is opened, judged by the engine (checkSealed's
 * rules and capacity, before the token is asked anything), wrapped by its token
 * (Wrapper.wrapSealed), and closed; the rest (wrapping key, output, envelope, import token,
 * holding, writing) is a file's. The token's own limits are known only to its wrap, so a sealed
 * entry is wrapped in the check phase even when its result cannot be held (then it is dropped,
 * and wrapped again in the wrap phase).
 */
import { accessSync, constants, lstatSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  AWS_KMS,
  ERROR_CODES,
  checkParametersAlgorithm,
  checkParametersExpiry,
  KmsWrapError,
  createWrapper,
  isKmsWrapError,
  parseTarget,
  parseWrappingPublicKey,
  zeroize,
  type EnvelopeContext,
  type SealedWrapRequest,
  type Target,
  type WrapPlan,
  type WrapRequest,
  type WrapResult,
  type Wrapper,
  type WrappingAlgorithm,
  type WrappingPublicKey,
} from '@kms-wrap/core';
import { createNodeCryptoProvider, loadImportParameters, loadInstalledAlgorithms, loadStandardAlgorithm } from '@kms-wrap/node';
import { readInputFileSync } from '@kms-wrap/node/files';
import { equalBytes } from '@kms-wrap/core/encoding';
import { sayPass } from '@kms-wrap/core/internal';
import { NO_ENTRY, writeFileAtomicSync } from './batch-files.js';
import type { JobItem, JobOutcome, KeyRef, Phase, WorkerOptions } from './batch-protocol.js';
import type { SealedKeyHandle, SealedOpener } from './batch.js';

export interface JobRunner {
  run(phase: Phase, item: JobItem, keys: readonly WrappingPublicKey[]): Promise<JobOutcome>;
}

/** A chunk's entries in order, each 'skipped' once `stopped()` says so: a whole entry or none. */
export async function runChunk(
  runner: JobRunner,
  phase: Phase,
  items: readonly JobItem[],
  keys: readonly WrappingPublicKey[],
  stopped: () => boolean,
): Promise<JobOutcome[]> {
  const outcomes: JobOutcome[] = [];
  for (const item of items) outcomes.push(stopped() ? { index: item.index, status: 'skipped' } : await runner.run(phase, item, keys));
  return outcomes;
}

interface Held {
  /** What the wrap phase writes: the wrapped bytes, or the target's envelope of them. */
  readonly bytes: Uint8Array;
  readonly output: string;
  /** AWS KMS: the import token to write beside it. */
  readonly token: Token | undefined;
  readonly outcome: Extract<JobOutcome, { status: 'wrapped' }>;
}

/** Wrapping keys kept parsed per thread: a batch usually has one, a migration one a line. */
const KEY_CACHE = 64;
/** What a held result costs beside its bytes (its outcome, the map's entry), counted against the budget. */
const HELD_OVERHEAD = 512;
/** Output directories whose state is kept per thread. */
const DIR_CACHE = 256;

/**
 * `options.algorithms`: the ids the entries name. One provider and one wrapper for the runner's
 * life. `ownsGivenMaterial`: material given as bytes is this thread's copy (a worker's), to be
 * zeroed; in the calling thread it is the caller's own, left alone. `options.holdBytes`: the budget of results the check phase may wrap ahead and keep.
 * `openSealed`: the calling thread's opener of keys in a token (BatchOptions.openSealed), for sealed entries.
 */
export function createJobRunner(options: WorkerOptions, ownsGivenMaterial: boolean, openSealed?: SealedOpener): JobRunner {
  const { algorithms, holdBytes } = options;
  const surface = options.surface;
  const write = { force: options.force, fsync: options.fsync, ...(surface === undefined ? {} : { surface }) };
  const crypto = createNodeCryptoProvider();
  const target = options.target === undefined ? AWS_KMS : parseTarget(options.target);
  // AWS KMS as before: the engine's default rules (no target given to it).
  const forTarget = target === AWS_KMS ? {} : { target };
  const held = new Map<number, Held>();
  let heldBytes = 0;
  const keyCache = new Map<string, Promise<LoadedKey>>();
  const dirs = new Map<string, string | undefined>();

  async function keyFor(ref: KeyRef, keys: readonly WrappingPublicKey[], algorithm: string): Promise<LoadedKey> {
    if (typeof ref === 'number') return { key: keys[ref]! };
    const id = `${ref.kind}:${ref.path}`;
    let loading = keyCache.get(id);
    if (loading)
      keyCache.delete(id); // re-inserted below: the most recently used last
    else {
      loading = loadKey(ref, options.now);
      loading.catch(() => {}); // observed by each entry that uses it
      if (keyCache.size >= KEY_CACHE) keyCache.delete(keyCache.keys().next().value!);
    }
    keyCache.set(id, loading);
    const loaded = await loading;
    checkParametersAlgorithm(loaded.issuedFor, algorithm, { path: ref.path });
    return loaded;
  }

  /**
   * AWS KMS: the import token file the entry's next command names — from JSON or zip parameters
   * written beside the output (tokenFileFor), from the unzipped folder its own ImportToken.bin.
   * A file there with these very bytes is no conflict (nothing to write); another is refused
   * without force.
   */
  function tokenFor(output: string, loaded: LoadedKey): { token: Token | undefined; file: string | undefined } {
    if (target !== AWS_KMS || loaded.importToken === undefined) return { token: undefined, file: loaded.importTokenFile };
    const path = tokenFileFor(output);
    const there = existingBytes(path);
    if (there !== undefined && equalBytes(there, loaded.importToken)) return { token: undefined, file: path };
    if (there !== undefined && !write.force) {
      throw new KmsWrapError(
        ERROR_CODES.FILE_EXISTS,
        `${path} exists and holds another import token — remove it, name another output, or ${sayPass(surface, 'force')} to replace it`,
      );
    }
    return { token: { path, bytes: loaded.importToken }, file: path };
  }

  /** Refuses an output whose directory is missing or read-only, or that exists (without force). */
  function checkOutput(output: string): void {
    const dir = dirname(output);
    let bad = dirs.get(dir);
    if (!dirs.has(dir)) {
      bad = directoryProblem(dir);
      if (dirs.size >= DIR_CACHE) dirs.clear();
      dirs.set(dir, bad);
    }
    // Worded without the output's own name: every entry of a missing folder is refused in the same words (shown once).
    if (bad !== undefined) throw new KmsWrapError(ERROR_CODES.FILE_UNWRITABLE, `cannot write the output: ${bad}`);
    if (!write.force && lstatSync(output, { throwIfNoEntry: false }) !== undefined) {
      throw new KmsWrapError(
        ERROR_CODES.FILE_EXISTS,
        `${output} exists — choose another output, or ${sayPass(surface, 'force')} to replace it`,
      );
    }
  }

  // The plugins of the algorithms named so far (the batch's, if known up front; else as entries
  // name them), in one wrapper; a name that is not a standard plugin's is remembered as absent.
  const plugins = new Map<string, WrappingAlgorithm | undefined>();
  let lean: Promise<Wrapper> = Promise.resolve(createWrapper({ algorithms: [], crypto, ...forTarget }));
  const need = (ids: readonly string[]): Promise<Wrapper> => {
    const fresh = [...new Set(ids.map((id) => id.trim().toUpperCase()))].filter((id) => id !== '' && !plugins.has(id));
    if (fresh.length === 0) return lean;
    if (plugins.size > 256) return lean; // not a real batch's algorithms: the full wrapper explains them
    for (const id of fresh) plugins.set(id, undefined);
    lean = Promise.all(fresh.map((id) => loadStandardAlgorithm(id, target.rules).catch(() => undefined))).then((found) => {
      found.forEach((a, i) => plugins.set(fresh[i]!, a));
      // Two of a target's ids can be one construction (Vault's SHA256 and Cloud KMS's *_SHA256_AES_256): each plugin once.
      const unique = new Set([...plugins.values()].filter((a): a is WrappingAlgorithm => a !== undefined));
      return createWrapper({ algorithms: [...unique], crypto, ...forTarget });
    });
    return lean;
  };
  void need(algorithms);
  let full: Promise<Wrapper> | undefined;
  /** The refusal as a wrapper with every installed plugin words it (its check of the request, or of the sealed request). */
  async function explain(request: WrapRequest | SealedWrapRequest, sealed: boolean, refusal: unknown): Promise<unknown> {
    full ??= loadInstalledAlgorithms().then((all) => createWrapper({ algorithms: all, crypto, ...forTarget }));
    try {
      if (sealed) (await full).checkSealed(request as SealedWrapRequest);
      else (await full).check(request as WrapRequest);
    } catch (e) {
      return e;
    }
    return refusal;
  }

  async function run(phase: Phase, item: JobItem, keys: readonly WrappingPublicKey[]): Promise<JobOutcome> {
    const wrapper = await (plugins.has(item.algorithm.trim().toUpperCase()) ? lean : need([item.algorithm]));
    let material: Uint8Array | undefined;
    let key: SealedKeyHandle | undefined;
    let request: WrapRequest | SealedWrapRequest | undefined;
    const ahead = phase === 'wrap' ? held.get(item.index) : undefined;
    if (ahead) {
      held.delete(item.index);
      heldBytes -= ahead.bytes.length + HELD_OVERHEAD;
      try {
        writeFileAtomicSync(ahead.output, ahead.bytes, write);
        if (ahead.token) writeToken(ahead.token);
        return item.heldOnly ? { ...ahead.outcome, output: ahead.output } : ahead.outcome;
      } catch (e) {
        return failure(item, e);
      }
    }
    if (item.heldOnly) return { index: item.index, status: 'unheld' };
    try {
      const loaded = await keyFor(item.key, keys, item.algorithm);
      const wrappingPublicKey = loaded.key;
      checkOutput(item.output);
      const { token, file: tokenFile } = tokenFor(item.output, loaded);
      const asked = {
        wrappingPublicKey,
        algorithm: item.algorithm,
        ...(item.keySpec === undefined ? {} : { keySpec: item.keySpec }),
        ...(item.region === undefined ? {} : { region: item.region }),
        ...(surface === undefined ? {} : { surface }),
      };
      if (item.sealed) {
        if (!openSealed)
          throw new KmsWrapError(ERROR_CODES.INTERNAL, 'a key in a token reached a thread that cannot open it — please report it');
        key = await openSealed(item.material as string, item.index);
        request = { ...asked, material: key.material };
      } else {
        material = typeof item.material === 'string' ? readInputFileSync(item.material, 'the key material', NO_ENTRY) : item.material;
        request = { ...asked, material };
      }
      // AWS KMS's next command names the key and the token when the parameters say them.
      const aws = target === AWS_KMS ? { keyId: loaded.keyId, importToken: tokenFile } : {};
      const context: EnvelopeContext = {
        fileName: item.output,
        options: { ...aws, ...(item.targetOptions ?? {}) },
        ...(options.generator === undefined ? {} : { generator: options.generator }),
      };
      const hold = phase === 'check' && heldBytes < holdBytes;
      if (phase === 'check' && !hold && !key) {
        checkEnvelope(target, wrapper.check(request as WrapRequest), item.algorithm, context);
        return { index: item.index, status: 'checked' };
      }
      let result;
      try {
        // wrap (wrapSealed) runs every check that check (checkSealed) does, first: a refusal here is the check's refusal.
        if (key) {
          const sealed = key;
          result = await wrapper.wrapSealed(request as SealedWrapRequest, (plan) => sealed.seal(plan, wrapper));
        } else result = await wrapper.wrap(request as WrapRequest);
      } catch (refusal) {
        throw await explain(request, key !== undefined, refusal);
      }
      const envelope = target.envelope(result, context);
      const outcome = {
        index: item.index,
        status: 'wrapped',
        bytes: envelope.bytes.length,
        algorithm: result.algorithm,
        keySpec: result.keySpec,
        keySpecCandidates: result.keySpecCandidates,
        wrappingKeySpec: result.wrappingKeySpec,
        nextCommand: envelope.nextCommand,
        ...(tokenFile === undefined ? {} : { importToken: tokenFile }),
      } as const;
      if (hold) {
        held.set(item.index, { bytes: envelope.bytes, output: item.output, token, outcome });
        heldBytes += envelope.bytes.length + HELD_OVERHEAD;
        return { index: item.index, status: 'checked', held: true };
      }
      if (phase === 'check') return { index: item.index, status: 'checked' }; // a sealed entry's wrap, not held: dropped
      writeFileAtomicSync(item.output, envelope.bytes, write);
      if (token) writeToken(token);
      return outcome;
    } catch (caught) {
      return failure(item, phase === 'check' && request ? await explain(request, key !== undefined, caught) : caught);
    } finally {
      // Zero the material this thread read, or its copy of the caller's bytes (never the caller's own).
      if (typeof item.material === 'string' || ownsGivenMaterial) zeroize(material);
      // The token's session ends with the entry, wrapped or refused.
      if (key) await closeQuietly(key);
    }
  }
  /** The import token beside its output (not secret: readable like any file the aws CLI is given). */
  function writeToken(token: Token): void {
    const there = existingBytes(token.path);
    if (there !== undefined && equalBytes(there, token.bytes)) return; // another entry of the same parameters wrote it
    writeFileAtomicSync(token.path, token.bytes, { ...write, force: write.force, mode: 0o644 });
  }

  return { run };
}

/** An import token to write beside an output. */
interface Token {
  readonly path: string;
  readonly bytes: Uint8Array;
}

/**
 * Where an AWS KMS entry's import token is written: beside its output, named after it —
 * out/key1.bin → out/key1.ImportToken.bin — so that entries of different keys in one folder
 * each have their own.
 */
export function tokenFileFor(output: string): string {
  return output.replace(/(\.bin)?$/i, '.ImportToken.bin');
}

/** A small file's bytes (an import token), or undefined when there is none (or it cannot be read: then the write reports it). */
function existingBytes(path: string): Uint8Array | undefined {
  if (lstatSync(path, { throwIfNoEntry: false }) === undefined) return undefined;
  try {
    return readInputFileSync(path, 'the import token there');
  } catch {
    return undefined;
  }
}

/**
 * The envelope's own refusals (its options, such as a malformed Azure KEK id; Azure's AES key
 * into a key vault), from the plan, before any wrap: a check-only entry is refused as its wrap
 * would be. The envelope of no bytes is made and dropped.
 */
function checkEnvelope(target: Target, plan: WrapPlan, algorithm: string, context: EnvelopeContext): void {
  const wrapped: Pick<WrapResult, 'ciphertext' | 'algorithm' | 'keySpec' | 'keySpecCandidates' | 'wrappingKeySpec'> = {
    ciphertext: new Uint8Array(0),
    algorithm: algorithm.trim().toUpperCase(),
    keySpec: plan.material.keySpec,
    keySpecCandidates: plan.material.candidates,
    wrappingKeySpec: plan.wrappingKey.spec,
  };
  target.envelope(wrapped, context);
}

/** Closes a key in a token; a failure to close is not the entry's (its output is whole or absent either way). */
async function closeQuietly(key: SealedKeyHandle): Promise<void> {
  try {
    await key.close();
  } catch {
    // the session ends with the process anyway
  }
}

function failure(item: JobItem, e: unknown): JobOutcome {
  if (isKmsWrapError(e)) return { index: item.index, status: 'failed', code: e.code, message: e.message };
  // Not ours: name it without its data (it could hold key bytes).
  const what =
    e instanceof Error ? `${e.name}${(e as NodeJS.ErrnoException).code ? ` ${(e as NodeJS.ErrnoException).code}` : ''}` : typeof e;
  return {
    index: item.index,
    status: 'failed',
    code: ERROR_CODES.INTERNAL,
    message: `an unexpected ${what} stopped this entry; nothing was written for it — please report it`,
  };
}

interface LoadedKey {
  readonly key: WrappingPublicKey;
  /** The algorithm the parameters were requested for, when the console's README says. */
  readonly issuedFor?: string;
  /** Parameters: the key they are for, and the import token (inside JSON or zip) or its file (the unzipped folder). */
  readonly keyId?: string;
  readonly importToken?: Uint8Array;
  readonly importTokenFile?: string;
}

async function loadKey(ref: Exclude<KeyRef, number>, now: number): Promise<LoadedKey> {
  if (ref.kind === 'publicKey') return { key: parseWrappingPublicKey(readInputFileSync(ref.path, 'the wrapping public key', NO_ENTRY)) };
  // The JSON from get-parameters-for-import, or the console's zip or unzipped folder.
  const p = await loadImportParameters(ref.path);
  checkParametersExpiry(p.validTo, now, { path: ref.path, refetch: `aws kms get-parameters-for-import --key-id ${p.keyId ?? 'KEY'} ...` });
  return {
    key: p.wrappingKey,
    ...(p.wrappingAlgorithm === undefined ? {} : { issuedFor: p.wrappingAlgorithm }),
    ...(p.keyId === undefined ? {} : { keyId: p.keyId }),
    ...(p.importTokenFile === undefined ? { importToken: p.importToken } : { importTokenFile: p.importTokenFile }),
  };
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
