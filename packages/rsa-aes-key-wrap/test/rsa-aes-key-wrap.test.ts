/**
 * RSA_AES_KEY_WRAP_* on their own: the output layout (RSA part of k bytes, then RFC 5649 KWP),
 * checked with node:crypto directly rather than through our unwrap; the one-time AES key
 * zeroed; unwrap splitting at the right k for every wrapping key size.
 */
import { constants, createDecipheriv, generateKeyPairSync, privateDecrypt, randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { ERROR_CODES, KmsWrapError, createWrapper, type CryptoProvider } from '@kms-wrap/core';
import { createNodeCryptoProvider } from '@kms-wrap/node';
import { RSA_AES_KEY_WRAP_SHA_1, RSA_AES_KEY_WRAP_SHA_256, algorithms, kwpLength } from '../src/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const node = createNodeCryptoProvider();
const der = (b: Buffer) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

const wrapping = {
  RSA_2048: generateKeyPairSync('rsa', { modulusLength: 2048 }),
  RSA_3072: generateKeyPairSync('rsa', { modulusLength: 3072 }),
};
const spki = (spec: keyof typeof wrapping) => der(wrapping[spec].publicKey.export({ type: 'spki', format: 'der' }));
const pkcs8 = (spec: keyof typeof wrapping) => der(wrapping[spec].privateKey.export({ type: 'pkcs8', format: 'der' }));
const rsaMaterial = der(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'der' }));
const p256Material = der(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'der' }));

describe('kwpLength (RFC 5649 §4.1: padded to 8-byte blocks, plus the 8-byte AIV block)', () => {
  const table: [number, number][] = [
    [1, 16],
    [7, 16],
    [8, 16],
    [9, 24],
    [20, 32],
    [138, 152],
    [241, 256],
    [1216, 1224],
  ];
  for (const [n, expected] of table) {
    it(`${n} bytes → ${expected}`, async () => {
      expect(kwpLength(n)).toBe(expected);
      // node:crypto's id-aes256-wrap-pad agrees
      expect((await node.aesKwpWrap(new Uint8Array(32), new Uint8Array(n))).length).toBe(expected);
    });
  }
});

describe('the plugins', () => {
  it('are exported in preference order, unlimited by RSA (capacity 2^32 − 1) and nothing under SM2', () => {
    expect(algorithms.map((a) => a.id)).toEqual(['RSA_AES_KEY_WRAP_SHA_256', 'RSA_AES_KEY_WRAP_SHA_1']);
    for (const a of algorithms) {
      expect(a.packageName).toBe('@kms-wrap/rsa-aes-key-wrap');
      expect(a.capacity('RSA_2048')).toBe(0xffffffff);
      expect(a.capacity('SM2')).toBe(0);
      expect(a.outputLength('RSA_4096', 241)).toBe(512 + 256);
      expect(a.outputLength('RSA_2048', 1216)).toBe(256 + 1224);
    }
  });

  for (const [plugin, nodeHash] of [
    [RSA_AES_KEY_WRAP_SHA_256, 'sha256'],
    [RSA_AES_KEY_WRAP_SHA_1, 'sha1'],
  ] as const) {
    it(`${plugin.id}: the first k bytes are RSA-OAEP-${nodeHash} of a 32-byte key, the rest is id-aes256-wrap-pad of the material under it`, async () => {
      const wrapper = createWrapper({ algorithms: [plugin], crypto: node });
      const { ciphertext } = await wrapper.wrap({ material: p256Material, wrappingPublicKey: spki('RSA_3072'), algorithm: plugin.id });
      expect(ciphertext.length).toBe(384 + kwpLength(p256Material.length));
      const aesKey = privateDecrypt(
        { key: wrapping.RSA_3072.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: nodeHash },
        ciphertext.subarray(0, 384),
      );
      expect(aesKey.length).toBe(32);
      const d = createDecipheriv('id-aes256-wrap-pad', aesKey, Buffer.from('a65959a6', 'hex'));
      const plain = Buffer.concat([d.update(ciphertext.subarray(384)), d.final()]);
      expect(new Uint8Array(plain)).toEqual(p256Material);
    });
  }

  it('draws the AES key from the provider (32 bytes), uses it once and zeroes it', async () => {
    const keys: Uint8Array[] = [];
    const crypto: CryptoProvider = {
      ...node,
      randomBytes: vi.fn((n: number) => {
        const k = node.randomBytes(n);
        keys.push(k);
        return k;
      }),
      aesKwpWrap: vi.fn((kek: Uint8Array, plaintext: Uint8Array) => {
        expect(kek).toBe(keys[keys.length - 1]);
        expect(kek.some((b) => b !== 0)).toBe(true);
        return node.aesKwpWrap(kek, plaintext);
      }),
    };
    await RSA_AES_KEY_WRAP_SHA_256.wrap({
      material: p256Material,
      wrappingKey: createWrapper({ algorithms, crypto: node }).check({
        material: p256Material,
        wrappingPublicKey: spki('RSA_2048'),
        algorithm: 'RSA_AES_KEY_WRAP_SHA_256',
      }).wrappingKey,
      crypto,
    });
    expect(crypto.randomBytes).toHaveBeenCalledWith(32);
    expect(crypto.aesKwpWrap).toHaveBeenCalledTimes(1);
    expect(keys).toHaveLength(1);
    expect(keys[0]!.every((b) => b === 0)).toBe(true);
  });

  it('zeroes the AES key even when the RSA step fails', async () => {
    const keys: Uint8Array[] = [];
    const crypto: CryptoProvider = {
      ...node,
      randomBytes: (n) => {
        const k = node.randomBytes(n);
        keys.push(k);
        return k;
      },
      rsaOaepEncrypt: async () => {
        throw new Error('provider failure');
      },
    };
    const wrappingKey = createWrapper({ algorithms, crypto: node }).check({
      material: p256Material,
      wrappingPublicKey: spki('RSA_2048'),
      algorithm: 'RSA_AES_KEY_WRAP_SHA_1',
    }).wrappingKey;
    await expect(RSA_AES_KEY_WRAP_SHA_1.wrap({ material: p256Material, wrappingKey, crypto })).rejects.toThrow('provider failure');
    expect(keys[0]!.every((b) => b === 0)).toBe(true);
  });
});

describe('unwrap', () => {
  // Regression: unwrap used to split at 512 bytes whenever the total allowed it, so RSA private
  // key material (about 1.2 kB) wrapped under RSA_2048 or RSA_3072 could not be unwrapped.
  for (const spec of ['RSA_2048', 'RSA_3072'] as const) {
    it(`splits at the ${spec} modulus length for RSA_2048 material (${rsaMaterial.length} bytes)`, async () => {
      const wrapper = createWrapper({ algorithms, crypto: node });
      const { ciphertext } = await wrapper.wrap({
        material: rsaMaterial,
        wrappingPublicKey: spki(spec),
        algorithm: 'RSA_AES_KEY_WRAP_SHA_256',
      });
      expect(ciphertext.length - 512).toBeGreaterThanOrEqual(16); // a 512-byte split would have been possible
      const back = await RSA_AES_KEY_WRAP_SHA_256.unwrap!({ ciphertext, privateKey: pkcs8(spec), crypto: node });
      expect(new Uint8Array(back)).toEqual(rsaMaterial);
    });
  }

  it('refuses a ciphertext of a length no wrapping key size gives, with VERIFY_FAILED', async () => {
    const error = await RSA_AES_KEY_WRAP_SHA_256.unwrap!({
      ciphertext: new Uint8Array(270),
      privateKey: pkcs8('RSA_2048'),
      crypto: node,
    }).catch((e: unknown) => e);
    expect((error as KmsWrapError).code).toBe(ERROR_CODES.VERIFY_FAILED);
    expect((error as KmsWrapError).message).toMatch(/270-byte ciphertext is not RSA_AES_KEY_WRAP output .* — check the file$/);
  });

  it('refuses under the wrong private key, with VERIFY_FAILED and the reason', async () => {
    const wrapper = createWrapper({ algorithms, crypto: node });
    const { ciphertext } = await wrapper.wrap({
      material: p256Material,
      wrappingPublicKey: spki('RSA_2048'),
      algorithm: 'RSA_AES_KEY_WRAP_SHA_256',
    });
    const other = der(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'der' }));
    const error = await RSA_AES_KEY_WRAP_SHA_256.unwrap!({ ciphertext, privateKey: other, crypto: node }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KmsWrapError);
    expect((error as KmsWrapError).code).toBe(ERROR_CODES.VERIFY_FAILED);
    expect((error as KmsWrapError).message).toContain("check that it is the wrapping key pair's private key");
  });

  it('refuses a tampered KWP part (RFC 5649 §4.2 integrity check)', async () => {
    const wrapper = createWrapper({ algorithms, crypto: node });
    const ok = await wrapper.wrap({ material: p256Material, wrappingPublicKey: spki('RSA_2048'), algorithm: 'RSA_AES_KEY_WRAP_SHA_256' });
    const bad = ok.ciphertext.slice();
    bad[bad.length - 3]! ^= 0x80;
    await expect(RSA_AES_KEY_WRAP_SHA_256.unwrap!({ ciphertext: bad, privateKey: pkcs8('RSA_2048'), crypto: node })).rejects.toThrow();
  });

  it('needs a provider that can decrypt and unwrap', async () => {
    const { aesKwpUnwrap: _drop, ...wrapOnly } = node;
    const error = await RSA_AES_KEY_WRAP_SHA_1.unwrap!({
      ciphertext: new Uint8Array(272),
      privateKey: new Uint8Array(1),
      crypto: wrapOnly,
    }).catch((e: unknown) => e);
    expect((error as KmsWrapError).code).toBe(ERROR_CODES.PROVIDER_UNSUPPORTED);
    expect((error as KmsWrapError).message).toMatch(
      /cannot unwrap RSA_AES_KEY_WRAP_SHA_1 — use a provider with rsaOaepDecrypt and aesKwpUnwrap/,
    );
  });
});

describe('refusals through the engine', () => {
  const wrapper = createWrapper({ algorithms, crypto: node });

  it('symmetric material is for RSAES_OAEP, and the message says so', async () => {
    const error = await wrapper
      .wrap({
        material: new Uint8Array(randomBytes(32)),
        wrappingPublicKey: spki('RSA_2048'),
        algorithm: 'RSA_AES_KEY_WRAP_SHA_256',
        keySpec: 'SYMMETRIC_DEFAULT',
      })
      .catch((e: unknown) => e);
    expect((error as KmsWrapError).code).toBe(ERROR_CODES.COMBINATION_REJECTED);
    expect((error as KmsWrapError).message).toContain('SYMMETRIC_DEFAULT material (symmetric) wrapped with RSA_AES_KEY_WRAP_SHA_256');
    expect((error as KmsWrapError).message).toMatch(/ — use RSAES_OAEP_SHA_256$/);
  });

  it('is not available in the China Regions: RSA material there goes with SM2PKE', async () => {
    const error = await wrapper
      .wrap({ material: rsaMaterial, wrappingPublicKey: spki('RSA_2048'), algorithm: 'RSA_AES_KEY_WRAP_SHA_256', region: 'cn-north-1' })
      .catch((e: unknown) => e);
    expect((error as KmsWrapError).code).toBe(ERROR_CODES.REGION_MISMATCH);
    expect((error as KmsWrapError).message).toContain('RSA_AES_KEY_WRAP_SHA_256 is not available in the AWS China Regions');
    expect((error as KmsWrapError).message).toContain('use SM2PKE with an SM2 wrapping key');
  });
});

describe('runtime neutrality', () => {
  const files = readdirSync(join(here, '..', 'src'))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(here, '..', 'src', f));

  it('finds the sources it checks', () => {
    expect(files.some((f) => f.endsWith('rsa-aes-key-wrap.ts'))).toBe(true);
  });

  for (const file of files) {
    it(`src/${file.split(/[\\/]/).pop()} imports no node:* module and uses no Node or DOM global`, () => {
      const code = readFileSync(file, 'utf8')
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
      expect(code).not.toMatch(/from\s+['"]node:|import\(\s*['"]node:|require\(/);
      expect(code).not.toMatch(/\b(Buffer|process|window|document|navigator|self|globalThis|TextEncoder|TextDecoder|atob|btoa)\b/);
    });
  }
});
