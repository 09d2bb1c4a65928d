export { RSAES_OAEP_SHA_1, RSAES_OAEP_SHA_256, algorithms, modulusBytes, oaepCapacity } from './rsaes-oaep.js';
