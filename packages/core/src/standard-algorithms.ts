/**
 * The standard algorithm packages as a runtime adapter finds them: given one import thunk a
 * package, the plugin for an id of a rule set and every installed plugin. Each package is
 * imported on first use only; one that is not installed (importOptional) is named in the
 * refusal. Core imports no package here: the thunks do.
 */
import { ERROR_CODES, KmsWrapError } from './errors.js';
import { AWS_KMS_RULES, type RuleSet } from './rules.js';
import type { WrappingAlgorithm } from './algorithm.js';
import { importOptional } from './optional-import.js';

export type AlgorithmModule = { readonly algorithms: readonly WrappingAlgorithm[] };

export interface StandardAlgorithms {
  /**
   * The plugin for a standard algorithm id of a rule set (AWS KMS's by default): the plugin of
   * its construction. Names the package to install when it is missing.
   */
  loadStandardAlgorithm(id: string, rules?: RuleSet): Promise<WrappingAlgorithm | undefined>;
  /** Every standard plugin that is installed, in AWS KMS's rule order. */
  loadInstalledAlgorithms(): Promise<WrappingAlgorithm[]>;
}

export function standardAlgorithms(loaders: Readonly<Record<string, () => Promise<AlgorithmModule>>>): StandardAlgorithms {
  const cache = new Map<string, Promise<AlgorithmModule | undefined>>();
  const load = (pkg: string): Promise<AlgorithmModule | undefined> => {
    let p = cache.get(pkg);
    if (!p) cache.set(pkg, (p = importOptional(pkg, loaders[pkg]!)));
    return p;
  };
  return {
    async loadStandardAlgorithm(id, rules = AWS_KMS_RULES) {
      const rule = rules.algorithms[id];
      const pkg = rule?.packageName;
      if (!pkg || !(pkg in loaders)) return undefined;
      const mod = await load(pkg);
      if (!mod) {
        throw new KmsWrapError(
          ERROR_CODES.ALGORITHM_NOT_AVAILABLE,
          `${id} is provided by ${pkg}, which is not installed — npm install ${pkg}`,
        );
      }
      return mod.algorithms.find((a) => a.id === (rule.construction ?? id));
    },
    async loadInstalledAlgorithms() {
      const mods = await Promise.all(Object.keys(loaders).map(load));
      const found = mods.flatMap((m) => (m ? [...m.algorithms] : []));
      const order = Object.keys(AWS_KMS_RULES.algorithms);
      return found.sort((a, b) => order.indexOf(a.id) - order.indexOf(b.id));
    },
  };
}
