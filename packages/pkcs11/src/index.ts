export { parsePkcs11Uri, formatPkcs11Uri, isPkcs11Uri } from './uri.js';
export type { Pkcs11Uri, ObjectType } from './uri.js';
export { MODULE_ENV, PIN_ENV, loadPkcs11js } from './token.js';
export type { OpenOptions, TokenInfo } from './token.js';
export { wrapTokenKey, openTokenKey, generateTokenKey, inspectTokenKey } from './token-key.js';
export type { TokenKeyHandle, TokenKeyInfo, TokenWrapOptions, TokenKeygenOptions, TokenInspection } from './token-key.js';
