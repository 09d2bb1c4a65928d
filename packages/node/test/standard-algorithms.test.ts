/** Finding the standard algorithm packages, and the one-call wrapKeyMaterial. */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AWS_KMS_RULES, ERROR_CODES, KmsWrapError, KMS_ALGORITHM_IDS } from '@kms-wrap/core';
import { RSAES_OAEP_SHA_256 } from '@kms-wrap/rsaes-oaep';
import { loadInstalledAlgorithms, loadStandardAlgorithm, wrapKeyMaterial } from '../src/index.js';

describe('loadStandardAlgorithm', () => {
  for (const id of ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256', 'RSA_AES_KEY_WRAP_SHA_1', 'RSA_AES_KEY_WRAP_SHA_256'] as const) {
    it(`finds ${id} in ${AWS_KMS_RULES.algorithms[id]!.packageName}`, async () => {
      const plugin = await loadStandardAlgorithm(id);
      expect(plugin?.id).toBe(id);
      expect(plugin?.packageName).toBe(AWS_KMS_RULES.algorithms[id]!.packageName);
      expect(typeof plugin?.wrap).toBe('function');
    });
  }

  it('gives the same plugin object as the package exports (one instance)', async () => {
    expect(await loadStandardAlgorithm('RSAES_OAEP_SHA_256')).toBe(RSAES_OAEP_SHA_256);
  });

  it('gives undefined for ids it does not know', async () => {
    expect(await loadStandardAlgorithm('XOR_DEMO')).toBeUndefined();
    expect(await loadStandardAlgorithm('RSAES_PKCS1_V1_5')).toBeUndefined();
    expect(await loadStandardAlgorithm('rsaes_oaep_sha_256')).toBeUndefined();
  });
});

describe('loadInstalledAlgorithms', () => {
  it('finds every standard plugin installed in the workspace, each once', async () => {
    const ids = (await loadInstalledAlgorithms()).map((a) => a.id);
    expect(ids).toEqual(
      expect.arrayContaining(['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256', 'RSA_AES_KEY_WRAP_SHA_1', 'RSA_AES_KEY_WRAP_SHA_256']),
    );
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(KMS_ALGORITHM_IDS as readonly string[]).toContain(id);
  });
});

describe('wrapKeyMaterial', () => {
  const spki = new Uint8Array(generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'der' }));

  it('takes the algorithm id in any case and the public key as PEM text', async () => {
    const pem = `-----BEGIN PUBLIC KEY-----\n${Buffer.from(spki).toString('base64').replace(/.{64}/g, '$&\n')}\n-----END PUBLIC KEY-----\n`;
    const out = await wrapKeyMaterial({
      material: new Uint8Array(randomBytes(48)),
      wrappingPublicKey: pem,
      algorithm: ' rsaes_oaep_sha_256 ',
    });
    expect(out.length).toBe(256);
  });

  it('names the unknown algorithm and lists the known ones', async () => {
    const e = await wrapKeyMaterial({
      material: new Uint8Array(randomBytes(48)),
      wrappingPublicKey: spki,
      algorithm: 'RSAES_OAEP_SHA_512',
    }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(KmsWrapError);
    expect((e as KmsWrapError).code).toBe(ERROR_CODES.UNKNOWN_NAME);
    expect((e as KmsWrapError).message).toMatch(
      /^'RSAES_OAEP_SHA_512' is not a wrapping algorithm AWS KMS accepts — use RSA_AES_KEY_WRAP_SHA_256, .*RSAES_OAEP_SHA_1/,
    );
  });

  it('refuses RSAES_PKCS1_V1_5 with the date KMS stopped taking it', async () => {
    const e = await wrapKeyMaterial({
      material: new Uint8Array(randomBytes(48)),
      wrappingPublicKey: spki,
      algorithm: 'RSAES_PKCS1_V1_5',
    }).catch((x: unknown) => x);
    expect((e as KmsWrapError).code).toBe(ERROR_CODES.ALGORITHM_DEPRECATED);
    expect((e as KmsWrapError).message).toContain('10 October 2023');
    expect((e as KmsWrapError).message).toContain('use RSAES_OAEP_SHA_256');
  });

  it('asks for the key spec of 32 raw bytes only when the algorithm cares: both fit RSAES_OAEP', async () => {
    const out = await wrapKeyMaterial({
      material: new Uint8Array(randomBytes(32)),
      wrappingPublicKey: spki,
      algorithm: 'RSAES_OAEP_SHA_1',
    });
    expect(out.length).toBe(256);
  });
});
