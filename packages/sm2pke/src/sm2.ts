/**
 * SM2 public key encryption and decryption (GM/T 0003.4-2012 §6.1 and §7.1; the same algorithm is
 * GB/T 32918.4-2016). Output and input are the DER SM2Cipher (see ciphertext.ts).
 * Curve arithmetic is @noble/curves' (through @kms-wrap/sm2); randomness comes only from the `randomBytes` passed in.
 */
import { ERROR_CODES, KmsWrapError } from '@kms-wrap/core';
import { bytesToBigInt, equalBytes } from '@kms-wrap/core/encoding';
import { SM2_BYTES, SM2_PARAMETERS, sm2p256v1, sm3 } from '@kms-wrap/sm2';
import { _decodeSm2Cipher, _encodeSm2Cipher } from './ciphertext.js';
import { _kdf } from './kdf.js';
import { _parsePublicPoint } from './point.js';

/** A CSPRNG: `length` fresh random bytes (CryptoProvider.randomBytes). */
export type RandomBytes = (length: number) => Uint8Array;

/** Random bytes taken per k: 64 bits more than n has, so the reduction bias is ≤ 2^-64. */
const _K_SEED_BYTES = SM2_BYTES + 8;
/** A5 retries on an all-zero t; reaching this means the random source repeats itself. */
const _MAX_ATTEMPTS = 8;

/**
 * §6.1 A1: k ∈ [1, n−1], as FIPS 186-5 §A.2.1 draws it: c from 320 random bits,
 * k = (c mod (n−1)) + 1.
 */
function _randomK(randomBytes: RandomBytes): bigint {
  const seed = randomBytes(_K_SEED_BYTES);
  if (!(seed instanceof Uint8Array) || seed.length !== _K_SEED_BYTES) {
    throw new KmsWrapError(
      ERROR_CODES.PROVIDER_UNSUPPORTED,
      `the crypto provider's randomBytes(${_K_SEED_BYTES}) did not return ${_K_SEED_BYTES} bytes — use a provider backed by the platform CSPRNG`,
    );
  }
  const k = (bytesToBigInt(seed) % (SM2_PARAMETERS.n - 1n)) + 1n;
  seed.fill(0);
  return k;
}

function _isZero(bytes: Uint8Array): boolean {
  let acc = 0;
  for (const b of bytes) acc |= b;
  return acc === 0;
}

/** x2 ‖ M ‖ y2, the input of C3 (§6.1 A7, §7.1 B6). The caller zeroes it. */
function _c3Input(x2y2: Uint8Array, message: Uint8Array): Uint8Array {
  const buf = new Uint8Array(x2y2.length + message.length);
  buf.set(x2y2.subarray(0, SM2_BYTES));
  buf.set(message, SM2_BYTES);
  buf.set(x2y2.subarray(SM2_BYTES), SM2_BYTES + message.length);
  return buf;
}

/**
 * SM2-encrypts `plaintext` to the public point `publicPoint` (SEC1, uncompressed or
 * compressed) and returns the DER SM2Cipher. `randomBytes` is the only source of randomness.
 */
export function sm2Encrypt(publicPoint: Uint8Array, plaintext: Uint8Array, randomBytes: RandomBytes): Uint8Array {
  // §6.1 A3: S = [h]P_B must not be O. h = 1 and _parsePublicPoint refuses O and off-curve points.
  const pb = _parsePublicPoint(publicPoint);
  if (plaintext.length === 0) {
    throw new KmsWrapError(ERROR_CODES.MATERIAL_INVALID, 'the material to SM2-encrypt is empty — give the key material bytes');
  }
  for (let attempt = 0; attempt < _MAX_ATTEMPTS; attempt++) {
    const k = _randomK(randomBytes); // §6.1 A1
    const c1 = sm2p256v1.Point.BASE.multiply(k).toBytes(false); // §6.1 A2: C1 = [k]G = (x1, y1)
    const kpb = pb.multiply(k).toBytes(false); // §6.1 A4: [k]P_B = (x2, y2)
    // bigint k cannot be wiped; it is dropped here and its bytes were zeroed in _randomK
    const x2y2 = kpb.subarray(1);
    const t = _kdf(x2y2, plaintext.length); // §6.1 A5: t = KDF(x2 ‖ y2, klen)
    if (_isZero(t)) {
      // §6.1 A5: an all-zero t goes back to A1
      kpb.fill(0);
      continue;
    }
    const c2 = new Uint8Array(plaintext.length);
    for (let i = 0; i < c2.length; i++) c2[i] = plaintext[i]! ^ t[i]!; // §6.1 A6: C2 = M ⊕ t
    const c3Input = _c3Input(x2y2, plaintext);
    const c3 = sm3(c3Input); // §6.1 A7: C3 = Hash(x2 ‖ M ‖ y2)
    c3Input.fill(0);
    t.fill(0);
    kpb.fill(0);
    // §6.1 A8: C = C1 ‖ C3 ‖ C2, here as the DER SM2Cipher (GM/T 0009-2012 §7.2)
    return _encodeSm2Cipher({ x1: c1.subarray(1, 1 + SM2_BYTES), y1: c1.subarray(1 + SM2_BYTES), c3, c2 });
  }
  throw new KmsWrapError(
    ERROR_CODES.PROVIDER_UNSUPPORTED,
    `SM2 encryption drew ${_MAX_ATTEMPTS} values of k that all gave an all-zero key stream — the crypto provider's randomBytes is not random; use the platform CSPRNG`,
  );
}

function _decryptFail(why: string): never {
  throw new KmsWrapError(
    ERROR_CODES.VERIFY_FAILED,
    `SM2 decryption failed: ${why} — check that the ciphertext is complete and unmodified and was made for this SM2 key`,
  );
}

/**
 * SM2-decrypts a DER SM2Cipher with the private scalar d_B (big-endian, at most 32 bytes)
 * and returns the plaintext. Every failure, including a C3 mismatch, is ERR_VERIFY_FAILED.
 */
export function sm2Decrypt(privateScalar: Uint8Array, der: Uint8Array): Uint8Array {
  const d = bytesToBigInt(privateScalar);
  if (privateScalar.length > SM2_BYTES || d < 1n || d >= SM2_PARAMETERS.n) {
    throw new KmsWrapError(
      ERROR_CODES.VERIFY_FAILED,
      'the SM2 private key is out of range (it must be in [1, n−1]) — use the private key of the SM2 wrapping key pair',
    );
  }
  const cipher = _decodeSm2Cipher(der, (why) => _decryptFail(`the ciphertext is not a DER SM2Cipher (${why})`));
  // §7.1 B1: C1 must be a point on the curve; B2: S = [h]C1 ≠ O holds as h = 1 and C1 ≠ O
  let c1;
  try {
    const encoded = new Uint8Array(1 + 2 * SM2_BYTES);
    encoded[0] = 0x04;
    encoded.set(cipher.x1, 1);
    encoded.set(cipher.y1, 1 + SM2_BYTES);
    c1 = sm2p256v1.Point.fromBytes(encoded);
  } catch {
    return _decryptFail('C1 (x1, y1) is not a point on sm2p256v1');
  }
  const dc1 = c1.multiply(d).toBytes(false); // §7.1 B3: [d_B]C1 = (x2, y2)
  const x2y2 = dc1.subarray(1);
  const t = _kdf(x2y2, cipher.c2.length); // §7.1 B4: t = KDF(x2 ‖ y2, klen)
  if (_isZero(t)) {
    dc1.fill(0);
    return _decryptFail('the derived key stream t is all zero'); // §7.1 B4
  }
  const m = new Uint8Array(cipher.c2.length);
  for (let i = 0; i < m.length; i++) m[i] = cipher.c2[i]! ^ t[i]!; // §7.1 B5: M' = C2 ⊕ t
  const c3Input = _c3Input(x2y2, m);
  const u = sm3(c3Input); // §7.1 B6: u = Hash(x2 ‖ M' ‖ y2)
  c3Input.fill(0);
  t.fill(0);
  dc1.fill(0);
  if (!equalBytes(u, cipher.c3)) {
    m.fill(0);
    return _decryptFail('the hash C3 does not match (wrong key, or the ciphertext was altered)'); // §7.1 B6: u ≠ C3
  }
  return m; // §7.1 B7
}
