/**
 * The OpenSSL interop matrix: every standard-Region material × RSAES_OAEP_SHA_1/256,
 * RSA_AES_KEY_WRAP_SHA_1/256 × RSA_2048/3072/4096, keys and material made by the OpenSSL CLI.
 * What is accepted, we wrap and OpenSSL unwraps to the exact material; what is refused, the
 * error says why and what to use. The expected verdict comes from DESIGN.md's tables,
 * computed here, not from the engine's rules. Then the reverse: the seed's recipe
 * (shared/anchors/openssl-recipe.sh) wraps, our plugins unwrap.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES, KmsWrapError, createWrapper, type KeySpec, type WrappingAlgorithm } from '@kms-wrap/core';
import { toBase64, toHex } from '@kms-wrap/core/encoding';
import { algorithms as rsaAesKeyWrap } from '@kms-wrap/rsa-aes-key-wrap';
import { algorithms as rsaesOaep } from '@kms-wrap/rsaes-oaep';
import { createNodeCryptoProvider, wrapKeyMaterial } from '../src/index.js';
import {
  openssl,
  opensslUnwrap,
  pkcs8Material,
  pool,
  recipeInTypeScript,
  rsaKeyPair,
  run,
  tempDir,
  type OpensslKeyPair,
  type TempDir,
} from './openssl.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..', '..', '..');
/** CI has a copy of shared/ beside the clone; a bare checkout may not. */
const RECIPE = join(repoRoot, '..', 'shared', 'anchors', 'openssl-recipe.sh');

// ---- DESIGN.md, as data -------------------------------------------------------------------

type Kind = 'symmetric' | 'hmac' | 'rsa' | 'ecc';

interface MaterialSpec {
  readonly keySpec: KeySpec;
  readonly kind: Kind;
  readonly make: (dir: TempDir) => Promise<Uint8Array>;
}

const raw = (keySpec: KeySpec, kind: Kind, length: number): MaterialSpec => ({
  keySpec,
  kind,
  make: async (dir) => {
    await openssl('rand', '-out', dir.file(`${keySpec}.bin`), String(length));
    return dir.read(`${keySpec}.bin`);
  },
});
const rsaMaterial = (keySpec: KeySpec, bits: number): MaterialSpec => ({
  keySpec,
  kind: 'rsa',
  make: (dir) => pkcs8Material(dir, ['-algorithm', 'RSA', '-pkeyopt', `rsa_keygen_bits:${bits}`], `${keySpec}.der`),
});
const ecMaterial = (keySpec: KeySpec, curve: string): MaterialSpec => ({
  keySpec,
  kind: 'ecc',
  make: (dir) =>
    pkcs8Material(
      dir,
      ['-algorithm', 'EC', '-pkeyopt', `ec_paramgen_curve:${curve}`, '-pkeyopt', 'ec_param_enc:named_curve'],
      `${keySpec}.der`,
    ),
});

/** Every key spec importable in the standard Regions, with its material as DESIGN.md says. */
const MATERIALS: readonly MaterialSpec[] = [
  raw('SYMMETRIC_DEFAULT', 'symmetric', 32),
  raw('HMAC_224', 'hmac', 28),
  raw('HMAC_256', 'hmac', 32),
  raw('HMAC_384', 'hmac', 48),
  raw('HMAC_512', 'hmac', 64),
  rsaMaterial('RSA_2048', 2048),
  rsaMaterial('RSA_3072', 3072),
  rsaMaterial('RSA_4096', 4096),
  ecMaterial('ECC_NIST_P256', 'P-256'),
  ecMaterial('ECC_NIST_P384', 'P-384'),
  ecMaterial('ECC_NIST_P521', 'P-521'),
  ecMaterial('ECC_SECG_P256K1', 'secp256k1'),
];

const ALGORITHMS = ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256', 'RSA_AES_KEY_WRAP_SHA_1', 'RSA_AES_KEY_WRAP_SHA_256'] as const;
type Algorithm = (typeof ALGORITHMS)[number];
const WRAPPING_KEYS = { RSA_2048: 2048, RSA_3072: 3072, RSA_4096: 4096 } as const;
type WrappingKey = keyof typeof WRAPPING_KEYS;

const hLen = (a: Algorithm) => (a.endsWith('_SHA_1') ? 20 : 32);
const modulusBytes = (key: WrappingKey) => WRAPPING_KEYS[key] / 8;
/** RSAES-OAEP capacity, k − 2·hLen − 2 (DESIGN.md: 214/190, 342/318, 470/446). */
const oaepCapacity = (a: Algorithm, key: WrappingKey) => modulusBytes(key) - 2 * hLen(a) - 2;

type Verdict = { readonly accepted: true } | { readonly accepted: false; readonly code: string; readonly capacity?: number };

/** DESIGN.md's "wrapping algorithms that KMS accepts, per material" table, standard Regions. */
function expected(kind: Kind, length: number, a: Algorithm, key: WrappingKey): Verdict {
  if (a.startsWith('RSAES_OAEP_')) {
    if (kind === 'rsa') return { accepted: false, code: ERROR_CODES.COMBINATION_REJECTED };
    const capacity = oaepCapacity(a, key);
    if (length > capacity) return { accepted: false, code: ERROR_CODES.CAPACITY_EXCEEDED, capacity };
    return { accepted: true };
  }
  if (kind === 'symmetric' || kind === 'hmac') return { accepted: false, code: ERROR_CODES.COMBINATION_REJECTED };
  return { accepted: true };
}

/** RFC 5649 §4.1: 8-byte AIV block + the material padded to 8-byte blocks. */
const kwpLength = (n: number) => 8 + Math.ceil(n / 8) * 8;
const outputLength = (a: Algorithm, key: WrappingKey, n: number) =>
  a.startsWith('RSAES_OAEP_') ? modulusBytes(key) : modulusBytes(key) + kwpLength(n);

// ---- fixtures -------------------------------------------------------------------------------

const provider = createNodeCryptoProvider();
const plugins = new Map<string, WrappingAlgorithm>([...rsaesOaep, ...rsaAesKeyWrap].map((a) => [a.id, a]));
const wrapper = createWrapper({ algorithms: [...plugins.values()], crypto: provider });

let dir: TempDir;
const keys = new Map<WrappingKey, OpensslKeyPair>();
const material = new Map<KeySpec, { bytes: Uint8Array; file: string }>();

beforeAll(async () => {
  dir = await tempDir('kms-wrap-interop-');
  await pool(
    [
      ...Object.entries(WRAPPING_KEYS).map(([spec, bits]) => async () => {
        keys.set(spec as WrappingKey, await rsaKeyPair(dir, bits, `wrap-${spec}`));
      }),
      ...MATERIALS.map((m) => async () => {
        const bytes = await m.make(dir);
        material.set(m.keySpec, { bytes, file: await dir.write(`material-${m.keySpec}`, bytes) });
      }),
    ],
    8,
    (task) => task(),
  );
}, 120_000);

afterAll(() => dir?.remove());

const combinations = MATERIALS.flatMap((m) =>
  ALGORITHMS.flatMap((algorithm) => (Object.keys(WRAPPING_KEYS) as WrappingKey[]).map((key) => ({ m, algorithm, key }))),
);

const readKey = async (key: WrappingKey) => dir.read(`wrap-${key}.pub.der`);

/** RSA_3072 goes through createWrapper + plugins + provider; the others through wrapKeyMaterial. */
async function ourWrap(keySpec: KeySpec, bytes: Uint8Array, algorithm: Algorithm, key: WrappingKey): Promise<Uint8Array> {
  const ambiguous = bytes.length === 32 && (keySpec === 'SYMMETRIC_DEFAULT' || keySpec === 'HMAC_256');
  const wrappingPublicKey = await readKey(key);
  if (key === 'RSA_3072') {
    const result = await wrapper.wrap({ material: bytes, wrappingPublicKey, algorithm, ...(ambiguous ? { keySpec } : {}) });
    expect(result.keySpec).toBe(keySpec);
    expect(result.wrappingKeySpec).toBe(key);
    return result.ciphertext;
  }
  return wrapKeyMaterial({ material: bytes, wrappingPublicKey, algorithm, ...(ambiguous ? { keySpec } : {}) });
}

// ---- our wrap → OpenSSL unwrap -------------------------------------------------------------

describe.concurrent('our wrap → OpenSSL unwrap (pkeyutl -decrypt, enc -d -id-aes256-wrap-pad)', () => {
  it('covers every standard key spec, both constructions, both hashes and every RSA wrapping key', () => {
    expect(combinations).toHaveLength(12 * 4 * 3);
    expect(material.size).toBe(12);
    // DESIGN.md's size facts, from OpenSSL's own output
    expect(material.get('ECC_NIST_P521')!.bytes.length).toBe(241);
    expect(keys.size).toBe(3);
  });

  for (const { m, algorithm, key } of combinations) {
    const name = `${m.keySpec} × ${algorithm} × ${key}`;
    it(name, async ({ expect }) => {
      const { bytes } = material.get(m.keySpec)!;
      const verdict = expected(m.kind, bytes.length, algorithm, key);
      if (verdict.accepted) {
        const ciphertext = await ourWrap(m.keySpec, bytes, algorithm, key);
        expect(ciphertext.length).toBe(outputLength(algorithm, key, bytes.length));
        const plain = await opensslUnwrap(
          dir,
          `${m.keySpec}-${algorithm}-${key}`,
          algorithm,
          ciphertext,
          keys.get(key)!,
          modulusBytes(key),
        );
        expect(toHex(plain)).toBe(toHex(bytes));
        return;
      }
      const error = await ourWrap(m.keySpec, bytes, algorithm, key).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, `${name} was wrapped, and KMS would reject it`).toBeInstanceOf(KmsWrapError);
      const { code, message } = error as KmsWrapError;
      expect(code).toBe(verdict.code);
      // The rule: what is refused, by name
      expect(message).toContain(m.keySpec);
      expect(message).toContain(algorithm);
      if (verdict.code === ERROR_CODES.CAPACITY_EXCEEDED) {
        expect(message).toContain(`(${bytes.length} bytes)`);
        expect(message).toContain(`(${verdict.capacity} bytes at most)`);
        expect(message).toContain(`under an ${key} wrapping key`);
      }
      // The way out: every algorithm and wrapping key it suggests is accepted by DESIGN.md's table
      expect(message).toMatch(/ — use \S/);
      const wayOut = message.slice(message.indexOf(' — use ') + 7);
      const suggested = wayOut.match(/\b(RSAES_OAEP_SHA_(?:1|256)|RSA_AES_KEY_WRAP_SHA_(?:1|256))\b/g) ?? [];
      const otherKeys = (wayOut.match(/\bRSA_(?:2048|3072|4096)\b/g) ?? []) as WrappingKey[];
      expect(suggested.length + otherKeys.length, `no way out in: ${message}`).toBeGreaterThan(0);
      for (const s of suggested)
        expect(expected(m.kind, bytes.length, s as Algorithm, key).accepted, `suggests ${s}: ${message}`).toBe(true);
      for (const k of otherKeys) expect(expected(m.kind, bytes.length, algorithm, k).accepted, `suggests ${k}: ${message}`).toBe(true);
      // Never the key material, in any encoding
      expect(message.toLowerCase()).not.toContain(toHex(bytes.subarray(bytes.length - 8)));
      expect(message).not.toContain(toBase64(bytes.subarray(bytes.length - 9)));
    });
  }

  it('the P-521 + RSA_2048 + RSAES_OAEP case reads as DESIGN.md says', async ({ expect }) => {
    const { bytes } = material.get('ECC_NIST_P521')!;
    for (const [algorithm, max] of [
      ['RSAES_OAEP_SHA_256', 190],
      ['RSAES_OAEP_SHA_1', 214],
    ] as const) {
      const error = await wrapKeyMaterial({ material: bytes, wrappingPublicKey: await readKey('RSA_2048'), algorithm }).catch(
        (e: unknown) => e,
      );
      expect((error as KmsWrapError).code).toBe(ERROR_CODES.CAPACITY_EXCEEDED);
      expect((error as KmsWrapError).message).toBe(
        `ECC_NIST_P521 material (241 bytes) does not fit ${algorithm} under an RSA_2048 wrapping key (${max} bytes at most) — use RSA_AES_KEY_WRAP_SHA_256, or an RSA_3072 or RSA_4096 wrapping key`,
      );
    }
  });
});

// ---- OpenSSL recipe wrap → our unwrap ------------------------------------------------------

/**
 * Every material once with each construction KMS accepts for it (RSAES_OAEP_*, RSA_AES_KEY_WRAP_*),
 * the hash alternating, and each material under one wrapping key in turn: the recipe spawns
 * half a dozen processes per run, and the forward matrix above already covers every
 * combination against OpenSSL.
 */
const ROTATION: readonly WrappingKey[] = ['RSA_4096', 'RSA_3072', 'RSA_2048'];
const reverse = combinations.filter(({ m, algorithm, key }) => {
  const i = MATERIALS.indexOf(m);
  if (key !== ROTATION[i % ROTATION.length]) return false;
  if (!algorithm.endsWith(i % 2 === 0 ? '_SHA_256' : '_SHA_1')) return false;
  // lengths are fixed by key spec; PKCS#8 sizes matter only for OAEP capacity (P-521: 241 bytes)
  const length = m.keySpec === 'ECC_NIST_P521' ? 241 : m.kind === 'rsa' ? 2000 : 64;
  return expected(m.kind, length, algorithm, key).accepted;
});

async function recipe(name: string, materialFile: string, publicKeyDer: string, algorithm: Algorithm): Promise<Uint8Array> {
  if (!existsSync(RECIPE)) return recipeInTypeScript(dir, name, materialFile, publicKeyDer, algorithm);
  const out = dir.file(`${name}.recipe.out`);
  await run('bash', [RECIPE, materialFile, publicKeyDer, algorithm, out]);
  return dir.read(`${name}.recipe.out`);
}

describe.concurrent(
  `OpenSSL recipe wrap (${existsSync(RECIPE) ? 'shared/anchors/openssl-recipe.sh' : 'the recipe re-implemented'}) → our unwrap`,
  () => {
    it('covers every material, both constructions with both hashes, and every wrapping key', () => {
      // 5 raw × RSAES_OAEP, 3 RSA × RSA_AES_KEY_WRAP, 4 ECC × both
      expect(reverse.length).toBe(5 + 3 + 4 * 2);
      expect(new Set(reverse.map((c) => c.m.keySpec)).size).toBe(MATERIALS.length);
      expect(new Set(reverse.map((c) => c.algorithm)).size).toBe(4);
      expect(new Set(reverse.map((c) => c.key)).size).toBe(3);
    });

    for (const { m, algorithm, key } of reverse) {
      it(`${m.keySpec} × ${algorithm} × ${key}`, async ({ expect }) => {
        const { bytes, file } = material.get(m.keySpec)!;
        if (!expected(m.kind, bytes.length, algorithm, key).accepted) {
          // only P-521 under RSA_2048 is over a capacity, and the rotation puts P-521 under RSA_3072
          throw new Error(`${m.keySpec} (${bytes.length} bytes) is not accepted under ${key}`);
        }
        const pair = keys.get(key)!;
        const ciphertext = await recipe(`${m.keySpec}-${algorithm}-${key}`, file, pair.spkiDer, algorithm);
        expect(ciphertext.length).toBe(outputLength(algorithm, key, bytes.length));
        const privateKey = await dir.read(`wrap-${key}.key.der`);
        const back = await plugins.get(algorithm)!.unwrap!({ ciphertext, privateKey, crypto: provider });
        expect(toHex(back)).toBe(toHex(bytes));
        const viaEngine = await wrapper.unwrap({ ciphertext, algorithm, privateKey });
        expect(toHex(viaEngine)).toBe(toHex(bytes));
      });
    }
  },
);

describe.concurrent('the recipe re-implemented in this file (the fallback when shared/ is absent) agrees', () => {
  for (const [keySpec, algorithm, key] of [
    ['HMAC_384', 'RSAES_OAEP_SHA_256', 'RSA_2048'],
    ['ECC_NIST_P384', 'RSAES_OAEP_SHA_1', 'RSA_4096'],
    ['RSA_3072', 'RSA_AES_KEY_WRAP_SHA_256', 'RSA_2048'],
    ['ECC_SECG_P256K1', 'RSA_AES_KEY_WRAP_SHA_1', 'RSA_3072'],
  ] as const) {
    it(`${keySpec} × ${algorithm} × ${key}`, async ({ expect }) => {
      const { bytes, file } = material.get(keySpec)!;
      const ciphertext = await recipeInTypeScript(dir, `fallback-${keySpec}-${algorithm}-${key}`, file, keys.get(key)!.spkiDer, algorithm);
      expect(ciphertext.length).toBe(outputLength(algorithm, key, bytes.length));
      const back = await plugins.get(algorithm)!.unwrap!({
        ciphertext,
        privateKey: await dir.read(`wrap-${key}.key.der`),
        crypto: provider,
      });
      expect(toHex(back)).toBe(toHex(bytes));
    });
  }
});
