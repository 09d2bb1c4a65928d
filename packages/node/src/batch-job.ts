/**
 * One batch entry, wherever it runs (a worker's wrap, the main thread's check): read the
 * material, wrapper.check or wrapper.wrap (the engine's checks before and after the plugin),
 * write the output atomically, zero the material.
 *
 * The wrapper holds only the plugins the batch names, so a thread starts without loading the
 * others. A refusal is then worded by a second wrapper with every installed plugin, whose way
 * out may name another algorithm; both judge acceptance by the same rules.
 */
import { ERROR_CODES, createWrapper, isKmsWrapError, zeroize, type WrapRequest, type Wrapper, type WrappingAlgorithm, type WrappingPublicKey } from '@kms-wrap/core';
import { readInputFileSync, writeFileAtomicSync, type WriteSyncOptions } from './batch-files.js';
import type { JobItem, JobOutcome, Phase } from './batch-protocol.js';
import { createNodeCryptoProvider } from './node-crypto-provider.js';
import { loadInstalledAlgorithms, loadStandardAlgorithm } from './standard-algorithms.js';

export interface JobRunner {
  run(phase: Phase, item: JobItem, keys: readonly WrappingPublicKey[]): Promise<JobOutcome>;
}

/**
 * `algorithms`: the ids the entries name. One provider and one wrapper for the runner's life.
 * `ownsGivenMaterial`: material given as bytes is this thread's copy (a worker's), to be zeroed.
 */
export function createJobRunner(algorithms: readonly string[], write: WriteSyncOptions, ownsGivenMaterial: boolean): JobRunner {
  const crypto = createNodeCryptoProvider();
  const lean: Promise<Wrapper> = Promise.all(algorithms.map((id) => loadStandardAlgorithm(id).catch(() => undefined))).then((found) =>
    createWrapper({ algorithms: found.filter((a): a is WrappingAlgorithm => a !== undefined), crypto }),
  );
  let full: Promise<Wrapper> | undefined;
  /** The refusal as a wrapper with every installed plugin words it. */
  async function explain(request: WrapRequest, refusal: unknown): Promise<unknown> {
    full ??= loadInstalledAlgorithms().then((all) => createWrapper({ algorithms: all, crypto }));
    try {
      (await full).check(request);
    } catch (e) {
      return e;
    }
    return refusal;
  }

  async function run(phase: Phase, item: JobItem, keys: readonly WrappingPublicKey[]): Promise<JobOutcome> {
    const wrapper = await lean;
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
      writeFileAtomicSync(item.output, result.ciphertext, write);
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
      // Zero the material this thread read, or its copy of the caller's bytes (never the caller's own).
      if (typeof item.material === 'string' || ownsGivenMaterial) zeroize(material);
    }
  }
  return { run };
}
