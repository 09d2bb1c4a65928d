/**
 * What made a wrapped file, read from its length alone. Each plugin declares the length of its
 * output for material of n bytes under a wrapping key spec (`outputLength`), so for every
 * algorithm of the rules and every wrapping key spec the material lengths that give exactly this
 * many bytes can be found; the rules then say which key specs of such a length it may have been.
 * A length is evidence, not proof: the answer is every reading that fits.
 */
import type { WrappingAlgorithm } from './algorithm.js';
import { accepts, importedSpecs, knownAlgorithms, pluginFor, type Judge } from './rules.js';
import { KEY_SPEC_INFO, WRAPPING_KEY_SPECS, isKeySpec, type MaterialSpec, type Region, type WrappingKeySpec } from './specs.js';

export interface WrappedReading {
  /** The algorithms that give this length under this key for this material (SHA-1 and SHA-256 variants alike). */
  readonly algorithms: readonly string[];
  readonly wrappingKeySpec: WrappingKeySpec;
  /** The inclusive range of material lengths, in bytes, that gives this output length. */
  readonly materialLength: readonly [number, number];
  /** The key specs whose material can have such a length and that the rules accept wrapped so. */
  readonly keySpecs: readonly MaterialSpec[];
}

/**
 * Every reading of a wrapped output of `length` bytes under the judge's rules and plugins, in the
 * rules' order of algorithms. outputLength grows with the material's length for every
 * construction kms-wrap knows (the engine's output check relies on it), so ranges are bisected.
 */
export function readWrappedLength(length: number, j: Judge, region: Region = 'standard'): WrappedReading[] {
  const readings: WrappedReading[] = [];
  for (const algorithm of knownAlgorithms(j)) {
    const plugin = pluginFor(j, algorithm);
    if (!plugin) continue;
    for (const wrappingKeySpec of WRAPPING_KEY_SPECS) {
      const range = materialRange(plugin, wrappingKeySpec, length);
      if (!range) continue;
      const keySpecs = importedSpecs(j.rules).filter((keySpec) => {
        const materialLength = plausibleLength(keySpec, range, region);
        return materialLength !== undefined && accepts(j, { algorithm, keySpec, materialLength, wrappingKeySpec, region });
      });
      if (keySpecs.length === 0) continue;
      const same = readings.find((r) => r.wrappingKeySpec === wrappingKeySpec && r.keySpecs.join() === keySpecs.join());
      if (same) {
        readings[readings.indexOf(same)] = {
          ...same,
          algorithms: [...same.algorithms, algorithm],
          materialLength: [Math.min(same.materialLength[0], range[0]), Math.max(same.materialLength[1], range[1])],
        };
      } else {
        readings.push({ algorithms: [algorithm], wrappingKeySpec, materialLength: range, keySpecs });
      }
    }
  }
  return readings;
}

/** The material lengths for which `plugin` gives `length` bytes under `spec`, or undefined. */
function materialRange(plugin: WrappingAlgorithm, spec: WrappingKeySpec, length: number): [number, number] | undefined {
  if ((spec === 'SM2') !== (plugin.wrappingKeyType === 'sm2')) return undefined;
  const capacity = plugin.capacity(spec);
  if (!(capacity >= 1)) return undefined;
  const bounds = (n: number): readonly [number, number] => {
    const out = plugin.outputLength(spec, n);
    return typeof out === 'number' ? [out, out] : out;
  };
  // The shortest material whose longest output reaches `length`, and the longest whose shortest does not pass it.
  const lo = firstWhere(1, capacity, (n) => bounds(n)[1] >= length);
  const hi = firstWhere(1, capacity, (n) => bounds(n)[0] > length) - 1;
  return lo <= hi ? [lo, hi] : undefined;
}

/** The smallest n in [from, to] with ok(n) (ok turns true once and stays so), or to + 1. */
function firstWhere(from: number, to: number, ok: (n: number) => boolean): number {
  let lo = from;
  let hi = to + 1;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (ok(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * A length in `range` that material of this key spec can have, if any: raw keys exactly (in the
 * region); PKCS#8 private keys within loose bounds (RSA: about 4.4 to 5 bytes per modulus byte,
 * with or without the optional fields; EC: the scalar alone up to scalar, public point and
 * parameters). Specs core does not describe (another target's Ed25519) fit any length.
 */
function plausibleLength(spec: MaterialSpec, [lo, hi]: readonly [number, number], region: Region): number | undefined {
  if (!isKeySpec(spec)) return hi;
  const info = KEY_SPEC_INFO[spec];
  if (info.rawLength) {
    const raw = info.rawLength[region];
    return raw !== undefined && raw >= lo && raw <= hi ? raw : undefined;
  }
  let bounds: [number, number];
  if (info.rsaBits) bounds = [Math.floor((info.rsaBits / 8) * 4.4), Math.ceil((info.rsaBits / 8) * 5) + 64];
  else {
    const size = info.curve === 'P-521' ? 66 : info.curve === 'P-384' ? 48 : 32;
    bounds = [size + 30, 3 * size + 64];
  }
  const at = Math.max(lo, bounds[0]);
  return at <= Math.min(hi, bounds[1]) ? at : undefined;
}
