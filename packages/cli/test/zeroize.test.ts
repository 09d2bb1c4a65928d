/**
 * Zeroisation on the command's path, observed in-process: the commands run through main()
 * with @kms-wrap/node's readInputFile and writeFileAtomic wrapped to record the very buffers
 * the command read key material into and wrote key material from, and the shared wrapper's
 * provider wrapped to record what the plugins were handed. Each such buffer held the material
 * while in use and is all zeros once the command returns — wrapped or refused — for raw bytes,
 * PKCS#8, and PEM converted on the fly; for keygen, convert and inspect too.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CryptoProvider } from '@kms-wrap/core';
import * as node from '@kms-wrap/node';
import { main } from '../src/main.js';

interface Seen {
  readonly path: string;
  readonly buffer: Uint8Array;
  /** What it held when it was read, written or handed over. */
  readonly then: Uint8Array;
}
const reads: Seen[] = [];
const writes: Seen[] = [];
const handed: { what: string; buffer: Uint8Array; then: Uint8Array }[] = [];

vi.mock('@kms-wrap/node', async (importOriginal) => {
  const real = await importOriginal<typeof import('@kms-wrap/node')>();
  return {
    ...real,
    readInputFile: async (path: string, what: string) => {
      const buffer = await real.readInputFile(path, what);
      reads.push({ path, buffer, then: buffer.slice() });
      return buffer;
    },
    writeFileAtomic: async (path: string, data: Uint8Array, options?: node.WriteOptions) => {
      writes.push({ path, buffer: data, then: data.slice() });
      return real.writeFileAtomic(path, data, options);
    },
  };
});

let dir: string;
const f: Record<string, string> = {};
const RAW = randomBytes(32);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kms-wrap-zeroize-'));
  const wrapping = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const files: Record<string, string | Buffer> = {
    'wrapping.der': wrapping.publicKey.export({ type: 'spki', format: 'der' }),
    'raw.bin': RAW,
    'ec.der': ec.privateKey.export({ type: 'pkcs8', format: 'der' }),
    'ec-sec1.pem': ec.privateKey.export({ type: 'sec1', format: 'pem' }),
    'p521.der': generateKeyPairSync('ec', { namedCurve: 'secp521r1' }).privateKey.export({ type: 'pkcs8', format: 'der' }),
  };
  for (const [name, data] of Object.entries(files)) await writeFile((f[name] = join(dir, name)), data);

  // The provider of the wrapper the commands share: record what the plugins hand it.
  const wrapper = await node.standardWrapper();
  const crypto = wrapper.crypto as { -readonly [K in keyof CryptoProvider]: CryptoProvider[K] };
  const { aesKwpWrap, rsaOaepEncrypt } = crypto;
  crypto.aesKwpWrap = (kek, plaintext) => {
    handed.push({ what: 'kek', buffer: kek, then: kek.slice() }, { what: 'kwp plaintext', buffer: plaintext, then: plaintext.slice() });
    return aesKwpWrap(kek, plaintext);
  };
  crypto.rsaOaepEncrypt = (key, hash, plaintext) => {
    handed.push({ what: 'oaep plaintext', buffer: plaintext, then: plaintext.slice() });
    return rsaOaepEncrypt(key, hash, plaintext);
  };
});
afterAll(() => rm(dir, { recursive: true, force: true }));
beforeEach(() => {
  reads.length = 0;
  writes.length = 0;
  handed.length = 0;
});

async function run(...argv: string[]): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const code = await main(argv, { stdout: { write: () => true }, stderr: { write: (s: string) => (stderr += s) }, cwd: dir });
  return { code, stderr };
}

const zero = (b: Uint8Array) => b.length > 0 && b.every((x) => x === 0);
const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

/** The buffer read from `path` held the file's bytes then, and is zeros now. */
async function expectReadZeroed(path: string): Promise<void> {
  const seen = reads.filter((r) => r.path === path);
  expect(seen.length, `${path} was not read through readInputFile`).toBeGreaterThan(0);
  const file = await readFile(path);
  for (const r of seen) {
    expect(same(r.then, file), 'it held the material while in use').toBe(true);
    expect(zero(r.buffer), `the buffer ${path} was read into is not zeroed`).toBe(true);
  }
}

const wrap = (material: string, algorithm: string, ...extra: string[]) => [
  'wrap',
  '--material',
  material,
  '--public-key',
  f['wrapping.der']!,
  '--algorithm',
  algorithm,
  '-o',
  join(dir, `out-${randomBytes(4).toString('hex')}.bin`),
  ...extra,
];

describe('wrap zeroes the material it read, and what it handed the plugins', () => {
  it('raw 32 bytes with RSAES_OAEP_SHA_256: the read buffer is the one handed to RSA-OAEP, zeroed after', async () => {
    const r = await run(...wrap(f['raw.bin']!, 'RSAES_OAEP_SHA_256', '--key-spec', 'SYMMETRIC_DEFAULT'));
    expect(r.code, r.stderr).toBe(0);
    await expectReadZeroed(f['raw.bin']!);
    const oaep = handed.filter((h) => h.what === 'oaep plaintext');
    expect(oaep).toHaveLength(1);
    expect(oaep[0]!.buffer).toBe(reads.find((x) => x.path === f['raw.bin'])!.buffer);
    expect(same(oaep[0]!.then, RAW)).toBe(true);
    expect(zero(oaep[0]!.buffer)).toBe(true);
  });

  it('PKCS#8 with RSA_AES_KEY_WRAP_SHA_256: the material and the AES key, both zeroed after', async () => {
    const r = await run(...wrap(f['ec.der']!, 'RSA_AES_KEY_WRAP_SHA_256'));
    expect(r.code, r.stderr).toBe(0);
    await expectReadZeroed(f['ec.der']!);
    const kek = handed.find((h) => h.what === 'kek')!;
    const plaintext = handed.find((h) => h.what === 'kwp plaintext')!;
    expect(plaintext.buffer).toBe(reads.find((x) => x.path === f['ec.der'])!.buffer);
    expect(zero(kek.then)).toBe(false);
    expect(zero(kek.buffer), 'the AES key is not zeroed').toBe(true);
    expect(zero(plaintext.buffer)).toBe(true);
  });

  it('SEC1 PEM, converted to PKCS#8 on the fly: the PEM bytes read and the PKCS#8 made from them, both zeroed', async () => {
    const r = await run(...wrap(f['ec-sec1.pem']!, 'RSA_AES_KEY_WRAP_SHA_256'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/converted the material from sec1-pem/);
    await expectReadZeroed(f['ec-sec1.pem']!);
    const plaintext = handed.find((h) => h.what === 'kwp plaintext')!;
    expect(same(plaintext.then, await readFile(f['ec.der']!))).toBe(true); // the canonical PKCS#8 of the same key
    expect(zero(plaintext.buffer), 'the converted PKCS#8 is not zeroed').toBe(true);
  });

  it('refused before wrapping (a contradicting --key-spec): the read buffer is zeroed all the same', async () => {
    const r = await run(...wrap(f['raw.bin']!, 'RSAES_OAEP_SHA_256', '--key-spec', 'HMAC_384'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ERR_KEY_SPEC_MISMATCH/);
    await expectReadZeroed(f['raw.bin']!);
  });

  it('refused by the rules inside the wrap (P-521 with RSAES_OAEP under RSA_2048): zeroed, nothing handed over', async () => {
    const r = await run(...wrap(f['p521.der']!, 'RSAES_OAEP_SHA_256'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ERR_CAPACITY_EXCEEDED|ERR_COMBINATION_REJECTED/);
    await expectReadZeroed(f['p521.der']!);
    expect(handed).toEqual([]);
  });
});

describe('keygen, convert and inspect zero the material they hold', () => {
  it('keygen SYMMETRIC_DEFAULT and ECC_NIST_P256 --count 3: every buffer written is zeros after', async () => {
    for (const args of [
      ['keygen', 'SYMMETRIC_DEFAULT', '-o', join(dir, 'sym.bin')],
      ['keygen', 'ECC_NIST_P256', '--count', '3', '-o', join(dir, 'ec-gen.der')],
    ]) {
      writes.length = 0;
      const r = await run(...args);
      expect(r.code, r.stderr).toBe(0);
      expect(writes.length).toBe(args.includes('--count') ? 3 : 1);
      for (const w of writes) {
        expect(same(w.then, await readFile(w.path)), 'the file holds what was written').toBe(true);
        expect(zero(w.then)).toBe(false);
        expect(zero(w.buffer), `the material written to ${w.path} is not zeroed`).toBe(true);
      }
    }
  });

  it('convert: the PEM read and the PKCS#8 written are zeros after', async () => {
    const out = join(dir, 'converted.der');
    const r = await run('convert', f['ec-sec1.pem']!, '-o', out);
    expect(r.code, r.stderr).toBe(0);
    await expectReadZeroed(f['ec-sec1.pem']!);
    expect(writes).toHaveLength(1);
    expect(same(writes[0]!.then, await readFile(out))).toBe(true);
    expect(zero(writes[0]!.buffer)).toBe(true);
  });

  it('inspect: the bytes read are zeros after, for raw, PKCS#8 and PEM material', async () => {
    for (const name of ['raw.bin', 'ec.der', 'ec-sec1.pem']) {
      reads.length = 0;
      const r = await run('inspect', f[name]!);
      expect(r.code, r.stderr).toBe(0);
      await expectReadZeroed(f[name]!);
    }
  });
});
