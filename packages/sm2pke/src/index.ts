export { SM2PKE, algorithms } from './algorithm.js';
export { sm2Decrypt, sm2Encrypt, type RandomBytes } from './sm2.js';
export { sm3 } from './sm3.js';
export { sm2p256v1 } from './curve.js';
