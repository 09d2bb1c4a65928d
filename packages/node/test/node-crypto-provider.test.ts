/** The node:crypto CryptoProvider: RFC 5649 §6 vectors for AES-KWP, RSA-OAEP both ways, key generation. */
import { constants, createPrivateKey, generateKeyPairSync, privateDecrypt, publicEncrypt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { parseWrappingPublicKey } from '@kms-wrap/core';
import { toHex } from '@kms-wrap/core/encoding';
import { aesKwpImplementation, createNodeCryptoProvider } from '../src/index.js';

const provider = createNodeCryptoProvider();
const nodeKwpOnly = createNodeCryptoProvider({ nativeKwp: false });
// The addon's instructions where this CPU has them (read off /proc/cpuinfo: x86-64 flags, arm64 Features).
const INSTRUCTIONS: Record<string, string> = { x64: 'AES-NI', arm64: 'ARMv8 AES' };
const aesHw =
  process.platform === 'linux' &&
  process.arch in INSTRUCTIONS &&
  /^(flags|Features)\s*:.*\baes\b/m.test(readFileSync('/proc/cpuinfo', 'utf8'));
const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

// RFC 5649 §6: both examples use this 192-bit KEK.
const KEK = hex('5840df6e29b02af1 ab493b705bf16ea1 ae8338f4dcc176a8');
const VECTORS = [
  {
    name: '20 octets of key data',
    key: hex('c37b7e6492584340 bed1220780894115 5068f738'),
    wrap: hex('138bdeaa9b8fa7fc 61f97742e72248ee 5ae6ae5360d1ae6a 5f54f373fa543b6a'),
  },
  {
    name: '7 octets of key data',
    key: hex('466f7250617369'),
    wrap: hex('afbeb0f07dfbf541 9200f2ccb50bb24f'),
  },
];

describe('AES key wrap with padding: RFC 5649 §6 vectors', () => {
  for (const v of VECTORS) {
    it(`wraps ${v.name} to the published ciphertext (with the AES-NI addon where it runs, and with node:crypto)`, async () => {
      expect(toHex(await provider.aesKwpWrap(KEK, v.key))).toBe(toHex(v.wrap));
      expect(toHex(await nodeKwpOnly.aesKwpWrap(KEK, v.key))).toBe(toHex(v.wrap));
    });

    it(`unwraps the published ciphertext of ${v.name}`, async () => {
      expect(toHex(await provider.aesKwpUnwrap!(KEK, v.wrap))).toBe(toHex(v.key));
    });

    it(`refuses the ${v.name} ciphertext with one bit flipped anywhere (integrity check, RFC 5649 §3)`, async () => {
      for (let i = 0; i < v.wrap.length; i++) {
        const bad = v.wrap.slice();
        bad[i]! ^= 0x01;
        await expect(provider.aesKwpUnwrap!(KEK, bad), `byte ${i}`).rejects.toThrow();
      }
    });
  }

  it('refuses the ciphertext under another KEK', async () => {
    const other = KEK.slice();
    other[0]! ^= 0x80;
    await expect(provider.aesKwpUnwrap!(other, VECTORS[0]!.wrap)).rejects.toThrow();
  });

  it('refuses a truncated ciphertext', async () => {
    await expect(provider.aesKwpUnwrap!(KEK, VECTORS[0]!.wrap.subarray(0, 24))).rejects.toThrow();
  });

  it('takes 16, 24 and 32-byte KEKs and refuses others', async () => {
    for (const n of [16, 24, 32]) {
      const kek = provider.randomBytes(n);
      const data = provider.randomBytes(41);
      const wrapped = await provider.aesKwpWrap(kek, data);
      expect(wrapped.length).toBe(56);
      expect(toHex(await provider.aesKwpUnwrap!(kek, wrapped))).toBe(toHex(data));
    }
    await expect(async () => provider.aesKwpWrap(new Uint8Array(20), new Uint8Array(8))).rejects.toThrow(/16, 24 or 32-byte key, not 20/);
  });

  it('refuses an empty plaintext on both paths (OpenSSL alone would return an empty "ciphertext")', async () => {
    for (const p of [provider, nodeKwpOnly])
      await expect(p.aesKwpWrap(provider.randomBytes(32), new Uint8Array(0))).rejects.toThrow(RangeError);
  });

  it('wraps on the AES addon where the CPU has the instructions (Linux x64, arm64), to the same bytes as node:crypto', async () => {
    expect(aesKwpImplementation()).toBe(aesHw ? INSTRUCTIONS[process.arch] : expect.stringMatching(/^node:crypto \(the AES addon is /));
    for (const n of [1, 8, 9, 32, 241, 1218, 2375]) {
      const kek = provider.randomBytes(32);
      const data = provider.randomBytes(n);
      expect(toHex(await provider.aesKwpWrap(kek, data)), `${n} bytes`).toBe(toHex(await nodeKwpOnly.aesKwpWrap(kek, data)));
    }
  });

  it.runIf(aesHw)("calls the addon's wrap (a fresh provider looks it up on its first wrap), and never with nativeKwp: false", async () => {
    const addon = createRequire(import.meta.url)('@kms-wrap/aes-kwp-native') as { wrap: (k: Uint8Array, p: Uint8Array) => Uint8Array };
    const real = addon.wrap;
    let calls = 0;
    addon.wrap = (k, p) => (calls++, real(k, p));
    try {
      await createNodeCryptoProvider().aesKwpWrap(provider.randomBytes(32), provider.randomBytes(40));
      expect(calls).toBe(1);
      await createNodeCryptoProvider({ nativeKwp: false }).aesKwpWrap(provider.randomBytes(32), provider.randomBytes(40));
      expect(calls).toBe(1);
    } finally {
      addon.wrap = real;
    }
  });
});

describe('RSA-OAEP', () => {
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const wrappingKey = parseWrappingPublicKey(new Uint8Array(pair.publicKey.export({ type: 'spki', format: 'der' })));
  const pkcs8 = new Uint8Array(pair.privateKey.export({ type: 'pkcs8', format: 'der' }));

  for (const [hash, md] of [
    ['SHA-1', 'sha1'],
    ['SHA-256', 'sha256'],
  ] as const) {
    it(`encrypts with ${hash} (MGF1-${hash}, empty label) what node:crypto decrypts with ${md}`, async () => {
      const msg = provider.randomBytes(100);
      const ct = await provider.rsaOaepEncrypt(wrappingKey, hash, msg);
      expect(ct.length).toBe(256);
      const pt = privateDecrypt({ key: pair.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: md }, ct);
      expect(toHex(pt)).toBe(toHex(msg));
      // ...and not with the other hash
      const other = md === 'sha1' ? 'sha256' : 'sha1';
      expect(() => privateDecrypt({ key: pair.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: other }, ct)).toThrow();
    });

    it(`decrypts with ${hash} what node:crypto encrypts with ${md}`, async () => {
      const msg = provider.randomBytes(64);
      const ct = publicEncrypt({ key: pair.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: md }, msg);
      expect(toHex(await provider.rsaOaepDecrypt!(pkcs8, hash, ct))).toBe(toHex(msg));
    });
  }

  it('is randomised: the same message encrypts differently', async () => {
    const msg = provider.randomBytes(32);
    const a = await provider.rsaOaepEncrypt(wrappingKey, 'SHA-256', msg);
    const b = await provider.rsaOaepEncrypt(wrappingKey, 'SHA-256', msg);
    expect(toHex(a)).not.toBe(toHex(b));
  });

  it('refuses a message over k − 2hLen − 2 bytes', async () => {
    await expect(provider.rsaOaepEncrypt(wrappingKey, 'SHA-256', new Uint8Array(191))).rejects.toThrow();
    await expect(provider.rsaOaepEncrypt(wrappingKey, 'SHA-256', new Uint8Array(190))).resolves.toHaveLength(256);
  });
});

describe('randomness and key generation', () => {
  it('randomBytes gives fresh bytes of the length asked', () => {
    const a = provider.randomBytes(32);
    const b = provider.randomBytes(32);
    expect(a).toBeInstanceOf(Uint8Array);
    expect(a.length).toBe(32);
    expect(toHex(a)).not.toBe(toHex(b));
    expect(provider.randomBytes(0).length).toBe(0);
  });

  it('generateRsaKey gives an RSA JWK of the size asked, e = 65537, that node:crypto imports', async () => {
    const jwk = await provider.generateRsaKey!(2048);
    expect(jwk.kty).toBe('RSA');
    expect(jwk.e).toBe('AQAB');
    expect(Buffer.from(jwk.n, 'base64url').length).toBe(256);
    for (const f of ['d', 'p', 'q', 'dp', 'dq', 'qi'] as const) expect(jwk[f].length).toBeGreaterThan(0);
    expect(createPrivateKey({ key: { ...jwk }, format: 'jwk' }).asymmetricKeyDetails?.modulusLength).toBe(2048);
  });

  for (const [crv, bytes] of [
    ['P-256', 32],
    ['P-384', 48],
    ['P-521', 66],
  ] as const) {
    it(`generateEcKey gives a ${crv} JWK`, async () => {
      const jwk = await provider.generateEcKey!(crv);
      expect(jwk.kty).toBe('EC');
      expect(jwk.crv).toBe(crv);
      expect(Buffer.from(jwk.d, 'base64url').length).toBe(bytes);
      expect(Buffer.from(jwk.x, 'base64url').length).toBe(bytes);
    });
  }
});
