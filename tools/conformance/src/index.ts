/**
 * The conformance suite every kms-wrap algorithm plugin runs, in Node and in a browser
 * (vitest browser mode). It registers vitest tests; the caller passes the crypto provider,
 * the wrapping key pairs and the key material, so nothing here touches a runtime: no node:*
 * imports, no DOM, no Buffer.
 *
 *   describeConformance(RSAES_OAEP_SHA_256, { provider, keys: async () => [...], materials: [...] });
 *
 * What it checks, through the engine (createWrapper({ algorithms: [plugin], crypto })):
 *   - the plugin has the contract's fields, and the engine takes it;
 *   - for every key × material the engine accepts: wrap → output length within
 *     plugin.outputLength → plugin.unwrap gives back the exact material; two wraps differ;
 *     a tampered ciphertext does not unwrap to the material;
 *   - every key × material the engine refuses is refused before wrap runs, with a code and a
 *     message that says what to do;
 *   - material over the plugin's capacity (where finite and under 64 kB) is refused with
 *     CAPACITY_EXCEEDED before wrap runs;
 *   - output of the wrong length (a truncating or padding wrapper around the plugin) is
 *     refused with OUTPUT_CHECK_FAILED.
 */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import {
  AWS_KMS_RULES,
  ERROR_CODES,
  KEY_SPEC_INFO,
  KmsWrapError,
  createWrapper,
  type CryptoProvider,
  type KeySpec,
  type Region,
  type Wrapper,
  type WrappingAlgorithm,
  type WrappingKeySpec,
} from '@kms-wrap/core';
import { equalBytes } from '@kms-wrap/core/encoding';
import { judge } from '@kms-wrap/core/internal';

export interface ConformanceKey {
  readonly spec: WrappingKeySpec;
  /** DER SubjectPublicKeyInfo, as KMS gives it (WrappingPublicKey.bin). */
  readonly publicKeySpki: Uint8Array;
  /** The pair's private key, PKCS#8 DER: the "KMS side" that unwraps. */
  readonly privateKeyPkcs8: Uint8Array;
}

export interface ConformanceMaterial {
  readonly keySpec: KeySpec;
  /** Raw bytes (symmetric, HMAC) or PKCS#8 DER, exactly as it would be imported. */
  readonly bytes: Uint8Array;
}

export interface ConformanceSetup {
  readonly provider: CryptoProvider;
  /** The wrapping key pairs; called once, before the tests. */
  readonly keys: () => Promise<readonly ConformanceKey[]>;
  readonly region?: Region;
  readonly materials: readonly ConformanceMaterial[];
}

/** Capacities at or over this are not probed: the material would be unreasonably large. */
const PROBE_LIMIT = 64 * 1024;
const ALL_CODES: readonly string[] = Object.values(ERROR_CODES);

export function describeConformance(plugin: WrappingAlgorithm, setup: ConformanceSetup): void {
  const region: Region = setup.region ?? 'standard';
  const { provider, materials } = setup;

  describe(`${String(plugin.id)} conforms to the WrappingAlgorithm contract (${provider.name}, ${region})`, () => {
    let keys: readonly ConformanceKey[] = [];
    let wrapper: Wrapper;
    /** Every (key, material) the engine accepted, for the tests that need one. */
    const accepted: { key: ConformanceKey; material: ConformanceMaterial }[] = [];

    beforeAll(async () => {
      keys = await setup.keys();
      wrapper = createWrapper({ algorithms: [plugin], crypto: provider });
      for (const material of materials) {
        for (const key of keys) {
          if (engineAccepts(wrapper, plugin, key, material, region) === undefined) accepted.push({ key, material });
        }
      }
    });

    it('has the contract fields', () => {
      expect(plugin.id).toMatch(/^[A-Z0-9_]+$/);
      expect(typeof plugin.description).toBe('string');
      expect(plugin.description.trim().length).toBeGreaterThan(0);
      expect(plugin.description).not.toMatch(/[\r\n]/);
      expect(plugin.packageName).toMatch(/^(@[a-z0-9][a-z0-9._-]*\/)?[a-z0-9][a-z0-9._-]*$/);
      expect(['rsa', 'sm2']).toContain(plugin.wrappingKeyType);
      expect(typeof plugin.capacity).toBe('function');
      expect(typeof plugin.outputLength).toBe('function');
      expect(typeof plugin.wrap).toBe('function');
      // The suite plays KMS's side, so a conforming plugin can unwrap its own output.
      expect(typeof plugin.unwrap).toBe('function');
      // Either the rule set knows the id, or the plugin says what it accepts.
      if (AWS_KMS_RULES.algorithms[plugin.id] === undefined) {
        expect(plugin.accepts, `${plugin.id} is not an AWS KMS id, so it must declare accepts`).toBeDefined();
        expect(Array.isArray(plugin.accepts!.materials)).toBe(true);
        expect(Array.isArray(plugin.accepts!.wrappingKeySpecs)).toBe(true);
        expect(Array.isArray(plugin.accepts!.regions)).toBe(true);
      }
    });

    it('declares a capacity and output length for every wrapping key spec given', () => {
      expect(keys.length, 'the setup gave no wrapping keys').toBeGreaterThan(0);
      for (const key of keys) {
        const cap = plugin.capacity(key.spec);
        expect(cap === Number.POSITIVE_INFINITY || Number.isSafeInteger(cap), `capacity(${key.spec}) = ${cap}`).toBe(true);
        expect(cap).toBeGreaterThanOrEqual(0);
        const [min, max] = lengthRange(plugin, key.spec, 32);
        expect(Number.isSafeInteger(min) && Number.isSafeInteger(max), `outputLength(${key.spec}, 32)`).toBe(true);
        expect(min).toBeGreaterThan(0);
        expect(min).toBeLessThanOrEqual(max);
      }
    });

    it('is taken by the engine, which knows it by its id', () => {
      expect(wrapper.algorithms.get(plugin.id)).toBe(plugin);
      expect(() => createWrapper({ algorithms: [plugin, plugin], crypto: provider })).toThrow(
        expect.objectContaining({ code: ERROR_CODES.PLUGIN_INVALID }),
      );
    });

    it('is accepted by the engine for at least one key and material given', () => {
      expect(
        accepted.length,
        `no material given is accepted for ${plugin.id} under the keys given: the suite would test nothing`,
      ).toBeGreaterThan(0);
    });

    for (const material of materials) {
      it(`wraps ${material.keySpec} (${material.bytes.length} bytes) so that unwrap gives it back, or refuses it before wrap runs`, async () => {
        for (const key of keys) {
          const spy = vi.fn(plugin.wrap);
          const spied = derive(plugin, { wrap: spy });
          const w = createWrapper({ algorithms: [spied], crypto: provider });
          const request = wrapRequest(plugin, key, material, region);
          const refusal = engineAccepts(wrapper, plugin, key, material, region);
          if (refusal !== undefined) {
            await expect(w.wrap(request)).rejects.toBeInstanceOf(KmsWrapError);
            expectGoodRefusal(refusal, material);
            expect(spy, `${plugin.id} wrap ran for a refused request (${material.keySpec} under ${key.spec})`).not.toHaveBeenCalled();
            continue;
          }
          const before = material.bytes.slice();
          const first = await w.wrap(request);
          const second = await w.wrap(request);
          expect(spy).toHaveBeenCalledTimes(2);
          expect(equalBytes(material.bytes, before), 'the engine or the plugin modified the material').toBe(true);
          expect(first.algorithm).toBe(plugin.id);
          expect(first.wrappingKeySpec).toBe(key.spec);
          for (const { ciphertext } of [first, second]) {
            const [min, max] = lengthRange(plugin, key.spec, material.bytes.length);
            expect(ciphertext.length).toBeGreaterThanOrEqual(min);
            expect(ciphertext.length).toBeLessThanOrEqual(max);
            const back = await plugin.unwrap!({ ciphertext, privateKey: key.privateKeyPkcs8, crypto: provider });
            expect(equalBytes(back, material.bytes), `${material.keySpec} under ${key.spec}: unwrap did not give back the material`).toBe(
              true,
            );
          }
          expect(
            equalBytes(first.ciphertext, second.ciphertext),
            'two wraps of the same material are equal: the wrap is not randomised',
          ).toBe(false);
        }
      });
    }

    it('does not unwrap a tampered ciphertext to the material', async () => {
      const { key, material } = firstAccepted(accepted);
      const { ciphertext } = await wrapper.wrap(wrapRequest(plugin, key, material, region));
      for (const at of [0, Math.floor(ciphertext.length / 2), ciphertext.length - 1]) {
        const bad = ciphertext.slice();
        bad[at]! ^= 0x01;
        let back: Uint8Array | undefined;
        try {
          back = await plugin.unwrap!({ ciphertext: bad, privateKey: key.privateKeyPkcs8, crypto: provider });
        } catch {
          back = undefined;
        }
        expect(back !== undefined && equalBytes(back, material.bytes), `a bit flipped at byte ${at} went unnoticed`).toBe(false);
      }
    });

    it('is refused with CAPACITY_EXCEEDED before wrap runs for material over its capacity', async () => {
      let probed = 0;
      for (const key of keys) {
        const cap = plugin.capacity(key.spec);
        if (!(cap < PROBE_LIMIT)) continue;
        for (const material of overCapacity(plugin, key, materials, cap, region)) {
          const spy = vi.fn(plugin.wrap);
          const w = createWrapper({ algorithms: [derive(plugin, { wrap: spy })], crypto: provider });
          const error = await w.wrap(wrapRequest(plugin, key, material, region)).then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(
            error,
            `${material.keySpec} (${material.bytes.length} bytes) over a capacity of ${cap} under ${key.spec} was wrapped`,
          ).toBeInstanceOf(KmsWrapError);
          expect((error as KmsWrapError).code).toBe(ERROR_CODES.CAPACITY_EXCEEDED);
          expect((error as KmsWrapError).message).toContain(`${material.bytes.length} bytes`);
          expect((error as KmsWrapError).message).toContain(`${cap} bytes at most`);
          expectGoodRefusal(error as KmsWrapError, material);
          expect(spy).not.toHaveBeenCalled();
          probed++;
        }
      }
      // Where no key has a capacity under the probe limit, there is nothing to exceed; where
      // one has, the suite must have found or built material over it.
      const finite = keys.filter((k) => plugin.capacity(k.spec) < PROBE_LIMIT);
      const canBuild = finite.some((k) => overCapacity(plugin, k, materials, plugin.capacity(k.spec), region).length > 0);
      expect(probed > 0).toBe(canBuild);
      if (finite.length > 0 && !canBuild) {
        // Only raw material is accepted: then no accepted material may exceed the capacity.
        for (const { key, material } of accepted) expect(material.bytes.length).toBeLessThanOrEqual(plugin.capacity(key.spec));
      }
    });

    it('wraps material of exactly its capacity (where finite and under 64 kB), so the capacity it declares is true', async () => {
      let probed = 0;
      for (const key of keys) {
        const cap = plugin.capacity(key.spec);
        if (!(cap < PROBE_LIMIT)) continue;
        const material = atCapacity(plugin, key, materials, cap, region);
        if (material === undefined) continue;
        const { ciphertext } = await wrapper.wrap(wrapRequest(plugin, key, material, region));
        const back = await plugin.unwrap!({ ciphertext, privateKey: key.privateKeyPkcs8, crypto: provider });
        expect(equalBytes(back, material.bytes), `${material.bytes.length} bytes (capacity ${cap}) under ${key.spec}`).toBe(true);
        probed++;
      }
      const buildable = keys.filter(
        (k) => plugin.capacity(k.spec) < PROBE_LIMIT && atCapacity(plugin, k, materials, plugin.capacity(k.spec), region),
      );
      expect(probed).toBe(buildable.length);
    });

    it('has output of the wrong length refused with OUTPUT_CHECK_FAILED', async () => {
      const { key, material } = firstAccepted(accepted);
      const [min, max] = lengthRange(plugin, key.spec, material.bytes.length);
      const broken: [string, (out: Uint8Array) => Uint8Array][] = [
        ['truncated', (out) => out.slice(0, min - 1)],
        ['padded', (out) => concat(out, new Uint8Array(max - out.length + 1))],
      ];
      for (const [how, damage] of broken) {
        const bad = derive(plugin, { wrap: async (input: Parameters<WrappingAlgorithm['wrap']>[0]) => damage(await plugin.wrap(input)) });
        const w = createWrapper({ algorithms: [bad], crypto: provider });
        const error = await w.wrap(wrapRequest(plugin, key, material, region)).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error, `a ${how} output was let through`).toBeInstanceOf(KmsWrapError);
        expect((error as KmsWrapError).code).toBe(ERROR_CODES.OUTPUT_CHECK_FAILED);
        expect((error as KmsWrapError).message).toContain(plugin.packageName);
      }
    });
  });
}

function wrapRequest(plugin: WrappingAlgorithm, key: ConformanceKey, material: ConformanceMaterial, region: Region) {
  return { material: material.bytes, wrappingPublicKey: key.publicKeySpki, algorithm: plugin.id, keySpec: material.keySpec, region };
}

/** undefined if the engine accepts the request, else its refusal. */
function engineAccepts(
  wrapper: Wrapper,
  plugin: WrappingAlgorithm,
  key: ConformanceKey,
  material: ConformanceMaterial,
  region: Region,
): KmsWrapError | undefined {
  try {
    wrapper.check(wrapRequest(plugin, key, material, region));
    return undefined;
  } catch (e) {
    if (e instanceof KmsWrapError) return e;
    throw e;
  }
}

/** A refusal names a stable code and says what to do, without key bytes. */
function expectGoodRefusal(error: KmsWrapError, material: ConformanceMaterial): void {
  expect(ALL_CODES).toContain(error.code);
  expect(error.message).toMatch(/\S — \S/);
  expect(error.message).not.toMatch(/[\r\n]/);
  const tail = hex(material.bytes.subarray(Math.max(0, material.bytes.length - 12)));
  expect(error.message.toLowerCase()).not.toContain(tail);
}

function firstAccepted<T>(list: readonly T[]): T {
  const first = list[0];
  if (first === undefined) throw new Error('no material given is accepted under the keys given — the setup must include one');
  return first;
}

function lengthRange(plugin: WrappingAlgorithm, spec: WrappingKeySpec, n: number): [number, number] {
  const out = plugin.outputLength(spec, n);
  return typeof out === 'number' ? [out, out] : [out[0], out[1]];
}

/** The plugin with some members replaced; works for object literals and class instances alike. */
function derive(plugin: WrappingAlgorithm, overrides: Partial<WrappingAlgorithm>): WrappingAlgorithm {
  const out = Object.create(plugin) as WrappingAlgorithm;
  for (const [k, v] of Object.entries(overrides)) Object.defineProperty(out, k, { value: v, enumerable: true });
  return out;
}

/**
 * Material the rules accept for this plugin and key but that exceeds `cap`: the materials
 * given that are larger, and PKCS#8 materials grown past it with a PKCS#8 attribute (RFC 5958
 * §2 `attributes [0]`), which changes the length and nothing the rules look at.
 */
/**
 * Private-key material (PKCS#8), by its key spec: raw symmetric or HMAC material is random,
 * and starts with 0x30 one time in 256, which made a first-byte test grow it as if it were DER.
 */
function isPkcs8(m: ConformanceMaterial): boolean {
  return KEY_SPEC_INFO[m.keySpec].rawLength === undefined;
}

function overCapacity(
  plugin: WrappingAlgorithm,
  key: ConformanceKey,
  materials: readonly ConformanceMaterial[],
  cap: number,
  region: Region,
): ConformanceMaterial[] {
  const j = { rules: AWS_KMS_RULES, plugins: new Map([[plugin.id, plugin]]) };
  const ruleAccepts = (m: ConformanceMaterial) =>
    judge(j, { algorithm: plugin.id, keySpec: m.keySpec, materialLength: 0, wrappingKeySpec: key.spec, region }) === undefined;
  const out: ConformanceMaterial[] = [];
  for (const m of materials) {
    if (!ruleAccepts(m)) continue;
    if (m.bytes.length > cap) out.push(m);
    else if (isPkcs8(m) && !out.some((o) => o.keySpec === m.keySpec)) {
      const grown = growPkcs8(m.bytes, cap + 1);
      if (grown !== undefined) out.push({ keySpec: m.keySpec, bytes: grown });
    }
  }
  return out;
}

/**
 * The longest PKCS#8 material the rules accept for this plugin and key that is at most `cap`
 * bytes, grown with an attribute to exactly `cap` where the DER lengths allow.
 */
function atCapacity(
  plugin: WrappingAlgorithm,
  key: ConformanceKey,
  materials: readonly ConformanceMaterial[],
  cap: number,
  region: Region,
): ConformanceMaterial | undefined {
  const j = { rules: AWS_KMS_RULES, plugins: new Map([[plugin.id, plugin]]) };
  let best: ConformanceMaterial | undefined;
  for (const m of materials) {
    if (!isPkcs8(m) || m.bytes.length > cap) continue;
    if (judge(j, { algorithm: plugin.id, keySpec: m.keySpec, materialLength: 0, wrappingKeySpec: key.spec, region }) !== undefined)
      continue;
    const grown = growPkcs8(m.bytes, cap, 'atMost');
    if (grown !== undefined && (best === undefined || grown.length > best.bytes.length)) best = { keySpec: m.keySpec, bytes: grown };
  }
  return best;
}

/** DER length octets (X.690 §8.1.3). */
function derLength(n: number): Uint8Array {
  if (n < 0x80) return Uint8Array.of(n);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

function tlv(tag: number, content: Uint8Array): Uint8Array {
  return concat(Uint8Array.of(tag), derLength(content.length), content);
}

/**
 * The PKCS#8 PrivateKeyInfo with `attributes [0] IMPLICIT SET OF Attribute` appended, one
 * Attribute { type 2.999.1, values SET { OCTET STRING zeros } }, sized to the shortest length
 * at least `target` ('atLeast') or the longest at most `target` ('atMost'). undefined if the
 * input is not a definite-length SEQUENCE or no size fits.
 */
function growPkcs8(pkcs8: Uint8Array, target: number, mode: 'atLeast' | 'atMost' = 'atLeast'): Uint8Array | undefined {
  const first = pkcs8[1];
  if (pkcs8[0] !== 0x30 || first === undefined) return undefined;
  const headerLength = first < 0x80 ? 2 : 2 + (first & 0x7f);
  const body = pkcs8.subarray(headerLength);
  const attributeType = Uint8Array.of(0x06, 0x03, 0x88, 0x37, 0x01); // OID 2.999.1 (X.660 example arc)
  const build = (pad: number) =>
    tlv(0x30, concat(body, tlv(0xa0, tlv(0x30, concat(attributeType, tlv(0x31, tlv(0x04, new Uint8Array(pad))))))));
  // Each length field grows by at most a few bytes, so start a little below the target.
  let pad = Math.max(0, target - pkcs8.length - 24);
  let grown = build(pad);
  if (mode === 'atLeast') {
    while (grown.length < target) grown = build(++pad);
    return grown;
  }
  if (grown.length > target) return undefined;
  let best = grown;
  while ((grown = build(++pad)).length <= target) best = grown;
  return best;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function hex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}
