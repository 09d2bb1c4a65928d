/**
 * Every refusal in DESIGN.md's tables says why and what to use. The whole table is computed
 * here from DESIGN.md, independently of src/rules.ts, and compared to judge() for every key
 * spec × algorithm × wrapping key spec × region; then each named refusal is checked through
 * the engine, with its code and its sentence.
 */
import { describe, expect, it } from 'vitest';
import {
  AWS_KMS_RULES,
  ERROR_CODES,
  KEY_SPECS,
  KMS_ALGORITHM_IDS,
  KmsWrapError,
  WRAPPING_KEY_SPECS,
  createWrapper,
  type KeySpec,
  type Region,
  type WrapRequest,
  type WrappingKeySpec,
} from '../src/index.js';
import { judge } from '../src/internal.js';
import { keys } from './keys.js';
import { STAND_INS, randomOnlyProvider } from './plugins.js';

const k = await keys();

// ---- DESIGN.md, as data ----------------------------------------------------------------------

type Kind = 'symmetric' | 'hmac' | 'rsa' | 'ecc' | 'sm2';
const kindOf = (s: KeySpec): Kind =>
  s === 'SYMMETRIC_DEFAULT' ? 'symmetric' : s.startsWith('HMAC_') ? 'hmac' : s.startsWith('RSA_') ? 'rsa' : s === 'SM2' ? 'sm2' : 'ecc';

/** Material lengths: raw per region; PKCS#8 as node:crypto / OpenSSL print them. */
function lengthOf(s: KeySpec, region: Region): number {
  const raw: Partial<Record<KeySpec, number>> = {
    SYMMETRIC_DEFAULT: region === 'china' ? 16 : 32,
    HMAC_224: 28,
    HMAC_256: 32,
    HMAC_384: 48,
    HMAC_512: 64,
  };
  const pkcs8: Partial<Record<KeySpec, Uint8Array>> = {
    RSA_2048: k.rsa2048.pkcs8,
    RSA_3072: k.rsa3072.pkcs8,
    RSA_4096: k.rsa4096.pkcs8,
    ECC_NIST_P256: k.p256.pkcs8,
    ECC_NIST_P384: k.p384.pkcs8,
    ECC_NIST_P521: k.p521.pkcs8,
    ECC_SECG_P256K1: k.secp256k1.pkcs8,
    SM2: k.sm2.pkcs8,
  };
  return raw[s] ?? pkcs8[s]!.length;
}

const K: Record<WrappingKeySpec, number> = { RSA_2048: 256, RSA_3072: 384, RSA_4096: 512, SM2: 0 };

/** "Wrapping algorithms that KMS accepts, per material" and the bullet points under it. */
function designAccepts(s: KeySpec, a: string, w: WrappingKeySpec, region: Region): boolean {
  if (s === 'SM2' && region !== 'china') return false; // SM2 material: China Regions only
  if (w === 'SM2' && region !== 'china') return false; // SM2 wrapping keys: China Regions only
  const kind = kindOf(s);
  const rsaKey = w !== 'SM2';
  switch (a) {
    case 'RSA_AES_KEY_WRAP_SHA_256':
    case 'RSA_AES_KEY_WRAP_SHA_1':
      return region === 'standard' && rsaKey && (kind === 'rsa' || kind === 'ecc');
    case 'RSAES_OAEP_SHA_256':
    case 'RSAES_OAEP_SHA_1': {
      const hLen = a.endsWith('_256') ? 32 : 20;
      return rsaKey && kind !== 'rsa' && lengthOf(s, region) <= K[w] - 2 * hLen - 2;
    }
    case 'SM2PKE':
      return region === 'china' && w === 'SM2' && (kind === 'rsa' || kind === 'ecc' || kind === 'sm2');
    default:
      return false;
  }
}

const j = { rules: AWS_KMS_RULES, plugins: new Map(STAND_INS.map((p) => [p.id, p])) };

/** The way out a refusal offers must itself be accepted by DESIGN.md's table. */
function expectSoundWayOut(message: string, s: KeySpec, a: string, w: WrappingKeySpec, region: Region): void {
  expect(message, 'one line: what is wrong — what to do').toMatch(/^[^\n]+\S — \S[^\n]*$/);
  const wayOut = message.slice(message.indexOf(' — ') + 3);
  const algs = KMS_ALGORITHM_IDS.filter((id) => new RegExp(`\\b${id}\\b`).test(wayOut));
  const wkeys = WRAPPING_KEY_SPECS.filter((spec) => new RegExp(`\\b${spec}\\b(?! key material)`).test(wayOut));
  const china = /region: 'china'/.test(wayOut);
  expect(algs.length + wkeys.length + (china ? 1 : 0), `no way out in: ${message}`).toBeGreaterThan(0);
  for (const alg of algs) {
    expect(
      [...wkeys, w].some((spec) => designAccepts(s, alg, spec, region)),
      `suggests ${alg}: ${message}`,
    ).toBe(true);
  }
  for (const spec of wkeys) {
    expect(
      [...algs, a].some((alg) => designAccepts(s, alg, spec, region) || (china && designAccepts(s, alg, spec, 'china'))),
      `suggests ${spec}: ${message}`,
    ).toBe(true);
  }
  if (china) {
    expect(
      KMS_ALGORITHM_IDS.some((alg) => WRAPPING_KEY_SPECS.some((spec) => designAccepts(s, alg, spec, 'china'))),
      `suggests China: ${message}`,
    ).toBe(true);
  }
}

describe("the whole table: judge() against DESIGN.md's, for every combination", () => {
  for (const region of ['standard', 'china'] as const) {
    for (const s of KEY_SPECS) {
      it(`${s} in ${region}: every algorithm × wrapping key spec`, () => {
        let accepted = 0;
        for (const a of KMS_ALGORITHM_IDS) {
          for (const w of WRAPPING_KEY_SPECS) {
            const refusal = judge(j, { algorithm: a, keySpec: s, materialLength: lengthOf(s, region), wrappingKeySpec: w, region });
            const want = designAccepts(s, a, w, region);
            expect(refusal === undefined, `${s} + ${a} + ${w} in ${region}: ${refusal?.message ?? 'accepted'}`).toBe(want);
            if (refusal) expectSoundWayOut(refusal.message, s, a, w, region);
            if (want) accepted++;
          }
        }
        // every key spec can be imported somewhere: SM2 only in China
        expect(accepted > 0).toBe(s !== 'SM2' || region === 'china');
      });
    }
  }
});

// ---- each refusal, through the engine --------------------------------------------------------

const wrapper = createWrapper({ algorithms: STAND_INS, crypto: randomOnlyProvider });
const raw = (n: number) => new Uint8Array(n).fill(0xa5);

function refusal(request: WrapRequest): KmsWrapError {
  let error: unknown;
  try {
    wrapper.check(request);
  } catch (e) {
    error = e;
  }
  expect(error, 'the engine accepted it').toBeInstanceOf(KmsWrapError);
  return error as KmsWrapError;
}

describe('China Regions', () => {
  it('RSA_AES_KEY_WRAP is not available there: RSA private keys go with SM2PKE', () => {
    const e = refusal({
      material: k.rsa2048.pkcs8,
      wrappingPublicKey: k.rsa4096.spki,
      algorithm: 'RSA_AES_KEY_WRAP_SHA_256',
      region: 'china',
    });
    expect(e.code).toBe(ERROR_CODES.REGION_MISMATCH);
    expect(e.message).toBe(
      'RSA_AES_KEY_WRAP_SHA_256 is not available in the AWS China Regions — use SM2PKE with an SM2 wrapping key (request new parameters with that wrapping algorithm and key spec)',
    );
  });

  it('RSA_AES_KEY_WRAP there with ECC material: RSAES_OAEP under the same key', () => {
    const e = refusal({
      material: k.p256.pkcs8,
      wrappingPublicKey: k.rsa4096.spki,
      algorithm: 'RSA_AES_KEY_WRAP_SHA_1',
      region: 'cn-north-1',
    });
    expect(e.code).toBe(ERROR_CODES.REGION_MISMATCH);
    expect(e.message).toMatch(/^RSA_AES_KEY_WRAP_SHA_1 is not available in the AWS China Regions — use RSAES_OAEP_SHA_256/);
  });

  it('SM2PKE outside China', () => {
    const e = refusal({ material: k.p256.pkcs8, wrappingPublicKey: k.rsa4096.spki, algorithm: 'SM2PKE' });
    expect(e.code).toBe(ERROR_CODES.REGION_MISMATCH);
    expect(e.message).toBe(
      "SM2PKE is available only in the AWS China Regions — set region: 'china' if the KMS key is in a China Region, or use RSA_AES_KEY_WRAP_SHA_256",
    );
  });

  it('SM2 material outside China', () => {
    const e = refusal({ material: k.sm2.pkcs8, wrappingPublicKey: k.rsa4096.spki, algorithm: 'RSAES_OAEP_SHA_256' });
    expect(e.code).toBe(ERROR_CODES.REGION_MISMATCH);
    expect(e.message).toBe("SM2 key material can be imported only in the AWS China Regions — set region: 'china' if the KMS key is there");
  });

  it('one source, three wordings: the remedy says the option (library), the flag (command line), or what to choose (page)', () => {
    const request = { material: k.sm2.pkcs8, wrappingPublicKey: k.rsa4096.spki, algorithm: 'RSAES_OAEP_SHA_256' } as const;
    const said = (surface?: 'library' | 'command-line' | 'page') => refusal({ ...request, ...(surface ? { surface } : {}) }).message;
    expect(said()).toContain("— set region: 'china' if the KMS key is there");
    expect(said('library')).toBe(said());
    expect(said('command-line')).toBe(
      'SM2 key material can be imported only in the AWS China Regions — pass --region china if the KMS key is there',
    );
    expect(said('page')).toBe(
      'SM2 key material can be imported only in the AWS China Regions — choose “AWS China Regions” under Region of the KMS key if the KMS key is there',
    );
    for (const s of [said(), said('page')]) expect(s).not.toContain('--region');
    expect(said('command-line')).not.toContain("region: '");
    const wrong = refusal({ ...request, surface: 'terminal' as never });
    expect(wrong.code).toBe(ERROR_CODES.ARGUMENT_INVALID);
  });

  it('an SM2 wrapping key outside China: with SM2PKE, the way out names an algorithm for RSA_4096', () => {
    const e = refusal({ material: k.p256.pkcs8, wrappingPublicKey: k.sm2.spki, algorithm: 'SM2PKE' });
    expect(e.code).toBe(ERROR_CODES.REGION_MISMATCH);
    expect(e.message).toBe(
      "SM2 wrapping keys exist only in the AWS China Regions — set region: 'china' if the KMS key is there, or request an RSA_4096 wrapping key for RSA_AES_KEY_WRAP_SHA_256",
    );
  });

  it('an SM2 wrapping key outside China: with RSAES_OAEP, just an RSA_4096 wrapping key', () => {
    const e = refusal({ material: raw(48), wrappingPublicKey: k.sm2.spki, algorithm: 'RSAES_OAEP_SHA_256' });
    expect(e.code).toBe(ERROR_CODES.REGION_MISMATCH);
    expect(e.message).toBe(
      "SM2 wrapping keys exist only in the AWS China Regions — set region: 'china' if the KMS key is there, or request an RSA_4096 wrapping key",
    );
  });

  it('SM2 material in China is accepted with RSAES_OAEP under RSA and with SM2PKE under SM2', () => {
    expect(
      wrapper.check({ material: k.sm2.pkcs8, wrappingPublicKey: k.rsa2048.spki, algorithm: 'RSAES_OAEP_SHA_256', region: 'china' }).material
        .keySpec,
    ).toBe('SM2');
    expect(
      wrapper.check({ material: k.sm2.pkcs8, wrappingPublicKey: k.sm2.spki, algorithm: 'SM2PKE', region: 'china' }).wrappingKey.spec,
    ).toBe('SM2');
  });

  it('16-byte SYMMETRIC_DEFAULT is accepted there with RSAES_OAEP', () => {
    expect(
      wrapper.check({ material: raw(16), wrappingPublicKey: k.rsa4096.spki, algorithm: 'RSAES_OAEP_SHA_1', region: 'china' }).material
        .keySpec,
    ).toBe('SYMMETRIC_DEFAULT');
  });
});

describe('material and algorithm', () => {
  for (const a of ['RSAES_OAEP_SHA_256', 'RSAES_OAEP_SHA_1']) {
    it(`RSA material with ${a}: use RSA_AES_KEY_WRAP`, () => {
      const e = refusal({ material: k.rsa3072.pkcs8, wrappingPublicKey: k.rsa4096.spki, algorithm: a });
      expect(e.code).toBe(ERROR_CODES.COMBINATION_REJECTED);
      expect(e.message).toBe(
        `AWS KMS does not accept RSA_3072 material (RSA private key) wrapped with ${a}, which is for symmetric, HMAC, ECC private key or SM2 private key material — use RSA_AES_KEY_WRAP_SHA_256`,
      );
    });
  }

  it('RSA material with RSAES_OAEP in China: use SM2PKE', () => {
    const e = refusal({ material: k.rsa2048.pkcs8, wrappingPublicKey: k.rsa4096.spki, algorithm: 'RSAES_OAEP_SHA_256', region: 'china' });
    expect(e.code).toBe(ERROR_CODES.COMBINATION_REJECTED);
    expect(e.message).toMatch(/ — use SM2PKE with an SM2 wrapping key/);
  });

  for (const [name, material, keySpec, chinaMaterial] of [
    ['symmetric', raw(32), 'SYMMETRIC_DEFAULT', raw(16)],
    ['HMAC', raw(48), 'HMAC_384', raw(48)],
  ] as const) {
    for (const a of ['RSA_AES_KEY_WRAP_SHA_256', 'RSA_AES_KEY_WRAP_SHA_1']) {
      it(`${name} material with ${a}: use RSAES_OAEP`, () => {
        const e = refusal({ material, wrappingPublicKey: k.rsa2048.spki, algorithm: a, keySpec });
        expect(e.code).toBe(ERROR_CODES.COMBINATION_REJECTED);
        expect(e.message).toBe(
          `AWS KMS does not accept ${keySpec} material (${name}) wrapped with ${a}, which is for RSA private key or ECC private key material — use RSAES_OAEP_SHA_256`,
        );
      });
    }

    it(`${name} material with SM2PKE in China: RSAES_OAEP with an RSA_4096 wrapping key`, () => {
      const e = refusal({ material: chinaMaterial, wrappingPublicKey: k.sm2.spki, algorithm: 'SM2PKE', keySpec, region: 'china' });
      expect(e.code).toBe(ERROR_CODES.COMBINATION_REJECTED);
      expect(e.message).toContain(`wrapped with SM2PKE, which is for RSA private key, ECC private key or SM2 private key material`);
      expect(e.message).toMatch(
        / — use RSAES_OAEP_SHA_256 with an RSA_4096 wrapping key \(request new parameters with that wrapping algorithm and key spec\)$/,
      );
    });
  }

  it('32 raw bytes, named or not, with RSA_AES_KEY_WRAP: refused for either key spec they could be', () => {
    expect(refusal({ material: raw(32), wrappingPublicKey: k.rsa2048.spki, algorithm: 'RSA_AES_KEY_WRAP_SHA_256' }).code).toBe(
      ERROR_CODES.COMBINATION_REJECTED,
    );
    expect(
      refusal({ material: raw(32), wrappingPublicKey: k.rsa2048.spki, algorithm: 'RSA_AES_KEY_WRAP_SHA_256', keySpec: 'HMAC_256' }).message,
    ).toContain('HMAC_256 material (HMAC)');
  });
});

describe('wrapping key and algorithm', () => {
  it('RSAES_OAEP under an SM2 wrapping key', () => {
    const e = refusal({ material: k.p256.pkcs8, wrappingPublicKey: k.sm2.spki, algorithm: 'RSAES_OAEP_SHA_256', region: 'china' });
    expect(e.code).toBe(ERROR_CODES.PUBLIC_KEY_TYPE);
    expect(e.message).toBe(
      'RSAES_OAEP_SHA_256 needs an RSA_2048, RSA_3072 or RSA_4096 wrapping key, and this one is SM2 — use SM2PKE, or an RSA_2048, RSA_3072 or RSA_4096 wrapping key',
    );
  });

  it('SM2PKE under an RSA wrapping key', () => {
    const e = refusal({ material: k.p256.pkcs8, wrappingPublicKey: k.rsa2048.spki, algorithm: 'SM2PKE', region: 'china' });
    expect(e.code).toBe(ERROR_CODES.PUBLIC_KEY_TYPE);
    expect(e.message).toBe('SM2PKE needs an SM2 wrapping key, and this one is RSA_2048 — use RSAES_OAEP_SHA_256, or an SM2 wrapping key');
  });

  it('ECC_NIST_P521 (241 bytes) under RSA_2048 with RSAES_OAEP: the capacity, computed', () => {
    expect(k.p521.pkcs8.length).toBe(241);
    for (const [a, max] of [
      ['RSAES_OAEP_SHA_256', 190],
      ['RSAES_OAEP_SHA_1', 214],
    ] as const) {
      const e = refusal({ material: k.p521.pkcs8, wrappingPublicKey: k.rsa2048.spki, algorithm: a });
      expect(e.code).toBe(ERROR_CODES.CAPACITY_EXCEEDED);
      expect(e.message).toBe(
        `ECC_NIST_P521 material (241 bytes) does not fit ${a} under an RSA_2048 wrapping key (${max} bytes at most) — use RSA_AES_KEY_WRAP_SHA_256, or an RSA_3072 or RSA_4096 wrapping key`,
      );
    }
    // the same material fits under RSA_3072 (318/342 bytes)
    expect(
      wrapper.check({ material: k.p521.pkcs8, wrappingPublicKey: k.rsa3072.spki, algorithm: 'RSAES_OAEP_SHA_256' }).material.keySpec,
    ).toBe('ECC_NIST_P521');
  });
});

describe('algorithm names', () => {
  it('RSAES_PKCS1_V1_5 is deprecated since 10 October 2023, with what to use', () => {
    for (const material of [raw(32), k.rsa2048.pkcs8]) {
      const e = refusal({
        material,
        wrappingPublicKey: k.rsa2048.spki,
        algorithm: 'rsaes_pkcs1_v1_5',
        keySpec: material.length === 32 ? 'SYMMETRIC_DEFAULT' : undefined,
      });
      expect(e.code).toBe(ERROR_CODES.ALGORITHM_DEPRECATED);
      expect(e.message).toBe(
        'RSAES_PKCS1_V1_5 has not been accepted by AWS KMS since 10 October 2023 — use RSAES_OAEP_SHA_256 (symmetric, HMAC, ECC material) or RSA_AES_KEY_WRAP_SHA_256 (RSA, ECC material)',
      );
    }
  });

  it('an unknown algorithm is named, with the list of known ones', () => {
    const e = refusal({ material: raw(48), wrappingPublicKey: k.rsa2048.spki, algorithm: 'RSAES_OAEP_SHA_512' });
    expect(e.code).toBe(ERROR_CODES.UNKNOWN_NAME);
    expect(e.message).toBe(
      "'RSAES_OAEP_SHA_512' is not a wrapping algorithm AWS KMS accepts — use RSA_AES_KEY_WRAP_SHA_256, RSA_AES_KEY_WRAP_SHA_1, RSAES_OAEP_SHA_256, RSAES_OAEP_SHA_1 or SM2PKE",
    );
  });

  it('an unknown region is named, with the two there are', () => {
    const e = refusal({ material: raw(48), wrappingPublicKey: k.rsa2048.spki, algorithm: 'RSAES_OAEP_SHA_256', region: 'mars-1' });
    expect(e.code).toBe(ERROR_CODES.UNKNOWN_NAME);
    expect(e.message).toContain("'mars-1' is not a region — use 'china' for the AWS China Regions");
  });
});

describe('options(): every algorithm for this material and key, with the reason when refused', () => {
  it('32 raw bytes under RSA_2048: RSAES_OAEP both, not RSA_AES_KEY_WRAP, not SM2PKE', () => {
    const options = wrapper.options({ material: raw(32), wrappingPublicKey: k.rsa2048.spki });
    const by = Object.fromEntries(options.map((o) => [o.algorithm, o]));
    expect(options.map((o) => o.algorithm)).toEqual([...KMS_ALGORITHM_IDS]);
    expect(by['RSAES_OAEP_SHA_256']).toMatchObject({ accepted: true, available: true });
    expect(by['RSAES_OAEP_SHA_1']).toMatchObject({ accepted: true, available: true });
    expect(by['RSA_AES_KEY_WRAP_SHA_256']!.accepted).toBe(false);
    expect(by['RSA_AES_KEY_WRAP_SHA_256']!.reason).toContain('SYMMETRIC_DEFAULT material (symmetric)');
    expect(by['SM2PKE']!.accepted).toBe(false);
  });
});
