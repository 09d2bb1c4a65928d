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
import type { CryptoProvider, EcPrivateJwk, OaepHash, RsaPrivateJwk, WrappingPublicKey } from '@kms-wrap/core';

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
      k = createPublicKey({ key: Buffer.from(key.spki.buffer, key.spki.byteOffset, key.spki.byteLength), format: 'der', type: 'spki' });
      publicKeys.set(key, k);
    }
    return k;
  };

  return {
    name: 'node:crypto',
    // randomFillSync, not getRandomValues: the same CSPRNG, without loading Node's WebCrypto.
    randomBytes: (length) => randomFillSync(new Uint8Array(length)),
    async rsaOaepEncrypt(key, hash, plaintext) {
      const out = publicEncrypt({ key: importKey(key), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: OAEP_HASH[hash] }, plaintext);
      return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    },
    async aesKwpWrap(kek, plaintext) {
      const cipher = kwpCipher(kek);
      // RFC 5649 §3: at least one octet (OpenSSL's wrap-pad would return an empty "ciphertext").
      if (plaintext.length === 0) throw new RangeError('AES-KWP wraps 1 to 2^32 - 1 octets, not 0');
      if (kwpWrap === undefined) kwpWrap = aesKwpNative()?.wrap ?? null;
      if (kwpWrap) return kwpWrap(kek, plaintext);
      const c = createCipheriv(cipher, kek, KWP_AIV);
      return Buffer.concat([c.update(plaintext), c.final()]);
    },
    async rsaOaepDecrypt(privateKeyPkcs8, hash, ciphertext) {
      const key = createPrivateKey({ key: Buffer.from(privateKeyPkcs8), format: 'der', type: 'pkcs8' });
      return privateDecrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: OAEP_HASH[hash] }, ciphertext);
    },
    async aesKwpUnwrap(kek, ciphertext) {
      const d = createDecipheriv(kwpCipher(kek), kek, KWP_AIV);
      return Buffer.concat([d.update(ciphertext), d.final()]);
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
