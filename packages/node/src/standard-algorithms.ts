/**
 * The standard algorithm packages, found when installed (optional peer dependencies).
 * Each is imported on first use only, so a service with one plugin installed loads one
 * (@kms-wrap/core's standardAlgorithms).
 */
import { standardAlgorithms } from '@kms-wrap/core/internal';

export const { loadStandardAlgorithm, loadInstalledAlgorithms } = /* @__PURE__ */ standardAlgorithms({
  '@kms-wrap/rsaes-oaep': () => import('@kms-wrap/rsaes-oaep'),
  '@kms-wrap/rsa-aes-key-wrap': () => import('@kms-wrap/rsa-aes-key-wrap'),
  '@kms-wrap/sm2pke': () => import('@kms-wrap/sm2pke'),
});
