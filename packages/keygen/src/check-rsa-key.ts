/**
 * Consistency of an RSA private key (RFC 8017 §3.2): n = p·q, d inverts e modulo p-1 and q-1,
 * and the CRT values are d mod (p-1), d mod (q-1) and q⁻¹ mod p. KMS rejects a key that fails
 * these only after the upload; keygen refuses it before. The values are checked, never changed.
 */
import { ERROR_CODES, KmsWrapError } from '@kms-wrap/core';
import { bitLength, bytesToBigInt } from '@kms-wrap/core/encoding';
import type { RsaKeyParts } from './rsa-private-key.js';

/**
 * The largest modulus keygen does arithmetic on. KMS imports 2048 to 4096 bits; larger keys are
 * still named in the refusal, but a hostile file's megabyte-long "integers" never reach BigInt.
 */
export const MAX_RSA_BITS = 16384;

export function checkRsaKey(key: RsaKeyParts, what: string): void {
  const bits = bitLength(key.n);
  if (bits > MAX_RSA_BITS) {
    throw new KmsWrapError(
      ERROR_CODES.KEY_SPEC_UNSUPPORTED,
      `${what} is a ${bits}-bit RSA key and KMS imports RSA_2048, RSA_3072 or RSA_4096 — use a key of one of those sizes`,
    );
  }
  // Every other value is smaller than n (RFC 8017 §3.2); a longer one is corrupt, and not worth the arithmetic.
  if ([key.e, key.d, key.p, key.q, key.dp, key.dq, key.qi].some((v) => bitLength(v) > bits)) {
    throw new KmsWrapError(
      ERROR_CODES.MATERIAL_INVALID,
      `${what} is not a consistent RSA key (a value is larger than the modulus) — the key is corrupt; export it again`,
    );
  }
  const [n, e, d, p, q, dp, dq, qi] = [key.n, key.e, key.d, key.p, key.q, key.dp, key.dq, key.qi].map(bytesToBigInt) as [
    bigint,
    bigint,
    bigint,
    bigint,
    bigint,
    bigint,
    bigint,
    bigint,
  ];
  const fail = (why: string): never => {
    throw new KmsWrapError(
      ERROR_CODES.MATERIAL_INVALID,
      `${what} is not a consistent RSA key (${why}) — the key is corrupt; export it again`,
    );
  };
  if (p < 3n || q < 3n || e < 3n || e % 2n === 0n) fail('a prime or the public exponent is out of range');
  // RFC 8017 §3.2: n = r_1 · r_2 (two-prime form).
  if (p * q !== n) fail('n is not p·q');
  // RFC 8017 §3.2: e · d ≡ 1 (mod λ(n)), checked modulo p-1 and q-1.
  if ((e * d) % (p - 1n) !== 1n || (e * d) % (q - 1n) !== 1n) fail('d is not the inverse of e');
  // RFC 8017 §3.2 (2nd representation): dP = d mod (p-1), dQ = d mod (q-1), q · qInv ≡ 1 (mod p).
  if (dp !== d % (p - 1n) || dq !== d % (q - 1n)) fail('dp or dq does not match d');
  if (qi >= p || (q * qi) % p !== 1n) fail('qi is not the inverse of q modulo p');
}
