/**
 * The standard algorithm packages, found when installed (optional peer dependencies) by
 * dynamic import: each is loaded on first use only. In the self-contained bundle
 * (dist/kms-wrap.browser.js) all of them are bundled and the imports resolve in memory.
 */
import { AWS_KMS_RULES, ERROR_CODES, KmsWrapError, type WrappingAlgorithm } from '@kms-wrap/core';
import { _importOptional } from './optional-import.js';

type AlgorithmModule = { readonly algorithms: readonly WrappingAlgorithm[] };

const loaders: Readonly<Record<string, () => Promise<AlgorithmModule>>> = {
  '@kms-wrap/rsaes-oaep': () => import('@kms-wrap/rsaes-oaep'),
  '@kms-wrap/rsa-aes-key-wrap': () => import('@kms-wrap/rsa-aes-key-wrap'),
  '@kms-wrap/sm2pke': () => import('@kms-wrap/sm2pke'),
};

const cache = new Map<string, Promise<AlgorithmModule | undefined>>();

function load(pkg: string): Promise<AlgorithmModule | undefined> {
  let p = cache.get(pkg);
  if (!p) {
    p = _importOptional(pkg, loaders[pkg]!);
    cache.set(pkg, p);
  }
  return p;
}

/** The plugin for a standard algorithm id; names the package to install when it is missing. */
export async function loadStandardAlgorithm(id: string): Promise<WrappingAlgorithm | undefined> {
  const pkg = AWS_KMS_RULES.algorithms[id]?.packageName;
  if (!pkg || !(pkg in loaders)) return undefined;
  const mod = await load(pkg);
  if (!mod) {
    throw new KmsWrapError(ERROR_CODES.ALGORITHM_NOT_AVAILABLE, `${id} is provided by ${pkg}, which is not installed — npm install ${pkg}`);
  }
  return mod.algorithms.find((a) => a.id === id);
}

/** Every standard plugin that is installed, in the rule set's preference order. */
export async function loadInstalledAlgorithms(): Promise<WrappingAlgorithm[]> {
  const mods = await Promise.all(Object.keys(loaders).map(load));
  const found = mods.flatMap((m) => (m ? [...m.algorithms] : []));
  const order = Object.keys(AWS_KMS_RULES.algorithms);
  return found.sort((a, b) => order.indexOf(a.id) - order.indexOf(b.id));
}
