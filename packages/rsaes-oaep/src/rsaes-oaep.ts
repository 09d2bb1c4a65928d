/**
 * RSAES_OAEP_SHA_1 / RSAES_OAEP_SHA_256: the material is encrypted directly with
 * RSAES-OAEP (RFC 8017 §7.1), MGF1 with the same hash, empty label. Output: k bytes.
 */
import type { OaepHash, WrappingAlgorithm, WrappingKeySpec } from '@kms-wrap/core';
import { ERROR_CODES, KmsWrapError, WRAPPING_KEY_SPEC_INFO } from '@kms-wrap/core';

const PACKAGE = '@kms-wrap/rsaes-oaep';

/** k, the modulus length in bytes (RFC 8017 §2). */
export function modulusBytes(spec: WrappingKeySpec): number {
  const info = WRAPPING_KEY_SPEC_INFO[spec];
  return info.type === 'rsa' ? info.bits / 8 : 0;
}

/** RFC 8017 §7.1.1 step 1b: mLen <= k - 2hLen - 2. */
export function oaepCapacity(spec: WrappingKeySpec, hash: OaepHash): number {
  const k = modulusBytes(spec);
  const hLen = hash === 'SHA-1' ? 20 : 32;
  return Math.max(0, k - 2 * hLen - 2);
}

function rsaesOaep(id: string, hash: OaepHash): WrappingAlgorithm {
  return {
    id,
    description: `RSA-OAEP with ${hash} and MGF1-${hash}, empty label (RFC 8017 §7.1)`,
    packageName: PACKAGE,
    wrappingKeyType: 'rsa',
    capacity: (spec) => oaepCapacity(spec, hash),
    outputLength: (spec) => modulusBytes(spec),
    wrap: ({ material, wrappingKey, crypto }) => crypto.rsaOaepEncrypt(wrappingKey, hash, material),
    unwrap: async ({ ciphertext, privateKey, crypto }) => {
      if (!crypto.rsaOaepDecrypt) {
        throw new KmsWrapError(
          ERROR_CODES.PROVIDER_UNSUPPORTED,
          `${crypto.name} cannot decrypt RSA-OAEP — use a provider with rsaOaepDecrypt`,
        );
      }
      return crypto.rsaOaepDecrypt(privateKey, hash, ciphertext);
    },
  };
}

export const RSAES_OAEP_SHA_1: WrappingAlgorithm = rsaesOaep('RSAES_OAEP_SHA_1', 'SHA-1');
export const RSAES_OAEP_SHA_256: WrappingAlgorithm = rsaesOaep('RSAES_OAEP_SHA_256', 'SHA-256');

/** Both, for `createWrapper({ algorithms })`. */
export const algorithms: readonly WrappingAlgorithm[] = [RSAES_OAEP_SHA_256, RSAES_OAEP_SHA_1];
