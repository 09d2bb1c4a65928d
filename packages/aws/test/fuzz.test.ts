/**
 * Hostile input, property-based (fast-check), for what @kms-wrap/aws parses: the console's
 * ImportParameters.zip (the bounded zip reader, then parseImportParametersFile on its bytes,
 * inflated by node:zlib and by DecompressionStream), the JSON, and the README inside the zip. Zips are damaged where it hurts — every
 * count, size, offset and name length of the end record, the central directory and the local
 * headers set to 0, 1, 0xffff, 0xffffffff and off-by-one values — and as bytes and text
 * (tools/fuzz/mutate.mjs); their entries hold mutated keys. Each input is read, or refused with
 * kms-wrap's own coded KmsWrapError in one line; never another exception, never over a second.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, KmsWrapError } from '@kms-wrap/core';
import {
  MAX_ZIP_ENTRY_BYTES,
  inflateRawStream,
  isZip,
  listZipEntries,
  parseConsoleReadme,
  parseImportParametersFile,
  readZipEntry,
} from '../src/index.js';
import { zlibInflateRaw } from './zlib-inflate.js';
import { mutateText, mutateValue } from '../../../tools/fuzz/mutate.mjs';
import { generateSeeds } from '../../../tools/fuzz/seeds.mjs';
import { hostile as hostileAsync, hostileZip as hostileZipOf, mutations, zipFields } from '../../../tools/fuzz/hostile.mjs';

/** The fuzz tests' one verdict (tools/fuzz/hostile.mjs), on core's error class and codes. */
const hostile = <T>(f: () => T | Promise<T>, check?: (value: T) => void): Promise<void> =>
  hostileAsync({ KmsWrapError, ERROR_CODES }, f, check);

const RUNS = Number(process.env['KMS_WRAP_FUZZ_RUNS'] ?? 400);
const seeds = generateSeeds({ openssl: false });

/** The two inflates the zip reader is given: node:zlib's (what @kms-wrap/node passes) and the default DecompressionStream. */
const INFLATES = [
  ['node:zlib', zlibInflateRaw],
  ['DecompressionStream', inflateRawStream],
] as const;

const hostileZip = hostileZipOf(seeds, MAX_ZIP_ENTRY_BYTES);

describe('fuzz: the zip reader', () => {
  it.each(INFLATES)(
    'listZipEntries / readZipEntry (%s): entries of the size the directory says, or a coded refusal',
    async (_, inflateRaw) => {
      await fc.assert(
        fc.asyncProperty(hostileZip, async (z) => {
          await hostile(
            async () => {
              if (!isZip(z)) return [];
              const opts = { code: ERROR_CODES.PARAMETERS_INVALID, inflateRaw };
              const read = [];
              for (const e of listZipEntries(z, opts)) read.push({ e, data: await readZipEntry(z, e, opts) });
              return read;
            },
            (read) => read.forEach(({ e, data }) => expect(data.length).toBe(e.size)),
          );
        }),
        { numRuns: RUNS * 3 },
      );
    },
  );

  it('the zip fields cover the whole structure (the mutation is not vacuous)', () => {
    expect(zipFields(seeds.zip[0]!).length).toBe(7 + 3 * 14);
  });
});

describe('fuzz: parseImportParametersFile', () => {
  it.each(INFLATES)('hostile zips and JSON (%s): parameters with a valid wrapping key, or a coded refusal', async (_, inflateRaw) => {
    const input = fc.oneof(
      hostileZip,
      fc
        .tuple(fc.nat(), mutations)
        .map(([i, m]) => new Uint8Array(Buffer.from(JSON.stringify(mutateValue(JSON.parse(seeds.json[i % 2]!), m, seeds.spki))))),
      fc.tuple(fc.nat(), mutations).map(([i, m]) => new Uint8Array(Buffer.from(mutateText(seeds.json[i % 2]!, m, seeds.json)))),
    );
    await fc.assert(
      fc.asyncProperty(input, async (bytes) => {
        await hostile(
          () => parseImportParametersFile(bytes, 'params', { inflateRaw }),
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

describe('fuzz: parseConsoleReadme', () => {
  it('never throws; every fact it finds is well-formed', async () => {
    const text = fc.oneof(
      fc.tuple(fc.nat(), mutations).map(([i, m]) => mutateText(seeds.readme[i % seeds.readme.length]!, m, seeds.readme)),
      fc.string({ unit: 'binary', maxLength: 400 }),
    );
    await fc.assert(
      fc.asyncProperty(text, async (t) => {
        await hostile(
          () => parseConsoleReadme(t),
          (r) => {
            if (r.validTo) expect(Number.isFinite(r.validTo.getTime())).toBe(true);
            if (r.wrappingKeySpec) expect(['RSA_2048', 'RSA_3072', 'RSA_4096', 'SM2']).toContain(r.wrappingKeySpec);
          },
        );
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it('a megabyte of near-matches stays fast', async () => {
    const near = `${'arn:aws-'.repeat(1 << 17)}\n${'Wrapping algorithm: '.repeat(1 << 15)}\n${'expires 2024-'.repeat(1 << 15)}`;
    await hostile(() => parseConsoleReadme(near));
  });
});
