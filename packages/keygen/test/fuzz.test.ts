/**
 * Hostile input, property-based (fast-check): toPkcs8, describeKeyFile and encodePkcs8 read
 * private keys from anywhere — PKCS#8, PKCS#1, SEC1 as DER or PEM, JWK. Given real RSA, EC
 * (P-256, P-384, P-521, secp256k1) and SM2 keys mutated (tools/fuzz/mutate.mjs: bit flips,
 * truncation, length fields overflowing, indefinite lengths, deep nesting, spliced subtrees,
 * JWK members removed, retyped or replaced by hostile DER), each either returns a key that holds
 * together — canonical PKCS#8 that core names, and that converts to itself — or throws a coded
 * KmsWrapError with a one-line message; never another exception, never more than a second.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, KmsWrapError, inspectMaterial } from '@kms-wrap/core';
import { equalBytes } from '@kms-wrap/core/encoding';
import { describeKeyFile, encodePkcs8, generateKeyMaterial, toPkcs8, type PrivateKeyJwk } from '../src/index.js';
import { mutateBytes, mutateText, mutateValue, type Mutation } from '../../../tools/fuzz/mutate.mjs';
import { generateSeeds } from '../../../tools/fuzz/seeds.mjs';
import { nodeTestProvider } from './helpers/node-provider.js';
import { hostileSync } from '../../../tools/fuzz/hostile.mjs';

/** The fuzz tests' one verdict (tools/fuzz/hostile.mjs), on core's error class and codes. */
const hostile = <T>(f: () => T, check?: (value: T) => void): void => hostileSync({ KmsWrapError, ERROR_CODES }, f, check);

const RUNS = Number(process.env['KMS_WRAP_FUZZ_RUNS'] ?? 400);

// node:crypto's RSA (2048, 1024), EC, Ed25519 and X25519 keys in every export form, plus SM2
// and secp256k1 keys from keygen itself; no OpenSSL needed.
const seeds = generateSeeds({ openssl: false });
const crypto = nodeTestProvider();
const sm2 = await generateKeyMaterial('SM2', { crypto, region: 'china' });
const k1 = await generateKeyMaterial('ECC_SECG_P256K1', { crypto });
const derSeeds = [...seeds.der, sm2, k1];
const textSeeds = [...seeds.text, ...seeds.jwk.map((j) => JSON.stringify(j))];
const jwkSeeds: Record<string, unknown>[] = [
  ...seeds.jwk,
  { kty: 'EC', crv: 'SM2', d: Buffer.from(sm2.subarray(sm2.length - 32)).toString('base64url') },
];

const mutation: fc.Arbitrary<Mutation> = fc.record({ op: fc.nat(), a: fc.nat(), b: fc.nat(), c: fc.nat() });
const mutations = fc.array(mutation, { maxLength: 4 });
const pemOf = (label: string, der: Uint8Array) =>
  `-----BEGIN ${label}-----\n${Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n')}\n-----END ${label}-----\n`;
const LABELS = ['PRIVATE KEY', 'RSA PRIVATE KEY', 'EC PRIVATE KEY', 'SM2 PRIVATE KEY', 'ENCRYPTED PRIVATE KEY', 'PUBLIC KEY'];
/** A mutated key as DER bytes, as PEM bytes or as a PEM string (the DER inside the armour is hostile too). */
const hostileKey = fc
  .tuple(fc.nat(), mutations, fc.constantFrom('der', 'pem-bytes', 'pem-string'), fc.constantFrom(...LABELS))
  .map(([i, m, form, label]) => {
    const der = mutateBytes(derSeeds[i % derSeeds.length]!, m, derSeeds);
    if (form === 'der') return der;
    const text = pemOf(label, der);
    return form === 'pem-string' ? text : new Uint8Array(Buffer.from(text, 'latin1'));
  });
const hostileText = fc.tuple(fc.nat(), mutations, fc.boolean()).map(([i, m, asBytes]) => {
  const text = mutateText(textSeeds[i % textSeeds.length]!, m, textSeeds);
  return asBytes ? new Uint8Array(Buffer.from(text, 'utf8')) : text;
});
const hostileJwk = fc.tuple(fc.nat(), mutations).map(([i, m]) => mutateValue(jwkSeeds[i % jwkSeeds.length], m, derSeeds));

/** What toPkcs8 writes: PKCS#8 DER that core names, and that toPkcs8 takes back unchanged. */
function canonical(der: Uint8Array): void {
  const info = inspectMaterial(der, { region: 'china' });
  expect(info.format).toBe('pkcs8-der');
  expect(info.keySpec).toBeDefined();
  const again = toPkcs8(der);
  expect(again.converted).toBe(false);
  expect(equalBytes(again.der, der)).toBe(true);
}

describe('fuzz: toPkcs8', () => {
  it('mutated keys as DER and PEM (bytes and string): canonical PKCS#8, or a coded refusal', () => {
    fc.assert(
      fc.property(hostileKey, (input) =>
        hostile(
          () => toPkcs8(input),
          (r) => canonical(r.der),
        ),
      ),
      { numRuns: RUNS * 3 },
    );
  });

  it('mutated PEM and JWK text', () => {
    fc.assert(
      fc.property(hostileText, (input) =>
        hostile(
          () => toPkcs8(input),
          (r) => canonical(r.der),
        ),
      ),
      { numRuns: RUNS * 2 },
    );
  });

  it('the seeds themselves convert (the property is not vacuous)', () => {
    for (const der of [seeds.der[0]!, sm2, k1]) canonical(toPkcs8(der).der);
  });
});

describe('fuzz: describeKeyFile', () => {
  it('mutated keys and raw bytes: a description of the bytes given, or a coded refusal', () => {
    const input = fc.oneof(
      hostileKey,
      fc.tuple(fc.nat(), mutations).map(([i, m]) => mutateBytes(seeds.raw[i % seeds.raw.length]!, m, seeds.raw)),
    );
    fc.assert(
      fc.property(input, (b) =>
        hostile(
          () => describeKeyFile(b),
          (info) => {
            expect(info.length).toBe(b.length);
            if (info.importable) expect(info.candidates.length).toBeGreaterThan(0);
          },
        ),
      ),
      { numRuns: RUNS * 2 },
    );
  });
});

describe('fuzz: encodePkcs8 (JWK objects from API callers)', () => {
  it('members removed, renamed, retyped, or replaced by hostile base64url: canonical PKCS#8, or a coded refusal', () => {
    // encodePkcs8 encodes RSA keys of any size (toPkcs8 refuses those KMS cannot import): its output is canonical PKCS#8 all the same.
    const encoded = (der: Uint8Array) => {
      const info = describeKeyFile(der);
      expect(info.format).toBe('pkcs8-der');
      expect(info.canonical).toBe(true);
    };
    fc.assert(
      fc.property(hostileJwk, (jwk) => hostile(() => encodePkcs8(jwk as unknown as PrivateKeyJwk), encoded)),
      { numRuns: RUNS * 2 },
    );
  });
});

describe('hostile shapes, each at full size', () => {
  const MiB = 1 << 20;
  const b64u = (n: number, fill: number) => Buffer.alloc(n, fill).toString('base64url');
  const derInt = (n: number, fill: number) =>
    Uint8Array.from([0x02, 0x83, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff, ...new Uint8Array(n).fill(fill)]);
  const seq = (parts: Uint8Array[]) => {
    const content = Buffer.concat(parts);
    return new Uint8Array(
      Buffer.concat([
        Uint8Array.of(0x30, 0x83, (content.length >> 16) & 0xff, (content.length >> 8) & 0xff, content.length & 0xff),
        content,
      ]),
    );
  };
  // [name, the input (made before the clock starts), the call]
  const shapes: [string, () => Uint8Array | string, (input: Uint8Array | string) => unknown][] = [
    [
      'a PKCS#1 key of eight 100 kB integers (BigInt arithmetic on them was quadratic: minutes)',
      () => seq([Uint8Array.of(2, 1, 0), ...Array.from({ length: 8 }, (_, i) => derInt(100_000, 0x11 + i))]),
      toPkcs8,
    ],
    [
      'a JWK of 200 kB members',
      () =>
        JSON.stringify({
          kty: 'RSA',
          n: b64u(200_000, 0x7f),
          e: 'AQAB',
          d: b64u(200_000, 1),
          p: b64u(100_000, 3),
          q: b64u(100_000, 5),
          dp: 'AQ',
          dq: 'AQ',
          qi: 'AQ',
        }),
      toPkcs8,
    ],
    ['an RSA key whose d is longer than n', () => JSON.stringify({ ...seeds.jwk[0], d: b64u(600, 0x55) }), toPkcs8],
    ['1 MiB of PEM BEGIN lines without END (quadratic before: a minute)', () => '-----BEGIN PRIVATE KEY-----\n'.repeat(MiB / 28), toPkcs8],
    [
      'the same, as bytes, through describeKeyFile',
      () => new Uint8Array(Buffer.from('-----BEGIN EC PRIVATE KEY-----\n'.repeat(MiB / 31))),
      describeKeyFile,
    ],
    ['a JWK nested a million deep', () => `{"kty":${'['.repeat(MiB)}`, toPkcs8],
    ['50,000 indefinite-length SEQUENCEs', () => new Uint8Array(100_000).map((_, i) => (i % 2 === 0 ? 0x30 : 0x80)), toPkcs8],
  ];
  for (const [name, make, parse] of shapes) {
    it(name, () => {
      const input = make();
      hostile(() => parse(input));
    });
  }

  it('an RSA key over 16384 bits is refused by its size before any arithmetic', () => {
    const e = (() => {
      try {
        toPkcs8(JSON.stringify({ kty: 'RSA', n: b64u(2100, 0x7f), e: 'AQAB', d: 'AQ', p: 'Aw', q: 'BQ', dp: 'AQ', dq: 'AQ', qi: 'AQ' }));
      } catch (x) {
        return x as KmsWrapError;
      }
      throw new Error('accepted');
    })();
    expect(e.code).toBe(ERROR_CODES.KEY_SPEC_UNSUPPORTED);
    expect(e.message).toContain('16799-bit RSA key');
  });
});
