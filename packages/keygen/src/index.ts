export { generateKeyMaterial } from './generate-key-material.js';
export type { GenerateOptions } from './generate-key-material.js';
export { encodePkcs8 } from './encode-pkcs8.js';
export type { EcPrivateKeyJwk, JwkCurve, PrivateKeyJwk } from './jwk.js';
export { toPkcs8 } from './to-pkcs8.js';
export type { Pkcs8Result } from './to-pkcs8.js';
export type { KeyFormat } from './read-private-key.js';
export { describeKeyFile } from './describe-key-file.js';
export type { KeyFileInfo } from './describe-key-file.js';
