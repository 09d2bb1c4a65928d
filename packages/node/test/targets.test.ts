/**
 * The target option of the Node API: standardWrapper(target) and wrapKeyMaterial({ target })
 * resolve to the target's envelope; AWS KMS (the default) to the wrapped bytes as before.
 */
import { constants, createDecipheriv, generateKeyPairSync, privateDecrypt } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, KmsWrapError } from '@kms-wrap/core';
import { AZURE_KEY_VAULT_RULES, GCP_KMS_RULES } from '@kms-wrap/core/internal';
import { loadStandardAlgorithm, standardWrapper, wrapKeyMaterial } from '../src/index.js';

const kek = generateKeyPairSync('rsa', { modulusLength: 3072 });
const pem = kek.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const material = new Uint8Array(ec.privateKey.export({ type: 'pkcs8', format: 'der' }));

/** RSA part (384 bytes) → AES key with OAEP; KWP part → material (RFC 5649, id-aes256-wrap-pad). */
function unwrap(wrapped: Uint8Array, hash: 'sha1' | 'sha256'): Uint8Array {
  const aes = privateDecrypt({ key: kek.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash }, wrapped.subarray(0, 384));
  const d = createDecipheriv('id-aes256-wrap-pad', aes, Buffer.from('A65959A6', 'hex'));
  return new Uint8Array(Buffer.concat([d.update(wrapped.subarray(384)), d.final()]));
}

describe('the target option of @kms-wrap/node', () => {
  it('standardWrapper(target): one wrapper per target, over the same installed plugins', async () => {
    const [aws, gcp, again] = await Promise.all([standardWrapper(), standardWrapper('gcp'), standardWrapper('google')]);
    expect(aws.target).toBeUndefined();
    expect(gcp.target?.id).toBe('gcp');
    expect(again).toBe(gcp);
    expect([...gcp.algorithms.keys()].sort()).toEqual([...aws.algorithms.keys()].sort());
  });

  it("wrapKeyMaterial({ target: 'azure' }) resolves to the .byok JSON; its ciphertext unwraps to the material", async () => {
    const kid = 'https://contoso-kv.vault.azure.net/keys/KEK/0123';
    const bytes = await wrapKeyMaterial({ target: 'azure', material, wrappingPublicKey: pem, envelope: { options: { kekId: kid } } });
    const blob = JSON.parse(Buffer.from(bytes).toString('utf8')) as { header: { kid: string }; ciphertext: string };
    expect(blob.header.kid).toBe(kid);
    expect(unwrap(new Uint8Array(Buffer.from(blob.ciphertext, 'base64url')), 'sha1')).toEqual(material);
  });

  it("wrapKeyMaterial({ target: 'gcp' }) resolves to the raw wrapped key; AWS KMS's result is unchanged in shape", async () => {
    const gcp = await wrapKeyMaterial({ target: 'gcp', algorithm: 'RSA_OAEP_3072_SHA256_AES_256', material, wrappingPublicKey: pem });
    expect(unwrap(gcp, 'sha256')).toEqual(material);
    const aws = await wrapKeyMaterial({ algorithm: 'RSA_AES_KEY_WRAP_SHA_1', material, wrappingPublicKey: pem });
    expect(unwrap(aws, 'sha1')).toEqual(material);
  });

  it('a target with no default algorithm needs one, named in its own words', async () => {
    const e = await wrapKeyMaterial({ target: 'gcp', material, wrappingPublicKey: pem }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(KmsWrapError);
    expect((e as KmsWrapError).code).toBe(ERROR_CODES.UNKNOWN_NAME);
    expect((e as KmsWrapError).message).toMatch(/^Google Cloud KMS needs an algorithm — use RSA_OAEP_3072_SHA256_AES_256, /);
  });

  it("loadStandardAlgorithm(id, rules) gives the plugin of the rule's construction", async () => {
    expect((await loadStandardAlgorithm('RSA_OAEP_4096_SHA256', GCP_KMS_RULES))?.id).toBe('RSAES_OAEP_SHA_256');
    expect((await loadStandardAlgorithm('CKM_RSA_AES_KEY_WRAP', AZURE_KEY_VAULT_RULES))?.id).toBe('RSA_AES_KEY_WRAP_SHA_1');
    expect((await loadStandardAlgorithm('RSAES_OAEP_SHA_1'))?.id).toBe('RSAES_OAEP_SHA_1');
  });
});
