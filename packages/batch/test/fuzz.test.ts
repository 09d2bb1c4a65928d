/**
 * Hostile input, property-based (fast-check), for the batch manifest (JSON Lines): read whole
 * (parseBatchManifest) and streamed a block at a time (streamBatchManifest), which must agree;
 * and the path index that finds clashes between lines from hashes. Each input is read, or
 * refused with kms-wrap's own coded KmsWrapError in one line; never another exception, never
 * over a second. (Moved from @kms-wrap/node's fuzz test with the code.)
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES, KmsWrapError } from '@kms-wrap/core';
import { parseBatchManifest, streamBatchManifest } from '../src/index.js';
import { _PathIndex } from '../src/batch.js';
import { mutateText, mutateValue, type Mutation } from '../../../tools/fuzz/mutate.mjs';
import { generateSeeds } from '../../../tools/fuzz/seeds.mjs';
import { hostile as hostileAsync } from '../../../tools/fuzz/hostile.mjs';

/** The fuzz tests' one verdict (tools/fuzz/hostile.mjs), on core's error class and codes. */
const hostile = <T>(f: () => T | Promise<T>, check?: (value: T) => void): Promise<void> =>
  hostileAsync({ KmsWrapError, ERROR_CODES }, f, check);

const RUNS = Number(process.env['KMS_WRAP_FUZZ_RUNS'] ?? 400);
const seeds = generateSeeds({ openssl: false });

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kms-wrap-batch-fuzz-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const mutation: fc.Arbitrary<Mutation> = fc.record({ op: fc.nat(), a: fc.nat(), b: fc.nat(), c: fc.nat() });
const mutations = fc.array(mutation, { maxLength: 4 });

describe('fuzz: parseBatchManifest', () => {
  it('every line an entry with absolute paths, or a problem named by its line number', async () => {
    const manifest = fc.tuple(fc.nat(), mutations, mutations).map(([i, valueOps, textOps]) => {
      const lines = seeds.manifest[0]!.split('\n');
      const at = i % lines.length;
      if (lines[at]) lines[at] = JSON.stringify(mutateValue(JSON.parse(lines[at]!), valueOps, seeds.spki));
      return mutateText(lines.join('\n'), textOps, seeds.manifest);
    });
    await fc.assert(
      fc.asyncProperty(manifest, async (text) => {
        await hostile(
          () => parseBatchManifest(text, '/base'),
          (m) => {
            expect(m.entries.length).toBe(m.lines.length);
            const rows = text.replace(/^\uFEFF/, '').split(/\r?\n/).length;
            for (const e of m.entries) expect(typeof e.output === 'string' && e.output.startsWith('/')).toBe(true);
            for (const p of m.problems) {
              expect(p.line).toBeGreaterThanOrEqual(1);
              expect(p.line).toBeLessThanOrEqual(rows);
              expect(p.error).toBeInstanceOf(KmsWrapError);
              expect(p.error.message).not.toMatch(/[\r\n]/);
            }
          },
        );
      }),
      { numRuns: RUNS * 2 },
    );
  });
});

describe('fuzz: streamBatchManifest', () => {
  it('counts on the bytes exactly the lines it then yields, and yields what parseBatchManifest reads whole', async () => {
    const entry = JSON.stringify({ material: 'm.der', publicKey: 'p.bin', algorithm: 'RSA_AES_KEY_WRAP_SHA_256', output: 'o.bin' });
    const piece = fc.constantFrom(
      entry,
      entry,
      `${entry}\r`,
      '',
      '   ',
      '\t',
      '\r',
      '\u00a0',
      '\u3000 ',
      '\ufeff',
      '\u2028',
      'not json',
      '{"material": "é€😀"}',
      '\ud800',
      ' '.repeat(70_000),
      `{"x": "${'€'.repeat(30_000)}"}`,
      `{"x": "${'a'.repeat(70_000)}"}`,
    );
    const file = join(dir, 'stream.jsonl');
    await fc.assert(
      fc.asyncProperty(fc.array(piece, { maxLength: 12 }), fc.boolean(), fc.boolean(), async (rows, bom, finalNewline) => {
        const text = `${bom ? '\ufeff' : ''}${rows.join('\n')}${finalNewline ? '\n' : ''}`;
        await writeFile(file, text);
        let m;
        try {
          m = await streamBatchManifest(file);
        } catch (e) {
          expect((e as KmsWrapError).code).toBe(ERROR_CODES.MANIFEST_INVALID); // no lines
          expect(
            text
              .replace(/^\ufeff/, '')
              .split(/\r?\n/)
              .every((r) => r.trim() === ''),
          ).toBe(true);
          return;
        }
        const seen: [number, string][] = [];
        for await (const l of m.lines()) seen.push([l.line, 'entry' in l ? 'entry' : l.problem.message.slice(0, 20)]);
        expect(m.count).toBe(seen.length);
        if (!rows.some((r) => r.length > 64 << 10)) {
          const whole = parseBatchManifest(text, dir);
          const expected = [
            ...whole.lines.map((l) => [l, 'entry'] as [number, string]),
            ...whole.problems.map((p) => [p.line, p.error.message.slice(0, 20)] as [number, string]),
          ];
          expect(seen).toEqual(expected.sort((a, b) => a[0] - b[0]));
        }
      }),
      { numRuns: Math.max(50, RUNS / 4) },
    );
  });
});

describe('batch path index (property): the suspects it finds from hashes', () => {
  // Paths from a small pool, so that entries share outputs and inputs often; with so few paths
  // no two hash alike, so the suspects must be exactly what comparing the strings finds.
  const pool = Array.from({ length: 8 }, (_, i) => `/batch/dir-${i % 3}/file-${i}.bin`);
  const job = fc.record({
    output: fc.constantFrom(...pool),
    material: fc.oneof(fc.constantFrom(...pool), fc.constant(null)),
    key: fc.oneof(fc.constantFrom(...pool), fc.constant(null)),
  });
  it("are the entries whose output is another entry's output or any entry's input, and the entries reading such a path", () => {
    fc.assert(
      fc.property(fc.array(job, { maxLength: 40 }), fc.nat({ max: 50 }), (jobs, expected) => {
        const index = new _PathIndex(expected); // fewer or more than noted: it grows
        jobs.forEach((j, i) =>
          index.note({
            index: 3 * i + 1,
            material: j.material ?? new Uint8Array(1),
            key: j.key === null ? 0 : { path: j.key, kind: 'publicKey' },
            algorithm: 'RSAES_OAEP_SHA_256',
            output: j.output,
          }),
        );
        const outputs = jobs.map((j) => j.output);
        const inputs = new Set(jobs.flatMap((j) => [j.material, j.key].filter((p): p is string => p !== null)));
        const hot = new Set(outputs.filter((o, i) => outputs.indexOf(o) !== i || inputs.has(o)));
        const want = jobs.flatMap((j, i) =>
          hot.has(j.output) || (j.material !== null && hot.has(j.material)) || (j.key !== null && hot.has(j.key)) ? [3 * i + 1] : [],
        );
        expect([...index.suspects()].sort((a, b) => a - b)).toEqual(want);
      }),
      { numRuns: 500 },
    );
  });
});
