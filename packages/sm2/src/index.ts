export { SM2_BYTES, SM2_PARAMETERS, sm2p256v1 } from './curve.js';
export type { Sm2Point } from './curve.js';
export { sm3 } from './sm3.js';
