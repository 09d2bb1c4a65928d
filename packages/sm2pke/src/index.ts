export { SM2PKE, algorithms } from './algorithm.js';
export { sm2Decrypt, sm2Encrypt, type RandomBytes } from './sm2.js';
// The curve and SM3 moved to @kms-wrap/sm2 (which keygen uses too); re-exported for code that imported them from here.
export { sm2p256v1, sm3 } from '@kms-wrap/sm2';
