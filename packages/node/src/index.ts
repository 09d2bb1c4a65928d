export { aesKwpImplementation, createNodeCryptoProvider, type NodeCryptoProviderOptions } from './node-crypto-provider.js';
export {
  MAX_INPUT_BYTES,
  checkOutput,
  exists,
  onPendingTempFiles,
  pendingTempFiles,
  readInputFile,
  removePendingTempFiles,
  writeFileAtomic,
} from './files.js';
export type { WriteOptions } from './files.js';
export { loadInstalledAlgorithms, loadStandardAlgorithm } from './standard-algorithms.js';
export { standardWrapper, wrapKeyMaterial } from './wrap-key-material.js';
export type { WrapKeyMaterialOptions } from './wrap-key-material.js';
export { createWrappingKeyPair } from './wrapping-key-pair.js';
export type { WrappingKeyPair } from './wrapping-key-pair.js';
export { loadImportParameters } from './import-parameters-files.js';
export { loadKmsSdk } from './kms-sdk.js';
