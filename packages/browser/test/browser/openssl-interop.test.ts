/**
 * What the browser wraps, OpenSSL unwraps. For every key spec and region, material is
 * generated here in Chromium (@kms-wrap/keygen over the WebCrypto provider), wrapped with
 * wrapKeyMaterial under every wrapping key (OpenSSL's RSA_2048/3072/4096 and SM2) with
 * every algorithm KMS accepts for it, and the OpenSSL CLI, in Node, unwraps each result to
 * the exact material. The accepted sets are written out here from the AWS KMS tables, so the
 * rules are checked too: everything else must be refused, with a reason.
 */
import { KEY_SPECS, KEY_SPEC_INFO, createWrapper, type KeySpec, type Region } from '@kms-wrap/core';
import { fromBase64, toBase64, toHex } from '@kms-wrap/core/encoding';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { commands } from 'vitest/browser';
import { createWebCryptoProvider, generateKeyMaterial, loadInstalledAlgorithms, wrapKeyMaterial } from '../../src/index.js';
import type {} from '../setup/context.js';

type WrappingKeyName = 'RSA_2048' | 'RSA_3072' | 'RSA_4096' | 'SM2';
const WRAPPING_KEYS: readonly WrappingKeyName[] = ['RSA_2048', 'RSA_3072', 'RSA_4096', 'SM2'];
const RSA_KEYS = ['RSA_2048', 'RSA_3072', 'RSA_4096'] as const;

const OAEP = ['RSAES_OAEP_SHA_256', 'RSAES_OAEP_SHA_1'];
const KWP = ['RSA_AES_KEY_WRAP_SHA_256', 'RSA_AES_KEY_WRAP_SHA_1'];

/** The AWS KMS developer guide's table, per region: material kind → wrapping key → algorithms. */
function expected(region: Region, spec: KeySpec, key: WrappingKeyName): string[] {
  const kind = KEY_SPEC_INFO[spec].kind;
  if (key === 'SM2') return region === 'china' && (kind === 'rsa' || kind === 'ecc' || kind === 'sm2') ? ['SM2PKE'] : [];
  // OAEP capacity k - 2hLen - 2 is 190/214 bytes under RSA_2048: too small for P-521 PKCS#8.
  const oaep = spec === 'ECC_NIST_P521' && key === 'RSA_2048' ? [] : OAEP;
  if (region === 'standard') {
    if (kind === 'symmetric' || kind === 'hmac') return OAEP;
    if (kind === 'rsa') return KWP;
    if (kind === 'ecc') return [...KWP, ...oaep];
    return [];
  }
  // China Regions: no RSA_AES_KEY_WRAP; RSA private keys only with SM2PKE.
  if (kind === 'symmetric' || kind === 'hmac') return OAEP;
  if (kind === 'ecc' || kind === 'sm2') return oaep;
  return [];
}

const keys = inject('wrappingKeys');
const spki = (name: WrappingKeyName) => fromBase64(keys[name].spki)!;

for (const region of ['standard', 'china'] as const) {
  describe(`${region} region`, () => {
    const specs = KEY_SPECS.filter((s) => KEY_SPEC_INFO[s].regions.includes(region));
    let judge: ReturnType<typeof createWrapper>;
    beforeAll(async () => {
      judge = createWrapper({ algorithms: await loadInstalledAlgorithms(), crypto: createWebCryptoProvider() });
    });

    for (const spec of specs) {
      it(`${spec}: generated in the browser, wrapped with every accepted algorithm, unwrapped by OpenSSL`, async () => {
        const material = await generateKeyMaterial(spec, { region });
        const info = KEY_SPEC_INFO[spec];
        const raw = info.rawLength?.[region];
        if (raw !== undefined) {
          expect(material).toHaveLength(raw);
        } else {
          // Canonical PKCS#8 DER: OpenSSL re-encodes it byte for byte.
          expect(await commands.opensslReencodePkcs8(toBase64(material))).toBe(toBase64(material));
        }
        let unwrapped = 0;
        for (const key of WRAPPING_KEYS) {
          const options = judge.options({ material, wrappingPublicKey: spki(key), keySpec: spec, region });
          const accepted = options.filter((o) => o.accepted).map((o) => o.algorithm);
          expect(accepted, `${region} ${spec} under ${key}`).toEqual(expected(region, spec, key));
          for (const o of options) {
            const request = { material, wrappingPublicKey: spki(key), algorithm: o.algorithm, keySpec: spec, region };
            if (!o.accepted) {
              expect(o.reason).toMatch(/ — /);
              await expect(wrapKeyMaterial(request)).rejects.toThrow(o.reason!);
              continue;
            }
            const ciphertext = await wrapKeyMaterial(request);
            const plaintext = await commands.opensslUnwrap({ algorithm: o.algorithm, wrappingKey: key, ciphertext: toBase64(ciphertext) });
            expect(toHex(fromBase64(plaintext)!), `${o.algorithm} under ${key}`).toBe(toHex(material));
            unwrapped++;
          }
        }
        expect(unwrapped).toBe(WRAPPING_KEYS.reduce((n, key) => n + expected(region, spec, key).length, 0));
        material.fill(0);
      });
    }
  });
}

describe('keys OpenSSL made', () => {
  const materials = inject('opensslMaterials');
  for (const [spec, der] of Object.entries(materials)) {
    const region: Region = spec === 'SM2' ? 'china' : 'standard';
    const key: WrappingKeyName = region === 'china' ? 'SM2' : 'RSA_4096';
    const algorithm = region === 'china' ? 'SM2PKE' : 'RSA_AES_KEY_WRAP_SHA_256';
    it(`wraps an OpenSSL ${spec} private key with ${algorithm} under ${key}, and OpenSSL unwraps it`, async () => {
      const material = fromBase64(der)!;
      const ciphertext = await wrapKeyMaterial({ material, wrappingPublicKey: spki(key), algorithm, region });
      const plaintext = await commands.opensslUnwrap({ algorithm, wrappingKey: key, ciphertext: toBase64(ciphertext) });
      expect(plaintext).toBe(der);
    });
  }

  it('takes the wrapping public key as base64 and as PEM too', async () => {
    const material = await generateKeyMaterial('SYMMETRIC_DEFAULT');
    const b64 = keys.RSA_3072.spki;
    const pem = `-----BEGIN PUBLIC KEY-----\n${b64.match(/.{1,64}/g)!.join('\n')}\n-----END PUBLIC KEY-----\n`;
    for (const wrappingPublicKey of [b64, pem]) {
      const ct = await wrapKeyMaterial({ material, wrappingPublicKey, algorithm: 'RSAES_OAEP_SHA_1' });
      expect(ct).toHaveLength(384);
      const plaintext = await commands.opensslUnwrap({ algorithm: 'RSAES_OAEP_SHA_1', wrappingKey: 'RSA_3072', ciphertext: toBase64(ct) });
      expect(plaintext).toBe(toBase64(material));
    }
  });
});

it('covers RSA_2048, RSA_3072 and RSA_4096 wrapping keys', () => {
  expect(Object.keys(keys).sort()).toEqual([...RSA_KEYS, 'SM2'].sort());
});
