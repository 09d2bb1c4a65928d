/** encodePkcs8: a private JWK to the canonical PKCS#8 DER that KMS imports. */
import { ERROR_CODES, KmsWrapError } from '@kms-wrap/core';
import { readJwk, type PrivateKeyJwk } from './jwk.js';
import { encodePrivateKey, wipePrivateKey } from './private-key.js';

/**
 * Encodes an RSA private JWK (with its CRT members, kept as given) or an EC private JWK on
 * P-256, P-384, P-521, secp256k1 or SM2 (`crv: 'SM2'`) as canonical PKCS#8 DER — the bytes
 * `openssl pkcs8 -topk8 -nocrypt -outform DER` prints for the same key. The key is checked
 * first (n = p·q and the CRT values; the EC point against d), so a corrupt key is refused
 * here rather than by KMS. Throws KmsWrapError MATERIAL_INVALID / MATERIAL_FORMAT.
 */
export function encodePkcs8(key: PrivateKeyJwk): Uint8Array {
  let parts;
  try {
    parts = readJwk(key);
  } catch (error) {
    if (error instanceof KmsWrapError) throw error;
    throw new KmsWrapError(ERROR_CODES.MATERIAL_INVALID, 'the JWK could not be read — check that it is a private key', { cause: error });
  }
  try {
    return encodePrivateKey(parts);
  } finally {
    wipePrivateKey(parts);
  }
}
