/**
 * The SM2 recommended curve sm2p256v1 (GM/T 0003.5-2012 / GB/T 32918.5-2017 §5), as a
 * @noble/curves short Weierstrass point constructor: y² = x³ + ax + b over F_p, cofactor 1.
 * All curve arithmetic is noble's; nothing here is hand-written.
 */
import { weierstrass } from '@noble/curves/abstract/weierstrass.js';

export const _sm2p256v1 = /* @__PURE__ */ weierstrass({
  p: 0xfffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffffn,
  a: 0xfffffffeffffffffffffffffffffffffffffffff00000000fffffffffffffffcn,
  b: 0x28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93n,
  n: 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n,
  h: 1n,
  Gx: 0x32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7n,
  Gy: 0xbc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0n,
});

export type _Sm2Point = ReturnType<typeof _sm2p256v1.fromBytes>;

/** The order n of the base point G. */
export const _N = 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n;
/** Bytes in a field element or a scalar. */
export const _BYTES = 32;

export function _bytesToBigInt(bytes: Uint8Array): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

/** A non-negative integer as exactly `length` big-endian bytes (it must fit). */
export function _bigIntToBytes(v: bigint, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = length - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}
