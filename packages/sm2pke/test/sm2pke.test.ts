/** The SM2PKE plugin object: its declarations, fresh k, tamper detection, key checks, randomness. */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES, isKmsWrapError, type WrappingPublicKey } from '@kms-wrap/core';
import { concatBytes, derTlv, derUnsignedInteger } from '@kms-wrap/core/encoding';
import { _decodeSm2Cipher } from '../src/ciphertext.js';
import { sm2p256v1 } from '@kms-wrap/sm2';
import { SM2PKE, algorithms, sm2Decrypt, sm2Encrypt } from '../src/index.js';
import { countingProvider, fixedK, hex, opensslSm2KeyPair, tempDir, type Sm2KeyPair, type TempDir } from './helpers.js';

let dir: TempDir;
let keys: Sm2KeyPair;

beforeAll(() => {
  dir = tempDir();
  keys = opensslSm2KeyPair(dir);
});
afterAll(() => dir.remove());

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (e: unknown) => e,
  );
}

function expectRefusal(error: unknown, code: string): void {
  expect(isKmsWrapError(error)).toBe(true);
  const e = error as Error & { code: string };
  expect(e.code).toBe(code);
  expect(e.message).toMatch(/^[^\n]+ — [^\n]+$/);
}

describe('SM2PKE declarations', () => {
  it('is the SM2PKE id for sm2 wrapping keys, in the algorithms array', () => {
    expect(SM2PKE.id).toBe('SM2PKE');
    expect(SM2PKE.packageName).toBe('@kms-wrap/sm2pke');
    expect(SM2PKE.wrappingKeyType).toBe('sm2');
    expect(algorithms).toEqual([SM2PKE]);
  });

  it('has capacity only under an SM2 wrapping key', () => {
    expect(SM2PKE.capacity('SM2')).toBeGreaterThanOrEqual(4096);
    for (const spec of ['RSA_2048', 'RSA_3072', 'RSA_4096'] as const) expect(SM2PKE.capacity(spec)).toBe(0);
  });

  it('gives an output length range that every wrap falls in', async () => {
    const crypto = countingProvider();
    for (const length of [1, 16, 32, 100, 127, 128, 129, 1217, 70_000 - 4466]) {
      const [min, max] = SM2PKE.outputLength('SM2', length) as readonly [number, number];
      expect(min).toBeLessThanOrEqual(max);
      for (let i = 0; i < 4; i++) {
        const out = await SM2PKE.wrap({ material: randomBytes(length), wrappingKey: keys.wrappingKey, crypto });
        expect(out.length).toBeGreaterThanOrEqual(min);
        expect(out.length).toBeLessThanOrEqual(max);
      }
    }
  });

  it('gives the range ends from the extreme INTEGER sizes (x = 0 and a full 33-byte INTEGER)', () => {
    for (const length of [1, 16, 127, 128, 200, 256, 65536]) {
      const c3 = new Uint8Array(32);
      const c2 = new Uint8Array(length);
      const encode = (x: Uint8Array): number =>
        derTlv(0x30, concatBytes(derUnsignedInteger(x), derUnsignedInteger(x), derTlv(0x04, c3), derTlv(0x04, c2))).length;
      expect(SM2PKE.outputLength('SM2', length)).toEqual([encode(new Uint8Array(32)), encode(new Uint8Array(32).fill(0xff))]);
    }
  });
});

describe('SM2PKE.wrap', () => {
  it('gives a different ciphertext each time for the same material (fresh k), both unwrapping', async () => {
    const crypto = countingProvider();
    const material = randomBytes(32);
    const a = await SM2PKE.wrap({ material, wrappingKey: keys.wrappingKey, crypto });
    const b = await SM2PKE.wrap({ material, wrappingKey: keys.wrappingKey, crypto });
    expect(hex(a)).not.toBe(hex(b));
    const ca = _decodeSm2Cipher(a, (why) => {
      throw new Error(why);
    });
    const cb = _decodeSm2Cipher(b, (why) => {
      throw new Error(why);
    });
    expect(hex(ca.x1)).not.toBe(hex(cb.x1));
    expect(hex(ca.c2)).not.toBe(hex(cb.c2));
    for (const ciphertext of [a, b]) {
      expect(hex(await SM2PKE.unwrap!({ ciphertext, privateKey: keys.pkcs8, crypto }))).toBe(hex(material));
    }
  });

  it("draws its randomness from the provider's randomBytes, and from nothing else", async () => {
    const crypto = countingProvider();
    const material = randomBytes(32);
    await SM2PKE.wrap({ material, wrappingKey: keys.wrappingKey, crypto });
    expect(crypto.calls).toEqual([40]);
    // the same provider stream gives the same ciphertext: no other source is used
    const seed = randomBytes(40);
    const replay = (): ReturnType<typeof countingProvider> => countingProvider(() => Uint8Array.from(seed));
    const a = await SM2PKE.wrap({ material, wrappingKey: keys.wrappingKey, crypto: replay() });
    const b = await SM2PKE.wrap({ material, wrappingKey: keys.wrappingKey, crypto: replay() });
    expect(hex(a)).toBe(hex(b));
  });

  it('leaves the material unchanged and does not keep the random bytes', async () => {
    const material = randomBytes(64);
    const copy = Buffer.from(material);
    const drawn: Uint8Array[] = [];
    const crypto = countingProvider((n) => {
      const bytes = randomBytes(n);
      drawn.push(bytes);
      return bytes;
    });
    await SM2PKE.wrap({ material, wrappingKey: keys.wrappingKey, crypto });
    expect(Buffer.compare(material, copy)).toBe(0);
    expect(drawn.every((b) => b.every((v) => v === 0))).toBe(true);
  });

  it('refuses empty material and a provider that returns the wrong number of bytes', async () => {
    expectRefusal(
      await rejection(SM2PKE.wrap({ material: new Uint8Array(0), wrappingKey: keys.wrappingKey, crypto: countingProvider() })),
      ERROR_CODES.MATERIAL_INVALID,
    );
    const short = countingProvider((n) => randomBytes(n - 1));
    expectRefusal(
      await rejection(SM2PKE.wrap({ material: randomBytes(16), wrappingKey: keys.wrappingKey, crypto: short })),
      ERROR_CODES.PROVIDER_UNSUPPORTED,
    );
  });

  it('reproduces the published example on the recommended curve (GB/T 32918.5-2017), and decrypts it', () => {
    // d_B, k, M and C1 ‖ C3 ‖ C2 as published (also openHiTLS's CMVP self-test vector)
    const d = Buffer.from('3945208f7b2144b13f36e38ac6d39f95889393692860b51a42fb81ef4df7c5b8', 'hex');
    const k = 0x59276e27d506861a16680f3ad9c02dccef3cc1fa3cdbe4ce6d54b80deac1bc21n;
    const m = new TextEncoder().encode('encryption standard');
    const c1 =
      '04ebfc718e8d1798620432268e77feb6415e2ede0e073c0f4f640ecd2e149a73' +
      'e858f9d81e5430a57b36daab8f950a3c64e6ee6a63094d99283aff767e124df0';
    const c3 = '59983c18f809e262923c53aec295d30383b54e39d609d160afcb1908d0bd8766';
    const c2 = '21886ca989ca9c7d58087307ca93092d651efa';
    const publicPoint = sm2p256v1.Point.BASE.multiply(BigInt(`0x${d.toString('hex')}`)).toBytes(false);
    const der = sm2Encrypt(publicPoint, m, fixedK(k));
    const c = _decodeSm2Cipher(der, (why) => {
      throw new Error(why);
    });
    expect(hex(c.x1) + hex(c.y1)).toBe(c1);
    expect(hex(c.c3)).toBe(c3);
    expect(hex(c.c2)).toBe(c2);
    expect(new TextDecoder().decode(sm2Decrypt(d, der))).toBe('encryption standard');
  });
});

describe('SM2PKE.checkWrappingKey', () => {
  const withPoint = (point: Uint8Array): WrappingPublicKey => ({ ...keys.wrappingKey, ec: { curve: 'sm2p256v1', point } });

  it('accepts the OpenSSL key, uncompressed and compressed', () => {
    expect(() => SM2PKE.checkWrappingKey!(keys.wrappingKey)).not.toThrow();
    const compressed = sm2p256v1.Point.fromBytes(keys.wrappingKey.ec!.point).toBytes(true);
    expect(() => SM2PKE.checkWrappingKey!(withPoint(compressed))).not.toThrow();
  });

  const bad: Array<[string, () => Uint8Array, RegExp]> = [
    [
      'a point off the curve',
      () => Uint8Array.from(keys.wrappingKey.ec!.point).map((v, i) => (i === 64 ? v ^ 1 : v)),
      /not on the curve sm2p256v1/,
    ],
    ['a compressed x with no point on the curve', () => findBadCompressed(), /not on the curve sm2p256v1/],
    [
      'a coordinate ≥ p',
      () => Uint8Array.from([0x04, ...new Uint8Array(32).fill(0xff), ...keys.wrappingKey.ec!.point.subarray(33)]),
      /not on the curve/,
    ],
    ['the point at infinity', () => Uint8Array.of(0), /point at infinity/],
    ['an empty point', () => new Uint8Array(0), /is empty/],
    ['a truncated point', () => keys.wrappingKey.ec!.point.subarray(0, 64), /not an uncompressed/],
    ['a hybrid point', () => Uint8Array.from(keys.wrappingKey.ec!.point).map((v, i) => (i === 0 ? 0x06 : v)), /hybrid/],
    [
      'a P-256 generator',
      () =>
        Buffer.from(
          '046b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c2964fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5',
          'hex',
        ),
      /not on the curve/,
    ],
  ];
  for (const [name, point, message] of bad) {
    it(`refuses ${name} with ERR_PUBLIC_KEY_INVALID, naming no key bytes`, async () => {
      const key = withPoint(point());
      let error: unknown;
      try {
        SM2PKE.checkWrappingKey!(key);
      } catch (e) {
        error = e;
      }
      expectRefusal(error, ERROR_CODES.PUBLIC_KEY_INVALID);
      expect((error as Error).message).toMatch(message);
      if (key.ec!.point.length > 8) expect((error as Error).message).not.toContain(hex(key.ec!.point).slice(2, 18));
      // wrap refuses it the same way, even if the engine's check were skipped
      expectRefusal(
        await rejection(SM2PKE.wrap({ material: randomBytes(16), wrappingKey: key, crypto: countingProvider() })),
        ERROR_CODES.PUBLIC_KEY_INVALID,
      );
    });
  }

  it('refuses an RSA wrapping key with ERR_PUBLIC_KEY_TYPE', () => {
    const rsa: WrappingPublicKey = {
      spec: 'RSA_2048',
      type: 'rsa',
      spki: new Uint8Array(0),
      rsa: { modulus: new Uint8Array(256), publicExponent: Uint8Array.of(1, 0, 1), bits: 2048 },
    };
    expect(() => SM2PKE.checkWrappingKey!(rsa)).toThrow(expect.objectContaining({ code: ERROR_CODES.PUBLIC_KEY_TYPE }));
  });
});

/** 0x02 ‖ x for the smallest x ≥ 1 that is not the x of any sm2p256v1 point. */
function findBadCompressed(): Uint8Array {
  for (let x = 1; x < 1000; x++) {
    const bytes = new Uint8Array(33);
    bytes[0] = 0x02;
    bytes[32] = x;
    try {
      sm2p256v1.Point.fromBytes(bytes);
    } catch {
      return bytes;
    }
  }
  throw new Error('every small x is on the curve?');
}

describe('SM2PKE.unwrap refuses altered ciphertexts', () => {
  const crypto = countingProvider();
  let ciphertext: Uint8Array;
  beforeAll(async () => {
    ciphertext = await SM2PKE.wrap({ material: randomBytes(40), wrappingKey: keys.wrappingKey, crypto });
  });

  const flipAt =
    (offsetFromEnd: (c: Uint8Array) => number) =>
    (c: Uint8Array): Uint8Array => {
      const out = Uint8Array.from(c);
      out[offsetFromEnd(c)]! ^= 0x01;
      return out;
    };
  // the tail is 04 20 C3 (32 bytes) 04 28 C2 (40 bytes)
  const alterations: Array<[string, (c: Uint8Array) => Uint8Array, RegExp]> = [
    ['a bit of C3', flipAt((c) => c.length - 42 - 5), /C3 does not match/],
    ['a bit of C2', flipAt((c) => c.length - 1), /C3 does not match/],
    ['the first bit of C2', flipAt((c) => c.length - 40), /C3 does not match/],
    ['a bit of y1 (C1 off the curve)', flipAt((c) => c.length - 42 - 34 - 1), /not a point on sm2p256v1/],
    ['a truncated ciphertext', (c) => c.subarray(0, c.length - 1), /not a DER SM2Cipher \(.*truncated/],
    ['a trailing byte', (c) => concatBytes(c, Uint8Array.of(0)), /not a DER SM2Cipher \(it has 1 bytes after its DER value\)/],
    ['an empty input', () => new Uint8Array(0), /not a DER SM2Cipher \(it is empty\)/],
    [
      'an indefinite length',
      (c) => concatBytes(Uint8Array.of(0x30, 0x80), c.subarray(c[1] === 0x81 ? 3 : 2), Uint8Array.of(0, 0)),
      /indefinite/,
    ],
    ['a C3 of 31 bytes', (c) => reencode(c, (x) => ({ ...x, c3: x.c3.subarray(1) })), /31 bytes, not 32/],
    ['an empty C2', (c) => reencode(c, (x) => ({ ...x, c2: new Uint8Array(0) })), /C2\) is empty/],
    [
      'a non-minimal INTEGER',
      (c) => reencode(c, (x) => ({ ...x, x1raw: derTlv(0x02, concatBytes(Uint8Array.of(0, 0), x.x1)) })),
      /not a DER SM2Cipher \(it is not DER: a non-minimal INTEGER at byte \d+\)/,
    ],
  ];

  for (const [name, alter, reason] of alterations) {
    it(`throws ERR_VERIFY_FAILED for ${name}`, async () => {
      const error = await rejection(SM2PKE.unwrap!({ ciphertext: alter(ciphertext), privateKey: keys.pkcs8, crypto }));
      expectRefusal(error, ERROR_CODES.VERIFY_FAILED);
      expect((error as Error).message).toMatch(reason);
    });
  }

  it('still unwraps the unaltered ciphertext', async () => {
    await expect(SM2PKE.unwrap!({ ciphertext, privateKey: keys.pkcs8, crypto })).resolves.toHaveLength(40);
  });
});

interface Parts {
  x1: Uint8Array;
  y1: Uint8Array;
  c3: Uint8Array;
  c2: Uint8Array;
  x1raw?: Uint8Array;
}

function reencode(der: Uint8Array, change: (p: Parts) => Parts): Uint8Array {
  const p = change({
    ..._decodeSm2Cipher(der, (why) => {
      throw new Error(why);
    }),
  });
  return derTlv(0x30, concatBytes(p.x1raw ?? derUnsignedInteger(p.x1), derUnsignedInteger(p.y1), derTlv(0x04, p.c3), derTlv(0x04, p.c2)));
}
