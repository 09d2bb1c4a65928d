/**
 * The node:crypto provider's failures are coded KmsWrapErrors with a sentence, never OpenSSL's
 * words: AES-KWP unwrap integrity failures (invalid vectors in the shape of Wycheproof's
 * aes_kwp_test.json: wrong AIV, wrong MLI, non-zero padding, changed or cut ciphertexts) are
 * ERR_VERIFY_FAILED; and it refuses RSA public exponents other than 65537 as a backstop, reading
 * the exponent off the key OpenSSL imported, whatever the key object claims.
 */
import { createCipheriv, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, KmsWrapError, parseWrappingPublicKey, type WrappingPublicKey } from '@kms-wrap/core';
import { createNodeCryptoProvider } from '../src/index.js';

const providers = {
  'the AES addon (where it runs)': createNodeCryptoProvider(),
  'node:crypto': createNodeCryptoProvider({ nativeKwp: false }),
};
const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

/** RFC 3394's W with a chosen 8-byte IV over already padded data: a KWP ciphertext with any AIV, MLI and padding. */
function wrapWithIv(kek: Uint8Array, iv: Uint8Array, padded: Uint8Array): Uint8Array {
  const name = { 16: 'id-aes128-wrap', 24: 'id-aes192-wrap', 32: 'id-aes256-wrap' }[kek.length]!;
  if (padded.length === 8) {
    // One semiblock: RFC 5649 §4.1 step 2, a single AES block of AIV || P.
    const c = createCipheriv(name.replace('id-aes', 'aes-').replace('-wrap', '-ecb'), kek, null).setAutoPadding(false);
    return new Uint8Array(Buffer.concat([c.update(Buffer.concat([iv, padded])), c.final()]));
  }
  const c = createCipheriv(name, kek, iv);
  return new Uint8Array(Buffer.concat([c.update(padded), c.final()]));
}
const aiv = (mli: number, constant = 'a65959a6') =>
  Uint8Array.from(
    Buffer.concat([Buffer.from(constant, 'hex'), Buffer.from([mli >>> 24, (mli >>> 16) & 255, (mli >>> 8) & 255, mli & 255])]),
  );

const kek = hex('000102030405060708090a0b0c0d0e0f');
const kek256 = hex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');
const data20 = hex('00112233445566778899aabbccddeeff00112233');

/** Invalid KWP ciphertexts, each with what is wrong in it. */
function invalidVectors(): [string, Uint8Array, Uint8Array][] {
  const padded24 = Uint8Array.from([...data20, 0, 0, 0, 0]);
  const valid = wrapWithIv(kek, aiv(20), padded24);
  const flipped = (i: number) => {
    const b = valid.slice();
    b[i]! ^= 0x80;
    return b;
  };
  return [
    ['the RFC 3394 IV (a6a6a6a6a6a6a6a6) instead of the AIV', kek, wrapWithIv(kek, hex('a6a6a6a6a6a6a6a6'), padded24)],
    ['an AIV constant that is not a65959a6', kek, wrapWithIv(kek, aiv(20, 'a65959a7'), padded24)],
    ['an MLI of 0', kek, wrapWithIv(kek, aiv(0), padded24)],
    ['an MLI larger than the data (25 for 24 octets)', kek, wrapWithIv(kek, aiv(25), padded24)],
    ['an MLI too small for the semiblocks (16 for 24 octets)', kek, wrapWithIv(kek, aiv(16), padded24)],
    ['non-zero padding octets', kek, wrapWithIv(kek, aiv(20), Uint8Array.from([...data20, 0, 0, 0, 1]))],
    ['non-zero padding in a single semiblock', kek, wrapWithIv(kek, aiv(5), hex('0102030405 000100'))],
    ['an MLI of 9 in a single semiblock', kek, wrapWithIv(kek, aiv(9), hex('0102030405060708'))],
    ['the first byte changed', kek, flipped(0)],
    ['the last byte changed', kek, flipped(valid.length - 1)],
    ['a middle byte changed', kek, flipped(13)],
    [
      'two semiblocks swapped',
      kek,
      Uint8Array.from([...valid.subarray(0, 8), ...valid.subarray(16, 24), ...valid.subarray(8, 16), ...valid.subarray(24)]),
    ],
    ['under another KEK', kek256, valid.slice()],
    ['a semiblock cut off the end', kek, valid.subarray(0, valid.length - 8)],
    ['one octet cut off the end', kek, valid.subarray(0, valid.length - 1)],
    ['8 octets (only the AIV)', kek, valid.subarray(0, 8)],
    ['empty', kek, new Uint8Array(0)],
    ['a semiblock appended', kek, Uint8Array.from([...valid, ...valid.subarray(8, 16)])],
  ];
}

describe("AES-KWP unwrap: every invalid ciphertext is ERR_VERIFY_FAILED with a sentence, not OpenSSL's words", () => {
  it('the vectors are built right: the valid one unwraps', async () => {
    const ct = wrapWithIv(kek, aiv(20), Uint8Array.from([...data20, 0, 0, 0, 0]));
    expect(Buffer.from(await providers['node:crypto'].aesKwpUnwrap!(kek, ct)).toString('hex')).toBe(Buffer.from(data20).toString('hex'));
    const one = wrapWithIv(kek, aiv(5), hex('0102030405 000000'));
    expect(Buffer.from(await providers['node:crypto'].aesKwpUnwrap!(kek, one)).toString('hex')).toBe('0102030405');
  });

  for (const [name, provider] of Object.entries(providers)) {
    for (const [what, key, ct] of invalidVectors()) {
      it(`${name}: ${what}`, async () => {
        const e = await provider.aesKwpUnwrap!(key, ct).then(
          () => undefined,
          (err: unknown) => err,
        );
        expect(e).toBeInstanceOf(KmsWrapError);
        const error = e as KmsWrapError;
        expect(error.code).toBe(ERROR_CODES.VERIFY_FAILED);
        expect(error.message).toMatch(/\S — \S/);
        expect(error.message).toMatch(/integrity check|RFC 5649/);
        expect(error.message).not.toMatch(/unsupported state|OSSL|OpenSSL/i);
      });
    }
  }
});

describe('RSA-OAEP under a wrapping key whose public exponent is not 65537: refused by the provider too', () => {
  const e3 = generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 3 }).publicKey.export({ type: 'spki', format: 'der' });
  const spki = new Uint8Array(e3.buffer, e3.byteOffset, e3.byteLength);

  it('a key object claiming e = 65537 over an e = 3 spki → ERR_PUBLIC_KEY_WEAK, naming 3; nothing encrypted', async () => {
    const genuine = parseWrappingPublicKey(
      new Uint8Array(generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'der' })),
    );
    const forged = { ...genuine, spki } as WrappingPublicKey;
    for (const provider of Object.values(providers)) {
      const e = await provider.rsaOaepEncrypt(forged, 'SHA-256', new Uint8Array(32)).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(e).toBeInstanceOf(KmsWrapError);
      expect((e as KmsWrapError).code).toBe(ERROR_CODES.PUBLIC_KEY_WEAK);
      expect((e as KmsWrapError).message).toMatch(/public exponent is 3; AWS KMS wrapping keys use 65537/);
    }
  });

  it('an spki OpenSSL cannot read → ERR_PUBLIC_KEY_INVALID with a sentence, not an OpenSSL error', async () => {
    const forged = { spec: 'RSA_2048', type: 'rsa', spki: spki.subarray(0, 100) } as WrappingPublicKey;
    const e = await providers['node:crypto'].rsaOaepEncrypt(forged, 'SHA-256', new Uint8Array(32)).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(KmsWrapError);
    expect((e as KmsWrapError).code).toBe(ERROR_CODES.PUBLIC_KEY_INVALID);
    expect((e as KmsWrapError).message).toMatch(/\S — \S/);
  });

  it('RSA-OAEP decryption failures → ERR_VERIFY_FAILED', async () => {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pkcs8 = pair.privateKey.export({ type: 'pkcs8', format: 'der' });
    const e = await providers['node:crypto'].rsaOaepDecrypt!(new Uint8Array(pkcs8), 'SHA-256', new Uint8Array(256).fill(7)).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(KmsWrapError);
    expect((e as KmsWrapError).code).toBe(ERROR_CODES.VERIFY_FAILED);
  });
});
