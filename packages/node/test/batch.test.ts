/**
 * wrapBatch and its manifest: mixed good and bad entries (one failure does not stop the
 * others), strict checking (nothing wrapped when an entry is refused), outputs that OpenSSL
 * unwraps, abort via AbortSignal leaving only whole files and no temporary ones.
 * Runs the built package (dist/): the worker threads load dist/batch-worker.js.
 */
import { execFile } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES, createWrapper, parseWrappingPublicKey } from '@kms-wrap/core';
import { algorithms as kwAlgorithms } from '@kms-wrap/rsa-aes-key-wrap';
import { algorithms as oaepAlgorithms } from '@kms-wrap/rsaes-oaep';
import { checkBatch, createNodeCryptoProvider, parseBatchManifest, wrapBatch, type BatchEntry, type BatchSummary } from '../dist/index.js';

const execFileAsync = promisify(execFile);
const der = (b: Buffer) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

let dir: string;
let n = 0;
/** A fresh empty directory for one test, with an `out/` in it. */
function fresh(): string {
  const d = join(dir, `case-${++n}`);
  mkdirSync(join(d, 'out'), { recursive: true });
  return d;
}

const wrapping = generateKeyPairSync('rsa', { modulusLength: 2048 });
const publicKeyDer = der(wrapping.publicKey.export({ type: 'spki', format: 'der' }));
const privateKeyDer = der(wrapping.privateKey.export({ type: 'pkcs8', format: 'der' }));
const rsaMaterial = der(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'der' }));
const p256Material = der(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'der' }));
const symmetric = new Uint8Array(randomBytes(32));
const verifier = createWrapper({ algorithms: [...kwAlgorithms, ...oaepAlgorithms], crypto: createNodeCryptoProvider() });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kms-wrap-batch-'));
  writeFileSync(join(dir, 'WrappingPublicKey.bin'), publicKeyDer);
  writeFileSync(join(dir, 'private.der'), privateKeyDer);
  writeFileSync(join(dir, 'rsa.der'), rsaMaterial);
  writeFileSync(join(dir, 'p256.der'), p256Material);
  writeFileSync(join(dir, 'sym.bin'), symmetric);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Files whose names look like the hidden temporaries of an atomic write. */
function temporaries(d: string): string[] {
  return readdirSync(d).filter((f) => f.startsWith('.') && f.endsWith('.tmp'));
}

async function expectUnwraps(output: string, algorithm: string, material: Uint8Array): Promise<void> {
  const back = await verifier.unwrap({ ciphertext: new Uint8Array(readFileSync(output)), algorithm, privateKey: privateKeyDer });
  expect(Buffer.from(back).equals(Buffer.from(material))).toBe(true);
}

const good = (d: string, name: string, over: Partial<BatchEntry> = {}): BatchEntry => ({
  material: join(dir, 'rsa.der'),
  publicKey: join(dir, 'WrappingPublicKey.bin'),
  algorithm: 'RSA_AES_KEY_WRAP_SHA_256',
  output: join(d, 'out', name),
  ...over,
});

function byStatus(s: BatchSummary) {
  return {
    wrapped: s.results.filter((r) => r.status === 'wrapped').map((r) => r.index),
    failed: Object.fromEntries(s.results.flatMap((r) => (r.status === 'failed' ? [[r.index, r.error.code]] : []))),
  };
}

describe('wrapBatch: mixed entries', () => {
  it('wraps the good entries, reports each bad one with its reason, and one failure stops nothing', async () => {
    const d = fresh();
    writeFileSync(join(d, 'out', 'exists.bin'), 'keep me');
    writeFileSync(join(d, 'not-a-key.bin'), 'hello, this is not a public key');
    const entries: BatchEntry[] = [
      good(d, 'a.bin'),
      good(d, 'missing.bin', { material: join(d, 'no-such-file.der') }),
      good(d, 'b.bin', { material: join(dir, 'p256.der'), algorithm: 'RSAES_OAEP_SHA_256' }),
      good(d, 'rejected.bin', { algorithm: 'RSAES_OAEP_SHA_256' }), // RSA material: OAEP is not for it
      good(d, 'c.bin', { material: join(dir, 'sym.bin'), algorithm: 'RSAES_OAEP_SHA_1', keySpec: 'SYMMETRIC_DEFAULT' }),
      good(d, 'mismatch.bin', { material: join(dir, 'sym.bin'), algorithm: 'RSAES_OAEP_SHA_256', keySpec: 'HMAC_384' }),
      good(d, 'exists.bin'),
      good(d, 'dup.bin'),
      good(d, 'dup.bin', { material: join(dir, 'p256.der') }),
      good(d, 'badkey.bin', { publicKey: join(d, 'not-a-key.bin') }),
      good(d, 'x.bin', { output: join(d, 'no-such-dir', 'x.bin') }),
      good(d, 'deprecated.bin', { algorithm: 'RSAES_PKCS1_V1_5' }),
      good(d, 'e.bin', { material: p256Material, publicKey: publicKeyDer }), // bytes, not paths
      good(d, 'f.bin', { publicKey: parseWrappingPublicKey(publicKeyDer) }), // a parsed key
      good(d, 'overwrite-input.bin', { output: join(dir, 'rsa.der') }),
    ];
    const progress: number[] = [];
    const s = await wrapBatch(entries, { concurrency: 2, onProgress: (p) => progress.push(p.done) });
    const { wrapped, failed } = byStatus(s);
    expect(wrapped).toEqual([0, 2, 4, 12, 13]);
    expect(failed).toEqual({
      1: ERROR_CODES.FILE_UNREADABLE,
      3: ERROR_CODES.COMBINATION_REJECTED,
      5: ERROR_CODES.KEY_SPEC_MISMATCH,
      6: ERROR_CODES.FILE_EXISTS,
      7: ERROR_CODES.MANIFEST_INVALID,
      8: ERROR_CODES.MANIFEST_INVALID,
      9: ERROR_CODES.PUBLIC_KEY_INVALID,
      10: ERROR_CODES.FILE_UNWRITABLE,
      11: ERROR_CODES.ALGORITHM_DEPRECATED,
      14: ERROR_CODES.MANIFEST_INVALID,
    });
    expect(s).toMatchObject({ total: 15, wrapped: 5, failed: 10, skipped: 0, aborted: false, refused: false });
    expect(s.wrapsPerSecond).toBeGreaterThan(0);
    expect(progress.at(-1)).toBe(entries.length - 6); // the 6 refused before any worker saw them are not counted

    // The messages say why, and name the other entry of a collision.
    const message = (i: number) => (s.results[i] as { error: Error }).error.message;
    expect(message(7)).toMatch(/named by entry 8 and entry 9/);
    expect(message(14)).toMatch(/is the key material of entry \d+, which writing it would destroy/);
    expect(message(3)).toMatch(/use RSA_AES_KEY_WRAP_SHA_256/);

    await expectUnwraps(join(d, 'out', 'a.bin'), 'RSA_AES_KEY_WRAP_SHA_256', rsaMaterial);
    await expectUnwraps(join(d, 'out', 'b.bin'), 'RSAES_OAEP_SHA_256', p256Material);
    await expectUnwraps(join(d, 'out', 'c.bin'), 'RSAES_OAEP_SHA_1', symmetric);
    await expectUnwraps(join(d, 'out', 'e.bin'), 'RSA_AES_KEY_WRAP_SHA_256', p256Material);
    await expectUnwraps(join(d, 'out', 'f.bin'), 'RSA_AES_KEY_WRAP_SHA_256', rsaMaterial);
    expect(readFileSync(join(d, 'out', 'exists.bin'), 'utf8')).toBe('keep me');
    expect(Buffer.from(readFileSync(join(dir, 'rsa.der'))).equals(Buffer.from(rsaMaterial))).toBe(true);
    expect(statSync(join(d, 'out', 'a.bin')).mode & 0o777).toBe(0o600);
    expect(existsSync(join(d, 'out', 'rejected.bin'))).toBe(false);
    expect(existsSync(join(d, 'out', 'dup.bin'))).toBe(false);
    expect(temporaries(join(d, 'out'))).toEqual([]);
  });

  it('replaces existing outputs with force; fsync flushes each before it is put in place', async () => {
    const d = fresh();
    writeFileSync(join(d, 'out', 'a.bin'), 'old');
    const s = await wrapBatch([good(d, 'a.bin'), good(d, 'b.bin')], { force: true, fsync: true, concurrency: 1 });
    expect(s.wrapped).toBe(2);
    await expectUnwraps(join(d, 'out', 'a.bin'), 'RSA_AES_KEY_WRAP_SHA_256', rsaMaterial);
    await expectUnwraps(join(d, 'out', 'b.bin'), 'RSA_AES_KEY_WRAP_SHA_256', rsaMaterial);
    expect(temporaries(join(d, 'out'))).toEqual([]);
  });

  it('resolves relative paths against cwd, and takes parameters (JSON or the console folder), refusing expired ones', async () => {
    const d = fresh();
    const params = (validTo: number) =>
      JSON.stringify({ KeyId: 'arn:aws:kms:eu-west-1:111122223333:key/k', ImportToken: Buffer.from('token').toString('base64'), PublicKey: Buffer.from(publicKeyDer).toString('base64'), ParametersValidTo: validTo });
    writeFileSync(join(d, 'params.json'), params(Date.now() / 1000 + 3600));
    writeFileSync(join(d, 'old.json'), params(Date.now() / 1000 - 60));
    mkdirSync(join(d, 'console'));
    writeFileSync(join(d, 'console', 'WrappingPublicKey.bin'), publicKeyDer);
    writeFileSync(join(d, 'console', 'ImportToken.bin'), 'token');
    const rel = { material: '../rsa.der', algorithm: 'RSA_AES_KEY_WRAP_SHA_256' };
    const s = await wrapBatch(
      [
        { ...rel, parameters: 'params.json', output: 'out/a.bin' },
        { ...rel, parameters: 'old.json', output: 'out/b.bin' },
        { ...rel, parameters: 'console', output: 'out/c.bin' },
      ],
      { cwd: d },
    );
    expect(byStatus(s)).toEqual({ wrapped: [0, 2], failed: { 1: ERROR_CODES.PARAMETERS_EXPIRED } });
    await expectUnwraps(join(d, 'out', 'c.bin'), 'RSA_AES_KEY_WRAP_SHA_256', rsaMaterial);
  });

  it('refuses an entry of the wrong shape, and takes an empty list', async () => {
    const d = fresh();
    const s = await wrapBatch([{ ...good(d, 'a.bin'), parameters: 'p.json' }, { material: 'x' } as unknown as BatchEntry]);
    expect(byStatus(s).failed).toEqual({ 0: ERROR_CODES.MANIFEST_INVALID, 1: ERROR_CODES.MANIFEST_INVALID });
    expect((await wrapBatch([])).total).toBe(0);
  });
});

describe('wrapBatch: outputs that OpenSSL unwraps', () => {
  it('RSA_AES_KEY_WRAP_SHA_256 of an RSA material (a KWP input of over a kilobyte) and RSAES_OAEP_SHA_256', async () => {
    const d = fresh();
    const entries = [
      ...Array.from({ length: 6 }, (_, i) => good(d, `kw-${i}.bin`)),
      ...Array.from({ length: 6 }, (_, i) => good(d, `oaep-${i}.bin`, { material: join(dir, 'p256.der'), algorithm: 'RSAES_OAEP_SHA_256' })),
    ];
    const s = await wrapBatch(entries, { concurrency: 2 });
    expect(s.wrapped).toBe(12);
    const priv = join(dir, 'private.der');
    const oaep = (input: string, out: string) =>
      execFileAsync('openssl', ['pkeyutl', '-decrypt', '-inkey', priv, '-keyform', 'DER', '-in', input, '-out', out,
        '-pkeyopt', 'rsa_padding_mode:oaep', '-pkeyopt', 'rsa_oaep_md:sha256', '-pkeyopt', 'rsa_mgf1_md:sha256']);
    for (const i of [0, 5]) {
      const wrapped = readFileSync(join(d, 'out', `kw-${i}.bin`));
      writeFileSync(join(d, 'rsa-part'), wrapped.subarray(0, 256));
      writeFileSync(join(d, 'kwp-part'), wrapped.subarray(256));
      await oaep(join(d, 'rsa-part'), join(d, 'aes-key'));
      const hex = readFileSync(join(d, 'aes-key')).toString('hex');
      await execFileAsync('openssl', ['enc', '-d', '-id-aes256-wrap-pad', '-K', hex, '-iv', 'A65959A6', '-in', join(d, 'kwp-part'), '-out', join(d, 'back')]);
      expect(readFileSync(join(d, 'back')).equals(Buffer.from(rsaMaterial))).toBe(true);
    }
    await oaep(join(d, 'out', 'oaep-3.bin'), join(d, 'back-oaep'));
    expect(readFileSync(join(d, 'back-oaep')).equals(Buffer.from(p256Material))).toBe(true);
  });
});

describe('wrapBatch: strict, and checkBatch', () => {
  it('strict: one refused entry and nothing is wrapped; every refusal is reported', async () => {
    const d = fresh();
    const entries = [good(d, 'a.bin'), good(d, 'b.bin', { algorithm: 'RSAES_OAEP_SHA_256' }), good(d, 'c.bin'), good(d, 'd.bin', { material: join(d, 'nope') })];
    const s = await wrapBatch(entries, { strict: true });
    expect(s).toMatchObject({ refused: true, wrapped: 0, failed: 2, skipped: 2 });
    expect(byStatus(s).failed).toEqual({ 1: ERROR_CODES.COMBINATION_REJECTED, 3: ERROR_CODES.FILE_UNREADABLE });
    expect(readdirSync(join(d, 'out'))).toEqual([]);
  });

  it('strict: a clean batch is wrapped whole', async () => {
    const d = fresh();
    const s = await wrapBatch(Array.from({ length: 20 }, (_, i) => good(d, `${i}.bin`)), { strict: true });
    expect(s).toMatchObject({ refused: false, wrapped: 20, failed: 0 });
  });

  it('checkBatch reads and checks everything and writes nothing', async () => {
    const d = fresh();
    const problems = await checkBatch([good(d, 'a.bin'), good(d, 'b.bin', { keySpec: 'RSA_3072' }), good(d, 'c.bin')], { label: (i) => `line ${i + 10}` });
    expect(problems.map((p) => [p.index, p.error.code])).toEqual([[1, ERROR_CODES.KEY_SPEC_MISMATCH]]);
    expect(readdirSync(join(d, 'out'))).toEqual([]);
  });
});

describe('wrapBatch: abort', () => {
  it('an AbortSignal stops scheduling: entries under way finish, the rest are skipped; only whole files, no temporaries', async () => {
    const d = fresh();
    const total = 600;
    const entries = Array.from({ length: total }, (_, i) => good(d, `${i}.bin`, { material: join(dir, i % 2 ? 'p256.der' : 'rsa.der') }));
    const controller = new AbortController();
    const s = await wrapBatch(entries, {
      concurrency: 2,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.phase === 'wrap' && p.done > 0) controller.abort();
      },
    });
    expect(s.aborted).toBe(true);
    expect(s.wrapped).toBeGreaterThan(0);
    expect(s.skipped).toBeGreaterThan(0);
    expect(s.wrapped + s.skipped + s.failed).toBe(total);
    expect(s.failed).toBe(0);
    const out = join(d, 'out');
    expect(temporaries(out)).toEqual([]);
    const files = readdirSync(out);
    expect(files.length).toBe(s.wrapped);
    for (const r of s.results) {
      if (r.status === 'wrapped') await expectUnwraps(r.output, 'RSA_AES_KEY_WRAP_SHA_256', r.index % 2 ? p256Material : rsaMaterial);
      else expect(existsSync(r.output)).toBe(false);
    }
  });

  it('a signal aborted before the call does nothing', async () => {
    const d = fresh();
    const s = await wrapBatch([good(d, 'a.bin')], { signal: AbortSignal.abort() });
    expect(s).toMatchObject({ aborted: true, wrapped: 0, skipped: 1 });
    expect(readdirSync(join(d, 'out'))).toEqual([]);
  });
});

describe('parseBatchManifest', () => {
  it('names every malformed line by its number, skips blank lines, resolves paths against the manifest folder', () => {
    const text = [
      '{"material": "a.der", "publicKey": "pub.bin", "algorithm": "RSA_AES_KEY_WRAP_SHA_256", "output": "out/a.bin"}',
      'not json',
      '',
      '{"material": "a.der", "publicKey": "pub.bin", "algorithm": "X", "output": "o", "outptu": "typo"}',
      '["an", "array"]',
      '{"material": "a.der", "algorithm": "X", "output": "o"}',
      '{"material": "a.der", "publicKey": "p", "parameters": "q", "algorithm": "X", "output": "o"}',
      '{"material": "a.der", "publicKey": "p", "algorithm": "X"}',
      '{"material": 7, "publicKey": "p", "algorithm": "X", "output": "o"}',
      '\uFEFF',
      '{"material": "b.der", "parameters": "params.json", "algorithm": "RSAES_OAEP_SHA_256", "keySpec": "HMAC_256", "region": "china", "output": "/abs/b.bin"}\r',
    ].join('\n');
    const m = parseBatchManifest(text, '/base');
    expect(m.lines).toEqual([1, 11]);
    expect(m.entries[0]).toEqual({ material: '/base/a.der', publicKey: '/base/pub.bin', algorithm: 'RSA_AES_KEY_WRAP_SHA_256', output: '/base/out/a.bin' });
    expect(m.entries[1]).toEqual({ material: '/base/b.der', parameters: '/base/params.json', algorithm: 'RSAES_OAEP_SHA_256', keySpec: 'HMAC_256', region: 'china', output: '/abs/b.bin' });
    expect(m.problems.map((p) => [p.line, p.error.code])).toEqual([2, 4, 5, 6, 7, 8, 9].map((l) => [l, ERROR_CODES.MANIFEST_INVALID]));
    const say = (line: number) => m.problems.find((p) => p.line === line)!.error.message;
    expect(say(2)).toMatch(/^not JSON/);
    expect(say(4)).toMatch(/unknown field "outptu"/);
    expect(say(6)).toMatch(/exactly one of "publicKey".*"parameters"/);
    expect(say(8)).toMatch(/"output" is missing/);
    expect(say(9)).toMatch(/"material" must be a non-empty string/);
  });
});
