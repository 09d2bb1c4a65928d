/**
 * The convenience API in Chromium: wrapKeyMaterial and generateKeyMaterial with the bundled
 * standard plugins, refusals with their codes, and the File/Blob helpers.
 */
import { KEY_SPECS, KEY_SPEC_INFO, KmsWrapError, inspectMaterial } from '@kms-wrap/core';
import { fromBase64, toHex } from '@kms-wrap/core/encoding';
import { afterEach, describe, expect, inject, it, vi } from 'vitest';
import {
  MAX_INPUT_BYTES,
  downloadBytes,
  generateKeyMaterial,
  loadInstalledAlgorithms,
  loadStandardAlgorithm,
  readFileBytes,
  wrapKeyMaterial,
} from '../../src/index.js';
import { _importOptional, _isModuleNotFound } from '../../src/optional-import.js';

const keys = inject('wrappingKeys');
const spki = (name: keyof typeof keys) => fromBase64(keys[name].spki)!;

afterEach(() => vi.restoreAllMocks());

async function refusal(p: Promise<unknown>): Promise<KmsWrapError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(KmsWrapError);
  return e as KmsWrapError;
}

describe('standard algorithms', () => {
  it('finds every installed standard plugin, in KMS preference order', async () => {
    expect((await loadInstalledAlgorithms()).map((a) => a.id)).toEqual([
      'RSA_AES_KEY_WRAP_SHA_256',
      'RSA_AES_KEY_WRAP_SHA_1',
      'RSAES_OAEP_SHA_256',
      'RSAES_OAEP_SHA_1',
      'SM2PKE',
    ]);
    expect((await loadStandardAlgorithm('SM2PKE'))?.packageName).toBe('@kms-wrap/sm2pke');
    expect(await loadStandardAlgorithm('NO_SUCH_ALGORITHM')).toBeUndefined();
  });

  it('tells "not installed" apart from other import failures', async () => {
    const chromium = new TypeError(
      'Failed to resolve module specifier "@kms-wrap/sm2pke". Relative references must start with either "/", "./", or "../".',
    );
    const firefox = new TypeError('The specifier “@kms-wrap/sm2pke” was a bare specifier, but was not remapped to anything.');
    const node = Object.assign(new Error("Cannot find package '@kms-wrap/sm2pke'"), { code: 'ERR_MODULE_NOT_FOUND' });
    for (const e of [chromium, firefox, node]) expect(_isModuleNotFound(e, '@kms-wrap/sm2pke')).toBe(true);
    // A missing module of *another* package (a dependency of it), a chunk that did not load, or any other error is a real failure.
    expect(_isModuleNotFound(new TypeError('Failed to resolve module specifier "@noble/curves"'), '@kms-wrap/sm2pke')).toBe(false);
    expect(
      _isModuleNotFound(
        Object.assign(new Error("Cannot find package '@noble/curves' imported from /x/node_modules/@kms-wrap/sm2pke/dist/curve.js"), {
          code: 'ERR_MODULE_NOT_FOUND',
        }),
        '@kms-wrap/sm2pke',
      ),
    ).toBe(false);
    expect(
      _isModuleNotFound(new TypeError('Failed to fetch dynamically imported module: https://cdn.example/chunk-1.js'), '@kms-wrap/sm2pke'),
    ).toBe(false);
    expect(_isModuleNotFound(new SyntaxError('Unexpected token'), '@kms-wrap/sm2pke')).toBe(false);
    await expect(_importOptional('@kms-wrap/sm2pke', () => Promise.reject(chromium))).resolves.toBeUndefined();
    await expect(_importOptional('@kms-wrap/sm2pke', () => Promise.reject(new RangeError('boom')))).rejects.toThrow('boom');
    // And what this Chromium really throws for a package that is not there.
    const missing = '@kms-wrap/not-installed';
    await expect(_importOptional(missing, () => import(/* @vite-ignore */ missing))).resolves.toBeUndefined();
  });
});

describe('wrapKeyMaterial', () => {
  it('resolves to EncryptedKeyMaterial bytes of the expected length', async () => {
    const material = await generateKeyMaterial('HMAC_384');
    const oaep = await wrapKeyMaterial({
      material,
      wrappingPublicKey: spki('RSA_4096'),
      algorithm: 'rsaes_oaep_sha_256',
      keySpec: 'HMAC_384',
    });
    expect(oaep).toBeInstanceOf(Uint8Array);
    expect(oaep).toHaveLength(512);
    const p384 = await generateKeyMaterial('ECC_NIST_P384');
    const kwp = await wrapKeyMaterial({ material: p384, wrappingPublicKey: spki('RSA_2048'), algorithm: 'RSA_AES_KEY_WRAP_SHA_1' });
    expect(kwp).toHaveLength(256 + Math.ceil(p384.length / 8) * 8 + 8);
  });

  it('an option of the wrong type (algorithm: 1, target: 3) is ERR_ARGUMENT_INVALID with a sentence, not a TypeError', async () => {
    const material = new Uint8Array(32).fill(1);
    const e = await refusal(wrapKeyMaterial({ material, wrappingPublicKey: spki('RSA_4096'), algorithm: 1 } as never));
    expect(e.code).toBe('ERR_ARGUMENT_INVALID');
    expect(e.message).toMatch(/^algorithm must be .* not a number/);
    const t = await refusal(
      wrapKeyMaterial({ material, wrappingPublicKey: spki('RSA_4096'), algorithm: 'RSAES_OAEP_SHA_256', target: 3 } as never),
    );
    expect(t.code).toBe('ERR_ARGUMENT_INVALID');
    expect(t.message).toMatch(/^target must be/);
  });

  it('refuses RSAES_PKCS1_V1_5 and says since when', async () => {
    const e = await refusal(
      wrapKeyMaterial({
        material: new Uint8Array(32).fill(1),
        wrappingPublicKey: spki('RSA_4096'),
        algorithm: 'RSAES_PKCS1_V1_5',
        keySpec: 'SYMMETRIC_DEFAULT',
      }),
    );
    expect(e.code).toBe('ERR_ALGORITHM_DEPRECATED');
    expect(e.message).toContain('10 October 2023');
  });

  it('refuses ECC_NIST_P521 under RSA_2048 with RSAES_OAEP, computing the capacity, and names a way out that works', async () => {
    const material = await generateKeyMaterial('ECC_NIST_P521');
    const e = await refusal(wrapKeyMaterial({ material, wrappingPublicKey: spki('RSA_2048'), algorithm: 'RSAES_OAEP_SHA_256' }));
    expect(e.code).toBe('ERR_CAPACITY_EXCEEDED');
    expect(e.message).toContain(
      `(${material.length} bytes) does not fit RSAES_OAEP_SHA_256 under an RSA_2048 wrapping key (190 bytes at most)`,
    );
    expect(e.message).toMatch(/— use RSA_AES_KEY_WRAP_SHA_256, or an RSA_3072 or RSA_4096 wrapping key$/);
    // In the China Regions there is no RSA_AES_KEY_WRAP, and OAEP does not fit either: the way out is another key.
    const china = await refusal(
      wrapKeyMaterial({ material, wrappingPublicKey: spki('RSA_2048'), algorithm: 'RSA_AES_KEY_WRAP_SHA_256', region: 'cn-north-1' }),
    );
    expect(china.code).toBe('ERR_REGION_MISMATCH');
    expect(china.message).not.toMatch(/use RSAES_OAEP_SHA_(1|256)$/);
  });

  it('refuses SM2PKE outside the China Regions, and an SM2 key for an RSA algorithm', async () => {
    const material = fromBase64(inject('opensslMaterials').ECC_NIST_P256)!;
    const e = await refusal(wrapKeyMaterial({ material, wrappingPublicKey: spki('SM2'), algorithm: 'SM2PKE' }));
    expect(e.code).toBe('ERR_REGION_MISMATCH');
    const f = await refusal(
      wrapKeyMaterial({ material, wrappingPublicKey: spki('SM2'), algorithm: 'RSAES_OAEP_SHA_256', region: 'china' }),
    );
    expect(f.code).toBe('ERR_PUBLIC_KEY_TYPE');
  });

  it('refuses a private key given as the wrapping public key', async () => {
    const e = await refusal(
      wrapKeyMaterial({
        material: new Uint8Array(32),
        wrappingPublicKey: fromBase64(keys.RSA_2048.pkcs8)!,
        algorithm: 'RSAES_OAEP_SHA_256',
        keySpec: 'SYMMETRIC_DEFAULT',
      }),
    );
    expect(e.code).toBe('ERR_PUBLIC_KEY_IS_PRIVATE');
  });

  it('does not modify the material it is given', async () => {
    const material = await generateKeyMaterial('SYMMETRIC_DEFAULT');
    const copy = material.slice();
    await wrapKeyMaterial({ material, wrappingPublicKey: spki('RSA_3072'), algorithm: 'RSAES_OAEP_SHA_1' });
    expect(toHex(material)).toBe(toHex(copy));
  });
});

describe('generateKeyMaterial', () => {
  for (const spec of KEY_SPECS) {
    const region = KEY_SPEC_INFO[spec].regions.includes('standard') ? 'standard' : 'china';
    it(`makes ${spec} material that inspection recognises (${region})`, async () => {
      const material = await generateKeyMaterial(spec, { region });
      const info = inspectMaterial(material, { region, keySpec: spec });
      expect(info.keySpec).toBe(spec);
      expect(info.format).toBe(KEY_SPEC_INFO[spec].rawLength ? 'raw' : 'pkcs8-der');
    });
  }

  it('makes 16-byte SYMMETRIC_DEFAULT material in the China Regions', async () => {
    expect(await generateKeyMaterial('SYMMETRIC_DEFAULT', { region: 'china' })).toHaveLength(16);
  });

  it('refuses SM2 outside the China Regions, and names it cannot import', async () => {
    expect((await refusal(generateKeyMaterial('SM2'))).code).toBe('ERR_REGION_MISMATCH');
    expect((await refusal(generateKeyMaterial('ML_DSA_65'))).code).toBe('ERR_KEY_SPEC_UNSUPPORTED');
    expect((await refusal(generateKeyMaterial('ECC_NIST_P256', { region: 'moon' }))).code).toBe('ERR_UNKNOWN_NAME');
  });
});

describe('readFileBytes', () => {
  it('reads a File and a Blob whole', async () => {
    const bytes = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);
    expect(toHex(await readFileBytes(new File([bytes], 'WrappingPublicKey.bin')))).toBe(toHex(bytes));
    expect(toHex(await readFileBytes(new Blob([bytes])))).toBe(toHex(bytes));
  });

  it('refuses an empty file and one far larger than any key, naming it', async () => {
    const empty = await refusal(readFileBytes(new File([], 'ImportToken.bin'), 'the key material'));
    expect(empty.code).toBe('ERR_FILE_UNREADABLE');
    expect(empty.message).toBe('the key material file ImportToken.bin is empty — check that it was saved whole');
    const big = await refusal(readFileBytes(new Blob([new Uint8Array(MAX_INPUT_BYTES + 1)])));
    expect(big.message).toMatch(/^the file file is \d+ bytes, far larger than any key/);
  });
});

describe('downloadBytes', () => {
  it('offers the bytes as a file of that name, from an object URL', async () => {
    let clicked: HTMLAnchorElement | undefined;
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      clicked = this;
    });
    const bytes = Uint8Array.of(1, 2, 3, 250);
    downloadBytes(bytes, 'EncryptedKeyMaterial.bin');
    expect(clicked?.download).toBe('EncryptedKeyMaterial.bin');
    expect(clicked?.href).toMatch(/^blob:/);
    expect(clicked?.isConnected).toBe(false);
    const got = new Uint8Array(await (await fetch(clicked!.href)).arrayBuffer());
    expect(toHex(got)).toBe(toHex(bytes));
    // The caller's bytes are untouched (the page zeroes its own copy when it is done).
    expect(toHex(bytes)).toBe('010203fa');
  });
});
