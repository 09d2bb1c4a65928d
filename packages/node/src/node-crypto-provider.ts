/**
 * The node:crypto CryptoProvider. Wrapping public keys are imported once per parsed key
 * (WeakMap), so a batch that reuses a key pays the parse once.
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
import { promisify } from 'node:util';
import type { CryptoProvider, EcPrivateJwk, OaepHash, RsaPrivateJwk, WrappingPublicKey } from '@kms-wrap/core';

const generateKeyPairAsync = promisify(generateKeyPair);
/** RFC 5649 §3: the alternative initial value's constant half. */
const KWP_AIV = Buffer.from('a65959a6', 'hex');
const OAEP_HASH: Record<OaepHash, string> = { 'SHA-1': 'sha1', 'SHA-256': 'sha256' };

function kwpCipher(kek: Uint8Array): string {
  if (kek.length !== 16 && kek.length !== 24 && kek.length !== 32) {
    throw new RangeError(`AES-KWP needs a 16, 24 or 32-byte key, not ${kek.length}`);
  }
  return `id-aes${kek.length * 8}-wrap-pad`;
}

export function createNodeCryptoProvider(): CryptoProvider {
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
      const c = createCipheriv(kwpCipher(kek), kek, KWP_AIV);
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
