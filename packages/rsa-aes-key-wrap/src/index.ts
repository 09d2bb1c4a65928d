export { RSA_AES_KEY_WRAP_SHA_1, RSA_AES_KEY_WRAP_SHA_256, algorithms, kwpLength } from './rsa-aes-key-wrap.js';
