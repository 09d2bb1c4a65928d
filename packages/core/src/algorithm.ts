/**
 * The plugin contract. An algorithm package exports objects of this shape; the engine is
 * given them (`createWrapper({ algorithms })`) and checks every request against the rules
 * and the plugin's declared capacity before `wrap` runs, and the output's shape after.
 */
import type { WrappingPublicKey } from './keys.js';
import type { CryptoProvider } from './provider.js';
import type { MaterialKind, Region, WrappingKeySpec } from './specs.js';

export interface WrapInput {
  /** Plaintext key material: raw bytes or PKCS#8 DER. Owned by the caller; do not keep it. */
  readonly material: Uint8Array;
  readonly wrappingKey: WrappingPublicKey;
  readonly crypto: CryptoProvider;
}

export interface UnwrapInput {
  readonly ciphertext: Uint8Array;
  /** The wrapping key pair's private key, PKCS#8 DER (the "KMS side"; demo and tests only). */
  readonly privateKey: Uint8Array;
  readonly crypto: CryptoProvider;
}

/**
 * Which material, wrapping keys and regions a plugin's id is for. The engine takes these
 * from its rule set when the rule set knows the id (every AWS KMS id), and from the plugin
 * otherwise, so a third-party algorithm with a new id declares them here.
 */
export interface AlgorithmAcceptance {
  readonly materials: readonly MaterialKind[];
  readonly wrappingKeySpecs: readonly WrappingKeySpec[];
  readonly regions: readonly Region[];
}

export interface WrappingAlgorithm {
  /** The KMS wrapping algorithm id, e.g. 'RSAES_OAEP_SHA_256'. */
  readonly id: string;
  /** One line for listings. */
  readonly description: string;
  /** The npm package that provides it (for messages). */
  readonly packageName: string;
  /** The wrapping key type the construction works with. */
  readonly wrappingKeyType: 'rsa' | 'sm2';
  /** Rules for an id the engine's rule set does not know (third-party plugins). */
  readonly accepts?: AlgorithmAcceptance;
  /** The largest material, in bytes, it can wrap under a key of this spec. */
  capacity(spec: WrappingKeySpec): number;
  /**
   * The output length for material of `materialLength` bytes: an exact number, or an
   * inclusive [min, max] range when the encoding varies (SM2PKE's DER integers).
   */
  outputLength(spec: WrappingKeySpec, materialLength: number): number | readonly [number, number];
  /** Extra checks on a wrapping key beyond its spec (a point on the curve, ...). */
  checkWrappingKey?(key: WrappingPublicKey): void;
  wrap(input: WrapInput): Promise<Uint8Array>;
  /** The inverse, for demos and tests that play KMS's side. */
  unwrap?(input: UnwrapInput): Promise<Uint8Array>;
}
