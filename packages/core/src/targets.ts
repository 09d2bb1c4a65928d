/**
 * The targets kms-wrap knows, and questions across them: which target is this name, which
 * targets take this material, which take this wrapping key. Each target is data (target-*.ts);
 * nothing is registered on import.
 */
import type { WrappingAlgorithm } from './algorithm.js';
import { ERROR_CODES, KmsWrapError } from './errors.js';
import { accepts, importsSpec, judge, orList, type Judge } from './rules.js';
import { WRAPPING_KEY_SPECS, type MaterialSpec, type Region, type WrappingKeySpec } from './specs.js';
import type { Surface } from './surface.js';
import type { Target } from './target.js';
import { AWS_KMS } from './target-aws.js';
import { AZURE_KEY_VAULT } from './target-azure.js';
import { GCP_KMS } from './target-gcp.js';
import { VAULT_TRANSIT } from './target-vault.js';

export const TARGET_IDS = ['aws', 'gcp', 'azure', 'vault'] as const;
export type TargetId = (typeof TARGET_IDS)[number];

export const TARGETS: Readonly<Record<TargetId, Target>> = {
  aws: AWS_KMS,
  gcp: GCP_KMS,
  azure: AZURE_KEY_VAULT,
  vault: VAULT_TRANSIT,
};

const ALIASES: Readonly<Record<string, TargetId>> = {
  aws: 'aws',
  'aws-kms': 'aws',
  kms: 'aws',
  gcp: 'gcp',
  google: 'gcp',
  gcloud: 'gcp',
  'gcp-kms': 'gcp',
  'cloud-kms': 'gcp',
  azure: 'azure',
  az: 'azure',
  'azure-key-vault': 'azure',
  'key-vault': 'azure',
  vault: 'vault',
  hashicorp: 'vault',
  'vault-transit': 'vault',
  transit: 'vault',
  openbao: 'vault',
};

/** A target by id or a common name of it (aws, gcp, azure, vault; google, az, transit...). */
export function parseTarget(name: string | Target): Target {
  if (typeof name !== 'string') return name;
  const id =
    ALIASES[
      name
        .trim()
        .toLowerCase()
        .replace(/[_\s]+/g, '-')
    ];
  if (id === undefined) {
    throw new KmsWrapError(
      ERROR_CODES.UNKNOWN_NAME,
      `'${name}' is not a target — use ${orList([...TARGET_IDS])} (AWS KMS, Google Cloud KMS, Azure Key Vault, HashiCorp Vault transit)`,
    );
  }
  return TARGETS[id];
}

export interface TargetFit {
  readonly target: string;
  readonly name: string;
  readonly fits: boolean;
  /** The material specs the target takes these bytes as (raw 32 bytes: symmetric and HMAC where both are imported). */
  readonly keySpecs: readonly MaterialSpec[];
  /** The target's own names for them. */
  readonly targetNames: readonly string[];
  /** Algorithms that take it, each with the wrapping key specs it can be used under. */
  readonly algorithms: readonly { readonly algorithm: string; readonly wrappingKeySpecs: readonly WrappingKeySpec[] }[];
  /** Why not, when it does not fit: the sentence a wrap would fail with. */
  readonly reason?: string;
}

/**
 * Whether a target takes material of these key spec candidates and length, with which
 * algorithms and wrapping keys. `plugins` are the installed plugins (for capacity checks).
 */
export function fitsTarget(
  target: Target,
  material: { readonly candidates: readonly MaterialSpec[]; readonly length: number },
  plugins: ReadonlyMap<string, WrappingAlgorithm>,
  region: Region = 'standard',
  surface?: Surface,
): TargetFit {
  const j: Judge = { rules: target.rules, plugins, ...(surface ? { surface } : {}) };
  const taken = material.candidates.filter((s) => importsSpec(target.rules, s));
  const specs = taken.length > 0 ? taken : material.candidates;
  const ids = Object.keys(target.rules.algorithms);
  const algorithms = ids
    .map((algorithm) => ({
      algorithm,
      wrappingKeySpecs: WRAPPING_KEY_SPECS.filter((w) =>
        specs.every((keySpec) => accepts(j, { algorithm, keySpec, materialLength: material.length, wrappingKeySpec: w, region })),
      ),
    }))
    .filter((a) => a.wrappingKeySpecs.length > 0);
  const names = [...new Set(taken.map((s) => target.rules.keySpecs?.[s] ?? s))];
  const base = { target: target.id, name: target.name, keySpecs: taken, targetNames: names, algorithms };
  if (algorithms.length > 0) return { ...base, fits: true };
  const first = ids[0]!;
  const refusal = judge(j, {
    algorithm: first,
    keySpec: specs[0]!,
    materialLength: material.length,
    wrappingKeySpec: target.rules.preferredWrappingKeySpec,
    region,
  });
  return { ...base, fits: false, reason: refusal?.message ?? `${target.name} takes no algorithm for this material` };
}

/** The targets whose wrapping keys can be of this spec, with the algorithms that use it. */
export function targetsForWrappingKey(spec: WrappingKeySpec, region: Region = 'standard'): { target: string; algorithms: string[] }[] {
  return TARGET_IDS.map((id) => TARGETS[id])
    .map((t) => ({
      target: t.id,
      algorithms: Object.entries(t.rules.algorithms)
        .filter(([, r]) => r.wrappingKeySpecs.includes(spec) && r.regions.includes(region))
        .map(([a]) => a),
    }))
    .filter((t) => t.algorithms.length > 0);
}
