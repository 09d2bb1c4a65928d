/**
 * The primitives a runtime adapter supplies. WebCrypto-shaped: asynchronous, byte arrays in
 * and out. Algorithm plugins call these and nothing else that touches a runtime, so the same
 * plugin runs in Node (node:crypto) and in browsers (crypto.subtle).
 */
import type { WrappingPublicKey } from './keys.js';

export type OaepHash = 'SHA-1' | 'SHA-256';

/** An RSA private key as a JWK (RFC 7518 §6.3), the runtime-neutral form keygen encodes. */
export interface RsaPrivateJwk {
  readonly kty: 'RSA';
  readonly n: string;
  readonly e: string;
  readonly d: string;
  readonly p: string;
  readonly q: string;
  readonly dp: string;
  readonly dq: string;
  readonly qi: string;
}

/** An EC private key as a JWK (RFC 7518 §6.2). */
export interface EcPrivateJwk {
  readonly kty: 'EC';
  readonly crv: 'P-256' | 'P-384' | 'P-521';
  readonly x: string;
  readonly y: string;
  readonly d: string;
}

export interface CryptoProvider {
  /** For messages and benchmarks: 'node:crypto', 'webcrypto', ... */
  readonly name: string;
  /** Bytes from the platform CSPRNG. Nothing else may be used for keys. */
  randomBytes(length: number): Uint8Array;
  /** RSAES-OAEP-ENCRYPT (RFC 8017 §7.1.1): MGF1 with the same hash, empty label. */
  rsaOaepEncrypt(key: WrappingPublicKey, hash: OaepHash, plaintext: Uint8Array): Promise<Uint8Array>;
  /** AES key wrap with padding (RFC 5649 §4.1) under a 16, 24 or 32-byte key. */
  aesKwpWrap(kek: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array>;

  // The "KMS side" and key generation: used by keygen, demo and tests. Optional, so a
  // wrap-only provider stays small.

  /** RSAES-OAEP-DECRYPT (RFC 8017 §7.1.2) with a PKCS#8 DER private key. */
  rsaOaepDecrypt?(privateKeyPkcs8: Uint8Array, hash: OaepHash, ciphertext: Uint8Array): Promise<Uint8Array>;
  /** AES key unwrap with padding (RFC 5649 §4.2); throws on an integrity check failure. */
  aesKwpUnwrap?(kek: Uint8Array, ciphertext: Uint8Array): Promise<Uint8Array>;
  /** A fresh RSA key (e = 65537) from the platform's prime generation. */
  generateRsaKey?(bits: 2048 | 3072 | 4096): Promise<RsaPrivateJwk>;
  /** A fresh key on a NIST curve from the platform. */
  generateEcKey?(curve: EcPrivateJwk['crv']): Promise<EcPrivateJwk>;
}
