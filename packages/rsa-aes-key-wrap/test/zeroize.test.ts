/**
 * Zeroisation, observed through the provider: a wrapper around node:crypto's provider records
 * the very buffers RSA_AES_KEY_WRAP_* hands to aesKwpWrap (the KEK) and rsaOaepEncrypt (the
 * plaintext: the same AES key), checks they hold a key while in use, and after wrap resolves
 * (or rejects) finds them all zeros — called directly, through the engine, and through
 * @kms-wrap/node's wrapKeyMaterial. On the KMS side, the AES key unwrap decrypts is zeroed too.
 * The material is the caller's and is left as it was.
 */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createWrapper, type CryptoProvider, type WrappingPublicKey } from '@kms-wrap/core';
import { createNodeCryptoProvider, standardWrapper, wrapKeyMaterial } from '@kms-wrap/node';
import { RSA_AES_KEY_WRAP_SHA_1, RSA_AES_KEY_WRAP_SHA_256, algorithms, kwpLength } from '../src/index.js';

const der = (b: Buffer) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
const spki = der(pair.publicKey.export({ type: 'spki', format: 'der' }));
const pkcs8 = der(pair.privateKey.export({ type: 'pkcs8', format: 'der' }));
const material = der(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'der' }));

interface Seen {
  /** The buffer object handed to the provider, and a copy of what it held then. */
  readonly buffer: Uint8Array;
  readonly then: Uint8Array;
}

/** node:crypto's provider, recording every buffer handed to aesKwpWrap (kek) and rsaOaepEncrypt (plaintext), and what rsaOaepDecrypt returned. */
function recording(base: CryptoProvider, options: { failRsa?: boolean } = {}) {
  const kek: Seen[] = [];
  const rsaPlaintext: Seen[] = [];
  const decrypted: Uint8Array[] = [];
  const provider: CryptoProvider = {
    ...base,
    name: 'recording node:crypto',
    aesKwpWrap: (k, plaintext) => {
      kek.push({ buffer: k, then: k.slice() });
      return base.aesKwpWrap(k, plaintext);
    },
    rsaOaepEncrypt: async (key, hash, plaintext) => {
      rsaPlaintext.push({ buffer: plaintext, then: plaintext.slice() });
      if (options.failRsa) throw new Error('the RSA step failed');
      return base.rsaOaepEncrypt(key, hash, plaintext);
    },
    rsaOaepDecrypt: async (key, hash, ciphertext) => {
      const out = await base.rsaOaepDecrypt!(key, hash, ciphertext);
      decrypted.push(out);
      return out;
    },
  };
  return { provider, kek, rsaPlaintext, decrypted };
}

const zero = (b: Uint8Array) => b.every((x) => x === 0);

/** The key was a key while in use (32 random bytes, not zeros), the same buffer went to both steps, and it is zeros now. */
function expectUsedThenZeroed(r: ReturnType<typeof recording>, wraps = 1): void {
  expect(r.kek).toHaveLength(wraps);
  for (const [i, k] of r.kek.entries()) {
    expect(k.buffer.length).toBe(32);
    expect(zero(k.then), 'the AES key was zeros while in use').toBe(false);
    expect(r.rsaPlaintext[i]!.buffer, 'rsaOaepEncrypt was not given the same AES key buffer').toBe(k.buffer);
    expect(Buffer.from(r.rsaPlaintext[i]!.then).equals(Buffer.from(k.then))).toBe(true);
    expect(zero(k.buffer), 'the AES key was not zeroed after wrap').toBe(true);
  }
}

describe('the ephemeral AES key of RSA_AES_KEY_WRAP_* is zeroed after wrap', () => {
  const wrappingKey: WrappingPublicKey = createWrapper({ algorithms, crypto: createNodeCryptoProvider() }).check({
    material,
    wrappingPublicKey: spki,
    algorithm: 'RSA_AES_KEY_WRAP_SHA_256',
  }).wrappingKey;

  for (const plugin of [RSA_AES_KEY_WRAP_SHA_256, RSA_AES_KEY_WRAP_SHA_1]) {
    it(`${plugin.id}.wrap, called directly; the material is left as it was`, async () => {
      const r = recording(createNodeCryptoProvider());
      const before = material.slice();
      await plugin.wrap({ material, wrappingKey, crypto: r.provider });
      expectUsedThenZeroed(r);
      expect(Buffer.from(material).equals(Buffer.from(before))).toBe(true);
    });
  }

  it('through the engine (createWrapper.wrap), three wraps: three keys, each zeroed', async () => {
    const r = recording(createNodeCryptoProvider());
    const wrapper = createWrapper({ algorithms, crypto: r.provider });
    for (let i = 0; i < 3; i++) await wrapper.wrap({ material, wrappingPublicKey: spki, algorithm: 'RSA_AES_KEY_WRAP_SHA_256' });
    expectUsedThenZeroed(r, 3);
    expect(new Set(r.kek.map((k) => Buffer.from(k.then).toString('hex'))).size).toBe(3); // fresh each time
  });

  it('when the RSA step fails, the key is zeroed all the same', async () => {
    const r = recording(createNodeCryptoProvider(), { failRsa: true });
    await expect(RSA_AES_KEY_WRAP_SHA_256.wrap({ material, wrappingKey, crypto: r.provider })).rejects.toThrow('the RSA step failed');
    expect(r.kek).toHaveLength(1);
    expect(zero(r.kek[0]!.buffer)).toBe(true);
  });

  it("through @kms-wrap/node's wrapKeyMaterial (its shared wrapper's provider, observed)", async () => {
    const wrapper = await standardWrapper();
    const base = { ...wrapper.crypto };
    const r = recording(base);
    // The shared wrapper hands its own provider object to the plugins: record through it.
    const shared = wrapper.crypto as { -readonly [K in keyof CryptoProvider]: CryptoProvider[K] };
    Object.assign(shared, { aesKwpWrap: r.provider.aesKwpWrap, rsaOaepEncrypt: r.provider.rsaOaepEncrypt });
    try {
      const before = material.slice();
      const out = await wrapKeyMaterial({ material, wrappingPublicKey: spki, algorithm: 'RSA_AES_KEY_WRAP_SHA_256' });
      expect(out.length).toBe(256 + kwpLength(material.length));
      expectUsedThenZeroed(r);
      expect(Buffer.from(material).equals(Buffer.from(before))).toBe(true);
    } finally {
      Object.assign(shared, { aesKwpWrap: base.aesKwpWrap, rsaOaepEncrypt: base.rsaOaepEncrypt });
    }
  });
});

describe('the KMS side: unwrap zeroes the AES key it decrypts', () => {
  it('the buffer rsaOaepDecrypt returned is zeros after unwrap, and the material comes back', async () => {
    const r = recording(createNodeCryptoProvider());
    const wrapper = createWrapper({ algorithms, crypto: r.provider });
    const { ciphertext } = await wrapper.wrap({ material, wrappingPublicKey: spki, algorithm: 'RSA_AES_KEY_WRAP_SHA_256' });
    const back = await wrapper.unwrap({ ciphertext, algorithm: 'RSA_AES_KEY_WRAP_SHA_256', privateKey: pkcs8 });
    expect(Buffer.from(back).equals(Buffer.from(material))).toBe(true);
    expect(r.decrypted).toHaveLength(1);
    expect(r.decrypted[0]!.length).toBe(32);
    expect(zero(r.decrypted[0]!)).toBe(true);
  });
});
