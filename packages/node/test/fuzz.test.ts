/**
 * Hostile input, property-based (fast-check), for what @kms-wrap/node reads: GetParametersForImport
 * files on the disk (loadImportParameters: the console's ImportParameters.zip and JSON). The zip
 * reader and the README are fuzzed with @kms-wrap/aws, which parses them, and batch manifests with
 * @kms-wrap/batch (their test/fuzz.test.ts). Zips are damaged where it hurts — every
 * count, size, offset and name length of the end record, the central directory and the local
 * headers set to 0, 1, 0xffff, 0xffffffff and off-by-one values — and as bytes and text
 * (tools/fuzz/mutate.mjs); their entries hold mutated keys. Each input is read, or refused with
 * kms-wrap's own coded KmsWrapError in one line; never another exception, never over a second.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES, KmsWrapError } from '@kms-wrap/core';
import { MAX_ZIP_ENTRY_BYTES } from '@kms-wrap/aws';
import { loadImportParameters } from '../src/index.js';
import { mutateBytes, mutateText, mutateValue, type Mutation } from '../../../tools/fuzz/mutate.mjs';
import { generateSeeds, makeZip } from '../../../tools/fuzz/seeds.mjs';

const CODES = new Set<string>(Object.values(ERROR_CODES));
const LIMIT_MS = 1000;
const RUNS = Number(process.env['KMS_WRAP_FUZZ_RUNS'] ?? 400);
const seeds = generateSeeds({ openssl: false });

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kms-wrap-node-fuzz-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const mutation: fc.Arbitrary<Mutation> = fc.record({ op: fc.nat(), a: fc.nat(), b: fc.nat(), c: fc.nat() });
const mutations = fc.array(mutation, { maxLength: 4 });

/** Offsets and widths of every numeric field of a zip's end record, central entries and local headers. */
function zipFields(z: Uint8Array): [number, 2 | 4][] {
  const v = new DataView(z.buffer, z.byteOffset, z.byteLength);
  const fields: [number, 2 | 4][] = [];
  const end = z.length - 22;
  if (end < 0 || v.getUint32(end, true) !== 0x06054b50) return fields;
  fields.push([end + 4, 2], [end + 6, 2], [end + 8, 2], [end + 10, 2], [end + 12, 4], [end + 16, 4], [end + 20, 2]);
  let p = v.getUint32(end + 16, true);
  for (let i = 0; i < v.getUint16(end + 10, true) && p + 46 <= end; i++) {
    fields.push([p + 8, 2], [p + 10, 2], [p + 16, 4], [p + 20, 4], [p + 24, 4], [p + 28, 2], [p + 30, 2], [p + 32, 2], [p + 42, 4]);
    const local = v.getUint32(p + 42, true);
    if (local + 30 <= z.length) fields.push([local + 8, 2], [local + 18, 4], [local + 22, 4], [local + 26, 2], [local + 28, 2]);
    p += 46 + v.getUint16(p + 28, true) + v.getUint16(p + 30, true) + v.getUint16(p + 32, true);
  }
  return fields;
}

const FIELD_VALUES = [0, 1, 0xffff, 0xffffffff, 0x7fffffff, 0xfffe, 22, 46, MAX_ZIP_ENTRY_BYTES, MAX_ZIP_ENTRY_BYTES + 1, 8, 12, 99];

/** A console zip whose entries hold mutated keys and README text, then damaged in its fields and bytes. */
const hostileZip = fc
  .record({
    key: fc.tuple(fc.nat(), mutations),
    readme: fc.tuple(fc.nat(), mutations),
    stored: fc.boolean(),
    fields: fc.array(fc.tuple(fc.nat(), fc.nat(), fc.integer({ min: -2, max: 2 })), { maxLength: 3 }),
    bytes: mutations,
  })
  .map(({ key, readme, stored, fields, bytes }) => {
    const spki = mutateBytes(seeds.spki[key[0] % seeds.spki.length]!, key[1], seeds.spki);
    const text = mutateText(seeds.readme[readme[0] % seeds.readme.length]!, readme[1], seeds.readme);
    let z = makeZip([
      { name: 'WrappingPublicKey.bin', data: spki, method: stored ? 0 : 8 },
      { name: 'ImportToken.bin', data: Uint8Array.of(1, 2, 3, 4), method: 0 },
      { name: 'README.txt', data: new Uint8Array(Buffer.from(text, 'utf8')) },
    ]);
    const all = zipFields(z);
    for (const [i, value, delta] of fields) {
      if (all.length === 0) break;
      const [at, width] = all[i % all.length]!;
      const v = new DataView(z.buffer, z.byteOffset, z.byteLength);
      const n = (FIELD_VALUES[value % FIELD_VALUES.length]! + delta) >>> 0;
      if (width === 2) v.setUint16(at, n & 0xffff, true);
      else v.setUint32(at, n, true);
    }
    z = mutateBytes(z, bytes, seeds.zip);
    return z;
  });

async function hostile<T>(f: () => T | Promise<T>, check?: (value: T) => void): Promise<void> {
  const once = async () => {
    const t0 = performance.now();
    try {
      return { value: await f(), ms: performance.now() - t0 };
    } catch (error) {
      return { error, ms: performance.now() - t0 };
    }
  };
  let r: { value?: T; error?: unknown; ms: number } = await once();
  for (let i = 0; i < 2 && r.ms > LIMIT_MS; i++) r = { ...r, ms: Math.min(r.ms, (await once()).ms) };
  expect(r.ms, 'one input took over a second').toBeLessThan(LIMIT_MS);
  if (!('error' in r)) {
    check?.(r.value as T);
    return;
  }
  const error = r.error;
  if (!(error instanceof KmsWrapError)) {
    throw new Error(
      `a crash, not a KmsWrapError: ${error instanceof Error ? `${error.name}: ${error.message}\n${error.stack}` : String(error)}`,
    );
  }
  expect(CODES.has(error.code), error.code).toBe(true);
  expect(error.message).not.toMatch(/[\r\n]/);
  expect(error.message.length, error.message.slice(0, 200)).toBeLessThanOrEqual(1000);
}

describe('fuzz: loadImportParameters on files', () => {
  it('hostile zips and JSON written to disk: parameters with a valid wrapping key, or a coded refusal', async () => {
    let n = 0;
    const input = fc.oneof(
      hostileZip,
      fc
        .tuple(fc.nat(), mutations)
        .map(([i, m]) => new Uint8Array(Buffer.from(JSON.stringify(mutateValue(JSON.parse(seeds.json[i % 2]!), m, seeds.spki))))),
      fc.tuple(fc.nat(), mutations).map(([i, m]) => new Uint8Array(Buffer.from(mutateText(seeds.json[i % 2]!, m, seeds.json)))),
    );
    await fc.assert(
      fc.asyncProperty(input, async (bytes) => {
        const path = join(dir, `params-${n++ % 4}`);
        await writeFile(path, bytes);
        await hostile(
          () => loadImportParameters(path),
          (p) => {
            expect(['RSA_2048', 'RSA_3072', 'RSA_4096', 'SM2']).toContain(p.wrappingKey.spec);
            expect(p.importToken.length).toBeGreaterThan(0);
          },
        );
      }),
      { numRuns: RUNS / 2 },
    );
  });
});
