/**
 * The SM2 curve sm2p256v1 (GM/T 0003.5-2012 "Parameter definition", also GB/T 32918.5-2017
 * §5): a short Weierstrass curve y² = x³ + ax + b over F_p, built with noble's constructor.
 * No curve arithmetic is written here; only the published parameters.
 */
import { ecdh, weierstrass, type WeierstrassOpts } from '@noble/curves/abstract/weierstrass.js';

// GM/T 0003.5-2012 §5 — the recommended 256-bit curve parameters.
const SM2_PARAMETERS: WeierstrassOpts<bigint> = {
  p: 0xfffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffffn,
  a: 0xfffffffeffffffffffffffffffffffffffffffff00000000fffffffffffffffcn,
  b: 0x28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93n,
  n: 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n,
  h: 1n,
  Gx: 0x32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7n,
  Gy: 0xbc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0n,
};

/** Key generation and public key derivation on sm2p256v1 (no signing: KMS does that). */
export const sm2p256v1 = /* @__PURE__ */ ecdh(/* @__PURE__ */ weierstrass(SM2_PARAMETERS));
