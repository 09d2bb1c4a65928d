export { createNodeCryptoProvider } from './node-crypto-provider.js';
export { MAX_INPUT_BYTES, exists, readInputFile, writeFileAtomic } from './files.js';
export type { WriteOptions } from './files.js';
export { loadInstalledAlgorithms, loadStandardAlgorithm } from './standard-algorithms.js';
export { wrapKeyMaterial } from './wrap-key-material.js';
export type { WrapKeyMaterialOptions } from './wrap-key-material.js';
export { createWrappingKeyPair } from './wrapping-key-pair.js';
export type { WrappingKeyPair } from './wrapping-key-pair.js';
