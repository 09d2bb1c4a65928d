/**
 * SM2PKE, the AWS KMS wrapping algorithm of the China Regions: SM2 public key encryption of
 * the material under the SM2 wrapping public key, output as the DER SM2Cipher.
 */
import { ERROR_CODES, KmsWrapError, type WrappingAlgorithm, type WrappingKeySpec, type WrappingPublicKey } from '@kms-wrap/core';
import { _sm2CipherLength } from './ciphertext.js';
import { _parsePublicPoint } from './point.js';
import { _sm2PrivateScalarFromPkcs8 } from './pkcs8.js';
import { sm2Decrypt, sm2Encrypt } from './sm2.js';

/**
 * SM2 encryption itself has no size limit; this bound keeps a wrap to one small allocation
 * and is far above the largest material KMS imports with SM2PKE (an RSA_4096 PKCS#8 key,
 * about 2.4 kB).
 */
const _CAPACITY = 65536;

/** The SM2 point of a wrapping key, or a coded refusal that says why. */
function _sm2Point(key: WrappingPublicKey): Uint8Array {
  if (key.type !== 'sm2') {
    throw new KmsWrapError(
      ERROR_CODES.PUBLIC_KEY_TYPE,
      `SM2PKE needs an SM2 wrapping public key, not an ${key.type.toUpperCase()} one — get parameters for import with WrappingKeySpec SM2, or use an RSA wrapping algorithm`,
    );
  }
  if (key.ec === undefined) {
    throw new KmsWrapError(
      ERROR_CODES.PUBLIC_KEY_INVALID,
      'the SM2 wrapping public key carries no EC point — parse it from the SubjectPublicKeyInfo that GetParametersForImport returned',
    );
  }
  if (key.ec.curve !== 'sm2p256v1') {
    throw new KmsWrapError(
      ERROR_CODES.PUBLIC_KEY_TYPE,
      `SM2PKE needs a key on sm2p256v1, not on ${key.ec.curve} — use the SM2 WrappingPublicKey that GetParametersForImport returned`,
    );
  }
  _parsePublicPoint(key.ec.point); // throws ERR_PUBLIC_KEY_INVALID with the reason
  return key.ec.point;
}

export const SM2PKE: WrappingAlgorithm = {
  id: 'SM2PKE',
  description: 'SM2 public key encryption (GM/T 0003.4) with SM3, DER output; AWS China Regions only',
  packageName: '@kms-wrap/sm2pke',
  wrappingKeyType: 'sm2',
  capacity(spec: WrappingKeySpec): number {
    return spec === 'SM2' ? _CAPACITY : 0;
  },
  outputLength(_spec: WrappingKeySpec, materialLength: number): readonly [number, number] {
    return _sm2CipherLength(materialLength);
  },
  checkWrappingKey(key: WrappingPublicKey): void {
    _sm2Point(key);
  },
  async wrap({ material, wrappingKey, crypto }) {
    return sm2Encrypt(_sm2Point(wrappingKey), material, (length) => crypto.randomBytes(length));
  },
  async unwrap({ ciphertext, privateKey }) {
    const d = _sm2PrivateScalarFromPkcs8(privateKey);
    try {
      return sm2Decrypt(d, ciphertext);
    } finally {
      d.fill(0);
    }
  },
};

/** Every algorithm of this package, for `createWrapper({ algorithms: [...algorithms] })`. */
export const algorithms: readonly WrappingAlgorithm[] = [SM2PKE];
