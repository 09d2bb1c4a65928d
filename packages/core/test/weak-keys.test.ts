/**
 * Weak and odd wrapping keys, through the engine: each is refused with its code before any
 * plugin runs (the provider records every call, and must see none). What wrapping-public-key
 * .test.ts already covers at parse time (RSA 1024; 2047, 2056, 2560, 3000, 4095, 4104 and 8192
 * bit moduli; e = 1, even e, an even modulus; EC and Ed25519 keys; a bad SM2 point length) is
 * not repeated here; this file adds the remaining sizes and shapes, negative and non-DER
 * integers, every non-RSA key for every RSA algorithm and RSA keys for SM2PKE, and SM2 points
 * not on the curve through the engine with the real SM2PKE plugin.
 */
import { fileURLToPath } from 'node:url';
import * as asn1js from 'asn1js';
import { describe, expect, it } from 'vitest';
import {
  ERROR_CODES,
  KmsWrapError,
  createWrapper,
  parseWrappingPublicKey,
  type CryptoProvider,
  type WrappingAlgorithm,
} from '../src/index.js';
import { keys } from './keys.js';
import { STAND_INS } from './plugins.js';

const k = await keys();

/** A provider that records every call: a refusal must come before any of them. */
const calls: string[] = [];
const recording: CryptoProvider = {
  name: 'recording',
  randomBytes: (n) => (calls.push('randomBytes'), new Uint8Array(n)),
  rsaOaepEncrypt: async () => (calls.push('rsaOaepEncrypt'), new Uint8Array(256)),
  aesKwpWrap: async () => (calls.push('aesKwpWrap'), new Uint8Array(40)),
};

/**
 * The real SM2PKE plugin, from @kms-wrap/sm2pke's source (core cannot depend on it: sm2pke
 * depends on core). Its errors are @kms-wrap/core's from dist, so they are compared by code.
 */
const SM2PKE_SOURCE = fileURLToPath(new URL('../../sm2pke/src/index.ts', import.meta.url));
const { SM2PKE } = (await import(/* @vite-ignore */ SM2PKE_SOURCE)) as { SM2PKE: WrappingAlgorithm };
const wrapper = createWrapper({ algorithms: [...STAND_INS.filter((a) => a.id !== 'SM2PKE'), SM2PKE], crypto: recording });

const material32 = Uint8Array.from({ length: 32 }, (_, i) => i + 1);

async function refused(request: {
  wrappingPublicKey: Uint8Array | string;
  algorithm: string;
  material?: Uint8Array;
  region?: string;
}): Promise<{ code: string; message: string }> {
  calls.length = 0;
  const error = await wrapper
    .wrap({ material: request.material ?? material32, keySpec: request.material ? undefined : 'SYMMETRIC_DEFAULT', ...request })
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  expect(error, 'the wrap was not refused').toBeDefined();
  const e = error as { name: string; code: string; message: string };
  expect(e.name).toBe('KmsWrapError');
  expect(e.message).toMatch(/\S — \S/);
  expect(calls, 'the provider was used before the refusal').toEqual([]);
  return e;
}

/** DER INTEGER content for an unsigned value (a 0x00 before a high bit). */
const unsigned = (b: Uint8Array) => ((b[0]! & 0x80) !== 0 ? Uint8Array.from([0, ...b]) : b);

/** SubjectPublicKeyInfo { rsaEncryption NULL, RSAPublicKey { n, e } } with the INTEGER contents exactly as given. */
function rsaSpki(modulusContent: Uint8Array, exponentContent: Uint8Array): Uint8Array {
  const inner = new asn1js.Sequence({
    value: [new asn1js.Integer({ valueHex: modulusContent }), new asn1js.Integer({ valueHex: exponentContent })],
  });
  const spki = new asn1js.Sequence({
    value: [
      new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: '1.2.840.113549.1.1.1' }), new asn1js.Null()] }),
      new asn1js.BitString({ valueHex: inner.toBER() }),
    ],
  });
  return new Uint8Array(spki.toBER());
}

const modulus2048 = parseWrappingPublicKey(k.rsa2048.spki).rsa!.modulus;
/** An odd modulus of exactly `bits` bits (the parser checks size and shape, not primality). */
function modulusOfBits(bits: number): Uint8Array {
  const bytes = new Uint8Array(Math.ceil(bits / 8)).fill(0x5b);
  bytes[0] = 1 << ((bits - 1) % 8);
  bytes[bytes.length - 1] = 0x5b;
  return bytes;
}
const E65537 = Uint8Array.of(1, 0, 1);

describe('RSA wrapping keys under 2048 bits, or of a size KMS does not issue, are refused before the plugin', () => {
  for (const bits of [512, 1024, 2040, 2047, 2049, 2056, 3071, 3073, 4097]) {
    it(`a ${bits}-bit modulus → ERR_PUBLIC_KEY_WEAK, naming ${bits} bits`, async () => {
      const e = await refused({ wrappingPublicKey: rsaSpki(unsigned(modulusOfBits(bits)), E65537), algorithm: 'RSAES_OAEP_SHA_256' });
      expect(e.code).toBe(ERROR_CODES.PUBLIC_KEY_WEAK);
      expect(e.message).toContain(`${bits} bits`);
      expect(e.message).toMatch(bits < 2048 ? /under the 2048 bits KMS uses/ : /not a wrapping key spec KMS issues \(2048, 3072, 4096\)/);
    });
  }

  it('the real RSA 1024 key from node:crypto, with every RSA algorithm', async () => {
    for (const algorithm of ['RSAES_OAEP_SHA_256', 'RSAES_OAEP_SHA_1', 'RSA_AES_KEY_WRAP_SHA_256', 'RSA_AES_KEY_WRAP_SHA_1']) {
      const material = algorithm.startsWith('RSA_AES') ? k.p256.pkcs8 : undefined;
      expect((await refused({ wrappingPublicKey: k.rsa1024.spki, algorithm, ...(material ? { material } : {}) })).code).toBe(
        ERROR_CODES.PUBLIC_KEY_WEAK,
      );
    }
  });
});

describe('public exponents: 1, even, zero, as large as the modulus → ERR_PUBLIC_KEY_WEAK', () => {
  const cases: [string, Uint8Array][] = [
    ['e = 1', Uint8Array.of(1)],
    ['e = 0', Uint8Array.of(0)],
    ['e = 2', Uint8Array.of(2)],
    ['e = 65536', Uint8Array.of(1, 0, 0)],
    ['e as long as n', unsigned(modulus2048)],
  ];
  for (const [name, e] of cases) {
    it(name, async () => {
      const error = await refused({ wrappingPublicKey: rsaSpki(unsigned(modulus2048), e), algorithm: 'RSAES_OAEP_SHA_256' });
      expect(error.code).toBe(ERROR_CODES.PUBLIC_KEY_WEAK);
      expect(error.message).toMatch(/public exponent/);
    });
  }
});

describe('public exponents other than 65537 (valid RSA, but no KMS wrapping key) → ERR_PUBLIC_KEY_WEAK, naming the exponent', () => {
  const modulus4096 = unsigned(modulusOfBits(4096));
  const cases: [string, Uint8Array, Uint8Array, RegExp][] = [
    ['e = 3', unsigned(modulus2048), Uint8Array.of(3), /public exponent is 3; AWS KMS wrapping keys use 65537/],
    ['e = 17', unsigned(modulus2048), Uint8Array.of(17), /public exponent is 17; AWS KMS wrapping keys use 65537/],
    ['e = 65539', unsigned(modulus2048), Uint8Array.of(1, 0, 3), /public exponent is 65539; AWS KMS wrapping keys use 65537/],
    [
      'a 2047-bit e on RSA_2048',
      unsigned(modulus2048),
      unsigned(modulusOfBits(2047)),
      /public exponent is a 2047-bit number; AWS KMS wrapping keys use 65537/,
    ],
    [
      'a 65-bit e on RSA_4096',
      modulus4096,
      unsigned(modulusOfBits(65)),
      /public exponent is a 65-bit number; AWS KMS wrapping keys use 65537/,
    ],
  ];
  for (const [name, n, e, message] of cases) {
    it(name, async () => {
      const error = await refused({ wrappingPublicKey: rsaSpki(n, e), algorithm: 'RSAES_OAEP_SHA_256' });
      expect(error.code).toBe(ERROR_CODES.PUBLIC_KEY_WEAK);
      expect(error.message).toMatch(message);
      expect(() => parseWrappingPublicKey(rsaSpki(n, e))).toThrow(KmsWrapError);
    });
  }

  it('e = 65537 is accepted', () => {
    expect(parseWrappingPublicKey(rsaSpki(unsigned(modulus2048), E65537)).spec).toBe('RSA_2048');
  });
});

describe('INTEGERs that are not DER non-negative values → ERR_PUBLIC_KEY_INVALID (OpenSSL would encrypt under them)', () => {
  const cases: [string, Uint8Array, Uint8Array][] = [
    ['a negative modulus (sign bit set, no leading zero)', modulus2048, E65537],
    ['a negative exponent', unsigned(modulus2048), Uint8Array.of(0x81, 0, 1)],
    ['a modulus with a needless leading zero octet', Uint8Array.from([0, ...unsigned(modulus2048)]), E65537],
    ['an exponent with a needless leading zero octet', unsigned(modulus2048), Uint8Array.of(0, 1, 0, 1)],
  ];
  for (const [name, n, e] of cases) {
    it(name, async () => {
      const error = await refused({ wrappingPublicKey: rsaSpki(n, e), algorithm: 'RSAES_OAEP_SHA_256' });
      expect(error.code).toBe(ERROR_CODES.PUBLIC_KEY_INVALID);
      // A needless leading zero is not DER at all, and der.ts says so with its offset.
      expect(error.message).toMatch(/negative or not in DER form|is not DER: a non-minimal INTEGER at byte \d+/);
    });
  }
});

describe('non-RSA keys for RSA algorithms, and RSA keys for SM2PKE', () => {
  const nonRsa: [string, Uint8Array, string][] = [
    ['EC P-256', k.p256.spki, ERROR_CODES.PUBLIC_KEY_TYPE],
    ['EC P-384', k.p384.spki, ERROR_CODES.PUBLIC_KEY_TYPE],
    ['EC secp256k1', k.secp256k1.spki, ERROR_CODES.PUBLIC_KEY_TYPE],
    ['Ed25519', k.ed25519.spki, ERROR_CODES.PUBLIC_KEY_TYPE],
  ];
  for (const algorithm of ['RSAES_OAEP_SHA_256', 'RSAES_OAEP_SHA_1', 'RSA_AES_KEY_WRAP_SHA_256', 'RSA_AES_KEY_WRAP_SHA_1']) {
    for (const [name, spki, code] of nonRsa) {
      it(`${name} with ${algorithm} → ${code}`, async () => {
        expect((await refused({ wrappingPublicKey: spki, algorithm, material: k.p256.pkcs8 })).code).toBe(code);
      });
    }
    it(`an SM2 key with ${algorithm}, in China → refused, naming the RSA wrapping key it needs`, async () => {
      const e = await refused({ wrappingPublicKey: k.sm2.spki, algorithm, material: k.p256.pkcs8, region: 'china' });
      expect([ERROR_CODES.PUBLIC_KEY_TYPE, ERROR_CODES.COMBINATION_REJECTED, ERROR_CODES.REGION_MISMATCH]).toContain(e.code);
      expect(e.message).toMatch(/RSA/);
    });
  }

  it('an RSA key with SM2PKE, in China → refused', async () => {
    const e = await refused({ wrappingPublicKey: k.rsa4096.spki, algorithm: 'SM2PKE', material: k.p256.pkcs8, region: 'china' });
    expect([ERROR_CODES.PUBLIC_KEY_TYPE, ERROR_CODES.COMBINATION_REJECTED]).toContain(e.code);
    expect(e.message).toMatch(/SM2/);
  });
});

describe('SM2 points not on the curve, through the engine with the SM2PKE plugin', () => {
  const point = k.sm2.spki.subarray(k.sm2.spki.length - 65);
  /** The SM2 SPKI with its 65-byte point replaced (same length, so the DER around it holds). */
  const withPoint = (p: Uint8Array) => Uint8Array.from([...k.sm2.spki.subarray(0, k.sm2.spki.length - 65), ...p]);
  const P = Buffer.from('fffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffff', 'hex');

  it('the unmodified key is accepted (the cases below differ from it in the point only)', () => {
    expect(point[0]).toBe(0x04);
    calls.length = 0;
    expect(
      wrapper.check({ material: k.p256.pkcs8, wrappingPublicKey: k.sm2.spki, algorithm: 'SM2PKE', region: 'china' }).wrappingKey.spec,
    ).toBe('SM2');
  });

  const cases: [string, () => Uint8Array, RegExp][] = [
    ['y with its last bit flipped', () => point.map((v, i) => (i === 64 ? v ^ 1 : v)), /not on the curve sm2p256v1/],
    ['x with a bit flipped', () => point.map((v, i) => (i === 10 ? v ^ 0x10 : v)), /not on the curve sm2p256v1/],
    ['x = p (a coordinate out of the field)', () => Uint8Array.from([0x04, ...P, ...point.subarray(33)]), /not on the curve/],
    ['all-zero coordinates', () => Uint8Array.from([0x04, ...new Uint8Array(64)]), /not on the curve|infinity/],
    [
      'the P-256 generator (a point of another curve)',
      () =>
        Buffer.from(
          '046b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c2964fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5',
          'hex',
        ),
      /not on the curve/,
    ],
    ['the hybrid form (prefix 0x06)', () => point.map((v, i) => (i === 0 ? 0x06 : v)), /hybrid/],
    ['an unknown prefix (0x05)', () => point.map((v, i) => (i === 0 ? 0x05 : v)), /not an uncompressed/],
  ];
  for (const [name, make, why] of cases) {
    it(`${name} → ERR_PUBLIC_KEY_INVALID`, async () => {
      const e = await refused({ wrappingPublicKey: withPoint(make()), algorithm: 'SM2PKE', material: k.p256.pkcs8, region: 'china' });
      expect(e.code).toBe(ERROR_CODES.PUBLIC_KEY_INVALID);
      expect(e.message).toMatch(why);
    });
  }

  it('check() refuses it the same way (what the CLI and batch run before writing anything)', () => {
    const bad = withPoint(point.map((v, i) => (i === 64 ? v ^ 1 : v)));
    let error: unknown;
    try {
      wrapper.check({ material: k.p256.pkcs8, wrappingPublicKey: bad, algorithm: 'SM2PKE', region: 'china' });
    } catch (e) {
      error = e;
    }
    expect((error as KmsWrapError).code).toBe(ERROR_CODES.PUBLIC_KEY_INVALID);
  });
});
