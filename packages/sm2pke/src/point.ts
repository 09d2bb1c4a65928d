/** Decoding and checking an SM2 public point (SEC1 v2 §2.3.4) with noble's sm2p256v1. */
import { ERROR_CODES, KmsWrapError } from '@kms-wrap/core';
import { sm2p256v1, type Sm2Point } from '@kms-wrap/sm2';

const _TODO = 'use the SM2 WrappingPublicKey that GetParametersForImport returned, unmodified';

/** Why `bytes` is not a usable sm2p256v1 public point, or undefined if it is one. */
function _pointProblem(bytes: Uint8Array): string | undefined {
  if (bytes.length === 0) return 'is empty';
  const prefix = bytes[0]!;
  if (prefix === 0x00 && bytes.length === 1) return 'is the point at infinity';
  if (prefix === 0x06 || prefix === 0x07) return 'uses the hybrid SEC1 form, which is not supported';
  const shapeOk = (prefix === 0x04 && bytes.length === 65) || ((prefix === 0x02 || prefix === 0x03) && bytes.length === 33);
  if (!shapeOk) {
    return `is not an uncompressed (65 bytes, 0x04) or compressed (33 bytes, 0x02/0x03) SEC1 point (${bytes.length} bytes, first byte 0x${prefix.toString(16).padStart(2, '0')})`;
  }
  try {
    // fromBytes checks coordinates < p and y² = x³ + ax + b; h = 1, so any such point is in ⟨G⟩
    const p = sm2p256v1.Point.fromBytes(bytes);
    if (p.is0()) return 'is the point at infinity';
  } catch {
    return 'is not on the curve sm2p256v1';
  }
  return undefined;
}

/** The public point P_B, refused with ERR_PUBLIC_KEY_INVALID if it is not one. */
export function _parsePublicPoint(bytes: Uint8Array): Sm2Point {
  const problem = _pointProblem(bytes);
  if (problem !== undefined) {
    throw new KmsWrapError(ERROR_CODES.PUBLIC_KEY_INVALID, `the SM2 wrapping public key's point ${problem} — ${_TODO}`);
  }
  return sm2p256v1.Point.fromBytes(bytes);
}
