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
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES, KmsWrapError, createWrapper, parseWrappingPublicKey, type WrappingPublicKey } from '@kms-wrap/core';
import { algorithms as kwAlgorithms } from '@kms-wrap/rsa-aes-key-wrap';
import { algorithms as oaepAlgorithms } from '@kms-wrap/rsaes-oaep';
import { createNodeCryptoProvider } from '@kms-wrap/node';
import {
  checkBatch,
  parseBatchManifest,
  startBatchWorkers,
  streamBatchManifest,
  wrapBatch,
  wrapManifest,
  type BatchEntry,
  type BatchEntryResult,
  type BatchSummary,
  type SealedOpener,
} from '../dist/index.js';
// Internal: the pool under wrapBatch, to drive its check-then-wrap hand-over with a small budget.
import { createPool } from '../dist/batch-pool.js';
import { resolvePath } from '../dist/batch-manifest.js';
import { _tuning } from '../dist/batch.js';
import type { JobItem, JobOutcome } from '../dist/batch-protocol.js';

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
    expect(progress.at(-1)).toBe(entries.length - 3); // the 3 clashes (found before any wrap) are not counted

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
      JSON.stringify({
        KeyId: 'arn:aws:kms:eu-west-1:111122223333:key/k',
        ImportToken: Buffer.from('token').toString('base64'),
        PublicKey: Buffer.from(publicKeyDer).toString('base64'),
        ParametersValidTo: validTo,
      });
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

  it('without an opener, refuses a key in a PKCS#11 token by name, without reading it as a file', async () => {
    const d = fresh();
    const s = await wrapBatch([{ ...good(d, 'a.bin'), material: 'pkcs11:token=prod;object=aes-1;type=secret-key' }], { strict: true });
    const failed = s.results.find((r) => r.status === 'failed');
    expect(failed?.error?.code).toBe(ERROR_CODES.MANIFEST_INVALID);
    expect(failed?.error?.message).toMatch(
      /pkcs11:token=prod;\.\.\.\) is wrapped by its token, and this batch was given no way to open one — pass openSealed/,
    );
    expect(readdirSync(join(d, 'out'))).toEqual([]);
  });
});

describe('wrapBatch: outputs that OpenSSL unwraps', () => {
  it('RSA_AES_KEY_WRAP_SHA_256 of an RSA material (a KWP input of over a kilobyte) and RSAES_OAEP_SHA_256', async () => {
    const d = fresh();
    const entries = [
      ...Array.from({ length: 6 }, (_, i) => good(d, `kw-${i}.bin`)),
      ...Array.from({ length: 6 }, (_, i) =>
        good(d, `oaep-${i}.bin`, { material: join(dir, 'p256.der'), algorithm: 'RSAES_OAEP_SHA_256' }),
      ),
    ];
    const s = await wrapBatch(entries, { concurrency: 2 });
    expect(s.wrapped).toBe(12);
    const priv = join(dir, 'private.der');
    const oaep = (input: string, out: string) =>
      execFileAsync('openssl', [
        'pkeyutl',
        '-decrypt',
        '-inkey',
        priv,
        '-keyform',
        'DER',
        '-in',
        input,
        '-out',
        out,
        '-pkeyopt',
        'rsa_padding_mode:oaep',
        '-pkeyopt',
        'rsa_oaep_md:sha256',
        '-pkeyopt',
        'rsa_mgf1_md:sha256',
      ]);
    for (const i of [0, 5]) {
      const wrapped = readFileSync(join(d, 'out', `kw-${i}.bin`));
      writeFileSync(join(d, 'rsa-part'), wrapped.subarray(0, 256));
      writeFileSync(join(d, 'kwp-part'), wrapped.subarray(256));
      await oaep(join(d, 'rsa-part'), join(d, 'aes-key'));
      const hex = readFileSync(join(d, 'aes-key')).toString('hex');
      await execFileAsync('openssl', [
        'enc',
        '-d',
        '-id-aes256-wrap-pad',
        '-K',
        hex,
        '-iv',
        'A65959A6',
        '-in',
        join(d, 'kwp-part'),
        '-out',
        join(d, 'back'),
      ]);
      expect(readFileSync(join(d, 'back')).equals(Buffer.from(rsaMaterial))).toBe(true);
    }
    await oaep(join(d, 'out', 'oaep-3.bin'), join(d, 'back-oaep'));
    expect(readFileSync(join(d, 'back-oaep')).equals(Buffer.from(p256Material))).toBe(true);
  });
});

describe('wrapping key objects core did not parse are parsed again (in the calling thread and in each worker)', () => {
  // An RSA_2048 key with e = 3: valid RSA, no KMS wrapping key. As bytes it is refused; a hand-made
  // { spec, type, spki } object claiming to be parsed must be refused the same way.
  const e3 = generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 3 }).publicKey.export({ type: 'spki', format: 'der' });
  const weakSpki = der(e3);
  const forged = (): WrappingPublicKey => ({ ...parseWrappingPublicKey(publicKeyDer), spki: weakSpki }) as WrappingPublicKey;

  it('wrapBatch: a forged key object → ERR_PUBLIC_KEY_WEAK for its entry; a genuine parsed key and a plain-object copy of one still wrap', async () => {
    const d = fresh();
    const genuine = parseWrappingPublicKey(publicKeyDer);
    const s = await wrapBatch(
      [
        good(d, 'forged.bin', { publicKey: forged() }),
        good(d, 'genuine.bin', { publicKey: genuine }),
        good(d, 'copy.bin', { publicKey: { ...genuine } }),
      ],
      { concurrency: 2 },
    );
    const { wrapped, failed } = byStatus(s);
    expect(failed).toEqual({ 0: ERROR_CODES.PUBLIC_KEY_WEAK });
    expect(wrapped).toEqual([1, 2]);
    expect((s.results[0] as { error: Error }).error.message).toMatch(/public exponent is 3; AWS KMS wrapping keys use 65537/);
    expect(existsSync(join(d, 'out', 'forged.bin'))).toBe(false);
    await expectUnwraps(join(d, 'out', 'genuine.bin'), 'RSA_AES_KEY_WRAP_SHA_256', rsaMaterial);
  });

  it('the pool: a forged key sent to the workers → each entry under it fails ERR_PUBLIC_KEY_WEAK; nothing written', async () => {
    const d = fresh();
    const pool = createPool({ size: 2 });
    try {
      pool.configure({ force: false, fsync: false, algorithms: ['RSA_AES_KEY_WRAP_SHA_256'], holdBytes: 0, now: Date.now() });
      pool.setKeys([forged(), parseWrappingPublicKey(publicKeyDer)]);
      const outcomes: JobOutcome[] = [];
      pool.onOutcomes((list) => outcomes.push(...list));
      const items: JobItem[] = Array.from({ length: 4 }, (_, index) => ({
        index,
        material: join(dir, 'rsa.der'),
        key: index % 2,
        algorithm: 'RSA_AES_KEY_WRAP_SHA_256',
        output: join(d, 'out', `${index}.bin`),
      }));
      for (const item of items) await pool.submit('wrap', [item]);
      await pool.idle();
      outcomes.sort((a, b) => a.index - b.index);
      expect(outcomes.map((o) => (o.status === 'failed' ? o.code : o.status))).toEqual([
        ERROR_CODES.PUBLIC_KEY_WEAK,
        'wrapped',
        ERROR_CODES.PUBLIC_KEY_WEAK,
        'wrapped',
      ]);
      expect(readdirSync(join(d, 'out')).sort()).toEqual(['1.bin', '3.bin']);
    } finally {
      await pool.close();
    }
  });
});

describe('the pool: results held from the check phase', () => {
  it('wraps what fits the budget while checking, writes nothing until the wrap phase, which the holding worker does', async () => {
    const d = fresh();
    const key = parseWrappingPublicKey(publicKeyDer);
    // An RSA_2048 material wrapped with KWP under RSA_2048 is ~1.5 kB: a 4 kB budget holds 3 a worker.
    const pool = createPool({ size: 2 });
    try {
      pool.configure({ force: false, fsync: false, algorithms: ['RSA_AES_KEY_WRAP_SHA_256'], holdBytes: 4096, now: Date.now() });
      pool.setKeys([key]);
      const items: JobItem[] = Array.from({ length: 16 }, (_, index) => ({
        index,
        material: join(dir, 'rsa.der'),
        key: 0,
        algorithm: 'RSA_AES_KEY_WRAP_SHA_256',
        output: join(d, 'out', `${index}.bin`),
      }));
      const heldBy = new Map<number, number>();
      const checked: JobOutcome[] = [];
      pool.onOutcomes((outcomes, worker) => {
        for (const o of outcomes) {
          checked.push(o);
          if (o.status === 'checked' && o.held) heldBy.set(o.index, worker);
        }
      });
      for (let i = 0; i < items.length; i += 2) await pool.submit('check', items.slice(i, i + 2));
      await pool.idle();
      checked.sort((a, b) => a.index - b.index);
      expect(checked.map((o) => o.status)).toEqual(Array(16).fill('checked'));
      // Some held (the budget), some only checked; both workers held some; nothing on disk yet.
      expect(heldBy.size).toBeGreaterThanOrEqual(2);
      expect(heldBy.size).toBeLessThan(16);
      expect(new Set(heldBy.values()).size).toBe(2);
      expect(readdirSync(join(d, 'out'))).toEqual([]);

      const wroteBy = new Map<number, number>();
      pool.onOutcomes((outcomes, worker) => {
        for (const o of outcomes) {
          expect(o.status).toBe('wrapped');
          wroteBy.set(o.index, worker);
        }
      });
      for (const item of items) await pool.submit('wrap', [item], heldBy.get(item.index));
      await pool.idle();
      expect(wroteBy.size).toBe(16);
      for (const [index, worker] of heldBy) expect(wroteBy.get(index)).toBe(worker);
      expect(readdirSync(join(d, 'out')).length).toBe(16);
      for (const item of items) await expectUnwraps(item.output, 'RSA_AES_KEY_WRAP_SHA_256', rsaMaterial);
      expect(temporaries(join(d, 'out'))).toEqual([]);
    } finally {
      await pool.close();
    }
  });
});

describe('the pool: a worker that dies', () => {
  it('fails what it had in hand; what was bound to it (its held results) is done afresh by the others', async () => {
    const d = fresh();
    const key = parseWrappingPublicKey(publicKeyDer);
    const items: JobItem[] = Array.from({ length: 24 }, (_, index) => ({
      index,
      material: join(dir, 'rsa.der'),
      key: 0,
      algorithm: 'RSA_AES_KEY_WRAP_SHA_256',
      output: join(d, 'out', `${index}.bin`),
    }));
    process.env['KMS_WRAP_TEST_DIE_AT'] = '0'; // the worker holding entry 0 dies when sent it to wrap
    const pool = createPool({ size: 2, workerUrl: new URL('./fixtures/dying-batch-worker.mjs', import.meta.url) });
    try {
      pool.configure({ force: false, fsync: false, algorithms: ['RSA_AES_KEY_WRAP_SHA_256'], holdBytes: 1 << 20, now: Date.now() });
      pool.setKeys([key]);
      const heldBy = new Map<number, number>();
      pool.onOutcomes((outcomes, worker) => {
        for (const o of outcomes) if (o.status === 'checked' && o.held) heldBy.set(o.index, worker);
      });
      for (let i = 0; i < items.length; i += 2) await pool.submit('check', items.slice(i, i + 2));
      await pool.idle();
      expect(heldBy.size).toBe(24);
      const dying = heldBy.get(0)!;
      const doomed = [...heldBy].filter(([, w]) => w === dying).map(([i]) => i);
      expect(doomed.length).toBeGreaterThan(2);
      const outcomes = new Map<number, { status: string; worker: number; code?: string }>();
      pool.onOutcomes((list, worker) => {
        for (const o of list) outcomes.set(o.index, { status: o.status, worker, ...(o.status === 'failed' ? { code: o.code } : {}) });
      });
      for (const item of items) await pool.submit('wrap', [item], heldBy.get(item.index));
      await pool.idle();
      expect(outcomes.size).toBe(24);
      const failed = [...outcomes].filter(([, o]) => o.status === 'failed').map(([i]) => i);
      // What it had in hand (at most two chunks of one entry) failed; nothing else did.
      expect(failed).toContain(doomed[0]);
      expect(failed.length).toBeLessThanOrEqual(2);
      for (const i of failed) expect(outcomes.get(i)!.code).toBe(ERROR_CODES.INTERNAL);
      // The rest of its entries were wrapped by the other worker, from the material.
      const redone = doomed.filter((i) => !failed.includes(i));
      expect(redone.length).toBeGreaterThan(0);
      for (const i of redone) expect(outcomes.get(i)).toEqual({ status: 'wrapped', worker: 1 - dying });
      for (const [i, o] of outcomes) {
        if (o.status === 'wrapped') await expectUnwraps(join(d, 'out', `${i}.bin`), 'RSA_AES_KEY_WRAP_SHA_256', rsaMaterial);
        else expect(existsSync(join(d, 'out', `${i}.bin`))).toBe(false);
      }
      expect(temporaries(join(d, 'out'))).toEqual([]);
      // Sent "write what you hold" for an entry it never held, the other worker says so (wrapBatch then redoes it).
      const other: string[] = [];
      pool.onOutcomes((list) => other.push(...list.map((o) => o.status)));
      await pool.submit('wrap', [{ index: doomed.at(-1)!, heldOnly: true, material: '', key: 0, algorithm: '', output: '' }]);
      await pool.idle();
      expect(other).toEqual(['unheld']);
    } finally {
      delete process.env['KMS_WRAP_TEST_DIE_AT'];
      await pool.close();
    }
  });
});

describe('wrapBatch: a worker that dies between the checks and the writes', () => {
  it('what it held is done again from the entries by the threads left; what it had in hand fails', async () => {
    const d = fresh();
    process.env['KMS_WRAP_TEST_DIE_AT'] = '0'; // the worker dies when sent entry 0 to write
    _tuning.workerUrl = new URL('./fixtures/dying-batch-worker.mjs', import.meta.url);
    try {
      const entries = Array.from({ length: 300 }, (_, i) => good(d, `${i}.bin`));
      // Entry 0 goes to the worker, not to this thread: with mainThread, this thread takes chunks only as it gets to them.
      let s: BatchSummary | undefined;
      for (let attempt = 0; attempt < 5 && !s?.results.some((r) => r.status === 'failed'); attempt++) {
        rmSync(join(d, 'out'), { recursive: true, force: true });
        mkdirSync(join(d, 'out'));
        s = await wrapBatch(entries, { strict: true, concurrency: 2, mainThread: true });
      }
      const failed = s!.results.filter((r) => r.status === 'failed');
      expect(failed.length).toBeGreaterThan(0); // the chunk(s) the worker had in hand
      for (const r of failed) expect((r as { error: KmsWrapError }).error.code).toBe(ERROR_CODES.INTERNAL);
      expect(s!.wrapped).toBe(300 - failed.length);
      expect(s!.wrapped).toBeGreaterThan(100); // the rest of what it held was redone, with what this thread held
      for (const r of s!.results) {
        if (r.status === 'wrapped') await expectUnwraps(r.output, 'RSA_AES_KEY_WRAP_SHA_256', rsaMaterial);
        else expect(existsSync(r.output)).toBe(false);
      }
      expect(temporaries(join(d, 'out'))).toEqual([]);
    } finally {
      delete process.env['KMS_WRAP_TEST_DIE_AT'];
      delete _tuning.workerUrl;
    }
  });
});

describe('wrapBatch: strict, and checkBatch', () => {
  it('strict: one refused entry and nothing is wrapped; every refusal is reported', async () => {
    const d = fresh();
    const entries = [
      good(d, 'a.bin'),
      good(d, 'b.bin', { algorithm: 'RSAES_OAEP_SHA_256' }),
      good(d, 'c.bin'),
      good(d, 'd.bin', { material: join(d, 'nope') }),
    ];
    const s = await wrapBatch(entries, { strict: true });
    expect(s).toMatchObject({ refused: true, wrapped: 0, failed: 2, skipped: 2 });
    expect(byStatus(s).failed).toEqual({ 1: ERROR_CODES.COMBINATION_REJECTED, 3: ERROR_CODES.FILE_UNREADABLE });
    expect(readdirSync(join(d, 'out'))).toEqual([]);
  });

  it('mainThread: this thread wraps too; with concurrency 1, alone (no worker)', async () => {
    for (const concurrency of [1, 2]) {
      const d = fresh();
      const entries = Array.from({ length: 40 }, (_, i) => good(d, `${i}.bin`, { material: join(dir, i % 2 ? 'p256.der' : 'rsa.der') }));
      const given = good(d, 'given.bin', { material: p256Material }); // bytes of the caller's: never zeroed here
      const s = await wrapBatch([...entries, given], { strict: true, concurrency, mainThread: true });
      expect(s).toMatchObject({ refused: false, wrapped: 41, failed: 0 });
      expect(Buffer.from(p256Material).equals(Buffer.from(readFileSync(join(dir, 'p256.der'))))).toBe(true);
      for (const i of [0, 1, 39])
        await expectUnwraps(join(d, 'out', `${i}.bin`), 'RSA_AES_KEY_WRAP_SHA_256', i % 2 ? p256Material : rsaMaterial);
      await expectUnwraps(join(d, 'out', 'given.bin'), 'RSA_AES_KEY_WRAP_SHA_256', p256Material);
      expect(temporaries(join(d, 'out'))).toEqual([]);
    }
  });

  it('strict, past the hold budget: what was held is written, the rest read and wrapped again, in entry order', async () => {
    const d = fresh();
    const before = _tuning.holdBytes;
    _tuning.holdBytes = 6000; // a few RSA_2048 results a thread
    try {
      const entries = Array.from({ length: 40 }, (_, i) => good(d, `${i}.bin`, { material: join(dir, i % 2 ? 'p256.der' : 'rsa.der') }));
      const s = await wrapBatch(entries, { strict: true, concurrency: 2, mainThread: true });
      expect(s).toMatchObject({ refused: false, wrapped: 40, failed: 0 });
      expect(s.results.map((r) => [r.index, r.status, r.output])).toEqual(entries.map((e, i) => [i, 'wrapped', e.output]));
      for (const i of [0, 1, 38, 39])
        await expectUnwraps(join(d, 'out', `${i}.bin`), 'RSA_AES_KEY_WRAP_SHA_256', i % 2 ? p256Material : rsaMaterial);
      expect(temporaries(join(d, 'out'))).toEqual([]);
    } finally {
      _tuning.holdBytes = before;
    }
  });

  it('strict: a clean batch is wrapped whole', async () => {
    const d = fresh();
    const s = await wrapBatch(
      Array.from({ length: 20 }, (_, i) => good(d, `${i}.bin`)),
      { strict: true },
    );
    expect(s).toMatchObject({ refused: false, wrapped: 20, failed: 0 });
  });

  it('checkBatch reads and checks everything and writes nothing', async () => {
    const d = fresh();
    const problems = await checkBatch([good(d, 'a.bin'), good(d, 'b.bin', { keySpec: 'RSA_3072' }), good(d, 'c.bin')], {
      label: (i) => `line ${i + 10}`,
    });
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
    expect(m.entries[0]).toEqual({
      material: '/base/a.der',
      publicKey: '/base/pub.bin',
      algorithm: 'RSA_AES_KEY_WRAP_SHA_256',
      output: '/base/out/a.bin',
    });
    expect(m.entries[1]).toEqual({
      material: '/base/b.der',
      parameters: '/base/params.json',
      algorithm: 'RSAES_OAEP_SHA_256',
      keySpec: 'HMAC_256',
      region: 'china',
      output: '/abs/b.bin',
    });
    expect(m.problems.map((p) => [p.line, p.error.code])).toEqual([2, 4, 5, 6, 7, 8, 9].map((l) => [l, ERROR_CODES.MANIFEST_INVALID]));
    const say = (line: number) => m.problems.find((p) => p.line === line)!.error.message;
    expect(say(2)).toMatch(/^not JSON/);
    expect(say(4)).toMatch(/unknown field "outptu"/);
    expect(say(6)).toMatch(/exactly one of "publicKey".*"parameters"/);
    expect(say(8)).toMatch(/"output" is missing/);
    expect(say(9)).toMatch(/"material" must be a non-empty string/);
  });

  it('a PKCS#11 URI as the material is kept as given, not resolved as a path (the batch opens it, or refuses it)', () => {
    const m = parseBatchManifest(
      '{"material": " pkcs11:token=prod;object=k", "publicKey": "p", "algorithm": "RSAES_OAEP_SHA_1", "output": "o"}',
      '/base',
    );
    expect(m.problems).toEqual([]);
    expect(m.entries).toEqual([
      { material: 'pkcs11:token=prod;object=k', publicKey: '/base/p', algorithm: 'RSAES_OAEP_SHA_1', output: '/base/o' },
    ]);
  });
});

describe('resolvePath', () => {
  it('answers as path.resolve does, for plain and for awkward paths', () => {
    const bases = ['/', '/base', '/base/', '/a/./b', '/a/../b', '//x', '/a//b', 'rel/base', '/b.d/..x', '/.hidden'];
    const paths = [
      'a',
      'a/b.der',
      '/abs/x',
      '/abs/./x',
      '/abs/../x',
      'a/../../b',
      './a',
      '../a',
      'a//b',
      'a/',
      '/',
      '.',
      '..',
      '.x',
      'x.',
      '..x/y',
      'a/..',
      'a/.',
      '/abs/.',
      '/abs/..',
      '//x/y',
      '/trailing/',
    ];
    for (const b of bases) for (const p of paths) expect([b, p, resolvePath(b, p)]).toEqual([b, p, resolve(b, p)]);
  });
});

describe('streamBatchManifest', () => {
  it('reads a manifest a block at a time as parseBatchManifest reads it whole: lines across blocks, BOM, CRLF, blanks, no final newline', async () => {
    const d = fresh();
    // Over 3 MiB (several blocks of 512 KiB), with multi-byte characters that fall across block edges.
    const build = (pad: number) => {
      const rows: string[] = [];
      for (let i = 0; i < 30_000; i++) {
        if (i % 997 === 0) rows.push('');
        else if (i % 1009 === 0) rows.push('{"material": "broken"');
        else
          rows.push(
            JSON.stringify({
              material: `mat/${i === 1 ? 'a'.repeat(pad) : ''}é€😀-${i}.der`,
              publicKey: 'pub.bin',
              algorithm: 'RSA_AES_KEY_WRAP_SHA_256',
              output: `out/${i}.bin`,
            }) + (i % 3 === 0 ? '\r' : ''),
          );
      }
      return `\uFEFF${rows.join('\n')}`; // no newline at the end
    };
    // Pad the first entry until a block (the second) ends inside a character, at 1 MiB (on a UTF-8 continuation byte).
    let text = build(0);
    for (let pad = 1; (Buffer.from(text)[1 << 20]! & 0xc0) !== 0x80; pad++) text = build(pad);
    writeFileSync(join(d, 'm.jsonl'), text);
    expect(Buffer.byteLength(text)).toBeGreaterThan(3 << 20);
    const whole = parseBatchManifest(text, d);
    const streamed = await streamBatchManifest(join(d, 'm.jsonl'));
    expect(streamed.count).toBe(whole.entries.length + whole.problems.length);
    const entries: [number, BatchEntry][] = [];
    const problems: [number, string][] = [];
    for (const pass of [1, 2]) {
      entries.length = 0;
      problems.length = 0;
      for await (const l of streamed.lines()) {
        if ('entry' in l) entries.push([l.line, l.entry]);
        else problems.push([l.line, l.problem.message]);
      }
      expect(entries, `pass ${pass}`).toEqual(whole.entries.map((e, i) => [whole.lines[i], e]));
      expect(problems, `pass ${pass}`).toEqual(whole.problems.map((p) => [p.line, p.error.message]));
    }
  });

  it('reports an over-long line by number without holding it, and goes on; refuses a missing, empty or folder manifest', async () => {
    const d = fresh();
    const good = JSON.stringify({ material: 'a.der', publicKey: 'pub.bin', algorithm: 'RSA_AES_KEY_WRAP_SHA_256', output: 'o.bin' });
    writeFileSync(join(d, 'm.jsonl'), [good, `{"material": "${'x'.repeat(3 << 20)}"}`, good, 'y'.repeat(70_000)].join('\n'));
    const m = await streamBatchManifest(join(d, 'm.jsonl'));
    const seen: [number, string][] = [];
    for await (const l of m.lines()) seen.push([l.line, 'entry' in l ? 'entry' : l.problem.message]);
    expect(seen.map(([line, what]) => [line, what.startsWith('the line is over 64 kB') ? 'long' : what])).toEqual([
      [1, 'entry'],
      [2, 'long'],
      [3, 'entry'],
      [4, 'long'],
    ]);
    await expect(streamBatchManifest(join(d, 'nope.jsonl'))).rejects.toMatchObject({ code: ERROR_CODES.FILE_UNREADABLE });
    await expect(streamBatchManifest(d)).rejects.toMatchObject({
      code: ERROR_CODES.FILE_UNREADABLE,
      message: expect.stringMatching(/is a directory/),
    });
    writeFileSync(join(d, 'empty.jsonl'), '\n  \n');
    await expect(streamBatchManifest(join(d, 'empty.jsonl'))).rejects.toMatchObject({ code: ERROR_CODES.MANIFEST_INVALID });
  });
});

describe('wrapManifest', () => {
  it('checks every line first, then wraps, handing results over in line order; workers started ahead', async () => {
    const d = fresh();
    const rows = Array.from({ length: 300 }, (_, i) =>
      JSON.stringify({
        material: i % 2 ? '../p256.der' : '../rsa.der',
        publicKey: '../WrappingPublicKey.bin',
        algorithm: 'RSA_AES_KEY_WRAP_SHA_256',
        output: `out/${i}.bin`,
      }),
    );
    writeFileSync(join(d, 'm.jsonl'), `${rows.join('\n\n')}\n`); // a blank line between entries: line numbers 1, 3, 5, ...
    const workers = startBatchWorkers({ concurrency: 2, mainThread: true }); // this thread and one worker
    const seen: [number, string, string][] = [];
    const phases: string[] = [];
    const t = await wrapManifest(await streamBatchManifest(join(d, 'm.jsonl')), {
      workers,
      onResult: (r: BatchEntryResult, phase) => seen.push([r.index, r.status, phase]),
      onProgress: (p) => {
        if (phases.at(-1) !== p.phase) phases.push(p.phase);
      },
    });
    expect(t).toMatchObject({ total: 300, wrapped: 300, failed: 0, skipped: 0, refused: false, aborted: false });
    expect(phases).toEqual(['check', 'wrap']);
    expect(seen).toEqual(rows.map((_, i) => [2 * i + 1, 'wrapped', 'wrap']));
    for (const i of [0, 1, 299])
      await expectUnwraps(join(d, 'out', `${i}.bin`), 'RSA_AES_KEY_WRAP_SHA_256', i % 2 ? p256Material : rsaMaterial);
    expect(temporaries(join(d, 'out'))).toEqual([]);
    await expect(wrapBatch([], { workers })).rejects.toThrow(/serves one batch/);
  });

  it('refuses the batch for one bad line, found late (a clash with the last line), and writes nothing', async () => {
    const d = fresh();
    const row = (i: number, output = `out/${i}.bin`) =>
      JSON.stringify({ material: '../rsa.der', publicKey: '../WrappingPublicKey.bin', algorithm: 'RSA_AES_KEY_WRAP_SHA_256', output });
    writeFileSync(
      join(d, 'm.jsonl'),
      [...Array.from({ length: 200 }, (_, i) => row(i)), row(200, 'out/7.bin'), row(201, '../rsa.der')].join('\n'),
    );
    const refused = new Map<number, string>();
    const t = await wrapManifest(await streamBatchManifest(join(d, 'm.jsonl')), {
      concurrency: 2,
      onResult: (r) => {
        if (r.status === 'failed') refused.set(r.index, r.error.message);
      },
    });
    expect(t).toMatchObject({ refused: true, wrapped: 0, failed: 3, skipped: 199 });
    expect(refused.get(8)).toMatch(/out\/7\.bin is named by line 8 and line 201 — give each entry its own output/);
    expect(refused.get(201)).toMatch(/named by line 8 and line 201/);
    expect(refused.get(202)).toMatch(/rsa\.der is the key material of line 1, which writing it would destroy/);
    expect(readdirSync(join(d, 'out'))).toEqual([]);
  });
});

describe('wrapBatch for AWS KMS with parameters: the import token beside each output, the import command, warnings', () => {
  const paramsFile = (d: string, name: string, token: Uint8Array) => {
    const path = join(d, name);
    writeFileSync(
      path,
      JSON.stringify({
        KeyId: `arn:aws:kms:us-east-1:111122223333:key/${name}`,
        ImportToken: Buffer.from(token).toString('base64'),
        PublicKey: Buffer.from(publicKeyDer).toString('base64'),
        ParametersValidTo: Date.now() / 1000 + 86_400,
      }),
    );
    return path;
  };

  it('writes out/NAME.ImportToken.bin (0644) beside out/NAME.bin, names it in the command; a shared parameters file with different material is a warning', async () => {
    const d = fresh();
    const t1 = new Uint8Array(randomBytes(48));
    const p1 = paramsFile(d, 'p1.json', t1);
    const warnings: { indices: readonly number[]; message: string }[] = [];
    const s = await wrapBatch(
      [
        good(d, 'a.bin', { publicKey: undefined, parameters: p1 }),
        good(d, 'b.bin', { publicKey: undefined, parameters: p1, material: join(dir, 'p256.der') }),
      ],
      { concurrency: 1, strict: true, onWarning: (w) => warnings.push(w) },
    );
    expect(byStatus(s).wrapped).toEqual([0, 1]);
    const a = s.results[0] as Extract<BatchEntryResult, { status: 'wrapped' }>;
    expect(a.importToken).toBe(join(d, 'out', 'a.ImportToken.bin'));
    expect(Buffer.from(readFileSync(a.importToken!)).equals(Buffer.from(t1))).toBe(true);
    expect(statSync(a.importToken!).mode & 0o777).toBe(0o644);
    expect(a.nextCommand).toBe(
      `aws kms import-key-material --key-id arn:aws:kms:us-east-1:111122223333:key/p1.json --encrypted-key-material fileb://${join(d, 'out', 'a.bin')} --import-token fileb://${join(d, 'out', 'a.ImportToken.bin')} --expiration-model KEY_MATERIAL_DOES_NOT_EXPIRE`,
    );
    await expectUnwraps(join(d, 'out', 'a.bin'), 'RSA_AES_KEY_WRAP_SHA_256', rsaMaterial);
    expect(warnings).toEqual([
      {
        indices: [0, 1],
        message: expect.stringMatching(
          /^entry 1 and entry 2 share the parameters .*p1\.json \(one KMS key, one import token\) with different material/,
        ),
      },
    ]);
  });

  it("another token where an entry's goes is refused (the library's words: force: true); an identical one is no conflict", async () => {
    const d = fresh();
    const p = paramsFile(d, 'p.json', new Uint8Array(randomBytes(48)));
    writeFileSync(join(d, 'out', 'a.ImportToken.bin'), 'another token');
    const s = await wrapBatch([good(d, 'a.bin', { publicKey: undefined, parameters: p })], { concurrency: 1 });
    const r = s.results[0]!;
    expect(r.status).toBe('failed');
    const e = (r as Extract<BatchEntryResult, { status: 'failed' }>).error;
    expect(e.code).toBe(ERROR_CODES.FILE_EXISTS);
    expect(e.message).toMatch(/a\.ImportToken\.bin exists and holds another import token — .*set force: true to replace it$/);
    expect(e.message).not.toContain('--force');
    expect(existsSync(join(d, 'out', 'a.bin'))).toBe(false);
  });
});

/**
 * A stand-in for @kms-wrap/pkcs11's openTokenKey (which the batch package does not depend on):
 * keys by object name, the token's wrap done by the engine on bytes only it holds, a limit of
 * its own (an algorithm it refuses), and every open, wrap and close counted.
 */
function fakeToken(keys: Record<string, { keySpec: string; bytes: Uint8Array }>, o: { refuses?: string; pin?: 'wrong' } = {}) {
  const log = { opened: [] as [string, number][], sealed: 0, closed: 0 };
  const open: SealedOpener = async (uri, index) => {
    log.opened.push([uri, index]);
    if (o.pin === 'wrong')
      throw new KmsWrapError(ERROR_CODES.TOKEN_PIN, "token 'prod' refused the PIN (CKR_PIN_INCORRECT) — check the PIN");
    const key = keys[/object=([^;]+)/.exec(uri)?.[1] ?? ''];
    if (!key) throw new KmsWrapError(ERROR_CODES.TOKEN_NOT_FOUND, 'no such object in the token — name one that is there');
    return {
      material: { keySpec: key.keySpec, length: key.bytes.length },
      async seal(plan) {
        if (plan.algorithm.id === o.refuses)
          throw new KmsWrapError(ERROR_CODES.TOKEN_UNSUPPORTED, `this token cannot make ${o.refuses} — use RSAES_OAEP_SHA_1`);
        log.sealed++;
        const r = await verifier.wrap({
          material: key.bytes,
          keySpec: key.keySpec,
          wrappingPublicKey: plan.wrappingKey,
          algorithm: plan.algorithm.id,
        });
        return r.ciphertext;
      },
      close() {
        log.closed++;
      },
    };
  };
  return { open, log };
}

describe('keys in a PKCS#11 token (BatchOptions.openSealed)', () => {
  const hmac = new Uint8Array(randomBytes(32));
  const token = (o: { refuses?: string; pin?: 'wrong' } = {}) =>
    fakeToken({ 'aes-1': { keySpec: 'SYMMETRIC_DEFAULT', bytes: symmetric }, 'hmac-1': { keySpec: 'HMAC_256', bytes: hmac } }, o);
  const tokenLine = (object: string, output: string, over: Record<string, string> = {}) =>
    JSON.stringify({
      material: `pkcs11:token=prod;object=${object}`,
      publicKey: '../WrappingPublicKey.bin',
      algorithm: 'RSAES_OAEP_SHA_1',
      output,
      ...over,
    });
  const fileLine = (output: string) =>
    JSON.stringify({ material: '../rsa.der', publicKey: '../WrappingPublicKey.bin', algorithm: 'RSA_AES_KEY_WRAP_SHA_256', output });
  const manifest = (d: string, rows: string[]) => {
    writeFileSync(join(d, 'm.jsonl'), `${rows.join('\n')}\n`);
    return streamBatchManifest(join(d, 'm.jsonl'));
  };

  it('a manifest of file and token lines: each token line opened once (its wrap held from the checks), closed, results in line order', async () => {
    const d = fresh();
    const t = token();
    const seen: [number, string, string | undefined][] = [];
    const totals = await wrapManifest(
      await manifest(d, [
        fileLine('out/f.bin'),
        tokenLine('aes-1', 'out/a.bin'),
        tokenLine('hmac-1', 'out/h.bin', { algorithm: 'RSAES_OAEP_SHA_256' }),
      ]),
      {
        workers: startBatchWorkers({ concurrency: 2, mainThread: true }),
        openSealed: t.open,
        onResult: (r, phase) => {
          if (phase === 'wrap') seen.push([r.index, r.status, r.status === 'wrapped' ? r.keySpec : undefined]);
        },
      },
    );
    expect(totals).toMatchObject({ total: 3, wrapped: 3, failed: 0, refused: false });
    expect(seen).toEqual([
      [1, 'wrapped', 'RSA_2048'],
      [2, 'wrapped', 'SYMMETRIC_DEFAULT'],
      [3, 'wrapped', 'HMAC_256'],
    ]);
    expect(t.log.opened).toEqual([
      ['pkcs11:token=prod;object=aes-1', 2],
      ['pkcs11:token=prod;object=hmac-1', 3],
    ]);
    expect(t.log).toMatchObject({ sealed: 2, closed: 2 });
    await expectUnwraps(join(d, 'out', 'f.bin'), 'RSA_AES_KEY_WRAP_SHA_256', rsaMaterial);
    await expectUnwraps(join(d, 'out', 'a.bin'), 'RSAES_OAEP_SHA_1', symmetric);
    await expectUnwraps(join(d, 'out', 'h.bin'), 'RSAES_OAEP_SHA_256', hmac);
    expect(statSync(join(d, 'out', 'a.bin')).mode & 0o777).toBe(0o600);
    expect(temporaries(join(d, 'out'))).toEqual([]);
  });

  it("the token's own limit, found by its wrap in the check phase, refuses the batch: nothing is written, every key closed", async () => {
    const d = fresh();
    const t = token({ refuses: 'RSAES_OAEP_SHA_256' });
    const refused = new Map<number, KmsWrapError>();
    const totals = await wrapManifest(
      await manifest(d, [
        fileLine('out/f.bin'),
        tokenLine('aes-1', 'out/a.bin'),
        tokenLine('hmac-1', 'out/h.bin', { algorithm: 'RSAES_OAEP_SHA_256' }),
      ]),
      { concurrency: 1, openSealed: t.open, onResult: (r) => r.status === 'failed' && refused.set(r.index, r.error) },
    );
    expect(totals).toMatchObject({ refused: true, wrapped: 0, failed: 1 });
    expect([...refused.keys()]).toEqual([3]);
    expect(refused.get(3)).toMatchObject({ code: ERROR_CODES.TOKEN_UNSUPPORTED, message: expect.stringMatching(/use RSAES_OAEP_SHA_1$/) });
    expect(t.log).toMatchObject({ sealed: 1, closed: 2 });
    expect(readdirSync(join(d, 'out'))).toEqual([]);
  });

  it("a line's output is checked before its key is opened, the engine's rules before the token wraps; an opener's refusal is the line's", async () => {
    const d = fresh();
    const t = token();
    const refused = new Map<number, KmsWrapError>();
    const totals = await wrapManifest(
      await manifest(d, [
        tokenLine('aes-1', 'missing/a.bin'), // no such folder: refused, the token not asked
        tokenLine('hmac-1', 'out/h.bin', { keySpec: 'HMAC_384' }), // the key says HMAC_256: the engine refuses, the token does not wrap
        tokenLine('nope', 'out/n.bin'),
      ]),
      { concurrency: 1, openSealed: t.open, onResult: (r) => r.status === 'failed' && refused.set(r.index, r.error) },
    );
    expect(totals).toMatchObject({ refused: true, wrapped: 0, failed: 3 });
    expect(refused.get(1)).toMatchObject({ code: ERROR_CODES.FILE_UNWRITABLE });
    expect(refused.get(2)).toMatchObject({ code: ERROR_CODES.KEY_SPEC_MISMATCH });
    expect(refused.get(3)).toMatchObject({ code: ERROR_CODES.TOKEN_NOT_FOUND });
    expect(t.log.opened.map(([, line]) => line)).toEqual([2, 3]);
    expect(t.log).toMatchObject({ sealed: 0, closed: 1 });
    const wrong = token({ pin: 'wrong' });
    const w = await wrapManifest(await manifest(d, [fileLine('out/f.bin'), tokenLine('aes-1', 'out/a.bin')]), {
      concurrency: 1,
      openSealed: wrong.open,
    });
    expect(w).toMatchObject({ refused: true, wrapped: 0, failed: 1 });
    expect(readdirSync(join(d, 'out'))).toEqual([]);
  });

  it('past the hold budget a token line is wrapped in the checks (for its limits), dropped, and opened again to be written', async () => {
    const d = fresh();
    const t = token();
    const before = _tuning.holdBytes;
    _tuning.holdBytes = 1; // one result held a thread
    try {
      const totals = await wrapManifest(
        await manifest(d, [tokenLine('aes-1', 'out/a.bin'), fileLine('out/f.bin'), tokenLine('hmac-1', 'out/h.bin')]),
        { concurrency: 1, openSealed: t.open },
      );
      expect(totals).toMatchObject({ wrapped: 3, failed: 0 });
    } finally {
      _tuning.holdBytes = before;
    }
    expect(t.log.opened.map(([, line]) => line)).toEqual([1, 3, 3]);
    expect(t.log).toMatchObject({ sealed: 3, closed: 3 });
    await expectUnwraps(join(d, 'out', 'a.bin'), 'RSAES_OAEP_SHA_1', symmetric);
    await expectUnwraps(join(d, 'out', 'h.bin'), 'RSAES_OAEP_SHA_1', hmac);
    await expectUnwraps(join(d, 'out', 'f.bin'), 'RSA_AES_KEY_WRAP_SHA_256', rsaMaterial);
  });

  it('wrapBatch (not strict) and checkBatch; AWS KMS parameters give the import token and the command', async () => {
    const d = fresh();
    const t = token();
    writeFileSync(
      join(d, 'p.json'),
      JSON.stringify({
        KeyId: 'arn:aws:kms:us-east-1:111122223333:key/k1',
        ImportToken: Buffer.from('an import token').toString('base64'),
        PublicKey: Buffer.from(publicKeyDer).toString('base64'),
        ParametersValidTo: Date.now() / 1000 + 86_400,
      }),
    );
    const entry: BatchEntry = {
      material: 'pkcs11:token=prod;object=aes-1',
      parameters: join(d, 'p.json'),
      algorithm: 'RSAES_OAEP_SHA_1',
      output: join(d, 'out', 'a.bin'),
    };
    expect(await checkBatch([entry], { concurrency: 1, openSealed: t.open })).toEqual([]);
    expect(readdirSync(join(d, 'out'))).toEqual([]);
    const s = await wrapBatch([entry], { concurrency: 1, openSealed: t.open });
    expect(byStatus(s).wrapped).toEqual([0]);
    const r = s.results[0] as Extract<BatchEntryResult, { status: 'wrapped' }>;
    expect(r.importToken).toBe(join(d, 'out', 'a.ImportToken.bin'));
    expect(r.nextCommand).toContain('aws kms import-key-material --key-id arn:aws:kms:us-east-1:111122223333:key/k1');
    expect(readFileSync(r.importToken!, 'utf8')).toBe('an import token');
    await expectUnwraps(join(d, 'out', 'a.bin'), 'RSAES_OAEP_SHA_1', symmetric);
    expect(t.log).toMatchObject({ sealed: 2, closed: 2 });
  });
});
