// pnpm bench kwp: RFC 5649 AES key wrap with padding: kms-wrap's node provider's (the AES-NI addon
// of @kms-wrap/aes-kwp-native where it runs) against node:crypto's id-aes256-wrap-pad (OpenSSL's
// software AES), doing it on node's AES-256-ECB one block at a time, @noble/ciphers' aeskwp, and a
// table-driven AES in JavaScript. Each is checked against the RFC 5649 §6 vectors and against
// node:crypto before it is timed. µs per wrap, medians.
import { createCipheriv, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { kwpWrapEcb, kwpWrapJs } from './kwp-candidates.mjs';
import { ROOT, aesKwpNative, fmt, machine, median, table } from './lib.mjs';

const AIV = Buffer.from('a65959a6', 'hex');
const node = (kek, p) => {
  const c = createCipheriv(`id-aes${kek.length * 8}-wrap-pad`, kek, AIV);
  return new Uint8Array(Buffer.concat([c.update(p), c.final()]));
};
// RFC 5649 §6: a 192-bit KEK, a 20-octet and a 7-octet key.
const KEK = Buffer.from('5840df6e29b02af1ab493b705bf16ea1ae8338f4dcc176a8', 'hex');
const VECTORS = [
  ['c37b7e6492584340bed12207808941155068f738', '138bdeaa9b8fa7fc61f97742e72248ee5ae6ae5360d1ae6a5f54f373fa543b6a'],
  ['466f7250617369', 'afbeb0f07dfbf5419200f2ccb50bb24f'],
];
// Material sizes: SYMMETRIC_DEFAULT, ECC_NIST_P256 and P521 PKCS#8, RSA_2048 and RSA_4096 PKCS#8.
const SIZES = [32, 138, 241, 1218, 2375];

export async function kwpBench(o) {
  console.log('RFC 5649 key wrap with padding under a fresh 256-bit key: µs per wrap (median of runs)');
  console.log(`machine: ${machine()}`);
  const native = aesKwpNative();
  console.log(`@kms-wrap/aes-kwp-native: ${native.status}`);
  const candidates = [
    ['node:crypto id-aes256-wrap-pad (the fallback)', node],
    ['node:crypto aes-256-ecb, one update() a block', kwpWrapEcb],
    ['JavaScript AES (T-tables, unrolled)', kwpWrapJs],
  ];
  if (native.wrap) candidates.unshift([`@kms-wrap/aes-kwp-native, ${native.status} (shipped)`, native.wrap]);
  const noble = join(ROOT, 'packages/browser/node_modules/@noble/ciphers/aes.js');
  if (existsSync(noble)) {
    const { aeskwp } = await import(pathToFileURL(noble).href);
    candidates.push(['@noble/ciphers aeskwp', (kek, p) => aeskwp(kek).encrypt(p)]);
  }
  for (const [name, wrap] of candidates) {
    for (const [p, c] of VECTORS) {
      const got = Buffer.from(wrap(KEK, Buffer.from(p, 'hex'))).toString('hex');
      if (got !== c) throw new Error(`${name} fails RFC 5649 §6 (${p}): ${got}`);
    }
    for (const size of [1, 7, 8, 9, ...SIZES]) {
      const kek = randomBytes(32);
      const p = randomBytes(size);
      if (!Buffer.from(wrap(kek, p)).equals(Buffer.from(node(kek, p))))
        throw new Error(`${name} differs from node:crypto at ${size} bytes`);
    }
  }
  console.log(`all ${candidates.length} match RFC 5649 §6 and node:crypto\n`);
  const rows = [['', ...SIZES.map((s) => `${s} B`)]];
  const results = candidates.map(() => SIZES.map(() => []));
  for (let r = 0; r < o.runs; r++) {
    for (const [si, size] of SIZES.entries()) {
      const p = randomBytes(size);
      const keys = Array.from({ length: 64 }, () => randomBytes(32));
      const iterations = Math.max(20, Math.round(40000 / size));
      // Rotate the order each run, so that a burst of load elsewhere does not always hit the same one.
      const order = candidates.map((_, i) => (i + r) % candidates.length);
      for (const ci of order) {
        const wrap = candidates[ci][1];
        for (let i = 0; i < 10; i++) wrap(keys[i % 64], p);
        const start = process.hrtime.bigint();
        for (let i = 0; i < iterations; i++) wrap(keys[i % 64], p);
        results[ci][si].push(Number(process.hrtime.bigint() - start) / 1000 / iterations);
      }
    }
  }
  for (const [ci, [name]] of candidates.entries()) rows.push([name, ...results[ci].map((v) => fmt(median(v), 1))]);
  console.log(table(rows));
  const at = results.map((r) => median(r[SIZES.length - 1]));
  const nodeAt = at[candidates.findIndex(([, w]) => w === node)];
  const others = candidates
    .map(([name], i) => [name, at[i]])
    .filter(([, t]) => t !== nodeAt)
    .sort((a, b) => a[1] - b[1]);
  console.log(
    `\nat ${SIZES.at(-1)} bytes (RSA_4096 material), against node:crypto's ${fmt(nodeAt, 1)} µs: ${others.map(([name, t]) => `${name} ${fmt(nodeAt / t, 2)}×`).join('; ')}`,
  );
}
