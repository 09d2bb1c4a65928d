/**
 * Which combinations a target accepts, as data, and the sentence for every refusal.
 * The AWS KMS rule set encodes the tables of "Select a wrapping algorithm" and
 * "Requirements for imported key material" in the AWS KMS developer guide.
 */
import type { AlgorithmAcceptance, WrappingAlgorithm } from './algorithm.js';
import { ERROR_CODES, KmsWrapError } from './errors.js';
import { didYouMean } from './suggest.js';
import { TARGET_NAMES, orList, sayPass, worded, type Surface, type Worded } from './surface.js';

export { orList };
import {
  DEPRECATED_ALGORITHMS,
  KEY_SPECS,
  MATERIAL_SPEC_INFO,
  WRAPPING_KEY_SPECS,
  WRAPPING_KEY_SPEC_INFO,
  type MaterialKind,
  type MaterialSpec,
  type Region,
  type WrappingKeySpec,
} from './specs.js';

export interface AlgorithmRule extends AlgorithmAcceptance {
  /** The package that implements it, for "install ..." messages. */
  readonly packageName: string;
  /**
   * The id of the plugin that implements it (the construction), when the target names it
   * otherwise: Google Cloud KMS's RSA_OAEP_3072_SHA256_AES_256 is the RSA_AES_KEY_WRAP_SHA_256
   * construction under an RSA_3072 key. Absent: the plugin of the rule's own id (every AWS id).
   */
  readonly construction?: string;
}

export interface RuleSet {
  readonly name: string;
  /** Known algorithm ids in preference order, with what each accepts. */
  readonly algorithms: Readonly<Record<string, AlgorithmRule>>;
  /** Ids that were once accepted, with the sentence that says so and what to use. */
  readonly deprecated: Readonly<Record<string, string>>;
  readonly preferredWrappingKeySpec: WrappingKeySpec;
  /**
   * The material specs the target imports, each with the target's own name for it (Vault's
   * `rsa-2048`, Cloud KMS's `ec-sign-p256-sha256`). Absent: every AWS KMS key spec (AWS KMS).
   */
  readonly keySpecs?: Readonly<Partial<Record<MaterialSpec, string>>>;
  /** Why the target does not import a material spec, and what to do instead ("— ..."). */
  readonly keySpecRefusals?: Readonly<Partial<Record<MaterialSpec, Worded>>>;
  /** How to get a wrapping key of another spec or for another algorithm, for refusals' ways out. */
  readonly newKeyHint?: string;
}

/** The material specs a rule set imports: its keySpecs, or AWS KMS's key specs. */
export function importedSpecs(rules: RuleSet): readonly MaterialSpec[] {
  return rules.keySpecs ? (Object.keys(rules.keySpecs) as MaterialSpec[]) : KEY_SPECS;
}

/** True if the rule set imports material of this spec at all (with some algorithm). */
export function importsSpec(rules: RuleSet, spec: MaterialSpec): boolean {
  return importedSpecs(rules).includes(spec);
}

/** True if some rule of the set is implemented by the plugin `id` under another name. */
export function isConstruction(rules: RuleSet, id: string): boolean {
  return Object.entries(rules.algorithms).some(([ruleId, r]) => r.construction === id && ruleId !== id);
}

const RSA_KEYS: readonly WrappingKeySpec[] = ['RSA_2048', 'RSA_3072', 'RSA_4096'];
const ALL_REGIONS: readonly Region[] = ['standard', 'china'];

export const AWS_KMS_RULES: RuleSet = {
  name: TARGET_NAMES.aws,
  algorithms: {
    RSA_AES_KEY_WRAP_SHA_256: {
      materials: ['rsa', 'ecc'],
      wrappingKeySpecs: RSA_KEYS,
      regions: ['standard'],
      packageName: '@kms-wrap/rsa-aes-key-wrap',
    },
    RSA_AES_KEY_WRAP_SHA_1: {
      materials: ['rsa', 'ecc'],
      wrappingKeySpecs: RSA_KEYS,
      regions: ['standard'],
      packageName: '@kms-wrap/rsa-aes-key-wrap',
    },
    RSAES_OAEP_SHA_256: {
      materials: ['symmetric', 'hmac', 'ecc', 'sm2'],
      wrappingKeySpecs: RSA_KEYS,
      regions: ALL_REGIONS,
      packageName: '@kms-wrap/rsaes-oaep',
    },
    RSAES_OAEP_SHA_1: {
      materials: ['symmetric', 'hmac', 'ecc', 'sm2'],
      wrappingKeySpecs: RSA_KEYS,
      regions: ALL_REGIONS,
      packageName: '@kms-wrap/rsaes-oaep',
    },
    SM2PKE: { materials: ['rsa', 'ecc', 'sm2'], wrappingKeySpecs: ['SM2'], regions: ['china'], packageName: '@kms-wrap/sm2pke' },
  },
  deprecated: DEPRECATED_ALGORITHMS,
  preferredWrappingKeySpec: 'RSA_4096',
  // Material only other targets import; inspectMaterial refuses it for AWS KMS before the rules see it.
  keySpecRefusals: {
    ED25519: (say) =>
      `the AWS KMS import requirements this tool encodes have no Ed25519 key spec — import an Ed25519 key into Vault transit (${say(['target', 'vault'])})`,
  },
};

const KIND_NAMES: Readonly<Record<MaterialKind, string>> = {
  symmetric: 'symmetric',
  hmac: 'HMAC',
  rsa: 'RSA private key',
  ecc: 'ECC private key',
  sm2: 'SM2 private key',
  ed25519: 'Ed25519 private key',
};

/** One combination to judge. */
export interface Combination {
  readonly algorithm: string;
  readonly keySpec: MaterialSpec;
  readonly materialLength: number;
  readonly wrappingKeySpec: WrappingKeySpec;
  readonly region: Region;
}

/** What the judge needs besides the combination: the rules and the plugins at hand. */
export interface Judge {
  readonly rules: RuleSet;
  readonly plugins: ReadonlyMap<string, WrappingAlgorithm>;
  /** Where the refusals are read: how a remedy names an option (surface.ts); the library's words by default. */
  readonly surface?: Surface;
}

/**
 * Every algorithm id the judge knows: the rule set's in preference order, then plugins' own ids
 * that declare what they accept. A plugin that only implements a rule under the target's name
 * (a construction), or that declares nothing, is not an algorithm of its own.
 */
export function knownAlgorithms(judge: Judge): string[] {
  const ids = Object.keys(judge.rules.algorithms);
  for (const [id, plugin] of judge.plugins) {
    if (ids.includes(id) || isConstruction(judge.rules, id)) continue;
    if (plugin.accepts !== undefined || judge.rules.deprecated[id] !== undefined) ids.push(id);
  }
  return ids;
}

export function ruleFor(judge: Judge, id: string): AlgorithmAcceptance | undefined {
  const rule = judge.rules.algorithms[id];
  if (rule) return rule;
  if (isConstruction(judge.rules, id)) return undefined;
  return judge.plugins.get(id)?.accepts;
}

/** The plugin that implements an algorithm id of the rule set: its construction's, or its own. */
export function pluginFor(judge: Judge, id: string): WrappingAlgorithm | undefined {
  return judge.plugins.get(judge.rules.algorithms[id]?.construction ?? id);
}

/** Returns undefined if the combination is accepted, else the refusal with its way out (not thrown). */
export function judge(j: Judge, c: Combination): KmsWrapError | undefined {
  return decide(j, c, true);
}

/**
 * The refusal of an algorithm id whatever the material and the wrapping key: deprecated, or
 * known neither to the rules nor to a plugin's `accepts`. Undefined for an id the judge knows.
 */
export function judgeAlgorithm(j: Judge, algorithm: string): KmsWrapError | undefined {
  const deprecated = j.rules.deprecated[algorithm];
  if (deprecated !== undefined) return new KmsWrapError(ERROR_CODES.ALGORITHM_DEPRECATED, deprecated);
  if (ruleFor(j, algorithm)) return undefined;
  return new KmsWrapError(
    ERROR_CODES.UNKNOWN_NAME,
    `'${algorithm}' is not a wrapping algorithm ${j.rules.name} accepts — ${didYouMean(algorithm, knownAlgorithms(j), 1)}use ${orList(knownAlgorithms(j))}`,
  );
}

/**
 * Material whose bytes could be several key specs (raw 32 bytes are SYMMETRIC_DEFAULT or
 * HMAC_256) is accepted only if every one of them is: the first refused says why.
 */
export function judgeEvery(
  j: Judge,
  c: Omit<Combination, 'keySpec'> & { readonly keySpecs: readonly MaterialSpec[] },
): KmsWrapError | undefined {
  const { keySpecs, ...rest } = c;
  for (const keySpec of keySpecs) {
    const refusal = judge(j, { ...rest, keySpec });
    if (refusal) return refusal;
  }
  return undefined;
}

/**
 * The rules themselves. With `explain` false the refusal's "what to do" is left out: finding
 * the way out asks `accepts` about neighbouring combinations, whose own refusals must not
 * look for ways out in turn (that recursion never ends).
 */
function decide(j: Judge, c: Combination, explain: boolean): KmsWrapError | undefined {
  const refused = judgeAlgorithm(j, c.algorithm);
  if (refused) return refused;
  const rule = ruleFor(j, c.algorithm)!;
  const spec = MATERIAL_SPEC_INFO[c.keySpec];
  if (!importsSpec(j.rules, c.keySpec)) return refuseSpec(j, c);
  const inChina = c.region === 'china';
  const regionRefusal = specRegionRefusal(c.keySpec, c.region, j.surface);
  if (regionRefusal) return regionRefusal;
  // (A wrapping key no rule of the set uses — SM2 for another target than AWS KMS — is refused by the rule below, in the target's words.)
  const usedKey = Object.values(j.rules.algorithms).some((r) => r.wrappingKeySpecs.includes(c.wrappingKeySpec));
  if (usedKey && !WRAPPING_KEY_SPEC_INFO[c.wrappingKeySpec].regions.includes(c.region)) {
    return new KmsWrapError(
      ERROR_CODES.REGION_MISMATCH,
      `${c.wrappingKeySpec} wrapping keys exist only in the AWS China Regions — ${sayPass(j.surface, 'region', 'china')} if the KMS key is there, or ${explain ? requestKeyFor(j, c) : ''}`,
    );
  }
  const alternatives = () => (explain ? alternativesFor(j, c) : '');
  if (!rule.regions.includes(c.region)) {
    const where = inChina ? 'is not available in the AWS China Regions' : 'is available only in the AWS China Regions';
    const china = inChina ? '' : explain ? `${sayPass(j.surface, 'region', 'china')} if the KMS key is in a China Region, or ` : '';
    return new KmsWrapError(ERROR_CODES.REGION_MISMATCH, `${c.algorithm} ${where} — ${china}${alternatives()}`);
  }
  if (!rule.materials.includes(spec.kind)) {
    const takes = orList(rule.materials.map((m) => KIND_NAMES[m]));
    return new KmsWrapError(
      ERROR_CODES.COMBINATION_REJECTED,
      `${j.rules.name} does not accept ${c.keySpec} material (${KIND_NAMES[spec.kind]}) wrapped with ${c.algorithm}, which is for ${takes} material — ${alternatives()}`,
    );
  }
  if (!rule.wrappingKeySpecs.includes(c.wrappingKeySpec)) {
    return new KmsWrapError(
      ERROR_CODES.PUBLIC_KEY_TYPE,
      `${c.algorithm} needs an ${orList(rule.wrappingKeySpecs.map(String))} wrapping key, and this one is ${c.wrappingKeySpec} — ${alternatives()}`,
    );
  }
  const plugin = pluginFor(j, c.algorithm);
  if (plugin) {
    const max = plugin.capacity(c.wrappingKeySpec);
    if (c.materialLength > max) {
      return new KmsWrapError(
        ERROR_CODES.CAPACITY_EXCEEDED,
        `${c.keySpec} material (${c.materialLength} bytes) does not fit ${c.algorithm} under an ${c.wrappingKeySpec} wrapping key (${max} bytes at most) — ${alternatives()}`,
      );
    }
  }
  return undefined;
}

/** Material the target does not import at all: the target's reason, or the list of what it takes. */
/** The refusal of material of `keySpec` outside the Regions it exists in (SM2: the China Regions only). */
export function specRegionRefusal(keySpec: MaterialSpec, region: Region, surface?: Surface): KmsWrapError | undefined {
  if (MATERIAL_SPEC_INFO[keySpec].regions.includes(region)) return undefined;
  return new KmsWrapError(
    ERROR_CODES.REGION_MISMATCH,
    `${keySpec} key material can be imported only in the AWS China Regions — ${sayPass(surface, 'region', 'china')} if the KMS key is there`,
  );
}

/** Why a rule set does not import a material spec, worded for the surface; undefined if it says nothing. */
export function keySpecRefusal(rules: RuleSet, spec: MaterialSpec, surface?: Surface): string | undefined {
  const why = rules.keySpecRefusals?.[spec];
  return why === undefined ? undefined : worded(why, surface);
}

/** Where a reader learns which targets take some material. */
const INSPECT_HINT: Readonly<Record<Surface, string>> = {
  library: '; inspectMaterial says which targets take this material',
  'command-line': '; kms-wrap inspect FILE says which targets take this material',
  page: '',
};

function refuseSpec(j: Judge, c: Combination): KmsWrapError {
  const what = `${c.keySpec} material (${KIND_NAMES[MATERIAL_SPEC_INFO[c.keySpec].kind]})`;
  const why = keySpecRefusal(j.rules, c.keySpec, j.surface);
  return new KmsWrapError(
    ERROR_CODES.KEY_SPEC_UNSUPPORTED,
    why !== undefined
      ? `${j.rules.name} does not import ${what}: ${why}`
      : `${j.rules.name} does not import ${what} — it imports ${orList(importedSpecs(j.rules).map(String))}${INSPECT_HINT[j.surface ?? 'library']}`,
  );
}

/** True if the combination passes every rule and capacity check. */
export function accepts(j: Judge, c: Combination): boolean {
  return decide(j, c, false) === undefined;
}

/** "request an RSA_4096 wrapping key", naming an algorithm too when this one cannot use it. */
function requestKeyFor(j: Judge, c: Combination): string {
  const key = j.rules.preferredWrappingKeySpec;
  if (accepts(j, { ...c, wrappingKeySpec: key })) return `request an ${key} wrapping key`;
  const algorithm = knownAlgorithms(j).find((a) => accepts(j, { ...c, algorithm: a, wrappingKeySpec: key }));
  return algorithm ? `request an ${key} wrapping key for ${algorithm}` : `request an ${key} wrapping key`;
}

/**
 * The way out of a refusal: other algorithms under the same wrapping key, and other
 * wrapping key specs for the same algorithm, each only if it would be accepted.
 */
function alternativesFor(j: Judge, c: Combination): string {
  const others = knownAlgorithms(j).filter((a) => a !== c.algorithm && accepts(j, { ...c, algorithm: a }));
  const keys = WRAPPING_KEY_SPECS.filter((k) => k !== c.wrappingKeySpec && accepts(j, { ...c, wrappingKeySpec: k }));
  const parts: string[] = [];
  if (others.length > 0) parts.push(others[0]!);
  if (keys.length > 0) parts.push(`an ${orList(keys)} wrapping key`);
  if (parts.length === 0) {
    const anywhere = knownAlgorithms(j).filter((a) =>
      WRAPPING_KEY_SPECS.some((k) => accepts(j, { ...c, algorithm: a, wrappingKeySpec: k })),
    );
    if (anywhere.length > 0) {
      const byPreference = [j.rules.preferredWrappingKeySpec, ...WRAPPING_KEY_SPECS.filter((k) => k !== j.rules.preferredWrappingKeySpec)];
      const key = byPreference.find((k) => accepts(j, { ...c, algorithm: anywhere[0]!, wrappingKeySpec: k }))!;
      return `use ${anywhere[0]} with an ${key} wrapping key (${j.rules.newKeyHint ?? 'request new parameters with that wrapping algorithm and key spec'})`;
    }
    return `${j.rules.name} cannot import this material in the ${c.region === 'china' ? 'China' : 'standard'} Regions`;
  }
  return `use ${parts.join(', or ')}`;
}

export interface AlgorithmOption {
  readonly algorithm: string;
  readonly accepted: boolean;
  /** Whether a plugin for it was given to the engine. */
  readonly available: boolean;
  /** Why not, when refused: the same sentence a wrap would fail with. */
  readonly reason?: string;
}

/** Every known algorithm for this material and wrapping key, accepted or with the reason. */
export function algorithmOptions(j: Judge, c: Omit<Combination, 'algorithm'>): AlgorithmOption[] {
  return knownAlgorithms(j).map((algorithm) => {
    const refusal = judge(j, { ...c, algorithm });
    // Another target's algorithm (Azure's CKM_RSA_AES_KEY_WRAP) is made by its construction's plugin.
    const available = pluginFor(j, algorithm) !== undefined;
    return refusal ? { algorithm, accepted: false, available, reason: refusal.message } : { algorithm, accepted: true, available };
  });
}
