/** What we wrap, the OpenSSL 3 CLI decrypts (`openssl pkeyutl -decrypt`), byte for byte. */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sm2p256v1 } from '@kms-wrap/sm2';
import { SM2PKE, sm2Encrypt } from '../src/index.js';
import {
  countingProvider,
  fixedK,
  opensslDecrypt,
  opensslPkcs8,
  opensslSm2KeyPair,
  tempDir,
  type Sm2KeyPair,
  type TempDir,
} from './helpers.js';

let dir: TempDir;
let keys: Sm2KeyPair;

beforeAll(() => {
  dir = tempDir();
  keys = opensslSm2KeyPair(dir);
});
afterAll(() => dir.remove());

describe('SM2PKE.wrap → openssl pkeyutl -decrypt', () => {
  const crypto = countingProvider();

  const materials: Array<[string, () => Uint8Array]> = [
    ['16 random bytes (SYMMETRIC_DEFAULT, China)', () => randomBytes(16)],
    ['32 random bytes', () => randomBytes(32)],
    ['an RSA_2048 PKCS#8 private key', () => opensslPkcs8(dir, ['-algorithm', 'rsa', '-pkeyopt', 'rsa_keygen_bits:2048'], 'rsa')],
    ['an ECC_NIST_P256 PKCS#8 private key', () => opensslPkcs8(dir, ['-algorithm', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'], 'p256')],
    ['an SM2 PKCS#8 private key', () => opensslPkcs8(dir, ['-algorithm', 'ec', '-pkeyopt', 'ec_paramgen_curve:sm2'], 'sm2m')],
  ];

  for (const [name, make] of materials) {
    it(`decrypts ${name}`, { timeout: 30_000 }, async () => {
      const material = make();
      const ciphertext = await SM2PKE.wrap({ material, wrappingKey: keys.wrappingKey, crypto });
      expect(Buffer.compare(opensslDecrypt(dir, keys, ciphertext), material)).toBe(0);
    });
  }

  it('decrypts lengths around the DER length-encoding boundaries, up to the capacity', { timeout: 60_000 }, async () => {
    for (const length of [1, 2, 31, 33, 63, 64, 65, 127, 128, 129, 255, 256, 257, 1000, 4096, SM2PKE.capacity('SM2')]) {
      const material = randomBytes(length);
      const ciphertext = await SM2PKE.wrap({ material, wrappingKey: keys.wrappingKey, crypto });
      expect(Buffer.compare(opensslDecrypt(dir, keys, ciphertext), material), `length ${length}`).toBe(0);
    }
  });

  it('decrypts when the public point comes compressed', async () => {
    const compressed = sm2p256v1.Point.fromBytes(keys.wrappingKey.ec!.point).toBytes(true);
    const wrappingKey = { ...keys.wrappingKey, ec: { curve: 'sm2p256v1' as const, point: compressed } };
    const material = randomBytes(48);
    const ciphertext = await SM2PKE.wrap({ material, wrappingKey, crypto });
    expect(Buffer.compare(opensslDecrypt(dir, keys, ciphertext), material)).toBe(0);
  });

  // Which k gives C1 = (x1, y1) whose DER INTEGER is short (a leading zero byte dropped) or
  // padded (a 0x00 before a high bit): found by walking kG, then used through sm2Encrypt.
  function findK(accept: (x1: Uint8Array, y1: Uint8Array) => boolean): bigint {
    let point = sm2p256v1.Point.BASE;
    for (let k = 1n; k < 100_000n; k++, point = point.add(sm2p256v1.Point.BASE)) {
      const c1 = point.toBytes(false);
      if (accept(c1.subarray(1, 33), c1.subarray(33))) return k;
    }
    throw new Error('no such k below 100000');
  }

  const cases: Array<[string, (x1: Uint8Array, y1: Uint8Array) => boolean]> = [
    ['x1 with a leading zero byte (INTEGER shorter than 32 bytes)', (x1) => x1[0] === 0 && x1[1]! < 0x80],
    ['x1 with a leading zero byte then a high bit (32-byte INTEGER, 0x00 prefix)', (x1) => x1[0] === 0 && x1[1]! >= 0x80],
    ['y1 with a leading zero byte', (_x1, y1) => y1[0] === 0],
    ['x1 and y1 with the high bit set (33-byte INTEGERs)', (x1, y1) => x1[0]! >= 0x80 && y1[0]! >= 0x80],
    ['x1 and y1 without the high bit', (x1, y1) => x1[0]! < 0x80 && x1[0]! > 0 && y1[0]! < 0x80 && y1[0]! > 0],
  ];
  for (const [name, accept] of cases) {
    it(`decrypts a ciphertext with ${name}`, () => {
      const material = randomBytes(32);
      const ciphertext = sm2Encrypt(keys.wrappingKey.ec!.point, material, fixedK(findK(accept)));
      expect(Buffer.compare(opensslDecrypt(dir, keys, ciphertext), material)).toBe(0);
    });
  }

  it('fails in OpenSSL under another SM2 key (the peer really checks C3)', async () => {
    const other = opensslSm2KeyPair(dir, 'other');
    const ciphertext = await SM2PKE.wrap({ material: randomBytes(32), wrappingKey: keys.wrappingKey, crypto });
    expect(() => opensslDecrypt(dir, other, ciphertext)).toThrow();
  });
});
