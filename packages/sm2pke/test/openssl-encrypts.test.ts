/** What the OpenSSL 3 CLI encrypts (`openssl pkeyutl -encrypt`), our unwrap decrypts. */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES, isKmsWrapError } from '@kms-wrap/core';
import { children, concatBytes, decodeDer, derTlv } from '@kms-wrap/core/encoding';
import { _sm2PrivateScalarFromPkcs8 } from '../src/pkcs8.js';
import { SM2PKE, sm2Decrypt } from '../src/index.js';
import { countingProvider, opensslEncrypt, opensslPkcs8, opensslSm2KeyPair, tempDir, type Sm2KeyPair, type TempDir } from './helpers.js';

let dir: TempDir;
let keys: Sm2KeyPair;
const crypto = countingProvider();

beforeAll(() => {
  dir = tempDir();
  keys = opensslSm2KeyPair(dir);
});
afterAll(() => dir.remove());

/** The PKCS#8 with its AlgorithmIdentifier replaced by `algorithmIdentifier`. */
function withAlgorithm(pkcs8: Uint8Array, algorithmIdentifier: Uint8Array): Uint8Array {
  const [version, , privateKey] = children(decodeDer(pkcs8, 'PrivateKeyInfo', ERROR_CODES.MATERIAL_INVALID));
  return derTlv(0x30, concatBytes(derTlv(0x02, version!.contents), algorithmIdentifier, derTlv(0x04, privateKey!.contents)));
}

const SM2_OID = derTlv(0x06, Uint8Array.of(0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x82, 0x2d));

describe('openssl pkeyutl -encrypt → SM2PKE.unwrap / sm2Decrypt', () => {
  it('decrypts 1 to 300 bytes and a 1.2 kB key, exactly', { timeout: 60_000 }, async () => {
    for (const length of [1, 16, 32, 33, 100, 127, 128, 129, 256, 300, 1217]) {
      const material = randomBytes(length);
      const ciphertext = opensslEncrypt(dir, keys, material);
      const unwrapped = await SM2PKE.unwrap!({ ciphertext, privateKey: keys.pkcs8, crypto });
      expect(Buffer.compare(unwrapped, material), `length ${length}`).toBe(0);
    }
  });

  it('sm2Decrypt takes the private scalar from the PKCS#8', () => {
    const material = randomBytes(64);
    const ciphertext = opensslEncrypt(dir, keys, material);
    const d = _sm2PrivateScalarFromPkcs8(keys.pkcs8);
    expect(d.length).toBe(32);
    expect(Buffer.compare(sm2Decrypt(d, ciphertext), material)).toBe(0);
  });

  it('accepts the SM2 OID as the PKCS#8 algorithm, with or without parameters', async () => {
    const material = randomBytes(32);
    const ciphertext = opensslEncrypt(dir, keys, material);
    for (const algorithmIdentifier of [derTlv(0x30, SM2_OID), derTlv(0x30, concatBytes(SM2_OID, SM2_OID))]) {
      const privateKey = withAlgorithm(keys.pkcs8, algorithmIdentifier);
      expect(Buffer.compare(await SM2PKE.unwrap!({ ciphertext, privateKey, crypto }), material)).toBe(0);
    }
  });

  it('refuses a P-256 private key, a truncated PKCS#8 and a key whose public half does not match', async () => {
    const ciphertext = opensslEncrypt(dir, keys, randomBytes(32));
    const p256 = opensslPkcs8(dir, ['-algorithm', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'], 'p256');
    const other = opensslSm2KeyPair(dir, 'other');
    // the other key's ECPrivateKey with this key's public point [1]: inconsistent
    const mixed = Uint8Array.from(other.pkcs8);
    mixed.set(keys.pkcs8.subarray(keys.pkcs8.length - 64), mixed.length - 64);
    for (const [name, privateKey] of [
      ['P-256', p256],
      ['truncated', keys.pkcs8.subarray(0, keys.pkcs8.length - 1)],
      ['trailing byte', concatBytes(keys.pkcs8, Uint8Array.of(0))],
      ['mismatched public key', mixed],
      ['wrong SM2 key', other.pkcs8],
    ] as const) {
      const error = await SM2PKE.unwrap!({ ciphertext, privateKey, crypto }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isKmsWrapError(error), name).toBe(true);
      expect((error as Error).message, name).toMatch(/ — /);
    }
  });
});
