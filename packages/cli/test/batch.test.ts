/**
 * `kms-wrap batch MANIFEST`: manifest refusals with line numbers before any work, existing and
 * colliding outputs refused, the summary and --json, and SIGINT/SIGTERM during a large batch
 * leaving only complete files that each unwrap (exit 130 / 143). OpenSSL makes the wrapping
 * key pair and unwraps samples, as KMS would.
 */
import { execFileSync, spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { copyFile, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWrapper } from '@kms-wrap/core';
import { createNodeCryptoProvider } from '@kms-wrap/node';
import { algorithms as kwAlgorithms } from '@kms-wrap/rsa-aes-key-wrap';
import { algorithms as oaepAlgorithms } from '@kms-wrap/rsaes-oaep';
import {
  BIN,
  ERROR_LINE,
  PACKAGE_DIR,
  Scratch,
  cli,
  expectNoStack,
  lines,
  opensslUnwrap,
  opensslWrappingKey,
  run,
  type WrappingKey,
} from './helpers.js';

const scratch = new Scratch();
let fixtures: string;
let key: WrappingKey;
let privateDer: Uint8Array;
const der = (b: Buffer) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
const rsaMaterial = der(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'der' }));
const p256Material = der(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'der' }));
const hmac = new Uint8Array(randomBytes(32));
const verifier = createWrapper({ algorithms: [...kwAlgorithms, ...oaepAlgorithms], crypto: createNodeCryptoProvider() });

beforeAll(async () => {
  const dir = await scratch.init('batch');
  fixtures = join(dir, 'fixtures');
  await mkdir(fixtures);
  key = await opensslWrappingKey(fixtures, 'RSA', 2048);
  const { createPrivateKey } = await import('node:crypto');
  privateDer = der(createPrivateKey(await readFile(key.privatePem)).export({ type: 'pkcs8', format: 'der' }));
  await writeFile(join(fixtures, 'rsa.der'), rsaMaterial);
  await writeFile(join(fixtures, 'p256.der'), p256Material);
  await writeFile(join(fixtures, 'hmac.bin'), hmac);
});
afterAll(() => scratch.dispose());

interface Line {
  material?: string;
  publicKey?: string;
  parameters?: string;
  algorithm?: string;
  keySpec?: string;
  output?: string;
  [other: string]: unknown;
}

/** A case directory with the fixtures copied in and a manifest of these lines (strings as is). */
async function batchDir(label: string, rows: (Line | string)[]): Promise<string> {
  const d = await scratch.fresh(label);
  await mkdir(join(d, 'out'));
  for (const f of ['rsa.der', 'p256.der', 'hmac.bin']) await copyFile(join(fixtures, f), join(d, f));
  await copyFile(key.publicDer, join(d, 'WrappingPublicKey.bin'));
  await writeFile(join(d, 'manifest.jsonl'), rows.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n');
  return d;
}

const kw = (name: string, over: Line = {}): Line => ({
  material: 'rsa.der',
  publicKey: 'WrappingPublicKey.bin',
  algorithm: 'RSA_AES_KEY_WRAP_SHA_256',
  output: `out/${name}`,
  ...over,
});

async function expectUnwraps(path: string, algorithm: string, material: Uint8Array): Promise<void> {
  const back = await verifier.unwrap({ ciphertext: new Uint8Array(await readFile(path)), algorithm, privateKey: privateDer });
  expect(Buffer.from(back).equals(Buffer.from(material))).toBe(true);
}

describe('kms-wrap batch: refusals before any work', () => {
  it('names every bad line by number and code, and wraps nothing', async () => {
    const d = await batchDir('bad-lines', [
      kw('a.bin'),
      'this is not json',
      kw('b.bin', { outptu: 'typo' }),
      '',
      kw('c.bin', { material: 'missing.der' }),
      kw('d.bin', { algorithm: 'RSAES_OAEP_SHA_256' }),
      kw('e.bin', { material: 'hmac.bin', algorithm: 'RSAES_OAEP_SHA_256', keySpec: 'HMAC_384' }),
      kw('f.bin'),
    ]);
    const r = await cli(['batch', 'manifest.jsonl'], d);
    expect(r.code).toBe(1);
    expectNoStack(r);
    const err = lines(r.stderr);
    expect(err).toEqual([
      expect.stringMatching(/^kms-wrap: ERR_MANIFEST_INVALID: line 2: not JSON — /),
      expect.stringMatching(/^kms-wrap: ERR_MANIFEST_INVALID: line 3: unknown field "outptu" — /),
      expect.stringMatching(
        /^kms-wrap: ERR_FILE_UNREADABLE: line 5: cannot read the key material from .*missing\.der: no such file or directory — /,
      ),
      expect.stringMatching(/^kms-wrap: ERR_COMBINATION_REJECTED: line 6: .*RSAES_OAEP_SHA_256.* — use RSA_AES_KEY_WRAP_SHA_256/),
      expect.stringMatching(/^kms-wrap: ERR_KEY_SPEC_MISMATCH: line 7: /),
      'kms-wrap: ERR_MANIFEST_INVALID: 5 of 7 manifest lines are refused (each named above) — nothing was wrapped; fix them and run the batch again',
    ]);
    for (const l of err) expect(l).toMatch(ERROR_LINE);
    expect(r.stdout).toBe('');
    expect(await readdir(join(d, 'out'))).toEqual([]);
  });

  it('refuses an existing output without --force, and leaves it and every other output alone', async () => {
    const d = await batchDir('exists', [kw('a.bin'), kw('b.bin'), kw('c.bin')]);
    await writeFile(join(d, 'out', 'b.bin'), 'precious');
    const r = await cli(['batch', 'manifest.jsonl'], d);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^kms-wrap: ERR_FILE_EXISTS: line 2: .*out\/b\.bin exists — .*--force/m);
    expect((await readdir(join(d, 'out'))).sort()).toEqual(['b.bin']);
    expect(await readFile(join(d, 'out', 'b.bin'), 'utf8')).toBe('precious');

    const forced = await cli(['batch', 'manifest.jsonl', '--force'], d);
    expect(forced.code, forced.stderr).toBe(0);
    await expectUnwraps(join(d, 'out', 'b.bin'), 'RSA_AES_KEY_WRAP_SHA_256', rsaMaterial);
  });

  it('refuses two lines with one output, and an output that is an input', async () => {
    const d = await batchDir('collide', [kw('a.bin'), kw('x.bin'), kw('x.bin', { material: 'p256.der' }), kw('', { output: 'rsa.der' })]);
    const r = await run(['batch', 'manifest.jsonl'], d);
    expect(r.code).toBe(1);
    // Lines 2 and 3 are refused in the same words: one line names both.
    expect(r.stderr).toMatch(
      /ERR_MANIFEST_INVALID: lines 2-3: the output .*x\.bin is named by line 2 and line 3 — give each entry its own output/,
    );
    expect(r.stderr).toMatch(
      /ERR_MANIFEST_INVALID: line 4: the output .*rsa\.der is the key material of line \d, which writing it would destroy/,
    );
    expect(await readdir(join(d, 'out'))).toEqual([]);
  });

  it('a missing or empty manifest, and usage errors (exit 2)', async () => {
    const d = await batchDir('usage', []);
    const missing = await cli(['batch', 'nope.jsonl'], d);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^kms-wrap: ERR_FILE_UNREADABLE: cannot read the manifest .*nope\.jsonl/);
    const empty = await run(['batch', 'manifest.jsonl'], d);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(/ERR_MANIFEST_INVALID: the manifest .* has no lines/);
    expect((await run(['batch'], d)).code).toBe(2);
    expect((await run(['batch', 'manifest.jsonl', '--concurrency', '0'], d)).code).toBe(2);
    expect((await run(['batch', 'a', 'b'], d)).code).toBe(2);
    const help = await run(['batch', '--help'], d);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: kms-wrap batch MANIFEST/);
  });
});

describe('kms-wrap batch: a run', () => {
  it('wraps every line, prints the summary, and OpenSSL unwraps the outputs', async () => {
    const d = await batchDir('run', [
      kw('a.bin'),
      kw('b.bin', { material: 'p256.der', algorithm: 'RSAES_OAEP_SHA_256' }),
      kw('c.bin', { material: 'hmac.bin', algorithm: 'RSAES_OAEP_SHA_1', keySpec: 'HMAC_256' }),
      kw('d.bin', { material: 'p256.der' }),
    ]);
    const r = await cli(['batch', 'manifest.jsonl', '--concurrency', '2'], d);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe(''); // not a terminal: no progress bar
    expect(lines(r.stdout)).toEqual([
      expect.stringMatching(/^4 of 4 wrapped in \d+\.\d\d s, \d+ wraps\/s \(files mode 0600\)$/),
      expect.stringMatching(/^lines 1-4 give a publicKey, not parameters/),
    ]);
    const out = (n: string) => join(d, 'out', n);
    expect(await opensslUnwrap(await readFile(out('a.bin')), 'RSA_AES_KEY_WRAP_SHA_256', key)).toEqual(Buffer.from(rsaMaterial));
    expect(await opensslUnwrap(await readFile(out('b.bin')), 'RSAES_OAEP_SHA_256', key)).toEqual(Buffer.from(p256Material));
    expect(await opensslUnwrap(await readFile(out('c.bin')), 'RSAES_OAEP_SHA_1', key)).toEqual(Buffer.from(hmac));
    expect(await opensslUnwrap(await readFile(out('d.bin')), 'RSA_AES_KEY_WRAP_SHA_256', key)).toEqual(Buffer.from(p256Material));
  });

  it('--check: checks every line and wraps nothing', async () => {
    const d = await batchDir('check', [kw('a.bin'), kw('b.bin', { material: 'p256.der' })]);
    const r = await cli(['batch', 'manifest.jsonl', '--check'], d);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('all 2 lines pass every check (--check: nothing was wrapped)\n');
    expect(await readdir(join(d, 'out'))).toEqual([]);
    await writeFile(join(d, 'manifest.jsonl'), `${JSON.stringify(kw('a.bin', { algorithm: 'RSAES_PKCS1_V1_5' }))}\n`);
    const bad = await run(['batch', 'manifest.jsonl', '--check'], d);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^kms-wrap: ERR_ALGORITHM_DEPRECATED: line 1: /m);
  });

  it('--json: one object with the totals and one result a line', async () => {
    const d = await batchDir('json', [kw('a.bin'), '', kw('b.bin', { material: 'hmac.bin', algorithm: 'RSAES_OAEP_SHA_256' })]);
    const r = await cli(['batch', 'manifest.jsonl', '--json'], d);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ ok: true, total: 2, wrapped: 2, failed: 0, skipped: 0, interrupted: null });
    expect(j.seconds).toBeGreaterThan(0);
    const kwBytes = 256 + Math.ceil(rsaMaterial.length / 8) * 8 + 8; // RSA part, then RFC 5649 §4.1 blocks and the AIV
    expect(j.results).toEqual([
      {
        line: 1,
        output: join(d, 'out', 'a.bin'),
        status: 'wrapped',
        bytes: kwBytes,
        algorithm: 'RSA_AES_KEY_WRAP_SHA_256',
        keySpec: 'RSA_2048',
        keySpecCandidates: ['RSA_2048'],
        wrappingKeySpec: 'RSA_2048',
        nextCommand: expect.stringMatching(
          /^# set KEY_ID first: .*\naws kms import-key-material --key-id "\$KEY_ID" --encrypted-key-material fileb:\/\/.*\/out\/a\.bin /,
        ),
      },
      {
        line: 3,
        output: join(d, 'out', 'b.bin'),
        status: 'wrapped',
        bytes: 256,
        algorithm: 'RSAES_OAEP_SHA_256',
        keySpec: null,
        keySpecCandidates: ['SYMMETRIC_DEFAULT', 'HMAC_256'],
        wrappingKeySpec: 'RSA_2048',
        nextCommand: expect.stringContaining('--encrypted-key-material fileb://'),
      },
    ]);

    const refused = await cli(['batch', 'manifest.jsonl', '--json'], d); // outputs exist now
    expect(refused.code).toBe(1);
    const jr = JSON.parse(refused.stdout);
    expect(jr).toMatchObject({ ok: false, error: { code: 'ERR_MANIFEST_INVALID' } });
    expect(jr.problems.map((p: { line: number; code: string }) => [p.line, p.code])).toEqual([
      [1, 'ERR_FILE_EXISTS'],
      [3, 'ERR_FILE_EXISTS'],
    ]);
  });
});

describe('kms-wrap batch: interrupted', () => {
  const total = 6000;
  /** A large batch of small wraps; resolves with the exit code once `signal` was sent after the first output appeared. */
  async function interrupt(label: string, signal: NodeJS.Signals) {
    const d = await batchDir(
      label,
      Array.from({ length: total }, (_, i) => kw(`${i}.bin`, { material: i % 2 ? 'p256.der' : 'rsa.der' })),
    );
    const child = spawn(process.execPath, [BIN, 'batch', 'manifest.jsonl'], { cwd: d, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const out = join(d, 'out');
    for (;;) {
      const names = await readdir(out);
      if (names.some((n) => !n.startsWith('.'))) break;
      if (child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    child.kill(signal);
    const code = await exited;
    return { d, out, code, stdout, stderr };
  }

  async function expectOnlyWholeFiles(out: string): Promise<number> {
    const names = await readdir(out);
    expect(names.filter((n) => n.startsWith('.'))).toEqual([]); // no temporary files left
    for (const n of names)
      await expectUnwraps(join(out, n), 'RSA_AES_KEY_WRAP_SHA_256', Number(n.split('.')[0]) % 2 ? p256Material : rsaMaterial);
    return names.length;
  }

  it('SIGINT: the wraps under way finish, nothing new starts, every file left unwraps; exit 130', async () => {
    const r = await interrupt('sigint', 'SIGINT');
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toMatch(/^kms-wrap: SIGINT: stopping — /m);
    expect(r.stderr).toMatch(/^kms-wrap: stopped by SIGINT: \d+ wrapped, 0 failed, \d+ not started — every output written is whole/m);
    const written = await expectOnlyWholeFiles(r.out);
    expect(written).toBeGreaterThan(0);
    expect(written).toBeLessThan(total);
    expect(r.stdout).toMatch(new RegExp(`^${written} of ${total} wrapped, ${total - written} not started in `));
  });

  it('SIGTERM: the same, exit 143', async () => {
    const r = await interrupt('sigterm', 'SIGTERM');
    expect(r.code, r.stderr).toBe(143);
    const written = await expectOnlyWholeFiles(r.out);
    expect(written).toBeLessThan(total);
  });
});

describe("the bundled bin (dist/bundle/kms-wrap.js, the package's bin)", () => {
  const bundled = join(PACKAGE_DIR, 'dist', 'bundle', 'kms-wrap.js');
  beforeAll(() => {
    // The bundle `pnpm build` made (the test target depends on the build). Never rebuilt here:
    // tools/pack-test packs this package's dist/ while this test runs (nx runs them in parallel).
    if (!existsSync(bundled)) throw new Error(`${bundled} is missing: run \`pnpm build\` first`);
  });

  it('runs a batch (its worker thread found beside the bundle) and a wrap', async () => {
    const d = await batchDir('bundle', [kw('a.bin'), kw('b.bin', { material: 'p256.der', algorithm: 'RSAES_OAEP_SHA_256' })]);
    const node = (args: string[]) => execFileSync(process.execPath, [bundled, ...args], { cwd: d, encoding: 'utf8' });
    expect(node(['batch', 'manifest.jsonl'])).toMatch(/^2 of 2 wrapped in /);
    expect(await opensslUnwrap(await readFile(join(d, 'out', 'a.bin')), 'RSA_AES_KEY_WRAP_SHA_256', key)).toEqual(Buffer.from(rsaMaterial));
    node([
      'wrap',
      '--material',
      'hmac.bin',
      '--key-spec',
      'HMAC_256',
      '--public-key',
      'WrappingPublicKey.bin',
      '--algorithm',
      'RSAES_OAEP_SHA_256',
      '-o',
      'out/c.bin',
    ]);
    expect(await opensslUnwrap(await readFile(join(d, 'out', 'c.bin')), 'RSAES_OAEP_SHA_256', key)).toEqual(Buffer.from(hmac));
    const pkg = JSON.parse(await readFile(join(PACKAGE_DIR, 'package.json'), 'utf8'));
    expect(join(PACKAGE_DIR, pkg.bin['kms-wrap'])).toBe(bundled);
  });

  // The bundles require @kms-wrap/aes-kwp-native by name from where they are installed: a
  // preload records every native module loaded (process.dlopen), in the main thread and workers.
  // Without pnpm's NODE_PATH (its virtual store), which would find the package from anywhere.
  const aesNi =
    process.platform === 'linux' && process.arch === 'x64' && /^flags\s*:.*\baes\b/m.test(readFileSync('/proc/cpuinfo', 'utf8'));
  it.runIf(aesNi)(
    'wraps KWP on the AES-NI addon (Linux x64), in the main thread and the workers; KMS_WRAP_NATIVE_KWP=0 turns it off',
    async () => {
      const d = await batchDir(
        'bundle-native',
        Array.from({ length: 24 }, (_, i) => kw(`n${i}.bin`)),
      );
      const preload = join(d, 'dlopen-log.cjs');
      await writeFile(
        preload,
        `const { appendFileSync } = require('node:fs'); const { isMainThread } = require('node:worker_threads'); const dlopen = process.dlopen;
       process.dlopen = function (m, file, ...rest) { appendFileSync(process.env.DLOPEN_LOG, (isMainThread ? 'main ' : 'worker ') + file + '\\n'); return dlopen.call(this, m, file, ...rest); };`,
      );
      const loaded = async (args: string[], env: Record<string, string> = {}) => {
        const log = join(d, `dlopen-${args[0]}-${Object.keys(env).length}.log`);
        await writeFile(log, '');
        execFileSync(process.execPath, ['--require', preload, bundled, ...args], {
          cwd: d,
          env: { ...process.env, NODE_PATH: '', ...env, DLOPEN_LOG: log },
          encoding: 'utf8',
        });
        return lines(await readFile(log, 'utf8')).filter((l) => l.endsWith('aes_kwp-linux-x64.node'));
      };
      const wrapArgs = [
        'wrap',
        '--material',
        'rsa.der',
        '--public-key',
        'WrappingPublicKey.bin',
        '--algorithm',
        'RSA_AES_KEY_WRAP_SHA_256',
        '-o',
        'out/w.bin',
      ];
      expect(await loaded(wrapArgs)).toEqual([expect.stringMatching(/^main /)]);
      expect(await opensslUnwrap(await readFile(join(d, 'out', 'w.bin')), 'RSA_AES_KEY_WRAP_SHA_256', key)).toEqual(
        Buffer.from(rsaMaterial),
      );
      const batchLoads = await loaded(['batch', 'manifest.jsonl', '--concurrency', '2']);
      expect(batchLoads.length).toBeGreaterThan(0);
      expect(batchLoads.every((l) => /^(main|worker) /.test(l))).toBe(true);
      for (const i of [0, 23])
        expect(await opensslUnwrap(await readFile(join(d, 'out', `n${i}.bin`)), 'RSA_AES_KEY_WRAP_SHA_256', key)).toEqual(
          Buffer.from(rsaMaterial),
        );
      expect(await loaded([...wrapArgs.slice(0, -1), 'out/off.bin'], { KMS_WRAP_NATIVE_KWP: '0' })).toEqual([]);
      expect(await opensslUnwrap(await readFile(join(d, 'out', 'off.bin')), 'RSA_AES_KEY_WRAP_SHA_256', key)).toEqual(
        Buffer.from(rsaMaterial),
      );
    },
  );
});
