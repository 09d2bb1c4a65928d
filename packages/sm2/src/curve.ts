/**
 * The SM2 recommended curve sm2p256v1 (GM/T 0003.5-2012 / GB/T 32918.5-2017 §5), as a
 * @noble/curves short Weierstrass curve: y² = x³ + ax + b over F_p, cofactor 1. All curve
 * arithmetic is noble's; nothing here is hand-written. This is the one definition of the curve
 * in kms-wrap: @kms-wrap/keygen makes SM2 keys with it and @kms-wrap/sm2pke encrypts to it.
 */
import { ecdh, weierstrass, type WeierstrassOpts } from '@noble/curves/abstract/weierstrass.js';

/** GM/T 0003.5-2012 §5 (GB/T 32918.5-2017 §5): the recommended 256-bit curve parameters. */
export const SM2_PARAMETERS: Readonly<WeierstrassOpts<bigint>> = /* @__PURE__ */ Object.freeze({
  p: 0xfffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffffn,
  a: 0xfffffffeffffffffffffffffffffffffffffffff00000000fffffffffffffffcn,
  b: 0x28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93n,
  n: 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n,
  h: 1n,
  Gx: 0x32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7n,
  Gy: 0xbc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0n,
});

/** Bytes in a field element or a scalar of sm2p256v1. */
export const SM2_BYTES = 32;

type Sm2Ecdh = ReturnType<typeof ecdh>;

/** A point of sm2p256v1 (noble's projective point). */
export type Sm2Point = ReturnType<Sm2Ecdh['Point']['fromBytes']>;

// Made on first use, not when the module loads: noble's constructor draws from the platform's
// CSPRNG to set up its scalar multiplier, which in Node loads all of WebCrypto (~10 ms a
// start-up) — for every command that loads a package that imports this one (the CLI loads
// every plugin to word its refusals), not only for those that use SM2.
let dh: Sm2Ecdh | undefined;
const made = (): Sm2Ecdh => (dh ??= ecdh(weierstrass({ ...SM2_PARAMETERS })));

/**
 * sm2p256v1 as noble's ECDH interface: `Point` (the point constructor: `fromBytes`, `BASE`),
 * key generation, public key derivation, point checks. A stand-in that makes the curve when a
 * property is first read.
 */
export const sm2p256v1: Sm2Ecdh = /* @__PURE__ */ new Proxy({} as Sm2Ecdh, {
  get: (_target, property) => Reflect.get(made(), property),
  has: (_target, property) => Reflect.has(made(), property),
  ownKeys: () => Reflect.ownKeys(made()),
  getOwnPropertyDescriptor: (_target, property) => {
    const d = Reflect.getOwnPropertyDescriptor(made(), property);
    return d && { ...d, configurable: true };
  },
});
