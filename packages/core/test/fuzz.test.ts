/**
 * Hostile input, property-based (fast-check): every parser of untrusted bytes in core —
 * material detection (inspectMaterial), wrapping public keys (DER, base64, PEM), the
 * GetParametersForImport JSON, PEM and base64, and the engine's checks — given real keys
 * mutated (bit flips, truncation, length fields overflowing, indefinite lengths, deep nesting,
 * huge lengths, subtrees spliced between keys; tools/fuzz/mutate.mjs) either returns a result
 * that holds together or throws kms-wrap's own KmsWrapError with a known code and a one-line
 * message. Never another exception, never more than a second for one input. The long run with
 * a million inputs is `node tools/fuzz/run.mjs`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ERROR_CODES,
  KmsWrapError,
  WRAPPING_KEY_SPEC_INFO,
  createWrapper,
  inspectMaterial,
  parseImportParameters,
  parseWrappingPublicKey,
  type WrappingPublicKey,
} from '../src/index.js';
import { bitLength, bytesToBigInt, fromBase64, jsonTooDeep, parsePem } from '../src/toolkit.js';
import { derLength, derNodes, mutateBytes, mutateBytesOnce, mutateText, mutateValue, type Mutation } from '../../../tools/fuzz/mutate.mjs';
import { parametersJson } from '../../../tools/fuzz/seeds.mjs';
import { der, keys, pem } from './keys.js';
import { STAND_INS, randomOnlyProvider } from './plugins.js';
import { LIMIT_MS, hostileSync } from '../../../tools/fuzz/hostile.mjs';

/** The fuzz tests' one verdict (tools/fuzz/hostile.mjs), on core's error class and codes. */
const hostile = <T>(f: () => T, check?: (value: T) => void): void => hostileSync({ KmsWrapError, ERROR_CODES }, f, check);

const k = await keys();
/** Runs per property: a few thousand inputs in all, some of them up to 1 MiB, in a few seconds. */
const RUNS = Number(process.env['KMS_WRAP_FUZZ_RUNS'] ?? 400);

// Seeds: every key form core reads or must refuse by name.
const rsaPairs = [k.rsa1024, k.rsa2048, k.rsa3072];
const ecPairs = [k.p256, k.p384, k.p521, k.secp256k1, k.p224];
const derSeeds: Uint8Array[] = [
  ...[...rsaPairs, ...ecPairs, k.ed25519].map((p) => p.pkcs8),
  k.sm2.pkcs8,
  ...rsaPairs.slice(0, 2).map((p) => der(p.privateKey.export({ type: 'pkcs1', format: 'der' }))),
  ...ecPairs.slice(0, 2).map((p) => der(p.privateKey.export({ type: 'sec1', format: 'der' }))),
  der(k.rsa2048.privateKey.export({ type: 'pkcs8', format: 'der', cipher: 'aes-128-cbc', passphrase: 'x' })),
  k.certificate.der,
  ...[16, 28, 32, 48, 64].map((n) => Uint8Array.from({ length: n }, (_, i) => (i * 89 + 13) & 0xff)),
];
const spkiSeeds: Uint8Array[] = [k.rsa2048.spki, k.rsa3072.spki, k.rsa4096.spki, k.sm2.spki, k.rsa1024.spki, k.p256.spki, k.ed25519.spki];
const textSeeds: string[] = [
  pem('PRIVATE KEY', k.rsa2048.pkcs8),
  pem('PUBLIC KEY', k.rsa2048.spki),
  pem('PUBLIC KEY', k.sm2.spki),
  k.rsa2048.privateKey.export({ type: 'pkcs1', format: 'pem' }) as string,
  k.p256.privateKey.export({ type: 'sec1', format: 'pem' }) as string,
  k.rsa2048.privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-128-cbc', passphrase: 'x' }) as string,
  k.certificate.pem,
  Buffer.from(k.rsa2048.spki).toString('base64'),
  Buffer.from(k.sm2.spki).toString('base64').replace(/.{64}/g, '$&\n'),
  JSON.stringify(k.p256.privateKey.export({ format: 'jwk' })),
];
const jsonSeeds = [parametersJson(k.rsa2048.spki), parametersJson(k.sm2.spki, '2030-05-14T12:00:00Z')];

const mutation: fc.Arbitrary<Mutation> = fc.record({ op: fc.nat(), a: fc.nat(), b: fc.nat(), c: fc.nat() });
const mutations = fc.array(mutation, { maxLength: 4 });
const mutated = (pool: readonly Uint8Array[]) =>
  fc.tuple(fc.nat(), mutations).map(([i, m]) => mutateBytes(pool[i % pool.length]!, m, pool));
const mutatedText = (pool: readonly string[]) => fc.tuple(fc.nat(), mutations).map(([i, m]) => mutateText(pool[i % pool.length]!, m, pool));
/** Mutated DER, as is or re-armoured as base64 / PEM text (so the DER inside the text is hostile too). */
const derOrText = (pool: readonly Uint8Array[]) =>
  fc
    .tuple(
      mutated(pool),
      fc.constantFrom('bytes', 'base64', 'pem'),
      fc.constantFrom('PRIVATE KEY', 'PUBLIC KEY', 'RSA PRIVATE KEY', 'EC PRIVATE KEY', 'CERTIFICATE'),
    )
    .map(([b, form, label]) =>
      form === 'bytes' ? b : new Uint8Array(Buffer.from(form === 'base64' ? Buffer.from(b).toString('base64') : pem(label, b), 'latin1')),
    );

function checkWrappingKey(key: WrappingPublicKey): void {
  if (key.type === 'rsa') {
    expect(key.rsa!.bits).toBe(WRAPPING_KEY_SPEC_INFO[key.spec].bits);
    expect(bitLength(key.rsa!.modulus)).toBe(key.rsa!.bits);
    const e = key.rsa!.publicExponent;
    expect(e[e.length - 1]! & 1).toBe(1);
    expect(bitLength(e)).toBeGreaterThan(1);
  } else {
    expect(key.spec).toBe('SM2');
    expect([33, 65]).toContain(key.ec!.point.length);
  }
}

const KEY_SPEC_NAMES = [
  undefined,
  'SYMMETRIC_DEFAULT',
  'HMAC_256',
  'HMAC_512',
  'RSA_2048',
  'ECC_NIST_P256',
  'SM2',
  'RSA_1024',
  'ML_DSA_44',
  'nonsense',
];

describe('fuzz: inspectMaterial', () => {
  it('mutated keys, raw bytes and text: a MaterialInfo that holds together, or a coded refusal', () => {
    fc.assert(
      fc.property(
        derOrText(derSeeds),
        fc.constantFrom(...KEY_SPEC_NAMES),
        fc.constantFrom('standard', 'china') as fc.Arbitrary<'standard' | 'china'>,
        (material, keySpec, region) => {
          hostile(
            () => inspectMaterial(material, { region, ...(keySpec === undefined ? {} : { keySpec }) }),
            (info) => {
              expect(info.candidates.length).toBeGreaterThan(0);
              expect(info.length).toBe(material.length);
              if (info.format === 'pkcs8-der') expect(info.keySpec).toBeDefined();
            },
          );
        },
      ),
      { numRuns: RUNS * 2 },
    );
  });

  it('every truncation of an RSA, an EC and an SM2 PKCS#8 key is refused with a code', () => {
    for (const key of [k.rsa2048.pkcs8, k.p521.pkcs8, k.sm2.pkcs8]) {
      for (let n = 0; n < key.length; n++) hostile(() => inspectMaterial(key.subarray(0, n), { keySpec: 'RSA_2048' }));
    }
  });

  it('every length field of an RSA PKCS#8 key, rewritten 16 ways (off by one, indefinite, non-minimal, 2^32-1, 8 and 9-byte)', () => {
    const nodes = derNodes(k.rsa2048.pkcs8);
    expect(nodes.length).toBeGreaterThan(10); // the walk went inside the OCTET STRING
    for (let a = 0; a < nodes.length; a++) {
      for (let b = 0; b < 16; b++) hostile(() => inspectMaterial(mutateBytesOnce(k.rsa2048.pkcs8, { op: 7, a, b, c: 0 })));
    }
  });
});

describe('fuzz: parseWrappingPublicKey', () => {
  it('mutated public (and private) keys as DER, base64 and PEM: a key whose size is its spec, or a coded refusal', () => {
    fc.assert(
      fc.property(derOrText([...spkiSeeds, ...derSeeds.slice(0, 4)]), (input) => {
        hostile(() => parseWrappingPublicKey(input), checkWrappingKey);
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it('as a string: mutated PEM and base64 text', () => {
    fc.assert(
      fc.property(mutatedText(textSeeds), (input) => {
        hostile(() => parseWrappingPublicKey(input), checkWrappingKey);
      }),
      { numRuns: RUNS },
    );
  });

  it('every single-bit flip of the SM2 and the RSA_2048 SPKI', () => {
    for (const spki of [k.sm2.spki, k.rsa2048.spki.subarray(0, 40)]) {
      const whole = spki === k.sm2.spki ? spki : k.rsa2048.spki;
      for (let i = 0; i < spki.length; i++) {
        for (let bit = 0; bit < 8; bit++) {
          const b = whole.slice();
          b[i]! ^= 1 << bit;
          hostile(() => parseWrappingPublicKey(b), checkWrappingKey);
        }
      }
    }
  });
});

describe('fuzz: parseImportParameters', () => {
  it('mutated GetParametersForImport JSON (text and member values, hostile DER in PublicKey)', () => {
    const json = fc.oneof(
      mutatedText(jsonSeeds),
      fc
        .tuple(fc.nat(), mutations)
        .map(([i, m]) => JSON.stringify(mutateValue(JSON.parse(jsonSeeds[i % jsonSeeds.length]!), m, spkiSeeds))),
      fc.json(),
    );
    fc.assert(
      fc.property(json, (text) => {
        hostile(
          () => parseImportParameters(text),
          (p) => {
            checkWrappingKey(p.wrappingKey);
            expect(p.importToken.length).toBeGreaterThan(0);
            expect(p.validTo === undefined || Number.isFinite(p.validTo.getTime())).toBe(true);
          },
        );
      }),
      { numRuns: RUNS * 2 },
    );
  });
});

describe('fuzz: PEM and base64', () => {
  it('parsePem never throws anything but a coded refusal; fromBase64 never throws', () => {
    const text = fc.oneof(
      mutatedText(textSeeds),
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.string({ unit: fc.constantFrom('-', 'BEGIN ', 'END ', 'A', ' ', '\n', '=', ':', 'PRIVATE KEY', '-----') }),
    );
    fc.assert(
      fc.property(text, (t) => {
        hostile(
          () => parsePem(t),
          (blocks) => blocks.forEach((b) => expect(b.der).toBeInstanceOf(Uint8Array)),
        );
        for (const only of [undefined, 'base64', 'base64url'] as const) {
          const out = fromBase64(t, only);
          expect(out === undefined || out instanceof Uint8Array).toBe(true);
        }
      }),
      { numRuns: RUNS * 2 },
    );
  });
});

describe('fuzz: the engine checks, with hostile material and wrapping keys', () => {
  const wrapper = createWrapper({ algorithms: STAND_INS, crypto: randomOnlyProvider });
  const ALGORITHMS = [
    'RSAES_OAEP_SHA_256',
    'RSAES_OAEP_SHA_1',
    'RSA_AES_KEY_WRAP_SHA_256',
    'RSA_AES_KEY_WRAP_SHA_1',
    'SM2PKE',
    'RSAES_PKCS1_V1_5',
    'nope',
  ];
  it('check() and options() refuse with a code, or plan a wrap', () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        mutated(derSeeds),
        mutated(spkiSeeds),
        fc.nat(),
        fc.constantFrom(...ALGORITHMS),
        fc.constantFrom(...KEY_SPEC_NAMES),
        fc.boolean(),
        (which, m, key, i, algorithm, keySpec, china) => {
          const request = {
            material: which ? m : derSeeds[i % derSeeds.length]!,
            wrappingPublicKey: which ? spkiSeeds[i % spkiSeeds.length]! : key,
            algorithm,
            region: china ? 'china' : 'standard',
            ...(keySpec === undefined ? {} : { keySpec }),
          };
          hostile(
            () => wrapper.check(request),
            (plan) => expect(plan.material.candidates.length).toBeGreaterThan(0),
          );
          hostile(
            () => wrapper.options(request),
            (options) => expect(options.length).toBeGreaterThan(0),
          );
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe('hostile shapes, each at full size', () => {
  const MiB = 1 << 20;
  const parsers: [string, (b: Uint8Array) => unknown][] = [
    ['inspectMaterial', (b) => inspectMaterial(b)],
    ['parseWrappingPublicKey', (b) => parseWrappingPublicKey(b)],
    ['parseWrappingPublicKey(text)', (b) => parseWrappingPublicKey(Buffer.from(b).toString('latin1'))],
  ];
  const nest = (depth: number, inner: Uint8Array) => {
    let v = inner;
    for (let i = 0; i < depth; i++) v = new Uint8Array([0x30, ...derLength(v.length), ...v]);
    return v;
  };
  const shapes: [string, Uint8Array][] = [
    ['a key nested in 1,000 definite SEQUENCEs', nest(1000, k.rsa2048.spki)],
    ['50,000 indefinite-length SEQUENCEs, unterminated', new Uint8Array(100_000).map((_, i) => (i % 2 === 0 ? 0x30 : 0x80))],
    ['a SEQUENCE of length 2^32-1 with 8 bytes', Uint8Array.of(0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 2, 1, 0, 2, 1, 0, 2, 1)],
    ['a SEQUENCE with an 8-byte length', Uint8Array.of(0x30, 0x88, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x01, 0x00)],
    ['an RSA PKCS#8 key with an indefinite outer length', Uint8Array.from([0x30, 0x80, ...k.rsa2048.pkcs8.subarray(4), 0, 0])],
    ['a 1 MiB INTEGER', Uint8Array.from([0x30, 0x84, 0, 0x10, 0, 6, 0x02, 0x84, 0, 0x10, 0, 0, ...new Uint8Array(MiB).fill(0x7f)])],
    [
      '4 KiB nodes of empty SEQUENCEs',
      nest(
        1,
        new Uint8Array(20_000).map((_, i) => (i % 2 === 0 ? 0x30 : 0x00)),
      ),
    ],
    [
      '1 MiB of PEM BEGIN lines without END (quadratic before)',
      new Uint8Array(Buffer.from('-----BEGIN PUBLIC KEY-----\n'.repeat(MiB / 27))),
    ],
    [
      '1 MiB of PEM BEGIN lines of distinct labels',
      new Uint8Array(Buffer.from(Array.from({ length: MiB / 24 }, (_, i) => `-----BEGIN K${i}-----\n`).join(''))),
    ],
    ['1 MiB of base64', new Uint8Array(Buffer.from('A'.repeat(MiB)))],
    [
      'a tag number of a million continuation octets (long-form tag)',
      Uint8Array.from([0x3f, ...new Uint8Array(MiB).fill(0x81), 0x01, 0x00]),
    ],
  ];
  for (const [name, input] of shapes) {
    it(name, () => {
      for (const [, parse] of parsers) hostile(() => parse(input));
    });
  }

  it('JSON nested a million deep is refused before JSON.parse (which takes a second on it)', () => {
    const deep = `{"PublicKey":${'['.repeat(MiB)}`;
    expect(jsonTooDeep(deep, 16)).toBe(true);
    expect(jsonTooDeep(jsonSeeds[0]!, 16)).toBe(false);
    expect(jsonTooDeep('{"a":"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\"[[[["}', 2)).toBe(false); // brackets in strings do not count
    hostile(() => parseImportParameters(deep));
    expect(() => parseImportParameters(deep)).toThrow(/nests far deeper/);
  });

  it('bytesToBigInt is not quadratic: 1 MiB in well under a second (it was 0.7 s for 64 kB)', () => {
    const big = new Uint8Array(MiB).fill(0xa5);
    const t0 = performance.now();
    const n = bytesToBigInt(big);
    expect(performance.now() - t0).toBeLessThan(LIMIT_MS);
    expect(n.toString(16)).toBe('a5'.repeat(MiB));
    expect(bytesToBigInt(Uint8Array.of(1, 0))).toBe(256n);
    expect(bytesToBigInt(new Uint8Array(0))).toBe(0n);
    const mixed = Uint8Array.from({ length: 1000 }, (_, i) => (i * 31 + 7) & 0xff);
    expect(bytesToBigInt(mixed)).toBe(BigInt(`0x${Buffer.from(mixed).toString('hex')}`));
  });
});
