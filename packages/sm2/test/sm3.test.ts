import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sm3 } from '../src/index.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('sm3 (GB/T 32905-2016)', () => {
  it('hashes example 1 of Annex A: "abc"', () => {
    expect(hex(sm3(utf8('abc')))).toBe('66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0');
  });

  it('hashes example 2 of Annex A: "abcd" × 16 (one full block plus a padding block)', () => {
    expect(hex(sm3(utf8('abcd'.repeat(16))))).toBe('debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732');
  });

  it("matches node:crypto's sm3 for every length 0..300 and a few large ones", () => {
    const lengths = [...Array.from({ length: 301 }, (_, i) => i), 1000, 4095, 4096, 65536, 100_003];
    for (const length of lengths) {
      const message = randomBytes(length);
      expect(hex(sm3(message)), `length ${length}`).toBe(createHash('sm3').update(message).digest('hex'));
    }
  });

  it('hashes a subarray view by its own bytes, and leaves the input unchanged', () => {
    const buf = randomBytes(200);
    const copy = Buffer.from(buf);
    const view = buf.subarray(7, 150);
    expect(hex(sm3(view))).toBe(createHash('sm3').update(view).digest('hex'));
    expect(Buffer.compare(buf, copy)).toBe(0);
  });
});
