import { describe, expect, it } from 'vitest';
import { ERROR_CODES, KEY_SPECS, KEY_SPEC_INFO, type KeySpec } from '@kms-wrap/core';
import { describeKeyFile, generateKeyMaterial } from '../src/index.js';
import { nodeTestProvider } from './helpers/node-provider.js';
import { opensslEcKey, opensslRsaKey, opensslSec1Variants } from './helpers/openssl-keys.js';
import { expectRefusal } from './helpers/refusal.js';

const crypto = nodeTestProvider();

describe('describeKeyFile: private keys', () => {
  it.each([
    ['P-256', 'ECC_NIST_P256', 'ec', 256],
    ['P-384', 'ECC_NIST_P384', 'ec', 384],
    ['P-521', 'ECC_NIST_P521', 'ec', 521],
    ['secp256k1', 'ECC_SECG_P256K1', 'ec', 256],
    ['SM2', 'SM2', 'sm2', 256],
  ] as const)('OpenSSL %s key: spec, type, bits, and importable only as canonical PKCS#8 DER', (curve, spec, type, bits) => {
    const key = opensslEcKey(curve);
    const regions = KEY_SPEC_INFO[spec].regions;
    expect(describeKeyFile(key.canonical)).toEqual({
      format: 'pkcs8-der',
      type,
      keySpec: spec,
      candidates: [spec],
      curve: KEY_SPEC_INFO[spec].curve,
      bits,
      length: key.canonical.length,
      regions,
      importable: true,
      canonical: true,
    });
    for (const form of ['pkcs8-pem', 'sec1-pem', 'sec1-der', 'jwk'] as const) {
      const info = describeKeyFile(key.forms[form]!);
      expect(info).toMatchObject({ format: form, keySpec: spec, importable: false, canonical: false });
      expect(info.advice).toMatch(/KMS takes binary PKCS#8 DER — convert it/);
    }
  });

  it('RSA 2048 in PKCS#8 DER, PKCS#1 PEM and JWK', () => {
    const key = opensslRsaKey(2048);
    expect(describeKeyFile(key.canonical)).toMatchObject({
      type: 'rsa',
      keySpec: 'RSA_2048',
      bits: 2048,
      importable: true,
      canonical: true,
      regions: ['standard', 'china'],
    });
    expect(describeKeyFile(key.forms['pkcs1-pem']!)).toMatchObject({ format: 'pkcs1-pem', keySpec: 'RSA_2048', importable: false });
    expect(describeKeyFile(key.forms['pkcs1-der']!)).toMatchObject({ format: 'pkcs1-der', keySpec: 'RSA_2048', importable: false });
    expect(describeKeyFile(key.forms.jwk!)).toMatchObject({ format: 'jwk', keySpec: 'RSA_2048', importable: false });
  });

  it('PKCS#8 DER without the EC public key: importable, but not canonical, with advice', () => {
    const key = opensslEcKey('P-256');
    const { input } = opensslSec1Variants(key)['PKCS#8 DER without the public key (openssl keeps the omission)']!;
    const info = describeKeyFile(input);
    expect(info).toMatchObject({ format: 'pkcs8-der', keySpec: 'ECC_NIST_P256', importable: true, canonical: false });
    expect(info.advice).toMatch(/re-encode it to canonical PKCS#8 DER/);
  });

  it.each(KEY_SPECS.filter((s) => KEY_SPEC_INFO[s].kind !== 'symmetric' && KEY_SPEC_INFO[s].kind !== 'hmac' && s !== 'RSA_4096'))(
    'generated %s material is described as that spec',
    async (spec: KeySpec) => {
      const der = await generateKeyMaterial(spec, { crypto, region: spec === 'SM2' ? 'china' : 'standard' });
      expect(describeKeyFile(der)).toMatchObject({
        keySpec: spec,
        candidates: [spec],
        importable: true,
        canonical: true,
        length: der.length,
      });
    },
  );
});

describe('describeKeyFile: raw symmetric and HMAC material, known by length', () => {
  it.each([
    [16, ['SYMMETRIC_DEFAULT'], ['china'], 'SYMMETRIC_DEFAULT'],
    [28, ['HMAC_224'], ['standard', 'china'], 'HMAC_224'],
    [32, ['SYMMETRIC_DEFAULT', 'HMAC_256'], ['standard', 'china'], undefined],
    [48, ['HMAC_384'], ['standard', 'china'], 'HMAC_384'],
    [64, ['HMAC_512'], ['standard', 'china'], 'HMAC_512'],
  ] as const)('%i bytes: %j', (length, candidates, regions, keySpec) => {
    const info = describeKeyFile(crypto.randomBytes(length));
    expect(info).toMatchObject({ format: 'raw', type: 'raw', candidates, regions, importable: true, bits: length * 8, length });
    expect(info.keySpec).toBe(keySpec);
    if (candidates.length > 1) expect(info.advice).toMatch(/name the key spec/);
    if (length === 16) expect(info.advice).toMatch(/China Regions/);
  });

  it('binary data of no key spec length is refused with the lengths', () => {
    const e = expectRefusal(() => describeKeyFile(crypto.randomBytes(20).map((b) => b | 0x80)), ERROR_CODES.MATERIAL_INVALID);
    expect(e.message).toMatch(/16, 28, 32, 48 or 64 bytes/);
  });
});
