import { describe, expect, it } from 'vitest';
import { ERROR_CODES, KEY_SPEC_INFO, type CryptoProvider, type KeySpec, type Region } from '@kms-wrap/core';
import { describeKeyFile, generateKeyMaterial } from '../src/index.js';
import { nodeTestProvider, randomOnlyProvider } from './helpers/node-provider.js';
import { opensslCheck, opensslDescribe, opensslPkcs8FromDer, opensslSignVerify } from './helpers/openssl.js';
import { asyncRefusalOf, expectRefusalShape } from './helpers/refusal.js';

const crypto = nodeTestProvider();
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('generateKeyMaterial: raw symmetric and HMAC material', () => {
  const cases: [KeySpec, Region, number][] = [
    ['SYMMETRIC_DEFAULT', 'standard', 32],
    ['SYMMETRIC_DEFAULT', 'china', 16],
    ['HMAC_224', 'standard', 28],
    ['HMAC_256', 'standard', 32],
    ['HMAC_384', 'standard', 48],
    ['HMAC_512', 'standard', 64],
    ['HMAC_224', 'china', 28],
    ['HMAC_512', 'china', 64],
  ];
  it.each(cases)('%s in %s Regions is %i random bytes, different every time', async (spec, region, length) => {
    const a = await generateKeyMaterial(spec, { region, crypto });
    const b = await generateKeyMaterial(spec, { region, crypto });
    expect(a).toBeInstanceOf(Uint8Array);
    expect(a.length).toBe(length);
    expect(KEY_SPEC_INFO[spec].rawLength?.[region]).toBe(length);
    expect(hex(a)).not.toBe(hex(b));
    expect(describeKeyFile(a).candidates).toContain(spec);
  });

  it('takes the bytes from the provider, unchanged', async () => {
    const fixed = new Uint8Array(32).map((_, i) => i);
    const provider = nodeTestProvider({ randomBytes: (n) => fixed.slice(0, n) });
    expect(hex(await generateKeyMaterial('SYMMETRIC_DEFAULT', { crypto: provider }))).toBe(hex(fixed));
  });

  it('refuses a provider that returns the wrong number of random bytes', async () => {
    const provider = nodeTestProvider({ randomBytes: (n) => new Uint8Array(n - 1) });
    expectRefusalShape(await asyncRefusalOf(() => generateKeyMaterial('HMAC_256', { crypto: provider })), ERROR_CODES.OUTPUT_CHECK_FAILED);
  });
});

interface AsymmetricCase {
  readonly spec: KeySpec;
  readonly region: Region;
  readonly kind: 'rsa' | 'ec' | 'sm2';
  /** What `openssl pkey -text` prints about the key type and size. */
  readonly openssl: RegExp;
}

const ASYMMETRIC: readonly AsymmetricCase[] = [
  { spec: 'RSA_2048', region: 'standard', kind: 'rsa', openssl: /Private-Key: \(2048 bit, 2 primes\)[\s\S]*publicExponent: 65537/ },
  { spec: 'RSA_3072', region: 'standard', kind: 'rsa', openssl: /Private-Key: \(3072 bit, 2 primes\)[\s\S]*publicExponent: 65537/ },
  {
    spec: 'ECC_NIST_P256',
    region: 'standard',
    kind: 'ec',
    openssl: /Private-Key: \(256 bit\)[\s\S]*ASN1 OID: prime256v1[\s\S]*NIST CURVE: P-256/,
  },
  {
    spec: 'ECC_NIST_P384',
    region: 'standard',
    kind: 'ec',
    openssl: /Private-Key: \(384 bit\)[\s\S]*ASN1 OID: secp384r1[\s\S]*NIST CURVE: P-384/,
  },
  {
    spec: 'ECC_NIST_P521',
    region: 'standard',
    kind: 'ec',
    openssl: /Private-Key: \(521 bit\)[\s\S]*ASN1 OID: secp521r1[\s\S]*NIST CURVE: P-521/,
  },
  { spec: 'ECC_SECG_P256K1', region: 'standard', kind: 'ec', openssl: /Private-Key: \(256 bit\)[\s\S]*ASN1 OID: secp256k1/ },
  { spec: 'SM2', region: 'china', kind: 'sm2', openssl: /Private-Key: \(256 bit\)[\s\S]*ASN1 OID: SM2/ },
];

describe('generateKeyMaterial: private keys as PKCS#8 DER, checked by OpenSSL', () => {
  // One key per spec serves both tests below (RSA generation is the slow part of this suite).
  const first = new Map<KeySpec, Promise<Uint8Array>>();
  const firstKey = (c: AsymmetricCase): Promise<Uint8Array> => {
    if (!first.has(c.spec)) first.set(c.spec, generateKeyMaterial(c.spec, { region: c.region, crypto }));
    return first.get(c.spec)!;
  };

  it.each(ASYMMETRIC)(
    '$spec: OpenSSL re-encodes it to identical bytes, reads the right key type, checks, signs and verifies',
    async (c) => {
      const der = await firstKey(c);
      expect(hex(opensslPkcs8FromDer(der))).toBe(hex(der));
      expect(opensslDescribe(der)).toMatch(c.openssl);
      expect(opensslCheck(der)).toBe(true);
      expect(opensslSignVerify(der, c.kind)).toBe(true);
      const info = describeKeyFile(der);
      expect(info).toMatchObject({ keySpec: c.spec, format: 'pkcs8-der', importable: true, canonical: true });
    },
  );

  it.each(ASYMMETRIC)('$spec: two runs never give the same key', async (c) => {
    const a = await firstKey(c);
    const b = await generateKeyMaterial(c.spec, { region: c.region, crypto });
    expect(hex(a)).not.toBe(hex(b));
  });

  it('RSA_4096: OpenSSL re-encodes it to identical bytes, checks, signs and verifies', async () => {
    const der = await generateKeyMaterial('RSA_4096', { crypto });
    expect(hex(opensslPkcs8FromDer(der))).toBe(hex(der));
    expect(opensslDescribe(der)).toMatch(/Private-Key: \(4096 bit, 2 primes\)[\s\S]*publicExponent: 65537/);
    expect(opensslCheck(der)).toBe(true);
    expect(opensslSignVerify(der, 'rsa')).toBe(true);
  });

  it('accepts key spec names as users type them (ecc-nist-p256)', async () => {
    const der = await generateKeyMaterial('ecc-nist-p256', { crypto });
    expect(describeKeyFile(der).keySpec).toBe('ECC_NIST_P256');
  });

  it.each(['ECC_NIST_P256', 'ECC_NIST_P384', 'ECC_NIST_P521'] as const)(
    '%s from a provider that cannot generate EC keys: noble makes the key from provider randomness, OpenSSL accepts it',
    async (spec) => {
      const der = await generateKeyMaterial(spec, { crypto: randomOnlyProvider() });
      expect(hex(opensslPkcs8FromDer(der))).toBe(hex(der));
      expect(opensslCheck(der)).toBe(true);
      expect(opensslSignVerify(der, 'ec')).toBe(true);
    },
  );
});

describe('generateKeyMaterial: randomness comes from the provider only, and is zeroed', () => {
  function fixedProvider(fill: number, handedOut: Uint8Array[]): CryptoProvider {
    return nodeTestProvider({
      randomBytes: (n) => {
        const b = new Uint8Array(n).fill(fill);
        handedOut.push(b);
        return b;
      },
    });
  }

  it.each([
    ['ECC_SECG_P256K1', 'standard'],
    ['SM2', 'china'],
    ['ECC_NIST_P384', 'standard'],
  ] as const)('%s: the same provider bytes give the same key; the seed buffer is zeroed afterwards', async (spec, region) => {
    const seeds: Uint8Array[] = [];
    const provider = { ...fixedProvider(0x5a, seeds), generateEcKey: undefined };
    const a = await generateKeyMaterial(spec, { region, crypto: provider });
    const b = await generateKeyMaterial(spec, { region, crypto: provider });
    expect(hex(a)).toBe(hex(b));
    const other = await generateKeyMaterial(spec, { region, crypto: { ...fixedProvider(0xa5, []), generateEcKey: undefined } });
    expect(hex(other)).not.toBe(hex(a));
    expect(seeds.length).toBe(2);
    for (const s of seeds) expect(s.every((x) => x === 0)).toBe(true);
    expect(opensslCheck(a)).toBe(true);
  });
});

describe('generateKeyMaterial: refusals', () => {
  it('refuses SM2 outside the China Regions with the way out', async () => {
    for (const options of [{ crypto }, { crypto, region: 'standard' as const }]) {
      const e = expectRefusalShape(await asyncRefusalOf(() => generateKeyMaterial('SM2', options)), ERROR_CODES.REGION_MISMATCH);
      expect(e.message).toBe("SM2 key material can be imported only in the AWS China Regions — set region: 'china'");
    }
    const cli = expectRefusalShape(
      await asyncRefusalOf(() => generateKeyMaterial('SM2', { crypto, surface: 'command-line' })),
      ERROR_CODES.REGION_MISMATCH,
    );
    expect(cli.message).toBe('SM2 key material can be imported only in the AWS China Regions — pass --region china');
  });

  it('accepts AWS China Region names for the region', async () => {
    const der = await generateKeyMaterial('SM2', { crypto, region: 'cn-north-1' as Region });
    expect(describeKeyFile(der).keySpec).toBe('SM2');
    expect((await generateKeyMaterial('SYMMETRIC_DEFAULT', { crypto, region: 'cn-northwest-1' as Region })).length).toBe(16);
  });

  it.each([
    ['ML_DSA_65', ERROR_CODES.KEY_SPEC_UNSUPPORTED, /ML-DSA/],
    ['RSA_1024', ERROR_CODES.KEY_SPEC_UNSUPPORTED, /RSA_2048/],
    ['AES_256', ERROR_CODES.UNKNOWN_NAME, /not a KMS key spec/],
    ['', ERROR_CODES.UNKNOWN_NAME, /not a KMS key spec/],
  ] as const)('refuses key spec %j', async (spec, code, why) => {
    const e = expectRefusalShape(await asyncRefusalOf(() => generateKeyMaterial(spec, { crypto })), code);
    expect(e.message).toMatch(why);
  });

  it('refuses RSA specs when the provider cannot generate RSA keys', async () => {
    const e = expectRefusalShape(
      await asyncRefusalOf(() => generateKeyMaterial('RSA_2048', { crypto: randomOnlyProvider() })),
      ERROR_CODES.PROVIDER_UNSUPPORTED,
    );
    expect(e.message).toMatch(/cannot generate RSA keys/);
  });

  it('refuses a provider that returns an RSA key of the wrong size', async () => {
    const small = nodeTestProvider();
    const provider = nodeTestProvider({ generateRsaKey: () => small.generateRsaKey!(2048) });
    expectRefusalShape(await asyncRefusalOf(() => generateKeyMaterial('RSA_3072', { crypto: provider })), ERROR_CODES.OUTPUT_CHECK_FAILED);
  });

  it('refuses a provider that returns an EC key on another curve', async () => {
    const real = nodeTestProvider();
    const provider = nodeTestProvider({ generateEcKey: () => real.generateEcKey!('P-384') });
    expectRefusalShape(
      await asyncRefusalOf(() => generateKeyMaterial('ECC_NIST_P256', { crypto: provider })),
      ERROR_CODES.OUTPUT_CHECK_FAILED,
    );
  });

  it('turns a provider failure into a KmsWrapError', async () => {
    const provider = nodeTestProvider({ generateRsaKey: async () => Promise.reject(new TypeError('boom')) });
    const e = expectRefusalShape(
      await asyncRefusalOf(() => generateKeyMaterial('RSA_2048', { crypto: provider })),
      ERROR_CODES.PROVIDER_UNSUPPORTED,
    );
    expect(e.cause).toBeInstanceOf(TypeError);
  });
});
