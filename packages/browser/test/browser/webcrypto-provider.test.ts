/**
 * The WebCrypto provider's primitives, in Chromium: the CSPRNG, RSA-OAEP both ways, AES-KWP
 * against RFC 5649 §6, key generation, and the per-key import cache.
 */
import { type WrappingPublicKey } from '@kms-wrap/core';
import { fromBase64, toHex } from '@kms-wrap/core/encoding';
import { parseWrappingPublicKey } from '@kms-wrap/core';
import { afterEach, describe, expect, inject, it, vi } from 'vitest';
import { createWebCryptoProvider } from '../../src/index.js';

const hex = (s: string) =>
  Uint8Array.from(
    s
      .replace(/\s+/g, '')
      .match(/../g)!
      .map((b) => parseInt(b, 16)),
  );
const b64 = (s: string) => fromBase64(s)!;

const keys = inject('wrappingKeys');
const provider = createWebCryptoProvider();

afterEach(() => vi.restoreAllMocks());

describe('randomBytes', () => {
  it('fills any length from crypto.getRandomValues, in chunks of at most 65536', () => {
    const spy = vi.spyOn(globalThis.crypto, 'getRandomValues');
    expect(provider.randomBytes(0)).toHaveLength(0);
    const big = provider.randomBytes(65536 * 2 + 7);
    expect(big).toHaveLength(131079);
    expect(spy).toHaveBeenCalledTimes(3);
    expect(big.subarray(131072).some((b) => b !== 0)).toBe(true);
    expect(toHex(provider.randomBytes(32))).not.toBe(toHex(provider.randomBytes(32)));
  });
});

describe('AES key wrap with padding (RFC 5649), from @noble/ciphers', () => {
  // RFC 5649 §6: the two published examples, under the same 192-bit KEK.
  const kek = hex('5840df6e29b02af1 ab493b705bf16ea1 ae8338f4dcc176a8');
  const vectors = [
    { key: 'c37b7e6492584340 bed1220780894115 5068f738', wrapped: '138bdeaa9b8fa7fc 61f97742e72248ee 5ae6ae5360d1ae6a 5f54f373fa543b6a' },
    { key: '466f7250617369', wrapped: 'afbeb0f07dfbf541 9200f2ccb50bb24f' },
  ];
  for (const [i, v] of vectors.entries()) {
    it(`wraps and unwraps RFC 5649 §6 example ${i + 1}`, async () => {
      expect(toHex(await provider.aesKwpWrap(kek, hex(v.key)))).toBe(v.wrapped.replace(/\s+/g, ''));
      expect(toHex(await provider.aesKwpUnwrap!(kek, hex(v.wrapped)))).toBe(v.key.replace(/\s+/g, ''));
    });
  }

  it('refuses a tampered ciphertext and a KEK that is no AES key', async () => {
    const bad = hex(vectors[0]!.wrapped);
    bad[5]! ^= 1;
    await expect(provider.aesKwpUnwrap!(kek, bad)).rejects.toThrow();
    await expect(provider.aesKwpWrap(new Uint8Array(20), new Uint8Array(8))).rejects.toThrow(RangeError);
  });

  it('uses a fresh cipher per call (noble ciphers are single-use)', async () => {
    const k = provider.randomBytes(32);
    const a = await provider.aesKwpWrap(k, new Uint8Array(40).fill(7));
    const b = await provider.aesKwpWrap(k, new Uint8Array(40).fill(7));
    expect(toHex(a)).toBe(toHex(b));
    expect(a).toHaveLength(48);
  });
});

describe('RSA-OAEP', () => {
  for (const spec of ['RSA_2048', 'RSA_3072', 'RSA_4096'] as const) {
    for (const hash of ['SHA-1', 'SHA-256'] as const) {
      it(`encrypts to k bytes under an OpenSSL ${spec} key with ${hash}, and decrypts`, async () => {
        const key = parseWrappingPublicKey(b64(keys[spec].spki));
        const message = provider.randomBytes(32);
        const ct = await provider.rsaOaepEncrypt(key, hash, message);
        expect(ct).toHaveLength(key.rsa!.bits / 8);
        expect(toHex(await provider.rsaOaepDecrypt!(b64(keys[spec].pkcs8), hash, ct))).toBe(toHex(message));
        // OAEP is randomised: the same message encrypts differently.
        expect(toHex(await provider.rsaOaepEncrypt(key, hash, message))).not.toBe(toHex(ct));
      });
    }
  }

  it('imports each wrapping public key once per hash (WeakMap cache)', async () => {
    const fresh = createWebCryptoProvider();
    const spy = vi.spyOn(globalThis.crypto.subtle, 'importKey');
    const key = parseWrappingPublicKey(b64(keys.RSA_2048.spki));
    for (let i = 0; i < 3; i++) await fresh.rsaOaepEncrypt(key, 'SHA-256', new Uint8Array(16));
    expect(spy).toHaveBeenCalledTimes(1);
    await fresh.rsaOaepEncrypt(key, 'SHA-1', new Uint8Array(16));
    expect(spy).toHaveBeenCalledTimes(2);
    // A different parse of the same bytes is a different key object: imported again.
    await fresh.rsaOaepEncrypt(parseWrappingPublicKey(b64(keys.RSA_2048.spki)), 'SHA-256', new Uint8Array(16));
    expect(spy).toHaveBeenCalledTimes(3);
  });

  it('says which key WebCrypto could not import, with a code', async () => {
    const key = parseWrappingPublicKey(b64(keys.RSA_2048.spki));
    const broken: WrappingPublicKey = { ...key, spki: key.spki.slice(0, 40) };
    await expect(provider.rsaOaepEncrypt(broken, 'SHA-256', new Uint8Array(16))).rejects.toMatchObject({
      code: 'ERR_PUBLIC_KEY_INVALID',
      message: expect.stringMatching(/^WebCrypto cannot use the RSA_2048 wrapping public key/),
    });
    // The failed import is not cached.
    await expect(provider.rsaOaepEncrypt(broken, 'SHA-256', new Uint8Array(16))).rejects.toThrow(/WebCrypto cannot use/);
  });
});

describe('key generation', () => {
  it('generates RSA keys as JWKs with exactly the RFC 7518 §6.3 members', async () => {
    const jwk = await provider.generateRsaKey!(2048);
    expect(Object.keys(jwk).sort()).toEqual(['d', 'dp', 'dq', 'e', 'kty', 'n', 'p', 'q', 'qi']);
    expect(jwk.kty).toBe('RSA');
    expect(jwk.e).toBe('AQAB');
    expect(jwk.n).toHaveLength(342); // 256 bytes, base64url without padding
  });

  for (const [crv, size] of [
    ['P-256', 32],
    ['P-384', 48],
    ['P-521', 66],
  ] as const) {
    it(`generates ${crv} keys as JWKs with kty, crv, x, y, d`, async () => {
      const jwk = await provider.generateEcKey!(crv);
      expect(Object.keys(jwk).sort()).toEqual(['crv', 'd', 'kty', 'x', 'y']);
      expect(jwk.crv).toBe(crv);
      expect(jwk.d).toHaveLength(Math.ceil((size * 4) / 3));
    });
  }

  it('is named webcrypto', () => {
    expect(provider.name).toBe('webcrypto');
  });
});

describe('the public exponent backstop', () => {
  it('a key object claiming to be parsed, over an e = 3 spki → ERR_PUBLIC_KEY_WEAK, naming 3; nothing encrypted', async () => {
    const pair = await crypto.subtle.generateKey(
      { name: 'RSA-OAEP', modulusLength: 2048, publicExponent: Uint8Array.of(3), hash: 'SHA-256' },
      true,
      ['encrypt', 'decrypt'],
    );
    const spki = new Uint8Array(await crypto.subtle.exportKey('spki', pair.publicKey));
    const forged = { spec: 'RSA_2048', type: 'rsa', spki } as WrappingPublicKey;
    const error = await provider.rsaOaepEncrypt(forged, 'SHA-256', new Uint8Array(32)).then(
      () => undefined,
      (e: unknown) => e as { code: string; message: string },
    );
    expect(error?.code).toBe('ERR_PUBLIC_KEY_WEAK');
    expect(error?.message).toMatch(/public exponent is 3; AWS KMS wrapping keys use 65537/);
  });
});
