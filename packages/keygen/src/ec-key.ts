/**
 * An EC private key in the canonical form keygen writes: the scalar padded to the curve's
 * length and the uncompressed public point derived from it. A public key that came with the
 * input is checked against the derived one, never copied.
 */
import type { CurveName } from '@kms-wrap/core';
import { ERROR_CODES, KmsWrapError } from '@kms-wrap/core';
import { zeroize } from '@kms-wrap/core/encoding';
import { padStart } from './bytes.js';
import { curveOf } from './curves.js';

export interface EcKeyParts {
  readonly curve: CurveName;
  /** The private scalar, big-endian, exactly the curve's length (RFC 5915 §3). */
  readonly d: Uint8Array;
  /** The public point, uncompressed: 04 || x || y (SEC1 v2 §2.3.3). */
  readonly point: Uint8Array;
}

/**
 * Builds the canonical key from a scalar (any length up to the curve's; leading zeros may be
 * missing) and an optional SEC1 point (compressed or not) that must match it. `d` stays the
 * caller's; the result's `d` is a fresh copy.
 */
export function completeEcKey(curveName: CurveName, d: Uint8Array, given: Uint8Array | undefined, what: string): EcKeyParts {
  const curve = curveOf(curveName);
  const scalar = padStart(d, curve.size);
  if (scalar === undefined || !curve.ecdh.utils.isValidSecretKey(scalar)) {
    zeroize(scalar);
    throw new KmsWrapError(
      ERROR_CODES.MATERIAL_INVALID,
      `${what} has a private scalar outside 1..n-1 of ${curveName} — the key is corrupt; export it again`,
    );
  }
  const point = curve.ecdh.getPublicKey(scalar, false);
  if (given !== undefined) {
    let same = false;
    try {
      const { Point } = curve.ecdh;
      same = Point.fromBytes(given).equals(Point.fromBytes(point));
    } catch {
      zeroize(scalar);
      throw new KmsWrapError(
        ERROR_CODES.MATERIAL_INVALID,
        `${what} has a public key that is not a point on ${curveName} — export the key again`,
      );
    }
    if (!same) {
      zeroize(scalar);
      throw new KmsWrapError(
        ERROR_CODES.MATERIAL_INVALID,
        `${what} has a public key that does not belong to its private key — the key is corrupt; export it again`,
      );
    }
  }
  return { curve: curveName, d: scalar, point };
}
