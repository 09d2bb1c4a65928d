/**
 * RSA_AES_KEY_WRAP_SHA_1 / _SHA_256 (AWS KMS; PKCS#11 CKM_RSA_AES_KEY_WRAP):
 *   1. a fresh random 32-byte AES key K;
 *   2. C_aes = AES-KWP(K, material)           RFC 5649 §4.1 (AIV A65959A6 || MLI), id-aes256-wrap-pad
 *   3. C_rsa = RSAES-OAEP(wrapping key, K)    RFC 8017 §7.1.1, MGF1 with the same hash, empty label
 *   4. output = C_rsa || C_aes                (RSA part first, k bytes)
 * K is used once and zeroed.
 */
import type { OaepHash, WrappingAlgorithm, WrappingKeySpec } from '@kms-wrap/core';
import { KmsWrapError, ERROR_CODES, WRAPPING_KEY_SPEC_INFO, zeroize } from '@kms-wrap/core';

const PACKAGE = '@kms-wrap/rsa-aes-key-wrap';
const AES_KEY_BYTES = 32;
/** RFC 5649 §3: the message length indicator is 32 bits. KMS takes far less; this is the construction's own bound. */
const KWP_MAX = 0xffffffff;

function modulusBytes(spec: WrappingKeySpec): number {
  const info = WRAPPING_KEY_SPEC_INFO[spec];
  return info.type === 'rsa' ? info.bits / 8 : 0;
}

/** RFC 5649 §4.1: the padded plaintext is a multiple of 8 bytes, plus the 8-byte AIV block. */
export function kwpLength(materialLength: number): number {
  return Math.ceil(materialLength / 8) * 8 + 8;
}

function rsaAesKeyWrap(id: string, hash: OaepHash): WrappingAlgorithm {
  return {
    id,
    description: `AES-256 key wrap with padding (RFC 5649) under a fresh key, that key RSA-OAEP-${hash} encrypted`,
    packageName: PACKAGE,
    wrappingKeyType: 'rsa',
    capacity: (spec) => (modulusBytes(spec) > 0 ? KWP_MAX : 0),
    outputLength: (spec, n) => modulusBytes(spec) + kwpLength(n),
    async wrap({ material, wrappingKey, crypto }) {
      const aesKey = crypto.randomBytes(AES_KEY_BYTES);
      try {
        const wrappedMaterial = await crypto.aesKwpWrap(aesKey, material);
        const wrappedKey = await crypto.rsaOaepEncrypt(wrappingKey, hash, aesKey);
        const out = new Uint8Array(wrappedKey.length + wrappedMaterial.length);
        out.set(wrappedKey, 0);
        out.set(wrappedMaterial, wrappedKey.length);
        return out;
      } finally {
        zeroize(aesKey);
      }
    },
    async unwrap({ ciphertext, privateKey, crypto }) {
      if (!crypto.rsaOaepDecrypt || !crypto.aesKwpUnwrap) {
        throw new KmsWrapError(
          ERROR_CODES.PROVIDER_UNSUPPORTED,
          `${crypto.name} cannot unwrap ${id} — use a provider with rsaOaepDecrypt and aesKwpUnwrap`,
        );
      }
      // The RSA part is k bytes, k the wrapping key's modulus length; RSAES-OAEP-DECRYPT refuses
      // any other length (RFC 8017 §7.1.2 step 1b). Largest first, so a guess shorter than the
      // real modulus is never tried before the right one.
      let failure: unknown;
      for (const k of rsaPartLengths(ciphertext.length)) {
        let aesKey: Uint8Array;
        try {
          aesKey = await crypto.rsaOaepDecrypt(privateKey, hash, ciphertext.subarray(0, k));
        } catch (cause) {
          failure = cause;
          continue;
        }
        try {
          return await crypto.aesKwpUnwrap(aesKey, ciphertext.subarray(k));
        } finally {
          zeroize(aesKey);
        }
      }
      throw new KmsWrapError(
        ERROR_CODES.VERIFY_FAILED,
        `the RSA part of the ${ciphertext.length}-byte ${id} ciphertext does not decrypt under this private key — check that it is the wrapping key pair's private key and that the file is whole`,
        { cause: failure },
      );
    },
  };
}

/**
 * The possible RSA part lengths (k of RSA_4096, RSA_3072, RSA_2048), largest first: those that
 * leave a KWP part of at least 16 bytes in 8-byte blocks (RFC 5649 §4.2).
 */
function rsaPartLengths(total: number): number[] {
  const ks = [512, 384, 256].filter((k) => total - k >= 16 && (total - k) % 8 === 0);
  if (ks.length === 0) {
    throw new KmsWrapError(
      ERROR_CODES.VERIFY_FAILED,
      `a ${total}-byte ciphertext is not RSA_AES_KEY_WRAP output (an RSA part of 256, 384 or 512 bytes, then AES-KWP blocks) — check the file`,
    );
  }
  return ks;
}

export const RSA_AES_KEY_WRAP_SHA_1: WrappingAlgorithm = rsaAesKeyWrap('RSA_AES_KEY_WRAP_SHA_1', 'SHA-1');
export const RSA_AES_KEY_WRAP_SHA_256: WrappingAlgorithm = rsaAesKeyWrap('RSA_AES_KEY_WRAP_SHA_256', 'SHA-256');

/** Both, for `createWrapper({ algorithms })`. */
export const algorithms: readonly WrappingAlgorithm[] = [RSA_AES_KEY_WRAP_SHA_256, RSA_AES_KEY_WRAP_SHA_1];
