export { createWebCryptoProvider } from './webcrypto-provider.js';
export { loadInstalledAlgorithms, loadStandardAlgorithm } from './standard-algorithms.js';
export { wrapKeyMaterial } from './wrap-key-material.js';
export type { WrapKeyMaterialOptions } from './wrap-key-material.js';
export { generateKeyMaterial } from './generate-key-material.js';
export type { GenerateKeyMaterialOptions } from './generate-key-material.js';
export { MAX_INPUT_BYTES, downloadBytes, readFileBytes } from './files.js';
