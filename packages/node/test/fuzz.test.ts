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
import { mutateText, mutateValue } from '../../../tools/fuzz/mutate.mjs';
import { generateSeeds } from '../../../tools/fuzz/seeds.mjs';
import { hostile as hostileAsync, hostileZip as hostileZipOf, mutations } from '../../../tools/fuzz/hostile.mjs';

/** The fuzz tests' one verdict (tools/fuzz/hostile.mjs), on core's error class and codes. */
const hostile = <T>(f: () => T | Promise<T>, check?: (value: T) => void): Promise<void> =>
  hostileAsync({ KmsWrapError, ERROR_CODES }, f, check);

const RUNS = Number(process.env['KMS_WRAP_FUZZ_RUNS'] ?? 400);
const seeds = generateSeeds({ openssl: false });

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kms-wrap-node-fuzz-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const hostileZip = hostileZipOf(seeds, MAX_ZIP_ENTRY_BYTES);

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
