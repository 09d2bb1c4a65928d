/**
 * The node:crypto CryptoProvider. Wrapping public keys are imported once per parsed key
 * (WeakMap), so a batch that reuses a key pays the parse once. AES-KWP wraps run on the CPU's
 * AES instructions through the @kms-wrap/aes-kwp-native addon where it can run (Linux x64 with
 * AES-NI: ~35 µs instead of node's ~190 µs for an RSA_4096 private key, the same bytes; Linux
 * arm64 with the ARMv8 AES instructions); node:crypto's otherwise.
 */
import {
  constants,
  createCipheriv,
  createDecipheriv,
  createPrivateKey,
  createPublicKey,
  generateKeyPair,
  privateDecrypt,
  publicEncrypt,
  randomFillSync,
  type KeyObject,
} from 'node:crypto';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import type * as AesKwpNative from '@kms-wrap/aes-kwp-native';
import {
  ERROR_CODES,
  KmsWrapError,
  type CryptoProvider,
  type EcPrivateJwk,
  type ErrorCode,
  type OaepHash,
  type RsaPrivateJwk,
  type WrappingPublicKey,
} from '@kms-wrap/core';
import { checkWrappingKeyExponent } from '@kms-wrap/core/internal';

const generateKeyPairAsync = promisify(generateKeyPair);
/** RFC 5649 §3: the alternative initial value's constant half. */
const KWP_AIV = Buffer.from('a65959a6', 'hex');
const OAEP_HASH: Record<OaepHash, string> = { 'SHA-1': 'sha1', 'SHA-256': 'sha256' };

const KWP_CIPHERS: Readonly<Record<number, string>> = { 16: 'id-aes128-wrap-pad', 24: 'id-aes192-wrap-pad', 32: 'id-aes256-wrap-pad' };

/** node:crypto's RFC 5649 cipher for the key's size; checks the size for the addon's path too. */
function kwpCipher(kek: Uint8Array): string {
  const cipher = KWP_CIPHERS[kek.length];
  if (cipher === undefined) throw new RangeError(`AES-KWP needs a 16, 24 or 32-byte key, not ${kek.length}`);
  return cipher;
}

/** True for an error OpenSSL raised through node:crypto (code ERR_OSSL_..., or its library/reason fields). */
function isOpenSslError(e: unknown): e is Error & { code?: string; library?: string; reason?: string } {
  if (!(e instanceof Error)) return false;
  const f = e as { code?: unknown; library?: unknown; reason?: unknown };
  return (typeof f.code === 'string' && f.code.startsWith('ERR_OSSL')) || typeof f.library === 'string' || typeof f.reason === 'string';
}

/**
 * An OpenSSL error as a coded KmsWrapError with `sentence` (the original kept as the cause, never
 * in the message); anything else unchanged. No OpenSSL error reaches the user as ERR_INTERNAL.
 */
function fromOpenSsl(e: unknown, code: ErrorCode, sentence: string): unknown {
  return isOpenSslError(e) ? new KmsWrapError(code, sentence, { cause: e }) : e;
}

const KWP_UNWRAP_FAILED =
  "the AES-KWP-wrapped part failed its integrity check (RFC 5649 §3): it was changed or truncated, or wrapped under another key — check that the file is whole and that the private key is the wrapping key pair's";

/** 65537 as the provider's backstop, read off the key OpenSSL imported (not the parsed object's fields). */
function checkImportedExponent(k: KeyObject): void {
  if (k.asymmetricKeyType !== 'rsa') return;
  const e = k.asymmetricKeyDetails?.publicExponent;
  if (e === undefined) return;
  let hex = e.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  checkWrappingKeyExponent(Uint8Array.from(Buffer.from(hex, 'hex')));
}

type KwpWrap = (kek: Uint8Array, plaintext: Uint8Array) => Uint8Array;
let native: typeof AesKwpNative | null | undefined;

/**
 * @kms-wrap/aes-kwp-native, required on first use (its addon is loaded then, not when this
 * module is), or null if it is not installed. Required by name from this module's own URL, which
 * in the CLI's bundles is the bundle's: resolved from where the bundle is installed.
 */
function aesKwpNative(): typeof AesKwpNative | null {
  if (native === undefined) {
    try {
      native = createRequire(import.meta.url)('@kms-wrap/aes-kwp-native') as typeof AesKwpNative;
    } catch {
      native = null;
    }
  }
  return native;
}

/**
 * Which AES-KWP implementation `createNodeCryptoProvider()` wraps with here: `'AES-NI'` or
 * `'ARMv8 AES'` (the @kms-wrap/aes-kwp-native addon), or `'node:crypto'` followed by why the addon
 * is not used.
 */
export function aesKwpImplementation(): string {
  const n = aesKwpNative();
  return n?.wrap ? n.status : `node:crypto (the AES addon is ${n ? n.status : 'not installed'})`;
}

export interface NodeCryptoProviderOptions {
  /**
   * Wrap AES-KWP with the AES instructions addon when it can run here (default true). false: always
   * node:crypto's id-aesN-wrap-pad. The environment variable KMS_WRAP_NATIVE_KWP=0 does the
   * same for every provider in the process.
   */
  nativeKwp?: boolean;
}

export function createNodeCryptoProvider(options: NodeCryptoProviderOptions = {}): CryptoProvider {
  // Looked up on the first wrap, not here: a provider made for anything else never loads the addon.
  let kwpWrap: KwpWrap | null | undefined = options.nativeKwp === false ? null : undefined;
  const publicKeys = new WeakMap<WrappingPublicKey, KeyObject>();
  const importKey = (key: WrappingPublicKey): KeyObject => {
    let k = publicKeys.get(key);
    if (!k) {
      try {
        k = createPublicKey({ key: Buffer.from(key.spki.buffer, key.spki.byteOffset, key.spki.byteLength), format: 'der', type: 'spki' });
      } catch (e) {
        throw fromOpenSsl(
          e,
          ERROR_CODES.PUBLIC_KEY_INVALID,
          'OpenSSL cannot read the wrapping public key — use the PublicKey from GetParametersForImport (WrappingPublicKey.bin, or its base64 or PEM)',
        );
      }
      checkImportedExponent(k);
      publicKeys.set(key, k);
    }
    return k;
  };

  return {
    name: 'node:crypto',
    // randomFillSync, not getRandomValues: the same CSPRNG, without loading Node's WebCrypto.
    randomBytes: (length) => randomFillSync(new Uint8Array(length)),
    async rsaOaepEncrypt(key, hash, plaintext) {
      let out: Buffer;
      try {
        out = publicEncrypt({ key: importKey(key), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: OAEP_HASH[hash] }, plaintext);
      } catch (e) {
        throw fromOpenSsl(
          e,
          ERROR_CODES.PUBLIC_KEY_INVALID,
          'OpenSSL refused to encrypt under the wrapping public key (RSA-OAEP) — use the PublicKey from GetParametersForImport, unchanged',
        );
      }
      return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    },
    async aesKwpWrap(kek, plaintext) {
      const cipher = kwpCipher(kek);
      // RFC 5649 §3: at least one octet (OpenSSL's wrap-pad would return an empty "ciphertext").
      if (plaintext.length === 0) throw new RangeError('AES-KWP wraps 1 to 2^32 - 1 octets, not 0');
      if (kwpWrap === undefined) kwpWrap = aesKwpNative()?.wrap ?? null;
      if (kwpWrap) return kwpWrap(kek, plaintext);
      try {
        const c = createCipheriv(cipher, kek, KWP_AIV);
        return Buffer.concat([c.update(plaintext), c.final()]);
      } catch (e) {
        throw fromOpenSsl(
          e,
          ERROR_CODES.PROVIDER_UNSUPPORTED,
          `OpenSSL could not wrap with ${cipher} — use a Node.js whose OpenSSL has AES key wrap with padding, or another provider`,
        );
      }
    },
    async rsaOaepDecrypt(privateKeyPkcs8, hash, ciphertext) {
      let key: KeyObject;
      try {
        key = createPrivateKey({ key: Buffer.from(privateKeyPkcs8), format: 'der', type: 'pkcs8' });
      } catch (e) {
        throw fromOpenSsl(
          e,
          ERROR_CODES.MATERIAL_INVALID,
          "OpenSSL cannot read the private key as PKCS#8 DER — give the wrapping key pair's private key, PKCS#8 DER",
        );
      }
      try {
        return privateDecrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: OAEP_HASH[hash] }, ciphertext);
      } catch (e) {
        throw fromOpenSsl(
          e,
          ERROR_CODES.VERIFY_FAILED,
          `the ${ciphertext.length}-byte RSA-OAEP ciphertext does not decrypt under this private key — check that it is the wrapping key pair's private key, the algorithm's hash, and that the file is whole`,
        );
      }
    },
    async aesKwpUnwrap(kek, ciphertext) {
      const cipher = kwpCipher(kek);
      // RFC 5649 §4.2: n >= 1 semiblocks of data after the AIV, in 8-octet semiblocks.
      if (ciphertext.length < 16 || ciphertext.length % 8 !== 0) {
        throw new KmsWrapError(
          ERROR_CODES.VERIFY_FAILED,
          `the AES-KWP-wrapped part is ${ciphertext.length} bytes, and RFC 5649 gives a multiple of 8, at least 16 — check that the file is whole`,
        );
      }
      try {
        const d = createDecipheriv(cipher, kek, KWP_AIV);
        return Buffer.concat([d.update(ciphertext), d.final()]);
      } catch (e) {
        // node:crypto says "Trying to add data in unsupported state" (no code, no OpenSSL fields) for every
        // failed check: whatever the decipher throws here is the ciphertext's fault, never a bug to report.
        throw new KmsWrapError(ERROR_CODES.VERIFY_FAILED, KWP_UNWRAP_FAILED, { cause: e });
      }
    },
    async generateRsaKey(bits) {
      const { privateKey } = await generateKeyPairAsync('rsa', { modulusLength: bits, publicExponent: 65537 });
      return privateKey.export({ format: 'jwk' }) as unknown as RsaPrivateJwk;
    },
    async generateEcKey(curve) {
      const { privateKey } = await generateKeyPairAsync('ec', { namedCurve: curve });
      return privateKey.export({ format: 'jwk' }) as unknown as EcPrivateJwk;
    },
  };
}
