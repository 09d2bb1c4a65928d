/**
 * The standard algorithm packages, found when installed (optional peer dependencies) by
 * dynamic import: each is loaded on first use only (@kms-wrap/core's standardAlgorithms). In
 * the self-contained bundle (dist/kms-wrap.browser.js) all of them are bundled and the imports
 * resolve in memory.
 */
import { standardAlgorithms } from '@kms-wrap/core/internal';

export const { loadStandardAlgorithm, loadInstalledAlgorithms } = /* @__PURE__ */ standardAlgorithms({
  '@kms-wrap/rsaes-oaep': () => import('@kms-wrap/rsaes-oaep'),
  '@kms-wrap/rsa-aes-key-wrap': () => import('@kms-wrap/rsa-aes-key-wrap'),
  '@kms-wrap/sm2pke': () => import('@kms-wrap/sm2pke'),
});
