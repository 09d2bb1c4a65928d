/**
 * The standard algorithm packages, found when installed (optional peer dependencies).
 * Each is imported on first use only, so a service with one plugin installed loads one.
 */
import { AWS_KMS_RULES, ERROR_CODES, KmsWrapError, type RuleSet, type WrappingAlgorithm } from '@kms-wrap/core';

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
    p = loaders[pkg]!().catch((e: unknown) => {
      const { code, message } = (e ?? {}) as NodeJS.ErrnoException;
      // Not installed only when the package itself is missing ("Cannot find package '<pkg>'
      // imported from ..."). A dependency of it that is missing is a broken install: reported as is.
      if ((code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && typeof message === 'string' && message.includes(`'${pkg}'`)) return undefined;
      throw e;
    });
    cache.set(pkg, p);
  }
  return p;
}

/**
 * The plugin for a standard algorithm id of a rule set (AWS KMS's by default): the plugin of its
 * construction. Names the package to install when it is missing.
 */
export async function loadStandardAlgorithm(id: string, rules: RuleSet = AWS_KMS_RULES): Promise<WrappingAlgorithm | undefined> {
  const rule = rules.algorithms[id];
  const pkg = rule?.packageName;
  if (!pkg || !(pkg in loaders)) return undefined;
  const mod = await load(pkg);
  if (!mod) {
    throw new KmsWrapError(ERROR_CODES.ALGORITHM_NOT_AVAILABLE, `${id} is provided by ${pkg}, which is not installed — npm install ${pkg}`);
  }
  return mod.algorithms.find((a) => a.id === (rule.construction ?? id));
}

/** Every standard plugin that is installed. */
export async function loadInstalledAlgorithms(): Promise<WrappingAlgorithm[]> {
  const mods = await Promise.all(Object.keys(loaders).map(load));
  return mods.flatMap((m) => (m ? [...m.algorithms] : []));
}
