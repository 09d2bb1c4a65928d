/** RSAES_OAEP_* on their own: capacity from RFC 8017, the provider calls, refusals through the engine. */
import { constants, generateKeyPairSync, privateDecrypt, randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { ERROR_CODES, KmsWrapError, createWrapper, type CryptoProvider, type OaepHash } from '@kms-wrap/core';
import { createNodeCryptoProvider } from '@kms-wrap/node';
import { RSAES_OAEP_SHA_1, RSAES_OAEP_SHA_256, algorithms, modulusBytes, oaepCapacity } from '../src/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const node = createNodeCryptoProvider();

const rsa2048 = generateKeyPairSync('rsa', { modulusLength: 2048 });
const spki2048 = new Uint8Array(rsa2048.publicKey.export({ type: 'spki', format: 'der' }));
const p521 = new Uint8Array(generateKeyPairSync('ec', { namedCurve: 'secp521r1' }).privateKey.export({ type: 'pkcs8', format: 'der' }));
const rsaMaterial = new Uint8Array(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'der' }));

describe('capacity (RFC 8017 §7.1.1: mLen <= k - 2hLen - 2)', () => {
  const table: [string, number, number, number][] = [
    // spec, k, SHA-1, SHA-256: the numbers in DESIGN.md
    ['RSA_2048', 256, 214, 190],
    ['RSA_3072', 384, 342, 318],
    ['RSA_4096', 512, 470, 446],
  ];
  for (const [spec, k, sha1, sha256] of table) {
    it(`${spec}: k = ${k}, ${sha1} bytes with SHA-1, ${sha256} with SHA-256`, () => {
      expect(modulusBytes(spec as 'RSA_2048')).toBe(k);
      expect(oaepCapacity(spec as 'RSA_2048', 'SHA-1')).toBe(k - 2 * 20 - 2);
      expect(RSAES_OAEP_SHA_1.capacity(spec as 'RSA_2048')).toBe(sha1);
      expect(RSAES_OAEP_SHA_256.capacity(spec as 'RSA_2048')).toBe(sha256);
      expect(RSAES_OAEP_SHA_256.outputLength(spec as 'RSA_2048', 32)).toBe(k);
      expect(RSAES_OAEP_SHA_1.outputLength(spec as 'RSA_2048', 64)).toBe(k);
    });
  }

  it('is 0 under an SM2 wrapping key (never)', () => {
    expect(RSAES_OAEP_SHA_1.capacity('SM2')).toBe(0);
    expect(RSAES_OAEP_SHA_256.capacity('SM2')).toBe(0);
  });
});

describe('the plugins', () => {
  it('are exported in preference order with their ids and package name', () => {
    expect(algorithms.map((a) => a.id)).toEqual(['RSAES_OAEP_SHA_256', 'RSAES_OAEP_SHA_1']);
    for (const a of algorithms) {
      expect(a.packageName).toBe('@kms-wrap/rsaes-oaep');
      expect(a.wrappingKeyType).toBe('rsa');
    }
  });

  for (const [plugin, hash, nodeHash] of [
    [RSAES_OAEP_SHA_256, 'SHA-256', 'sha256'],
    [RSAES_OAEP_SHA_1, 'SHA-1', 'sha1'],
  ] as const) {
    it(`${plugin.id} asks the provider for RSA-OAEP with ${hash}, and node:crypto decrypts it with ${nodeHash}`, async () => {
      const rsaOaepEncrypt = vi.fn(node.rsaOaepEncrypt);
      const crypto: CryptoProvider = { ...node, rsaOaepEncrypt };
      const material = new Uint8Array(randomBytes(32));
      const wrapper = createWrapper({ algorithms: [plugin], crypto });
      const { ciphertext } = await wrapper.wrap({
        material,
        wrappingPublicKey: spki2048,
        algorithm: plugin.id,
        keySpec: 'SYMMETRIC_DEFAULT',
      });
      expect(rsaOaepEncrypt).toHaveBeenCalledTimes(1);
      expect(rsaOaepEncrypt.mock.calls[0]![1]).toBe(hash as OaepHash);
      const plain = privateDecrypt({ key: rsa2048.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: nodeHash }, ciphertext);
      expect(new Uint8Array(plain)).toEqual(material);
    });
  }

  it('unwrap needs a provider that can decrypt', async () => {
    const { rsaOaepDecrypt: _drop, ...wrapOnly } = node;
    const error = await RSAES_OAEP_SHA_256.unwrap!({
      ciphertext: new Uint8Array(256),
      privateKey: new Uint8Array(1),
      crypto: wrapOnly,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KmsWrapError);
    expect((error as KmsWrapError).code).toBe(ERROR_CODES.PROVIDER_UNSUPPORTED);
    expect((error as KmsWrapError).message).toMatch(/cannot decrypt RSA-OAEP — use a provider with rsaOaepDecrypt/);
  });
});

describe('refusals through the engine', () => {
  const wrapper = createWrapper({ algorithms, crypto: node });

  it('ECC_NIST_P521 under RSA_2048 does not fit either hash, and the message says by how much and what to use', async () => {
    expect(p521.length).toBe(241);
    for (const [plugin, max] of [
      [RSAES_OAEP_SHA_256, 190],
      [RSAES_OAEP_SHA_1, 214],
    ] as const) {
      const spy = vi.spyOn(plugin, 'wrap');
      const error = await wrapper.wrap({ material: p521, wrappingPublicKey: spki2048, algorithm: plugin.id }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(KmsWrapError);
      const { code, message } = error as KmsWrapError;
      expect(code).toBe(ERROR_CODES.CAPACITY_EXCEEDED);
      expect(message).toContain('ECC_NIST_P521 material (241 bytes)');
      expect(message).toContain(`(${max} bytes at most)`);
      expect(message).toMatch(/ — use RSA_AES_KEY_WRAP_SHA_256, or an RSA_3072 or RSA_4096 wrapping key$/);
      expect(spy).not.toHaveBeenCalled();
      spy.mockRestore();
    }
  });

  it('RSA private key material is for RSA_AES_KEY_WRAP, and the message says so', async () => {
    const error = await wrapper
      .wrap({ material: rsaMaterial, wrappingPublicKey: spki2048, algorithm: 'RSAES_OAEP_SHA_256' })
      .catch((e: unknown) => e);
    expect((error as KmsWrapError).code).toBe(ERROR_CODES.COMBINATION_REJECTED);
    expect((error as KmsWrapError).message).toContain('RSA_2048 material (RSA private key)');
    expect((error as KmsWrapError).message).toMatch(/ — use RSA_AES_KEY_WRAP_SHA_256$/);
  });
});

describe('runtime neutrality', () => {
  const sources = (dir: string) =>
    readdirSync(dir)
      .filter((f) => f.endsWith('.ts'))
      .map((f) => join(dir, f));
  const files = [...sources(join(here, '..', 'src')), ...sources(join(here, '..', '..', '..', 'tools', 'conformance', 'src'))];

  it('finds the sources it checks', () => {
    expect(files.some((f) => f.endsWith('rsaes-oaep.ts'))).toBe(true);
    expect(files.some((f) => f.includes(join('conformance', 'src')))).toBe(true);
  });

  for (const file of files) {
    it(`${file.split(/[\\/]/).slice(-3).join('/')} imports no node:* module and uses no Node or DOM global`, () => {
      const code = stripComments(readFileSync(file, 'utf8'));
      expect(code).not.toMatch(/from\s+['"]node:|import\(\s*['"]node:|require\(/);
      expect(code).not.toMatch(/\b(Buffer|process|window|document|navigator|self|globalThis|TextEncoder|TextDecoder|atob|btoa)\b/);
    });
  }
});

function stripComments(code: string): string {
  return code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}
