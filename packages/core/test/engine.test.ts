/**
 * The engine around plugins: a third-party plugin with a new id plugs in with no change to
 * core; checks before wrap (rules, capacity, key type, the plugin's own key check) and after
 * (length, plaintext in the output); plugins set up wrongly are refused when the wrapper is made.
 */
import { describe, expect, it, vi } from 'vitest';
import {
  ERROR_CODES,
  KmsWrapError,
  createWrapper,
  parseWrappingPublicKey,
  type WrappingAlgorithm,
  type WrapRequest,
} from '../src/index.js';
import { knownAlgorithms } from '../src/internal.js';
import { keys } from './keys.js';
import { STAND_INS, randomOnlyProvider } from './plugins.js';

const k = await keys();
const raw = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 37 + 11) & 0xff);

/**
 * A third-party plugin defined here, outside core: "wraps" by XOR with a fresh random pad and
 * sends the pad along (no security at all; it exercises the plumbing). A new id, so it says
 * what it accepts.
 */
const XOR_DEMO: WrappingAlgorithm = {
  id: 'XOR_DEMO',
  description: 'XOR with a one-time pad sent alongside (a demonstration, not protection)',
  packageName: 'xor-demo-plugin',
  wrappingKeyType: 'rsa',
  accepts: { materials: ['symmetric', 'hmac'], wrappingKeySpecs: ['RSA_2048', 'RSA_3072', 'RSA_4096'], regions: ['standard'] },
  capacity: () => 64,
  outputLength: (_spec, n) => 2 * n,
  async wrap({ material, crypto }) {
    const pad = crypto.randomBytes(material.length);
    const out = new Uint8Array(2 * material.length);
    out.set(pad, 0);
    for (let i = 0; i < material.length; i++) out[material.length + i] = material[i]! ^ pad[i]!;
    return out;
  },
  async unwrap({ ciphertext }) {
    const n = ciphertext.length / 2;
    return ciphertext.subarray(0, n).map((p, i) => p ^ ciphertext[n + i]!);
  },
};

function refusal(f: () => unknown): KmsWrapError {
  let error: unknown;
  try {
    f();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(KmsWrapError);
  expect((error as KmsWrapError).message).toMatch(/\S — \S/);
  return error as KmsWrapError;
}

async function rejection(p: Promise<unknown>): Promise<KmsWrapError> {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(KmsWrapError);
  expect((error as KmsWrapError).message).toMatch(/\S — \S/);
  return error as KmsWrapError;
}

describe('a third-party plugin (XOR_DEMO, defined in this test)', () => {
  const wrapper = createWrapper({ algorithms: [XOR_DEMO, ...STAND_INS], crypto: randomOnlyProvider });
  const request = (r: Partial<WrapRequest> = {}): WrapRequest => ({
    material: raw(48),
    wrappingPublicKey: k.rsa2048.spki,
    algorithm: 'XOR_DEMO',
    ...r,
  });

  it('registers through createWrapper and is known by its id', () => {
    expect(wrapper.algorithms.get('XOR_DEMO')).toBe(XOR_DEMO);
    expect(knownAlgorithms({ rules: wrapper.rules, plugins: wrapper.algorithms })).toContain('XOR_DEMO');
  });

  it('wraps what its accepts allows, and unwraps to the same bytes', async () => {
    const material = raw(48);
    const result = await wrapper.wrap(request({ material }));
    expect(result).toMatchObject({
      algorithm: 'XOR_DEMO',
      keySpec: 'HMAC_384',
      wrappingKeySpec: 'RSA_2048',
      region: 'standard',
      materialFormat: 'raw',
    });
    expect(result.ciphertext.length).toBe(96);
    expect(Array.from(await wrapper.unwrap({ ciphertext: result.ciphertext, algorithm: 'XOR_DEMO', privateKey: k.rsa2048.pkcs8 }))).toEqual(
      Array.from(material),
    );
    expect(Array.from(material)).toEqual(Array.from(raw(48))); // not modified
  });

  it('is refused for material its accepts leaves out, with the reason, before wrap runs', () => {
    const e = refusal(() => wrapper.check(request({ material: k.p256.pkcs8 })));
    expect(e.code).toBe(ERROR_CODES.COMBINATION_REJECTED);
    expect(e.message).toContain('ECC_NIST_P256 material (ECC private key) wrapped with XOR_DEMO, which is for symmetric or HMAC material');
    expect(e.message).toMatch(/ — use RSA_AES_KEY_WRAP_SHA_256$/);
  });

  it('is refused in a region its accepts leaves out', () => {
    const e = refusal(() => wrapper.check(request({ region: 'china' })));
    expect(e.code).toBe(ERROR_CODES.REGION_MISMATCH);
    expect(e.message).toMatch(/^XOR_DEMO is not available in the AWS China Regions — use RSAES_OAEP_SHA_256/);
  });

  it('is listed by options() as accepted and available', () => {
    const o = wrapper.options({ material: raw(48), wrappingPublicKey: k.rsa2048.spki }).find((x) => x.algorithm === 'XOR_DEMO');
    expect(o).toEqual({ algorithm: 'XOR_DEMO', accepted: true, available: true });
  });

  it('its capacity is enforced like any other', () => {
    const big: WrappingAlgorithm = { ...XOR_DEMO, capacity: () => 40 };
    const w = createWrapper({ algorithms: [big], crypto: randomOnlyProvider });
    const e = refusal(() => w.check(request()));
    expect(e.code).toBe(ERROR_CODES.CAPACITY_EXCEEDED);
    expect(e.message).toContain('HMAC_384 material (48 bytes) does not fit XOR_DEMO under an RSA_2048 wrapping key (40 bytes at most)');
  });
});

describe('checks after wrap', () => {
  it('a plugin that returns the plaintext is caught by the output check, and nothing is returned', async () => {
    const leaky: WrappingAlgorithm = {
      ...XOR_DEMO,
      id: 'LEAKY_DEMO',
      packageName: 'leaky-plugin',
      wrap: async ({ material, crypto }) => {
        const out = new Uint8Array(2 * material.length);
        out.set(crypto.randomBytes(material.length), 0);
        out.set(material, material.length); // forgot to encrypt
        return out;
      },
    };
    const w = createWrapper({ algorithms: [leaky], crypto: randomOnlyProvider });
    const e = await rejection(
      w.wrap({ material: raw(32), wrappingPublicKey: k.rsa2048.spki, algorithm: 'LEAKY_DEMO', keySpec: 'HMAC_256' }),
    );
    expect(e.code).toBe(ERROR_CODES.OUTPUT_CHECK_FAILED);
    expect(e.message).toBe('LEAKY_DEMO output contains the plaintext material — nothing was written; report this to leaky-plugin');
  });

  it('output of the wrong length is caught', async () => {
    const short: WrappingAlgorithm = { ...XOR_DEMO, id: 'SHORT_DEMO', wrap: async (input) => (await XOR_DEMO.wrap(input)).subarray(1) };
    const w = createWrapper({ algorithms: [short], crypto: randomOnlyProvider });
    const e = await rejection(w.wrap({ material: raw(28), wrappingPublicKey: k.rsa2048.spki, algorithm: 'SHORT_DEMO' }));
    expect(e.code).toBe(ERROR_CODES.OUTPUT_CHECK_FAILED);
    expect(e.message).toBe('SHORT_DEMO produced 55 bytes where 56 were expected — nothing was written; report this to xor-demo-plugin');
  });

  it('output outside a declared range is caught, and inside it passes', async () => {
    const ranged = (min: number, max: number): WrappingAlgorithm => ({ ...XOR_DEMO, id: 'RANGE_DEMO', outputLength: () => [min, max] });
    const ok = createWrapper({ algorithms: [ranged(50, 60)], crypto: randomOnlyProvider });
    expect((await ok.wrap({ material: raw(28), wrappingPublicKey: k.rsa2048.spki, algorithm: 'RANGE_DEMO' })).ciphertext.length).toBe(56);
    const bad = createWrapper({ algorithms: [ranged(57, 60)], crypto: randomOnlyProvider });
    const e = await rejection(bad.wrap({ material: raw(28), wrappingPublicKey: k.rsa2048.spki, algorithm: 'RANGE_DEMO' }));
    expect(e.message).toContain('produced 56 bytes where 57 to 60 were expected');
  });

  it('output that is not bytes is caught', async () => {
    const wrong = { ...XOR_DEMO, id: 'STRING_DEMO', wrap: async () => 'ciphertext' } as unknown as WrappingAlgorithm;
    const w = createWrapper({ algorithms: [wrong], crypto: randomOnlyProvider });
    const e = await rejection(w.wrap({ material: raw(28), wrappingPublicKey: k.rsa2048.spki, algorithm: 'STRING_DEMO' }));
    expect(e.code).toBe(ERROR_CODES.OUTPUT_CHECK_FAILED);
    expect(e.message).toContain('STRING_DEMO returned no bytes');
  });
});

describe('checks before wrap', () => {
  it("the plugin's checkWrappingKey runs, and its refusal stops the wrap", async () => {
    const wrap = vi.fn(XOR_DEMO.wrap);
    const picky: WrappingAlgorithm = {
      ...XOR_DEMO,
      wrap,
      checkWrappingKey: (key) => {
        if (key.spec !== 'RSA_4096')
          throw new KmsWrapError(ERROR_CODES.PUBLIC_KEY_WEAK, 'XOR_DEMO wants RSA_4096 — request an RSA_4096 wrapping key');
      },
    };
    const w = createWrapper({ algorithms: [picky], crypto: randomOnlyProvider });
    const e = await rejection(w.wrap({ material: raw(28), wrappingPublicKey: k.rsa2048.spki, algorithm: 'XOR_DEMO' }));
    expect(e.code).toBe(ERROR_CODES.PUBLIC_KEY_WEAK);
    expect(wrap).not.toHaveBeenCalled();
    await w.wrap({ material: raw(28), wrappingPublicKey: k.rsa4096.spki, algorithm: 'XOR_DEMO' });
    expect(wrap).toHaveBeenCalledTimes(1);
  });

  it("a plugin whose key type is not the wrapping key's is refused", () => {
    const sm2ish: WrappingAlgorithm = { ...XOR_DEMO, wrappingKeyType: 'sm2' };
    const w = createWrapper({ algorithms: [sm2ish], crypto: randomOnlyProvider });
    const e = refusal(() => w.check({ material: raw(28), wrappingPublicKey: k.rsa2048.spki, algorithm: 'XOR_DEMO' }));
    expect(e.code).toBe(ERROR_CODES.PUBLIC_KEY_TYPE);
    expect(e.message).toBe(
      'XOR_DEMO needs an SM2 wrapping key, and this one is RSA_2048 — request parameters with a matching wrapping key spec',
    );
  });

  it('a parsed wrapping key is taken as is', async () => {
    const w = createWrapper({ algorithms: [XOR_DEMO], crypto: randomOnlyProvider });
    const parsed = parseWrappingPublicKey(k.rsa3072.spki);
    expect(w.check({ material: raw(28), wrappingPublicKey: parsed, algorithm: 'xor_demo' }).wrappingKey).toBe(parsed);
  });
});

describe('ALGORITHM_NOT_AVAILABLE names the package to install', () => {
  const w = createWrapper({ algorithms: [], crypto: randomOnlyProvider });
  for (const [id, pkg, material, spki, region] of [
    ['RSAES_OAEP_SHA_256', '@kms-wrap/rsaes-oaep', () => raw(48), () => k.rsa2048.spki, 'standard'],
    ['RSA_AES_KEY_WRAP_SHA_1', '@kms-wrap/rsa-aes-key-wrap', () => k.p256.pkcs8, () => k.rsa2048.spki, 'standard'],
    ['SM2PKE', '@kms-wrap/sm2pke', () => k.p256.pkcs8, () => k.sm2.spki, 'china'],
  ] as const) {
    it(`${id} → ${pkg}`, async () => {
      const e = await rejection(w.wrap({ material: material(), wrappingPublicKey: spki(), algorithm: id, region }));
      expect(e.code).toBe(ERROR_CODES.ALGORITHM_NOT_AVAILABLE);
      expect(e.message).toBe(
        `${id} is accepted here but no plugin for it was given to the wrapper — install ${pkg} and pass its algorithms to createWrapper`,
      );
    });
  }

  it('unwrap without a plugin that can unwrap', async () => {
    const e = await rejection(w.unwrap({ ciphertext: raw(256), algorithm: 'RSAES_OAEP_SHA_256', privateKey: k.rsa2048.pkcs8 }));
    expect(e.code).toBe(ERROR_CODES.ALGORITHM_NOT_AVAILABLE);
  });
});

describe('plugins set up wrongly are refused by createWrapper', () => {
  it('duplicate ids', () => {
    const e = refusal(() => createWrapper({ algorithms: [XOR_DEMO, { ...XOR_DEMO }], crypto: randomOnlyProvider }));
    expect(e.code).toBe(ERROR_CODES.PLUGIN_INVALID);
    expect(e.message).toBe('two plugins were given for XOR_DEMO — pass each algorithm once');
  });

  it('missing members or a lower-case id', () => {
    const { wrap: _w, ...noWrap } = XOR_DEMO;
    for (const bad of [noWrap, { ...XOR_DEMO, id: 'xor_demo' }, { ...XOR_DEMO, wrappingKeyType: 'ec' }, null]) {
      const e = refusal(() => createWrapper({ algorithms: [bad as unknown as WrappingAlgorithm], crypto: randomOnlyProvider }));
      expect(e.code).toBe(ERROR_CODES.PLUGIN_INVALID);
      expect(e.message).toContain('is not a WrappingAlgorithm');
      expect(e.message).toContain('docs/writing-a-plugin.md');
    }
  });

  it('a new id without accepts', () => {
    const { accepts: _a, ...noAccepts } = XOR_DEMO;
    const e = refusal(() => createWrapper({ algorithms: [noAccepts], crypto: randomOnlyProvider }));
    expect(e.code).toBe(ERROR_CODES.PLUGIN_INVALID);
    expect(e.message).toBe(
      'XOR_DEMO is not an algorithm AWS KMS knows, and the plugin declares no accepts { materials, wrappingKeySpecs, regions } — add accepts to the plugin, or use a known id',
    );
  });

  it('a known id needs no accepts, and cannot widen the rules with one', () => {
    const widened: WrappingAlgorithm = {
      ...STAND_INS[2]!,
      accepts: { materials: ['rsa'], wrappingKeySpecs: ['RSA_2048'], regions: ['standard'] },
    };
    const w = createWrapper({ algorithms: [widened], crypto: randomOnlyProvider });
    expect(
      refusal(() => w.check({ material: k.rsa2048.pkcs8, wrappingPublicKey: k.rsa2048.spki, algorithm: 'RSAES_OAEP_SHA_256' })).code,
    ).toBe(ERROR_CODES.COMBINATION_REJECTED);
  });
});
