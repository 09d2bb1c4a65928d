/**
 * @kms-wrap/core: the plugin contract, the engine that checks every wrap against the rules, the
 * rules and vocabulary of AWS KMS (and of the other targets), and the one error class. The DER,
 * PEM and base64 toolkit is @kms-wrap/core/encoding; what kms-wrap's own packages share beyond
 * this API is @kms-wrap/core/internal.
 */
export * from './errors.js';
export * from './specs.js';
export type * from './keys.js';
export type * from './provider.js';
export type * from './algorithm.js';
export { createWrapper } from './engine.js';
export type {
  Wrapper,
  WrapperOptions,
  WrapRequest,
  WrapPlan,
  WrapResult,
  UnwrapRequest,
  SealedMaterial,
  SealedKeyMaterial,
  SealedWrapRequest,
} from './engine.js';
export { AWS_KMS_RULES } from './rules.js';
export type { AlgorithmOption, AlgorithmRule, Combination, Judge, RuleSet } from './rules.js';
export { inspectMaterial } from './inspect-material.js';
export type { InspectOptions } from './inspect-material.js';
export { parseWrappingPublicKey } from './wrapping-public-key.js';
export { checkParametersAlgorithm, checkParametersExpiry, parseImportParameters, parseValidTo } from './import-parameters.js';
export type { ImportParameters, ParametersContext } from './import-parameters.js';
export { zeroize } from './encoding.js';
export { checkTargetOptions } from './target.js';
export type { Envelope, EnvelopeContext, Placeholder, Target, TargetOption, Wrapped } from './target.js';
export type { Surface, Worded } from './surface.js';
export { AWS_KMS } from './target-aws.js';
export { GCP_KMS } from './target-gcp.js';
export { AZURE_KEY_VAULT } from './target-azure.js';
export { VAULT_TRANSIT } from './target-vault.js';
export { TARGETS, TARGET_IDS, fitsTarget, parseTarget, targetsForWrappingKey } from './targets.js';
export type { TargetFit, TargetId } from './targets.js';
export { readWrappedLength } from './wrapped-length.js';
export type { WrappedReading } from './wrapped-length.js';
export type { WrapKeyMaterialOptions } from './wrap-key-material.js';
