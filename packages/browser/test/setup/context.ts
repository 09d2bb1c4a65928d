/**
 * What the Node side hands the browser tests: key pairs made by OpenSSL (base64, since
 * `provide` values are JSON), and the server-side commands that unwrap with OpenSSL.
 */
import type { OpensslMaterialSpec, WrappingKeyName } from './openssl.js';

export interface ProvidedKey {
  /** DER SubjectPublicKeyInfo (WrappingPublicKey.bin), base64. */
  readonly spki: string;
  /** PKCS#8 DER private key, base64: the "KMS side" for in-browser unwrap. */
  readonly pkcs8: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** Wrapping key pairs as KMS would issue them, made by `openssl genpkey`. */
    wrappingKeys: Record<WrappingKeyName, ProvidedKey>;
    /** Private keys a user might already have, made by OpenSSL: PKCS#8 DER, base64. */
    opensslMaterials: Record<OpensslMaterialSpec, string>;
  }
}

export interface UnwrapCommandArgs {
  readonly algorithm: string;
  readonly wrappingKey: WrappingKeyName;
  /** base64 of EncryptedKeyMaterial. */
  readonly ciphertext: string;
}

declare module 'vitest/browser' {
  interface BrowserCommands {
    /** OpenSSL's unwrap of what the browser wrapped: the plaintext, base64. */
    opensslUnwrap: (args: UnwrapCommandArgs) => Promise<string>;
    /** `openssl pkcs8 -topk8 -nocrypt -inform DER -outform DER` of base64 DER: the re-encoding, base64. */
    opensslReencodePkcs8: (der: string) => Promise<string>;
  }
}
