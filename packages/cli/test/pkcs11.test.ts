/**
 * Material in an HSM, through the built command (node dist/bin.js, and the bundle once):
 * SoftHSM 2.6.1 initialised in a temporary directory (../../pkcs11/test/softhsm.ts), keys with
 * known values put in it, wrapped by the token, unwrapped by the OpenSSL CLI; keygen in the
 * token; inspect; import into the fake KMS; the PIN never in a process's arguments or a file.
 */
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FakeKms } from '../../aws/test/fake-kms.js';
import { createSoftHsm, filesHold, opensslUnwrap, wrappingKeyPair, type OpensslKey, type SoftHsm } from '../../pkcs11/test/softhsm.js';
import {
  BIN,
  KEY_ARN,
  PACKAGE_DIR,
  Scratch,
  epochSeconds,
  expectRefusal,
  fakeAwsEnv,
  listing,
  parametersJson,
  parseOneJson,
  run,
  type Run,
} from './helpers.js';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 180_000 });

const scratch = new Scratch();
let hsm: SoftHsm;
let rsa2048: OpensslKey;
let rsa3072: OpensslKey;
let keys: string;
const aes = randomBytes(32);
const hmac256 = randomBytes(32);

beforeAll(async () => {
  await scratch.init('pkcs11');
  hsm = await createSoftHsm('cli-test', '48151623');
  keys = await scratch.fresh('keys');
  rsa2048 = await wrappingKeyPair(keys, 2048);
  rsa3072 = await wrappingKeyPair(keys, 3072);
  await writeFile(join(keys, 'rsa2048.der'), rsa2048.spki);
  await writeFile(join(keys, 'rsa3072.der'), rsa3072.spki);
  hsm.createSecret('aes-1', aes);
  hsm.createSecret('hmac-1', hmac256, { aes: false });
  const { generateKeyPairSync } = await import('node:crypto');
  hsm.createPrivateKey('ec-1', generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'der', type: 'pkcs8' }));
});
afterAll(async () => {
  await hsm?.cleanup();
  await scratch.dispose();
});

/** OpenSC's PKCS#11 spy: a module that logs every call, then passes it to PKCS11SPY's module. */
const PKCS11_SPY =
  ['x86_64', 'aarch64'].map((arch) => `/usr/lib/${arch}-linux-gnu/pkcs11-spy.so`).find((path) => existsSync(path)) ??
  'pkcs11-spy.so (install opensc)';

const uri = (object: string, type = 'secret-key') => `pkcs11:token=cli-test;object=${object};type=${type}`;

/** The built command with the token's environment: the module and the PIN in the env (or not). */
function kmsWrap(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}, bin = BIN): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [bin, ...args],
      {
        cwd,
        encoding: 'utf8',
        env: { ...process.env, ...hsm.env, KMS_WRAP_PKCS11_MODULE: hsm.module, KMS_WRAP_PKCS11_PIN: hsm.pin, ...env },
      },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') reject(error);
        else resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
      },
    );
  });
}

describe('kms-wrap wrap --material pkcs11:...', () => {
  it('RSAES_OAEP_SHA_1 of an AES-256 key: OpenSSL unwraps the known value; --json names the algorithm and spec', async () => {
    const cwd = await scratch.fresh('oaep');
    const r = await kmsWrap(
      ['wrap', '--material', uri('aes-1'), '--public-key', join(keys, 'rsa2048.der'), '--algorithm', 'RSAES_OAEP_SHA_1', '--json'],
      cwd,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(parseOneJson(r.stdout)).toMatchObject({
      ok: true,
      algorithm: 'RSAES_OAEP_SHA_1',
      keySpec: 'SYMMETRIC_DEFAULT',
      materialFormat: 'raw',
    });
    const wrapped = await readFile(join(cwd, 'EncryptedKeyMaterial.bin'));
    expect(wrapped.length).toBe(256);
    expect(await opensslUnwrap(wrapped, 'RSAES_OAEP_SHA_1', rsa2048)).toEqual(aes);
  });

  it('HMAC material with RSAES_OAEP_SHA_1 (AWS KMS) and the token-made RSA_AES_KEY_WRAP_SHA_1 (Cloud KMS RSA_OAEP_3072_SHA1_AES_256)', async () => {
    const cwd = await scratch.fresh('hmac');
    const a = await kmsWrap(
      [
        'wrap',
        '--material',
        uri('hmac-1'),
        '--key-spec',
        'HMAC_256',
        '--public-key',
        join(keys, 'rsa2048.der'),
        '--algorithm',
        'RSAES_OAEP_SHA_1',
      ],
      cwd,
    );
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout).toContain('HMAC_256 material wrapped with RSAES_OAEP_SHA_1');
    expect(await opensslUnwrap(await readFile(join(cwd, 'EncryptedKeyMaterial.bin')), 'RSAES_OAEP_SHA_1', rsa2048)).toEqual(hmac256);
    const g = await kmsWrap(
      [
        'wrap',
        '--target',
        'gcp',
        '--material',
        uri('hmac-1'),
        '--public-key',
        join(keys, 'rsa3072.der'),
        '--algorithm',
        'RSA_OAEP_3072_SHA1_AES_256',
      ],
      cwd,
    );
    expect(g.code, g.stderr).toBe(0);
    const wrapped = await readFile(join(cwd, 'wrapped-key.bin'));
    expect(wrapped.length).toBe(384 + 32 + 8);
    expect(await opensslUnwrap(wrapped, 'RSA_AES_KEY_WRAP_SHA_1', rsa3072)).toEqual(hmac256);
  });

  it('SHA-256 variants are refused naming SoftHSM 2.6 and the SHA-1 algorithm; nothing is written', async () => {
    const cwd = await scratch.fresh('sha256');
    const r = await kmsWrap(
      ['wrap', '--material', uri('aes-1'), '--public-key', join(keys, 'rsa2048.der'), '--algorithm', 'RSAES_OAEP_SHA_256'],
      cwd,
    );
    expectRefusal(r, { code: 'ERR_TOKEN_UNSUPPORTED', says: ['SoftHSM 2.6', 'only with SHA-1', 'use RSAES_OAEP_SHA_1'] });
    expect(await listing(cwd)).toEqual([]);
  });

  it('an EC private key is refused on SoftHSM 2.6 with the reason', async () => {
    const cwd = await scratch.fresh('ec');
    const r = await kmsWrap(
      ['wrap', '--material', uri('ec-1', 'private'), '--public-key', join(keys, 'rsa3072.der'), '--algorithm', 'RSA_AES_KEY_WRAP_SHA_1'],
      cwd,
    );
    expectRefusal(r, { code: 'ERR_TOKEN_UNSUPPORTED', says: ['pads every key with zero bytes to a multiple of 8', 'SoftHSM 2.7'] });
    expect(await listing(cwd)).toEqual([]);
  });

  it('no module, no object, a PIN in the URI: one-line refusals', async () => {
    const cwd = await scratch.fresh('refusals');
    const args = (material: string) => [
      'wrap',
      '--material',
      material,
      '--public-key',
      join(keys, 'rsa2048.der'),
      '--algorithm',
      'RSAES_OAEP_SHA_1',
    ];
    expectRefusal(await kmsWrap(args(uri('aes-1')), cwd, { KMS_WRAP_PKCS11_MODULE: '' }), {
      code: 'ERR_TOKEN_UNAVAILABLE',
      says: ['--pkcs11-module'],
    });
    expectRefusal(await kmsWrap(args(uri('nothing')), cwd), { code: 'ERR_TOKEN_NOT_FOUND', says: ["labelled 'nothing'"] });
    const pin = await kmsWrap(args(`${uri('aes-1')}?pin-value=${hsm.pin}`), cwd);
    expectRefusal(pin, { code: 'ERR_TOKEN_URI_INVALID', says: ['pin-value'] });
    expect(pin.stderr).not.toContain(hsm.pin);
  });

  it('a wrong PIN is refused once (no retry); the right PIN still works afterwards', async () => {
    const cwd = await scratch.fresh('wrong-pin');
    const args = ['wrap', '--material', uri('aes-1'), '--public-key', join(keys, 'rsa2048.der'), '--algorithm', 'RSAES_OAEP_SHA_1'];
    const r = await kmsWrap(args, cwd, { KMS_WRAP_PKCS11_PIN: '11111111' });
    expectRefusal(r, { code: 'ERR_TOKEN_PIN', says: ['CKR_PIN_INCORRECT', 'tried it once and will not retry'] });
    expect(r.stderr).not.toContain('11111111');
    expect((await kmsWrap(args, cwd)).code).toBe(0);
  });

  it('no PIN and no terminal: refused, naming the env variable and --pin-file', async () => {
    const cwd = await scratch.fresh('no-pin');
    const r = await kmsWrap(
      ['wrap', '--material', uri('aes-1'), '--public-key', join(keys, 'rsa2048.der'), '--algorithm', 'RSAES_OAEP_SHA_1'],
      cwd,
      {
        KMS_WRAP_PKCS11_PIN: '',
      },
    );
    expectRefusal(r, { code: 'ERR_TOKEN_PIN', says: ['KMS_WRAP_PKCS11_PIN', '--pin-file'] });
  });

  it('the bundle (the package bin) loads @kms-wrap/pkcs11 from node_modules and wraps', async () => {
    const cwd = await scratch.fresh('bundle');
    const r = await kmsWrap(
      ['wrap', '--material', uri('aes-1'), '--public-key', join(keys, 'rsa2048.der'), '--algorithm', 'RSAES_OAEP_SHA_1'],
      cwd,
      {},
      join(PACKAGE_DIR, 'dist', 'bundle', 'kms-wrap.js'),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(await opensslUnwrap(await readFile(join(cwd, 'EncryptedKeyMaterial.bin')), 'RSAES_OAEP_SHA_1', rsa2048)).toEqual(aes);
    // A refusal from the package (its own copy of core) is still one coded line, not ERR_INTERNAL.
    const refused = await kmsWrap(
      ['wrap', '--material', uri('aes-1'), '--public-key', join(keys, 'rsa2048.der'), '--algorithm', 'RSAES_OAEP_SHA_256', '-o', 'x.bin'],
      cwd,
      {},
      join(PACKAGE_DIR, 'dist', 'bundle', 'kms-wrap.js'),
    );
    expectRefusal(refused, { code: 'ERR_TOKEN_UNSUPPORTED', says: ['only with SHA-1'] });
  });
});

describe('kms-wrap batch', () => {
  it('a manifest of a file line and two pkcs11: lines (one with parameters): a wrong PIN tried once; SHA-256 refused naming SoftHSM 2.6; then OpenSSL unwraps each output', async () => {
    const cwd = await scratch.fresh('batch');
    await mkdir(join(cwd, 'out'));
    const fileKey = randomBytes(32);
    await writeFile(join(cwd, 'file.bin'), fileKey);
    const importToken = randomBytes(64);
    await writeFile(
      join(cwd, 'params.json'),
      parametersJson({ keyId: KEY_ARN, importToken, spki: rsa3072.spki, validTo: epochSeconds(Date.now() + 86_400_000) }),
    );
    const rows = [
      {
        material: 'file.bin',
        keySpec: 'SYMMETRIC_DEFAULT',
        publicKey: join(keys, 'rsa2048.der'),
        algorithm: 'RSAES_OAEP_SHA_256',
        output: 'out/file.bin',
      },
      { material: uri('aes-1'), publicKey: join(keys, 'rsa2048.der'), algorithm: 'RSAES_OAEP_SHA_1', output: 'out/aes.bin' },
      { material: uri('hmac-1'), parameters: 'params.json', algorithm: 'RSAES_OAEP_SHA_1', output: 'out/hmac.bin' },
    ];
    await writeFile(join(cwd, 'm.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');

    // A wrong PIN, through OpenSC's PKCS#11 spy: one C_Login for both token lines, both refused
    // in the same words (one stderr line), and nothing written, the file line's output included.
    const spyLog = join(cwd, '..', 'batch-spy.log');
    const wrong = await kmsWrap(['batch', 'm.jsonl'], cwd, {
      KMS_WRAP_PKCS11_PIN: '00000000',
      KMS_WRAP_PKCS11_MODULE: PKCS11_SPY,
      PKCS11SPY: hsm.module,
      PKCS11SPY_OUTPUT: spyLog,
    });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^kms-wrap: ERR_TOKEN_PIN: lines 2-3: token 'cli-test' refused the PIN \(CKR_PIN_INCORRECT\)/m);
    expect(wrong.stderr).toContain('2 of 3 manifest lines are refused');
    expect(wrong.stderr).not.toContain('00000000');
    const spied = await readFile(spyLog, 'utf8');
    expect(spied.match(/ C_Login\n/g)).toHaveLength(1);
    expect(await listing(join(cwd, 'out'))).toEqual([]);

    // The token's own limit, found before anything is written: SoftHSM 2.6 wraps OAEP with SHA-1 only.
    await writeFile(
      join(cwd, 'sha256.jsonl'),
      [rows[0], { ...rows[1], algorithm: 'RSAES_OAEP_SHA_256' }].map((r) => JSON.stringify(r)).join('\n') + '\n',
    );
    const sha256 = await kmsWrap(['batch', 'sha256.jsonl'], cwd);
    expect(sha256.code).toBe(1);
    expect(sha256.stderr).toMatch(/^kms-wrap: ERR_TOKEN_UNSUPPORTED: line 2: .*SoftHSM 2\.6.*only with SHA-1.*use RSAES_OAEP_SHA_1/m);
    expect(await listing(join(cwd, 'out'))).toEqual([]);

    // The PIN from --pin-file: every line wrapped, the token doing its two; the parameters' line
    // gets its import token beside its output and its aws kms import-key-material command.
    const pinFile = join(cwd, '..', 'batch.pin');
    await writeFile(pinFile, `${hsm.pin}\n`, { mode: 0o600 });
    const r = await kmsWrap(['batch', 'm.jsonl', '--pin-file', pinFile], cwd, { KMS_WRAP_PKCS11_PIN: '' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^3 of 3 wrapped in /m);
    expect(r.stdout).toContain('  # line 3\n');
    expect(r.stdout).toContain(
      `aws kms import-key-material --key-id ${KEY_ARN} --encrypted-key-material fileb://${join(cwd, 'out/hmac.bin')} --import-token fileb://${join(cwd, 'out/hmac.ImportToken.bin')}`,
    );
    expect(await listing(join(cwd, 'out'))).toEqual(['aes.bin', 'file.bin', 'hmac.ImportToken.bin', 'hmac.bin']);
    expect(await readFile(join(cwd, 'out/hmac.ImportToken.bin'))).toEqual(importToken);
    expect(await opensslUnwrap(await readFile(join(cwd, 'out/file.bin')), 'RSAES_OAEP_SHA_256', rsa2048)).toEqual(fileKey);
    expect(await opensslUnwrap(await readFile(join(cwd, 'out/aes.bin')), 'RSAES_OAEP_SHA_1', rsa2048)).toEqual(aes);
    const hmacOut = await readFile(join(cwd, 'out/hmac.bin'));
    expect(hmacOut.length).toBe(384); // under the parameters' RSA_3072 key
    expect(await opensslUnwrap(hmacOut, 'RSAES_OAEP_SHA_1', rsa3072)).toEqual(hmac256);

    // --json: each token line's result as a file line's; the PIN in no file written.
    const j = await kmsWrap(['batch', 'm.jsonl', '--json', '--force'], cwd);
    expect(j.code, j.stderr).toBe(0);
    const results = (parseOneJson(j.stdout)['results'] as Record<string, unknown>[]).map((x) => [x['line'], x['status'], x['keySpec']]);
    expect(results).toEqual([
      [1, 'wrapped', 'SYMMETRIC_DEFAULT'],
      [2, 'wrapped', 'SYMMETRIC_DEFAULT'],
      [3, 'wrapped', 'HMAC_256'],
    ]);
    expect(await filesHold(cwd, hsm.pin)).toEqual([]);
  });
});

describe('the PIN', () => {
  it('from --pin-file: never in the arguments or environment of the command (sampled while it runs), nor in a file written', async () => {
    const cwd = await scratch.fresh('pin-file');
    const pinFile = join(cwd, '..', `pin-${process.pid}.txt`);
    await writeFile(pinFile, `${hsm.pin}\n`, { mode: 0o600 });
    const env = { ...process.env, ...hsm.env, KMS_WRAP_PKCS11_MODULE: hsm.module, KMS_WRAP_PKCS11_PIN: '' };
    const child = spawn(
      process.execPath,
      [
        BIN,
        'wrap',
        '--material',
        uri('aes-1'),
        '--public-key',
        join(keys, 'rsa2048.der'),
        '--algorithm',
        'RSAES_OAEP_SHA_1',
        '--pin-file',
        pinFile,
      ],
      { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    let running = true;
    const exited = new Promise<number>((ok) =>
      child.on('exit', (code) => {
        running = false;
        ok(code ?? -1);
      }),
    );
    // What any user of the machine sees of the process (ps, /proc), sampled until it exits:
    // its arguments (process.title could rewrite them) and its environment.
    const seen: string[] = [];
    while (running) {
      for (const f of ['cmdline', 'environ']) {
        const text = await readFile(`/proc/${child.pid}/${f}`, 'utf8').catch(() => '');
        if (text) seen.push(text);
      }
      await new Promise((ok) => setTimeout(ok, 5));
    }
    expect(await exited, stderr).toBe(0);
    expect(seen.length).toBeGreaterThan(2);
    expect(seen.some((t) => t.includes('--pin-file'))).toBe(true);
    expect(seen.filter((t) => t.includes(hsm.pin))).toEqual([]);
    expect(await filesHold(cwd, hsm.pin)).toEqual([]);
    expect(await opensslUnwrap(await readFile(join(cwd, 'EncryptedKeyMaterial.bin')), 'RSAES_OAEP_SHA_1', rsa2048)).toEqual(aes);
  });
});

describe('the PIN at the prompt', () => {
  it('on a terminal (script(1) gives the command a pty): asked once, not echoed, and the wrap done', async () => {
    const cwd = await scratch.fresh('prompt');
    const q = (a: string) => `'${a.replace(/'/g, "'\\''")}'`;
    const command = [
      process.execPath,
      BIN,
      'wrap',
      '--material',
      uri('aes-1'),
      '--public-key',
      join(keys, 'rsa2048.der'),
      '--algorithm',
      'RSAES_OAEP_SHA_1',
    ]
      .map(q)
      .join(' ');
    const env = { ...process.env, ...hsm.env, KMS_WRAP_PKCS11_MODULE: hsm.module, KMS_WRAP_PKCS11_PIN: '' };
    const child = spawn('script', ['-qec', command, '/dev/null'], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    const prompted = new Promise<void>((ok) =>
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes("PIN for token 'cli-test': ")) ok();
      }),
    );
    const exited = new Promise<number>((ok) => child.on('exit', (code) => ok(code ?? -1)));
    await prompted;
    child.stdin.write(`${hsm.pin}\r`);
    expect(await exited, out).toBe(0);
    expect(out.split("PIN for token 'cli-test': ")).toHaveLength(2); // asked once
    expect(out).not.toContain(hsm.pin); // echo off
    expect(out).toContain('SYMMETRIC_DEFAULT material wrapped with RSAES_OAEP_SHA_1');
    expect(await opensslUnwrap(await readFile(join(cwd, 'EncryptedKeyMaterial.bin')), 'RSAES_OAEP_SHA_1', rsa2048)).toEqual(aes);
  });
});

describe('kms-wrap keygen SPEC --pkcs11 URI', () => {
  it('SYMMETRIC_DEFAULT and HMAC_384 made in the token, then wrapped: the KMS side gets material of that spec', async () => {
    const cwd = await scratch.fresh('keygen');
    for (const [spec, length] of [
      ['SYMMETRIC_DEFAULT', 32],
      ['HMAC_384', 48],
    ] as const) {
      const made = await kmsWrap(['keygen', spec, '--pkcs11', `pkcs11:token=cli-test;object=made-${spec}`, '--json'], cwd);
      expect(made.code, made.stderr).toBe(0);
      const out = parseOneJson(made.stdout);
      expect(out).toMatchObject({ ok: true, keySpec: spec, sensitive: true, extractable: true, wrapWithTrusted: false });
      expect((await listing(cwd)).filter((f) => f.startsWith(spec))).toEqual([]); // nothing written: the material stays in the token
      const w = await kmsWrap(
        [
          'wrap',
          '--material',
          String(out['pkcs11']),
          '--public-key',
          join(keys, 'rsa2048.der'),
          '--algorithm',
          'RSAES_OAEP_SHA_1',
          '-o',
          `${spec}.bin`,
          '--json',
        ],
        cwd,
      );
      expect(w.code, w.stderr).toBe(0);
      expect(parseOneJson(w.stdout)['keySpec']).toBe(spec);
      const material = await opensslUnwrap(await readFile(join(cwd, `${spec}.bin`)), 'RSAES_OAEP_SHA_1', rsa2048);
      expect(material.length).toBe(length);
      // What kms-wrap inspect says of those bytes as a file: the spec, importable as is.
      await writeFile(join(cwd, `${spec}.plain`), material);
      const seen = parseOneJson((await run(['inspect', `${spec}.plain`, '--json'], cwd)).stdout);
      expect(seen['keySpecCandidates']).toContain(spec);
      expect(seen['kmsImportableAsIs']).toBe(true);
    }
  });

  it('--output and --count are refused with --pkcs11; an existing label is never replaced', async () => {
    const cwd = await scratch.fresh('keygen-refusals');
    expectRefusal(await kmsWrap(['keygen', 'HMAC_256', '--pkcs11', 'pkcs11:token=cli-test;object=x', '-o', 'k.bin'], cwd), {
      code: 'ERR_USAGE',
      exit: 2,
      says: ['--output', 'stays in the token'],
    });
    expectRefusal(await kmsWrap(['keygen', 'SYMMETRIC_DEFAULT', '--pkcs11', 'pkcs11:token=cli-test;object=aes-1'], cwd), {
      code: 'ERR_FILE_EXISTS',
      says: ["'aes-1'", 'never replaces'],
    });
  });
});

describe('kms-wrap inspect pkcs11:...', () => {
  it('says what the key is and what each target imports it as with what this token can do', async () => {
    const cwd = await scratch.fresh('inspect');
    const r = await kmsWrap(['inspect', uri('aes-1')], cwd);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("secret key in PKCS#11 token 'cli-test' (SoftHSM 2.6)");
    expect(r.stdout).toContain('CKK_AES, 32 bytes — SYMMETRIC_DEFAULT material');
    expect(r.stdout).toMatch(/aws: imports it as SYMMETRIC_DEFAULT wrapped with RSAES_OAEP_SHA_1 \(RSA_2048, RSA_3072, RSA_4096\)/);
    expect(r.stdout).toMatch(/not RSAES_OAEP_SHA_256: .*only with SHA-1/);
    const j = parseOneJson((await kmsWrap(['inspect', uri('ec-1', 'private'), '--json'], cwd)).stdout);
    expect(j).toMatchObject({ type: 'pkcs11-key', class: 'private', keySpec: 'ECC_NIST_P256', keyType: 'CKK_EC' });
    const aws = (j['targets'] as { target: string; algorithms: unknown[] }[]).find((t) => t.target === 'aws')!;
    expect(aws.algorithms).toEqual([]); // SoftHSM 2.6 wraps no private key
  });
});

describe('kms-wrap import --material pkcs11:... (the fake KMS endpoint)', () => {
  let kms: FakeKms;
  let server: Awaited<ReturnType<FakeKms['serve']>>;
  beforeAll(async () => {
    kms = new FakeKms({ region: 'eu-west-1' });
    server = await kms.serve({ maxRequests: 50 });
  });
  afterAll(() => server?.close());

  it('the token wraps under the wrapping key GetParametersForImport returned; KMS holds the known bytes', async () => {
    const cwd = await scratch.fresh('import');
    const key = kms.addKey({ keySpec: 'SYMMETRIC_DEFAULT' });
    const env = fakeAwsEnv(cwd);
    const args = [
      'import',
      '--key-id',
      key.arn,
      '--material',
      uri('aes-1'),
      '--algorithm',
      'RSAES_OAEP_SHA_1',
      '--endpoint-url',
      server.endpoint,
    ];
    const dry = await kmsWrap([...args, '--dry-run'], cwd, env);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('SYMMETRIC_DEFAULT material, RSAES_OAEP_SHA_1');
    const r = await kmsWrap(args, cwd, env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`imported SYMMETRIC_DEFAULT key material into ${key.arn}`);
    expect(kms.key(key.arn)!.material).toEqual(aes);
    // SHA-256: refused by the token's limit after the parameters, before ImportKeyMaterial.
    const other = kms.addKey({ keySpec: 'SYMMETRIC_DEFAULT' });
    const refused = await kmsWrap(
      ['import', '--key-id', other.arn, '--material', uri('aes-1'), '--algorithm', 'RSAES_OAEP_SHA_256', '--endpoint-url', server.endpoint],
      cwd,
      env,
    );
    expectRefusal(refused, { code: 'ERR_TOKEN_UNSUPPORTED', says: ['only with SHA-1'] });
    expect(kms.key(other.arn)!.material).toBeUndefined();
  });

  it('import --manifest: lines whose material is a pkcs11: URI, a created key among them; a wrong PIN is tried once for the whole run and nothing is sent', async () => {
    const cwd = await scratch.fresh('manifest');
    const env = { ...fakeAwsEnv(cwd), AWS_REGION: 'eu-west-1' };
    const a = kms.addKey({ keySpec: 'SYMMETRIC_DEFAULT' });
    const b = kms.addKey({ keySpec: 'SYMMETRIC_DEFAULT' });
    const rows = [
      { material: uri('aes-1'), algorithm: 'RSAES_OAEP_SHA_1', keyId: a.arn },
      {
        material: uri('hmac-1'),
        algorithm: 'RSAES_OAEP_SHA_1',
        create: { keySpec: 'HMAC_256', keyUsage: 'GENERATE_VERIFY_MAC', alias: 'alias/from-the-hsm' },
      },
      { material: uri('aes-1'), algorithm: 'RSAES_OAEP_SHA_1', keyId: b.arn },
    ];
    await writeFile(join(cwd, 'keys.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const args = ['import', '--manifest', 'keys.jsonl', '--endpoint-url', server.endpoint];

    // A wrong PIN, through OpenSC's PKCS#11 spy (which logs every call SoftHSM gets): one C_Login
    // for the three lines, each refused, and KMS asked nothing that writes.
    const calls = kms.calls.length;
    const spyLog = join(cwd, 'spy.log');
    const wrong = await kmsWrap(args, cwd, {
      ...env,
      KMS_WRAP_PKCS11_PIN: '00000000',
      KMS_WRAP_PKCS11_MODULE: PKCS11_SPY,
      PKCS11SPY: hsm.module,
      PKCS11SPY_OUTPUT: spyLog,
    });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr.match(/ERR_TOKEN_PIN: line \d/g)).toHaveLength(3);
    const spied = await readFile(spyLog, 'utf8');
    expect(spied.match(/ C_Login\n/g)).toHaveLength(1);
    expect(spied).toContain('CKR_PIN_INCORRECT');
    expect(
      kms.calls
        .slice(calls)
        .map((c) => c.operation)
        .filter((o) => !['DescribeKey', 'ListAliases', 'ListKeys'].includes(o)),
    ).toEqual([]);
    expect(a.material).toBeUndefined();

    // The right PIN: every line imported, the token doing each wrap; KMS holds the known bytes.
    // One login for the run: the first opening's session is held until the run ends.
    const spyRight = join(cwd, 'spy-right.log');
    const r = await kmsWrap([...args, '--json'], cwd, {
      ...env,
      KMS_WRAP_PKCS11_MODULE: PKCS11_SPY,
      PKCS11SPY: hsm.module,
      PKCS11SPY_OUTPUT: spyRight,
    });
    expect(r.code, r.stderr).toBe(0);
    const right = await readFile(spyRight, 'utf8');
    expect(right.match(/ C_Login\n/g)).toHaveLength(1);
    expect(right.match(/ C_WrapKey\n/g)).toHaveLength(3);
    expect(right.match(/ C_Finalize\n/g)).toHaveLength(1);
    const out = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(out.at(-1)).toMatchObject({ ok: true, imported: 3, failed: 0 });
    expect(kms.key(a.arn)!.material).toEqual(aes);
    expect(kms.key(b.arn)!.material).toEqual(aes);
    const created = kms.key(kms.keysIn('eu-west-1').find((k) => k.keySpec === 'HMAC_256')!.arn)!;
    expect(created.origin).toBe('EXTERNAL');
    expect(created.material).toEqual(hmac256);
    expect(kms.aliases.get('eu-west-1/alias/from-the-hsm')).toBe(created.keyId);
    // The journal records outcomes, never material or a PIN (the spy's log, the test's own, has the PIN).
    await rm(spyRight);
    expect(await filesHold(cwd, hsm.pin)).toEqual([]);
  });
});
