/**
 * A wrapBatch worker: one wrapper over one node:crypto provider for its whole life, the parsed
 * wrapping keys received once (the provider imports each into a KeyObject once, cached by the
 * parsed key), then chunks of entries. Each entry: read the material, wrapper.check or
 * wrapper.wrap (the engine's checks before and after the plugin), write the output
 * atomically, zero the material.
 *
 * The wrapper holds only the plugins the batch names, so a worker starts without loading the
 * others. A refusal is then explained by a second wrapper with every installed plugin, whose
 * message may name a better algorithm; both judge acceptance by the same rules.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ERROR_CODES, createWrapper, isKmsWrapError, zeroize, type WrapRequest, type Wrapper, type WrappingAlgorithm, type WrappingPublicKey } from '@kms-wrap/core';
import { readInputFileSync, writeFileAtomicSync } from './batch-files.js';
import type { FromWorker, JobItem, JobOutcome, Phase, ToWorker, WorkerSetup } from './batch-protocol.js';
import { createNodeCryptoProvider } from './node-crypto-provider.js';
import { loadInstalledAlgorithms, loadStandardAlgorithm } from './standard-algorithms.js';

const port = parentPort!;
const setup = workerData as WorkerSetup;
const abort = new Int32Array(setup.abort);
const writeOptions = { force: setup.force, fsync: setup.fsync };

const crypto = createNodeCryptoProvider();
let keys: readonly WrappingPublicKey[] = [];
const wrapperReady: Promise<Wrapper> = Promise.all(setup.algorithms.map((id) => loadStandardAlgorithm(id).catch(() => undefined))).then((found) =>
  createWrapper({ algorithms: found.filter((a): a is WrappingAlgorithm => a !== undefined), crypto }),
);
let fullWrapper: Promise<Wrapper> | undefined;
/** The refusal as a wrapper with every installed plugin words it (its way out may name another algorithm). */
async function explain(request: WrapRequest, refusal: unknown): Promise<unknown> {
  fullWrapper ??= loadInstalledAlgorithms().then((algorithms) => createWrapper({ algorithms, crypto }));
  try {
    (await fullWrapper).check(request);
  } catch (e) {
    return e;
  }
  return refusal;
}
// Chunks are handled one after another, in the order they came.
let queue: Promise<void> = Promise.resolve();

port.on('message', (msg: ToWorker) => {
  if (msg.type === 'keys') {
    keys = msg.keys;
    return;
  }
  queue = queue.then(async () => {
    const wrapper = await wrapperReady;
    const outcomes: JobOutcome[] = [];
    for (const item of msg.items) {
      outcomes.push(Atomics.load(abort, 0) !== 0 ? { index: item.index, status: 'skipped' } : await run(wrapper, msg.phase, item));
    }
    port.postMessage({ type: 'done', id: msg.id, outcomes } satisfies FromWorker);
  }).catch((e: unknown) => {
    port.postMessage({ type: 'fatal', message: e instanceof Error ? e.name : typeof e } satisfies FromWorker);
  });
});

async function run(wrapper: Wrapper, phase: Phase, item: JobItem): Promise<JobOutcome> {
  let material: Uint8Array | undefined;
  let request: WrapRequest | undefined;
  try {
    material = typeof item.material === 'string' ? readInputFileSync(item.material, 'the key material') : item.material;
    request = {
      material,
      wrappingPublicKey: keys[item.key]!,
      algorithm: item.algorithm,
      ...(item.keySpec === undefined ? {} : { keySpec: item.keySpec }),
      ...(item.region === undefined ? {} : { region: item.region }),
    };
    if (phase === 'check') {
      wrapper.check(request);
      return { index: item.index, status: 'checked' };
    }
    let result;
    try {
      result = await wrapper.wrap(request);
    } catch (refusal) {
      throw await explain(request, refusal);
    }
    writeFileAtomicSync(item.output, result.ciphertext, writeOptions);
    return {
      index: item.index,
      status: 'wrapped',
      bytes: result.ciphertext.length,
      algorithm: result.algorithm,
      keySpec: result.keySpec,
      keySpecCandidates: result.keySpecCandidates,
      wrappingKeySpec: result.wrappingKeySpec,
    };
  } catch (caught) {
    const e = phase === 'check' && request ? await explain(request, caught) : caught;
    if (isKmsWrapError(e)) return { index: item.index, status: 'failed', code: e.code, message: e.message };
    // Not ours: name it without its data (it could hold key bytes).
    const what = e instanceof Error ? `${e.name}${(e as NodeJS.ErrnoException).code ? ` ${(e as NodeJS.ErrnoException).code}` : ''}` : typeof e;
    return { index: item.index, status: 'failed', code: ERROR_CODES.INTERNAL, message: `an unexpected ${what} stopped this entry; nothing was written for it — please report it` };
  } finally {
    // The material is this worker's own copy (read here, or copied in by postMessage).
    zeroize(material);
  }
}
