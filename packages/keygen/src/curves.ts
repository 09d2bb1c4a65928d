/**
 * The curves KMS imports keys on, each with its noble implementation: used to make private
 * scalars from random bytes, to derive public keys, and to validate given ones.
 */
import type { CurveName } from '@kms-wrap/core';
import { sm2p256v1 } from '@kms-wrap/sm2';
import type { ECDH } from '@noble/curves/abstract/weierstrass.js';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';

export interface Curve {
  readonly name: CurveName;
  readonly ecdh: ECDH;
  /** Octets of a private scalar and of each coordinate: ceiling(log2(n)/8) (RFC 5915 §3). */
  readonly size: number;
}

const CURVES: Readonly<Record<CurveName, Curve>> = {
  'P-256': { name: 'P-256', ecdh: p256, size: 32 },
  'P-384': { name: 'P-384', ecdh: p384, size: 48 },
  'P-521': { name: 'P-521', ecdh: p521, size: 66 },
  secp256k1: { name: 'secp256k1', ecdh: secp256k1, size: 32 },
  sm2p256v1: { name: 'sm2p256v1', ecdh: sm2p256v1, size: 32 },
};

export function curveOf(name: CurveName): Curve {
  return CURVES[name];
}
