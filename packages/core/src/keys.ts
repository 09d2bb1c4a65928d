/** Parsed forms of the keys kms-wrap handles. Produced by inspection, consumed by plugins. */
import type { CurveName, MaterialKind, MaterialSpec, WrappingKeySpec } from './specs.js';

/** A wrapping public key, as KMS GetParametersForImport returns it (SubjectPublicKeyInfo). */
export interface WrappingPublicKey {
  readonly spec: WrappingKeySpec;
  readonly type: 'rsa' | 'sm2';
  /** The DER SubjectPublicKeyInfo, exactly as given (re-encoded only if it came as PEM/base64). */
  readonly spki: Uint8Array;
  readonly rsa?: {
    /** Big-endian modulus without leading zero bytes. */
    readonly modulus: Uint8Array;
    /** Big-endian public exponent without leading zero bytes. */
    readonly publicExponent: Uint8Array;
    readonly bits: number;
  };
  readonly ec?: {
    readonly curve: CurveName;
    /** The uncompressed or compressed SEC1 point, as in the SPKI. */
    readonly point: Uint8Array;
  };
}

export type MaterialFormat = 'raw' | 'pkcs8-der';

/**
 * What inspection learned about key material that KMS can import as is. `S` is the vocabulary
 * of its key specs: MaterialSpec in general, AWS KMS's KeySpec when inspected for AWS KMS.
 */
export interface MaterialInfo<S extends MaterialSpec = MaterialSpec> {
  readonly format: MaterialFormat;
  /** The kind of the first candidate (raw 32 bytes: 'symmetric', though HMAC_256 fits too). */
  readonly kind: MaterialKind;
  /**
   * The key spec, once settled: named by the user, or the only candidate; else undefined. An AWS
   * KMS key spec, or ED25519 when the caller's target imports it (InspectOptions.keySpecs).
   */
  readonly keySpec: S | undefined;
  /** Every key spec these bytes could be (raw 32 bytes: SYMMETRIC_DEFAULT and HMAC_256). */
  readonly candidates: readonly S[];
  readonly length: number;
  readonly curve?: CurveName;
  readonly rsaBits?: number;
}
