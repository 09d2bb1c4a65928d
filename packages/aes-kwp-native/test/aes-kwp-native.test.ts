/**
 * The AES-NI addon against node:crypto's id-aesN-wrap-pad (the same bytes for every key size and
 * length), RFC 5649 §6's published vectors, the OpenSSL 3 CLI as the unwrapping peer, and its
 * refusals, the C source under AddressSanitizer and UBSan, and the arm64 build under qemu. On
 * Linux x64 with AES-NI (CI's machines) the addon must be the one in use: a fallback there would
 * hide a broken build.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const native = require('@kms-wrap/aes-kwp-native') as typeof import('@kms-wrap/aes-kwp-native');
const AIV = Buffer.from('a65959a6', 'hex');
const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const nodeWrap = (kek: Uint8Array, pt: Uint8Array) => {
  const c = createCipheriv(`id-aes${kek.length * 8}-wrap-pad`, kek, AIV);
  return Buffer.concat([c.update(pt), c.final()]);
};
const nodeUnwrap = (kek: Uint8Array, ct: Uint8Array) => {
  const d = createDecipheriv(`id-aes${kek.length * 8}-wrap-pad`, kek, AIV);
  return Buffer.concat([d.update(ct), d.final()]);
};
// Read off the CPU independently of the addon: x86-64 lists `aes` among its flags, arm64 among its Features.
const INSTRUCTIONS: Record<string, string> = { x64: 'AES-NI', arm64: 'ARMv8 AES' };
const cpuHasAes =
  process.platform === 'linux' &&
  process.arch in INSTRUCTIONS &&
  /^(flags|Features)\s*:.*\baes\b/m.test(readFileSync('/proc/cpuinfo', 'utf8'));

it('is in use on Linux x64 and arm64 with the AES instructions, and says why not elsewhere', () => {
  if (cpuHasAes) {
    expect(native.status).toBe(INSTRUCTIONS[process.arch]);
    expect(native.wrap).toBeTypeOf('function');
  } else {
    expect(native.wrap).toBeNull();
    expect(native.status).not.toBe('AES-NI');
  }
});

const wrap = native.wrap!;
describe.runIf(native.wrap !== null)('the AES-NI wrap', () => {
  it('wraps RFC 5649 §6 examples to the published ciphertexts (192-bit KEK, 20 and 7 octets)', () => {
    const kek = hex('5840df6e29b02af1 ab493b705bf16ea1 ae8338f4dcc176a8');
    expect(wrap(kek, hex('c37b7e6492584340 bed1220780894115 5068f738')).toString('hex')).toBe(
      '138bdeaa9b8fa7fc61f97742e72248ee5ae6ae5360d1ae6a5f54f373fa543b6a',
    );
    expect(wrap(kek, hex('466f7250617369')).toString('hex')).toBe('afbeb0f07dfbf5419200f2ccb50bb24f');
  });

  for (const size of [16, 24, 32]) {
    it(`gives node:crypto's id-aes${size * 8}-wrap-pad bytes for every length 1 to 600 and random ones to 70,000`, () => {
      const lengths = [
        ...Array.from({ length: 600 }, (_, i) => i + 1),
        ...Array.from({ length: 100 }, () => 1 + (randomBytes(4).readUInt32BE() % 70_000)),
      ];
      for (const n of lengths) {
        const kek = randomBytes(size);
        const pt = randomBytes(n);
        const ct = wrap(kek, pt);
        expect(ct.length, `length ${n}`).toBe(8 + 8 * Math.ceil(n / 8));
        expect(ct.equals(nodeWrap(kek, pt)), `length ${n}`).toBe(true);
        expect(nodeUnwrap(kek, ct).equals(pt), `length ${n}`).toBe(true);
      }
    });
  }

  describe('unwrapped by the OpenSSL 3 CLI (enc -d -id-aesN-wrap-pad)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aes-kwp-native-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    for (const [size, n] of [
      [16, 1],
      [24, 8],
      [32, 9],
      [32, 2374],
      [32, 1217],
    ] as const) {
      it(`AES-${size * 8}, ${n} octets`, () => {
        const kek = randomBytes(size);
        const pt = randomBytes(n);
        const file = join(dir, `${size}-${n}`);
        writeFileSync(file, wrap(kek, pt));
        const back = execFileSync('openssl', [
          'enc',
          '-d',
          `-id-aes${size * 8}-wrap-pad`,
          '-K',
          kek.toString('hex'),
          '-iv',
          'A65959A6',
          '-in',
          file,
        ]);
        expect(back.equals(pt)).toBe(true);
      });
    }
  });

  it('reads views at an offset and leaves both inputs as they were', () => {
    const big = randomBytes(4096);
    const kek = big.subarray(3, 35);
    const pt = new Uint8Array(big.buffer, big.byteOffset + 100, 2374);
    const before = Buffer.from(big);
    expect(wrap(kek, pt).equals(nodeWrap(Buffer.from(kek), Buffer.from(pt)))).toBe(true);
    expect(big.equals(before)).toBe(true);
  });

  it('reads small plain Uint8Arrays (V8 keeps those on its heap) right, 20,000 times over', () => {
    for (let i = 0; i < 20_000; i++) {
      const kek = Uint8Array.from(randomBytes(32));
      const pt = Uint8Array.from(randomBytes(1 + (i % 48)));
      const ct = wrap(kek, pt);
      if (i % 97 === 0) expect(ct.equals(nodeWrap(kek, pt)), `iteration ${i}`).toBe(true);
      else expect(nodeUnwrap(kek, ct).length).toBe(pt.length);
    }
  });

  it('returns a new buffer each time (never one that aliases the input)', () => {
    const kek = randomBytes(32);
    const pt = randomBytes(64);
    const a = wrap(kek, pt);
    const b = wrap(kek, pt);
    expect(a.equals(b)).toBe(true);
    a[0]! ^= 1;
    expect(a.equals(b)).toBe(false);
    expect(a.buffer).not.toBe(pt.buffer);
  });

  it('refuses a key of another length, and an empty plaintext, with RangeError', () => {
    for (const n of [0, 8, 15, 17, 31, 33, 64]) expect(() => wrap(new Uint8Array(n), randomBytes(16)), `${n}-byte key`).toThrow(RangeError);
    expect(() => wrap(randomBytes(32), new Uint8Array(0))).toThrow(/1 to 2\^32 - 1 octets/);
  });

  it('refuses what is not a Uint8Array, and a wrong argument count, with TypeError', () => {
    const kek = randomBytes(32);
    const call = wrap as unknown as (...a: unknown[]) => unknown;
    for (const bad of [
      'key',
      42,
      null,
      undefined,
      {},
      new ArrayBuffer(16),
      new Uint16Array(8),
      new DataView(new ArrayBuffer(16)),
      new Uint8ClampedArray(16),
    ]) {
      expect(() => call(kek, bad), String(bad)).toThrow(TypeError);
      expect(() => call(bad, randomBytes(16)), String(bad)).toThrow(TypeError);
    }
    expect(() => call(kek)).toThrow(TypeError);
    expect(() => call(kek, randomBytes(8), randomBytes(8))).toThrow(TypeError);
  });

  it('loads and wraps in worker threads too (a context-aware addon), with the same bytes', async () => {
    const kek = randomBytes(32);
    const pt = randomBytes(2374);
    const code = `const { parentPort, workerData } = require('node:worker_threads');
      const m = require(workerData.index);
      parentPort.postMessage(m.wrap(workerData.kek, workerData.pt));`;
    const results = await Promise.all(
      [0, 1].map(
        () =>
          new Promise<Uint8Array>((resolve, reject) => {
            const w = new Worker(code, { eval: true, workerData: { index: require.resolve('@kms-wrap/aes-kwp-native'), kek, pt } });
            w.once('message', resolve);
            w.once('error', reject);
          }),
      ),
    );
    for (const r of results) expect(Buffer.from(r).equals(wrap(kek, pt))).toBe(true);
  });
});

it('is off, with the reason, when KMS_WRAP_NATIVE_KWP=0', () => {
  const out = execFileSync(
    process.execPath,
    ['-p', `const m = require(${JSON.stringify(require.resolve('@kms-wrap/aes-kwp-native'))}); JSON.stringify([m.wrap, m.status])`],
    {
      env: { ...process.env, KMS_WRAP_NATIVE_KWP: '0' },
      encoding: 'utf8',
    },
  );
  expect(JSON.parse(out)).toEqual([null, 'turned off (KMS_WRAP_NATIVE_KWP=0)']);
});

it('is the same module through import (the ES module entry re-exports the CommonJS loader)', async () => {
  const esm = await import('@kms-wrap/aes-kwp-native');
  expect(esm.wrap).toBe(native.wrap);
  expect(esm.status).toBe(native.status);
});

/**
 * A script for another node (one under sanitizers, one under qemu): loads the addon with `load`
 * (a require expression), checks RFC 5649 §6's examples, every length 1–3000 at three key sizes
 * against that node's node:crypto (also through views at offsets and small plain arrays), and the
 * refusals; prints "ARCH STATUS COUNT", STATUS being the addon's `supported` or the loader's `status`.
 */
function checkScript(load: string, show: 'supported' | 'status'): string {
  return `const { createCipheriv, randomBytes } = require('node:crypto');
const m = ${load};
const label = ${show === 'status' ? 'm.status' : "m.supported ? 'supported' : 'unsupported'"};
if (!m.wrap) throw new Error('no wrap: ' + label);
const kek = Buffer.from('5840df6e29b02af1ab493b705bf16ea1ae8338f4dcc176a8', 'hex');
const rfc = [['c37b7e6492584340bed12207808941155068f738', '138bdeaa9b8fa7fc61f97742e72248ee5ae6ae5360d1ae6a5f54f373fa543b6a'], ['466f7250617369', 'afbeb0f07dfbf5419200f2ccb50bb24f']];
for (const [p, c] of rfc) if (m.wrap(kek, Buffer.from(p, 'hex')).toString('hex') !== c) throw new Error('RFC 5649 §6 ' + p);
const aiv = Buffer.from('a65959a6', 'hex');
let n = 0;
for (const size of [16, 24, 32]) for (let len = 1; len <= 3000; len += len < 80 ? 1 : 37) {
  const k = randomBytes(size), p = randomBytes(len);
  const c = createCipheriv('id-aes' + size * 8 + '-wrap-pad', k, aiv);
  const want = Buffer.concat([c.update(p), c.final()]);
  if (!m.wrap(k, p).equals(want)) throw new Error('differs at ' + len);
  const framed = Buffer.concat([Buffer.alloc(3), p, Buffer.alloc(5)]);
  if (!m.wrap(Uint8Array.from(k), framed.subarray(3, 3 + len)).equals(want)) throw new Error('view differs at ' + len);
  n++;
}
for (const args of [[new Uint8Array(0), randomBytes(8)], [randomBytes(20), randomBytes(8)], [randomBytes(32), new Uint8Array(0)], [randomBytes(32)], ['x', 'y']]) {
  let threw = false;
  try { m.wrap(...args); } catch { threw = true; }
  if (!threw) throw new Error('accepted bad arguments');
}
console.log(process.arch + ' ' + label + ' ' + n);`;
}

// The C under AddressSanitizer and UndefinedBehaviorSanitizer: the same source built with them
// (into a temporary directory), their runtimes preloaded into node, checkScript's run. Any
// report aborts.
describe.runIf(native.wrap !== null)('under AddressSanitizer and UBSan', () => {
  it('wraps every length with no memory error or undefined behaviour reported', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aes-kwp-asan-'));
    try {
      const cc = process.env['CC'] || 'cc';
      const runtime = (lib: string) => execFileSync(cc, [`-print-file-name=${lib}`], { encoding: 'utf8' }).trim();
      const preload = [runtime('libasan.so'), runtime('libubsan.so')];
      for (const lib of preload) expect(lib, `${cc} has no ${lib}`).toMatch(/^\//);
      const include = join(dirname(process.execPath), '..', 'include', 'node');
      execFileSync(cc, [
        '-std=c11',
        '-O1',
        '-g',
        '-fPIC',
        '-shared',
        '-fsanitize=address,undefined',
        '-fno-sanitize-recover=all',
        '-DNAPI_VERSION=8',
        '-I',
        include,
        fileURLToPath(new URL('../src/aes_kwp.c', import.meta.url)),
        '-o',
        join(dir, 'aes_kwp.node'),
      ]);
      writeFileSync(join(dir, 'check.cjs'), checkScript("require('./aes_kwp.node')", 'supported'));
      const r = spawnSync(process.execPath, ['check.cjs'], {
        cwd: dir,
        encoding: 'utf8',
        env: {
          ...process.env,
          LD_PRELOAD: preload.join(':'),
          ASAN_OPTIONS: 'detect_leaks=0:halt_on_error=1',
          UBSAN_OPTIONS: 'halt_on_error=1:print_stacktrace=1',
        },
      });
      expect(r.stderr).not.toMatch(/AddressSanitizer|runtime error/);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout.trim()).toBe('x64 supported 474');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// The arm64 addon (cross-compiled by the build on Linux x64), run by Debian's arm64 Node.js under
// qemu-user (tools/ensure-system-deps.mjs unpacks it): loaded through the package's loader,
// checkScript's run against that Node's node:crypto.
const onX64 = process.platform === 'linux' && process.arch === 'x64';
describe.runIf(onX64)('the arm64 addon, under qemu-aarch64', () => {
  it("loads on arm64 (ARMv8 AES) and gives node:crypto's bytes there", () => {
    const sysroot = process.env['KMS_WRAP_ARM64_SYSROOT'] || '/opt/kms-wrap-test/arm64';
    const dist = fileURLToPath(new URL('../dist/', import.meta.url));
    expect(readdirSync(dist)).toContain('aes_kwp-linux-arm64.node');
    const check = checkScript(`require(${JSON.stringify(join(dist, 'index.cjs'))})`, 'status');
    const r = spawnSync('qemu-aarch64', ['-L', sysroot, join(sysroot, 'usr/bin/node'), '-e', check], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(r.error, 'qemu-aarch64 (apt-get install qemu-user)').toBeUndefined();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('arm64 ARMv8 AES 474');
  });
});
