// The one verdict of the packages' property-based fuzz tests, and the hostile console zip they
// share. An input is read (and the test's own check holds), or refused with kms-wrap's coded
// error — a KmsWrapError whose code is one of ERROR_CODES, in one line of at most 1,000
// characters; never another exception, never over a second (a slow run is tried twice more: a
// pause of a busy machine is not the parser's).
import fc from 'fast-check';
import { mutateBytes, mutateText } from './mutate.mjs';
import { makeZip } from './seeds.mjs';

export const LIMIT_MS = 1000;

function verdict(r, core, check) {
  if (r.ms >= LIMIT_MS) throw new Error(`one input took over a second (${Math.round(r.ms)} ms)`);
  if (!('error' in r)) {
    check?.(r.value);
    return;
  }
  const error = r.error;
  if (!(error instanceof core.KmsWrapError)) {
    throw new Error(
      `a crash, not a KmsWrapError: ${error instanceof Error ? `${error.name}: ${error.message}\n${error.stack}` : String(error)}`,
    );
  }
  if (!Object.values(core.ERROR_CODES).includes(error.code)) throw new Error(`an unknown code: ${error.code}`);
  if (error.message.length === 0) throw new Error(`${error.code} with no message`);
  if (error.message.length > 1000) throw new Error(`a message over 1,000 characters: ${error.message.slice(0, 200)}`);
  if (/[\r\n]/.test(error.message)) throw new Error(`a message of more than one line: ${error.message.slice(0, 200)}`);
}

function timed(f) {
  const t0 = performance.now();
  try {
    return { value: f(), ms: performance.now() - t0 };
  } catch (error) {
    return { error, ms: performance.now() - t0 };
  }
}

async function timedAsync(f) {
  const t0 = performance.now();
  try {
    return { value: await f(), ms: performance.now() - t0 };
  } catch (error) {
    return { error, ms: performance.now() - t0 };
  }
}

export function hostileSync(core, f, check) {
  let r = timed(f);
  for (let i = 0; i < 2 && r.ms >= LIMIT_MS; i++) r = { ...r, ms: Math.min(r.ms, timed(f).ms) };
  verdict(r, core, check);
}

export async function hostile(core, f, check) {
  let r = await timedAsync(f);
  for (let i = 0; i < 2 && r.ms >= LIMIT_MS; i++) r = { ...r, ms: Math.min(r.ms, (await timedAsync(f)).ms) };
  verdict(r, core, check);
}

/** Offsets and widths of every numeric field of a zip's end record, central entries and local headers. */
export function zipFields(z) {
  const v = new DataView(z.buffer, z.byteOffset, z.byteLength);
  const fields = [];
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

/** Mutations of tools/fuzz/mutate.mjs, as fast-check values. */
export const mutations = fc.array(fc.record({ op: fc.nat(), a: fc.nat(), b: fc.nat(), c: fc.nat() }), { maxLength: 4 });

/**
 * A console zip (WrappingPublicKey.bin, ImportToken.bin, README.txt) whose entries hold mutated
 * keys and README text, then damaged in its numeric fields (0, 1, 0xffff, 0xffffffff, off by
 * one, the entry bound and one past it) and in its bytes.
 */
export function hostileZip(seeds, maxEntryBytes) {
  const values = [0, 1, 0xffff, 0xffffffff, 0x7fffffff, 0xfffe, 22, 46, maxEntryBytes, maxEntryBytes + 1, 8, 12, 99];
  return fc
    .record({
      key: fc.tuple(fc.nat(), mutations),
      readme: fc.tuple(fc.nat(), mutations),
      stored: fc.boolean(),
      fields: fc.array(fc.tuple(fc.nat(), fc.nat(), fc.integer({ min: -2, max: 2 })), { maxLength: 3 }),
      bytes: mutations,
    })
    .map(({ key, readme, stored, fields, bytes }) => {
      const spki = mutateBytes(seeds.spki[key[0] % seeds.spki.length], key[1], seeds.spki);
      const text = mutateText(seeds.readme[readme[0] % seeds.readme.length], readme[1], seeds.readme);
      let z = makeZip([
        { name: 'WrappingPublicKey.bin', data: spki, method: stored ? 0 : 8 },
        { name: 'ImportToken.bin', data: Uint8Array.of(1, 2, 3, 4), method: 0 },
        { name: 'README.txt', data: new TextEncoder().encode(text) },
      ]);
      const all = zipFields(z);
      for (const [i, value, delta] of fields) {
        if (all.length === 0) break;
        const [at, width] = all[i % all.length];
        const v = new DataView(z.buffer, z.byteOffset, z.byteLength);
        const n = (values[value % values.length] + delta) >>> 0;
        if (width === 2) v.setUint16(at, n & 0xffff, true);
        else v.setUint32(at, n, true);
      }
      return mutateBytes(z, bytes, seeds.zip);
    });
}
