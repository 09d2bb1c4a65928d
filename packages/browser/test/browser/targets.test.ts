/**
 * wrapKeyMaterial's target option in Chromium — the same options as @kms-wrap/node's (one
 * type, in core): for Vault transit, Azure Key Vault and Google Cloud KMS it resolves to the
 * target's envelope (base64 text, the .byok JSON, the raw wrapped key), and the OpenSSL CLI, in
 * Node, unwraps what is inside to the exact material. The target's own rules and options refuse.
 */
import { ERROR_CODES, KmsWrapError } from '@kms-wrap/core';
import { bytesToText, fromBase64, toBase64, toHex } from '@kms-wrap/core/encoding';
import { describe, expect, inject, it } from 'vitest';
import { commands } from 'vitest/browser';
import { generateKeyMaterial, wrapKeyMaterial, type WrapKeyMaterialOptions } from '../../src/index.js';

const keys = inject('wrappingKeys');
const spki = (name: keyof typeof keys) => fromBase64(keys[name].spki)!;

async function refusal(p: Promise<unknown>): Promise<KmsWrapError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(KmsWrapError);
  return e as KmsWrapError;
}

const unwrap = async (algorithm: string, wrappingKey: 'RSA_2048' | 'RSA_3072' | 'RSA_4096', ciphertext: Uint8Array) =>
  toHex(fromBase64(await commands.opensslUnwrap({ algorithm, wrappingKey, ciphertext: toBase64(ciphertext) }))!);

describe('wrapKeyMaterial({ target })', () => {
  it("'vault': the base64 ciphertext Vault transit imports (its default hash_function, SHA256), which unwraps to the material", async () => {
    const material = await generateKeyMaterial('ECC_NIST_P256');
    const options: WrapKeyMaterialOptions = { target: 'vault', material, wrappingPublicKey: spki('RSA_4096') };
    const text = bytesToText(await wrapKeyMaterial(options));
    expect(text).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(await unwrap('RSA_AES_KEY_WRAP_SHA_256', 'RSA_4096', fromBase64(text)!)).toBe(toHex(material));
  });

  it("'azure': the .byok JSON naming the KEK, whose ciphertext unwraps to the material", async () => {
    const material = await generateKeyMaterial('RSA_2048');
    const kid = 'https://contoso-kv.vault.azure.net/keys/KEK/0123';
    const bytes = await wrapKeyMaterial({
      target: 'azure',
      material,
      wrappingPublicKey: spki('RSA_3072'),
      envelope: { options: { kekId: kid } },
    });
    const blob = JSON.parse(bytesToText(bytes)) as { header: { kid: string }; ciphertext: string };
    expect(blob.header.kid).toBe(kid);
    const ciphertext = fromBase64(blob.ciphertext.replace(/-/g, '+').replace(/_/g, '/'))!;
    expect(await unwrap('RSA_AES_KEY_WRAP_SHA_1', 'RSA_3072', ciphertext)).toBe(toHex(material));
  });

  it("'gcp': Cloud KMS's raw wrapped key with its own algorithm id; AWS KMS (the default) as before", async () => {
    const material = await generateKeyMaterial('SYMMETRIC_DEFAULT');
    const gcp = await wrapKeyMaterial({
      target: 'gcp',
      algorithm: 'RSA_OAEP_3072_SHA256',
      material,
      wrappingPublicKey: spki('RSA_3072'),
      keySpec: 'SYMMETRIC_DEFAULT',
    });
    expect(gcp).toHaveLength(384);
    expect(await unwrap('RSAES_OAEP_SHA_256', 'RSA_3072', gcp)).toBe(toHex(material));
    const aws = await wrapKeyMaterial({
      algorithm: 'RSAES_OAEP_SHA_256',
      material,
      wrappingPublicKey: spki('RSA_3072'),
      keySpec: 'SYMMETRIC_DEFAULT',
    });
    expect(await unwrap('RSAES_OAEP_SHA_256', 'RSA_3072', aws)).toBe(toHex(material));
  });

  it("the target's rules and options decide: an algorithm named in its own words, Azure's KEK id, what Vault imports", async () => {
    const material = await generateKeyMaterial('SYMMETRIC_DEFAULT');
    const none = await refusal(wrapKeyMaterial({ target: 'gcp', material, wrappingPublicKey: spki('RSA_3072') }));
    expect(none.code).toBe(ERROR_CODES.UNKNOWN_NAME);
    expect(none.message).toMatch(/^Google Cloud KMS needs an algorithm — use RSA_OAEP_3072_SHA256_AES_256, /);
    const kek = await refusal(
      wrapKeyMaterial({ target: 'azure', material, wrappingPublicKey: spki('RSA_3072'), keySpec: 'SYMMETRIC_DEFAULT' }),
    );
    expect(kek.code).toBe(ERROR_CODES.TARGET_OPTION_INVALID);
    expect(kek.message).toContain('Azure Key Vault needs --kek-id');
    // Vault's wrapping key is RSA_4096 only; AWS KMS would take this RSA_2048 one.
    const small = await refusal(
      wrapKeyMaterial({ target: 'vault', material, wrappingPublicKey: spki('RSA_2048'), keySpec: 'SYMMETRIC_DEFAULT' }),
    );
    expect(small.code).toBe(ERROR_CODES.PUBLIC_KEY_TYPE);
    expect(small.message).toBe('SHA256 needs an RSA_4096 wrapping key, and this one is RSA_2048 — use an RSA_4096 wrapping key');
    expect(
      await wrapKeyMaterial({
        algorithm: 'RSAES_OAEP_SHA_256',
        material,
        wrappingPublicKey: spki('RSA_2048'),
        keySpec: 'SYMMETRIC_DEFAULT',
      }),
    ).toHaveLength(256);
  });
});
