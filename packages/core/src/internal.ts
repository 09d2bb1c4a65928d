/**
 * @kms-wrap/core/internal: what kms-wrap's own packages (the adapters, aws, batch, the CLI, the
 * page) share with core beyond its public API — the judge's pieces, word lists and shell words,
 * plugin loading, parsed-key bookkeeping, the rule sets of the other targets and the one-call
 * wrap the adapters build on. Not part of the public API: names here may change in any release.
 * The public API is the package root; the DER/PEM/base64 toolkit is @kms-wrap/core/encoding.
 */
export {
  accepts,
  algorithmOptions,
  importedSpecs,
  importsSpec,
  isConstruction,
  judge,
  judgeAlgorithm,
  judgeEvery,
  keySpecRefusal,
  knownAlgorithms,
  orList,
  pluginFor,
  specRegionRefusal,
} from './rules.js';
export { closestName, didYouMean } from './suggest.js';
export { sealedMaterialInfo } from './engine.js';
export { standardAlgorithms } from './standard-algorithms.js';
export type { AlgorithmModule, StandardAlgorithms } from './standard-algorithms.js';
export { importOptional, isModuleNotFound } from './optional-import.js';
export { checkWrappingKeyExponent, isParsedWrappingPublicKey, toWrappingPublicKey } from './wrapping-public-key.js';
export { commandWithPlaceholders, shellWord, targetKeyName } from './target.js';
export { awsCliExpands, awsImportCommand } from './target-aws.js';
export { SURFACES, TARGET_NAMES, sayAll, sayOption, sayPass, worded } from './surface.js';
export type { RemedyOption } from './surface.js';
export type { AwsImportCommand } from './target-aws.js';
export { GCP_KMS_RULES } from './target-gcp.js';
export { AZURE_KEY_VAULT_RULES } from './target-azure.js';
export { VAULT_TRANSIT_RULES } from './target-vault.js';
export { wrapKeyMaterialWith } from './wrap-key-material.js';
export type { WrapKeyMaterialRuntime } from './wrap-key-material.js';
