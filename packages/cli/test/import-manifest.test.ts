/**
 * kms-wrap import --manifest: a migration through the real CLI (node dist/bin.js, a child
 * process) and the real AWS SDK, pointed (--endpoint-url) at the fake KMS
 * (../../aws/test/fake-kms.ts), which speaks the JSON protocol, keeps state per Region,
 * creates and replicates keys, throttles a share of the calls, drops connections, and really
 * unwraps and records what it is sent.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPair, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { FakeKms, wrappingKeyPair, type FakeKey, type Operation } from '../../aws/test/fake-kms.js';
import { BIN, Scratch, expectNoStack, lines, type Run } from './helpers.js';

vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

const genKeyPair = promisify(generateKeyPair);
const scratch = new Scratch();
const REGION = 'us-east-1';
const WRITES: readonly Operation[] = ['CreateKey', 'CreateAlias', 'ReplicateKey', 'GetParametersForImport', 'ImportKeyMaterial'];

interface Server {
  endpoint: string;
  close(): Promise<void>;
}

let kms: FakeKms;
let server: Server;
type Hook = NonNullable<NonNullable<Parameters<FakeKms['serve']>[0]>['hook']>;
let hook: Hook | undefined;

beforeAll(async () => {
  await scratch.init('migrate');
  await Promise.all([wrappingKeyPair('RSA_4096'), wrappingKeyPair('RSA_3072'), wrappingKeyPair('RSA_2048')]);
  const cwd = scratch.dir;
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDKMSWRAPFAKE');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'kms-wrap-fake-secret');
  vi.stubEnv('AWS_SESSION_TOKEN', undefined);
  vi.stubEnv('AWS_PROFILE', undefined);
  vi.stubEnv('AWS_REGION', undefined);
  vi.stubEnv('AWS_DEFAULT_REGION', undefined);
  vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
  vi.stubEnv('AWS_CONFIG_FILE', join(cwd, 'no-config'));
  vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', join(cwd, 'no-credentials'));
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await scratch.dispose();
});

/** A fresh fake KMS and its endpoint for each test. */
async function freshKms(): Promise<FakeKms> {
  kms = new FakeKms({ region: REGION });
  hook = undefined;
  server = await kms.serve({ maxRequests: 100_000, hook: (r) => hook?.(r) });
  return kms;
}
afterEach(async () => {
  await server?.close();
});

/** Starts `kms-wrap import --manifest ...` as a child process. */
function start(cwd: string, args: readonly string[]): { child: ChildProcess; done: Promise<Run> } {
  const child = spawn(process.execPath, [BIN, 'import', '--endpoint-url', server.endpoint, '--region', REGION, ...args], {
    cwd,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const done = new Promise<Run>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? (signal === 'SIGKILL' ? 137 : 128), stdout, stderr }));
  });
  return { child, done };
}

const migrate = (cwd: string, ...args: string[]): Promise<Run> => start(cwd, args).done;

/** The JSON Lines of a --json run; the last is the summary. */
function jsonLines(r: Run): Record<string, any>[] {
  return lines(r.stdout).map((l) => JSON.parse(l) as Record<string, any>);
}

async function writeManifest(dir: string, rows: readonly Record<string, unknown>[], name = 'migration.jsonl'): Promise<string> {
  await writeFile(join(dir, name), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return name;
}

async function journalOf(dir: string, name = 'migration.journal.jsonl'): Promise<Record<string, any>[]> {
  const text = await readFile(join(dir, name), 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  return lines(text).map((l) => JSON.parse(l) as Record<string, any>);
}

function writesIn(from: number): string[] {
  return kms.calls
    .slice(from)
    .map((c) => c.operation)
    .filter((op) => WRITES.includes(op));
}

/** Material of a key spec, as the key's owner would have it (raw bytes or PKCS#8 DER). */
async function material(spec: string): Promise<Buffer> {
  const raw: Record<string, number> = { SYMMETRIC_DEFAULT: 32, HMAC_224: 28, HMAC_256: 32, HMAC_384: 48, HMAC_512: 64 };
  if (raw[spec]) return randomBytes(raw[spec]);
  const curves: Record<string, string> = {
    ECC_NIST_P256: 'prime256v1',
    ECC_NIST_P384: 'secp384r1',
    ECC_NIST_P521: 'secp521r1',
    ECC_SECG_P256K1: 'secp256k1',
  };
  const pair = spec.startsWith('RSA_')
    ? await genKeyPair('rsa', { modulusLength: Number(spec.slice(4)) })
    : await genKeyPair('ec', { namedCurve: curves[spec]! });
  return pair.privateKey.export({ type: 'pkcs8', format: 'der' });
}

async function symmetricKeys(dir: string, n: number): Promise<{ key: FakeKey; bytes: Buffer; file: string }[]> {
  const out = [];
  for (let i = 0; i < n; i++) {
    const bytes = randomBytes(32);
    const file = `k${i}.bin`;
    await writeFile(join(dir, file), bytes);
    out.push({ key: kms.addKey(), bytes, file });
  }
  return out;
}

describe('kms-wrap import --manifest: check first, plan, carry on', () => {
  it('--dry-run prints the plan (to create, to import, already done) and sends only DescribeKey', async () => {
    await freshKms();
    const cwd = await scratch.fresh('dry-run');
    const [a, b, done] = await symmetricKeys(cwd, 3);
    done!.key.keyState = 'Enabled';
    done!.key.material = done!.bytes;
    await writeFile(join(cwd, 'rsa.der'), await material('RSA_2048'));
    const manifest = await writeManifest(cwd, [
      { material: a!.file, algorithm: 'RSAES_OAEP_SHA_256', keyId: a!.key.keyId },
      { material: b!.file, algorithm: 'RSAES_OAEP_SHA_1', keyId: b!.key.arn },
      { material: done!.file, algorithm: 'RSAES_OAEP_SHA_256', keyId: done!.key.keyId },
      {
        material: 'rsa.der',
        algorithm: 'RSA_AES_KEY_WRAP_SHA_256',
        create: { keySpec: 'RSA_2048', keyUsage: 'SIGN_VERIFY', alias: 'alias/app-sig' },
      },
    ]);
    const r = await migrate(cwd, '--manifest', manifest, '--dry-run');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const out = lines(r.stdout);
    expect(out[0]).toBe('plan: 4 keys — 1 to create, 3 to import, 1 already done');
    expect(out).toContain(`  line 3  ${done!.key.keyId}: already holds key material (Enabled)`);
    expect(out).toContain('  line 4  alias/app-sig: create, import');
    expect(out.at(-1)).toBe('dry run: only reads were sent (3 DescribeKey); nothing was created or imported');
    expect(kms.operations).toEqual(['DescribeKey', 'DescribeKey', 'DescribeKey']);
    expect(a!.key.material).toBeUndefined();
    expect((await readFile(join(cwd, manifest), 'utf8')).length).toBeGreaterThan(0);
    await expect(readFile(join(cwd, 'migration.journal.jsonl'))).rejects.toThrow(/ENOENT/);
  });

  it('every line is checked before the first write: each refused line is said, and nothing is created or imported', async () => {
    await freshKms();
    const cwd = await scratch.fresh('check-first');
    const [good] = await symmetricKeys(cwd, 1);
    const awsOrigin = kms.addKey({ origin: 'AWS_KMS' });
    const rsaKey = kms.addKey({ keySpec: 'RSA_3072', keyUsage: 'SIGN_VERIFY' });
    await writeFile(join(cwd, 'ecc.der'), await material('ECC_NIST_P256'));
    const manifest = await writeManifest(cwd, [
      { material: good!.file, algorithm: 'RSAES_OAEP_SHA_256', keyId: good!.key.keyId },
      { material: good!.file, algorithm: 'RSAES_OAEP_SHA_256', keyId: awsOrigin.keyId },
      { material: 'ecc.der', algorithm: 'RSA_AES_KEY_WRAP_SHA_256', keyId: rsaKey.keyId },
      { material: good!.file, algorithm: 'RSAES_OAEP_SHA_256', keyId: 'alias/nobody' },
      { material: 'ecc.der', algorithm: 'RSAES_PKCS1_V1_5', create: { keySpec: 'ECC_NIST_P256' } },
    ]);
    const r = await migrate(cwd, '--manifest', manifest);
    expect(r.code).toBe(1);
    expectNoStack(r);
    const err = lines(r.stderr);
    expect(err).toHaveLength(4);
    expect(err[0]).toMatch(/^kms-wrap: ERR_KMS_KEY_UNSUITABLE: line 2 \(.+\): KMS key .+ has Origin AWS_KMS/);
    expect(err[1]).toMatch(/^kms-wrap: ERR_KEY_SPEC_MISMATCH: line 3 .*RSA_3072/);
    expect(err[2]).toMatch(/^kms-wrap: ERR_KMS_REJECTED: line 4 \(alias\/nobody\): .*not found in us-east-1/);
    expect(err[3]).toMatch(/^kms-wrap: ERR_ALGORITHM_DEPRECATED: line 5 /);
    expect(r.stdout).toContain('nothing was imported: 4 lines were refused by the check (stderr) — fix them and run again');
    expect(kms.operations.every((op) => op === 'DescribeKey')).toBe(true);
    expect(good!.key.material).toBeUndefined();
  });

  it('a malformed manifest: every bad line with its number, and no call at all', async () => {
    await freshKms();
    const cwd = await scratch.fresh('malformed');
    await writeFile(
      join(cwd, 'm.jsonl'),
      [
        '{"material": "a.bin", "algorithm": "RSAES_OAEP_SHA_256"}',
        '# a comment',
        'not json',
        '{"material": "a.bin", "algorithm": "RSAES_OAEP_SHA_256", "keyId": "k", "replicas": ["eu-west-1"], "colour": "red"}',
        '{"material": "a.bin", "algorithm": "RSAES_OAEP_SHA_256", "create": {"keySpec": "RSA_2048"}, "replicas": ["eu-west-1"]}',
      ].join('\n'),
    );
    const r = await migrate(cwd, '--manifest', 'm.jsonl');
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toEqual([
      'kms-wrap: ERR_MANIFEST_INVALID: line 1: give exactly one of "keyId" (an existing key with Origin EXTERNAL) and "create" (a key to create first)',
      expect.stringMatching(/^kms-wrap: ERR_MANIFEST_INVALID: line 3: not JSON — /),
      expect.stringMatching(/^kms-wrap: ERR_MANIFEST_INVALID: line 4: unknown field "colour"/),
      'kms-wrap: ERR_MANIFEST_INVALID: line 5: "replicas" needs a multi-Region key: add "multiRegion": true to "create"',
    ]);
    expect(kms.calls).toEqual([]);
  });

  it('a key that fails is one line, the others are imported; the rerun retries only it', async () => {
    await freshKms();
    const cwd = await scratch.fresh('carry-on');
    const keys = await symmetricKeys(cwd, 6);
    const manifest = await writeManifest(
      cwd,
      keys.map((k) => ({ material: k.file, algorithm: 'RSAES_OAEP_SHA_256', keyId: k.key.keyId })),
    );
    kms.failNext('ImportKeyMaterial', 'KMSInvalidStateException', 'arn is pending deletion');
    const r = await migrate(cwd, '--manifest', manifest, '--concurrency', '1');
    expect(r.code).toBe(1);
    const err = lines(r.stderr);
    expect(err).toHaveLength(1);
    expect(err[0]).toMatch(
      new RegExp(
        `^kms-wrap: ERR_KMS_REJECTED: line 1 \\(${keys[0]!.key.keyId}\\): KMS refused ImportKeyMaterial: KMS key .+ is in a state`,
      ),
    );
    expect(lines(r.stdout)[1]).toMatch(/^imported 5, already done 0, failed 1 in [\d.]+ s \(0 retries absorbed; /);
    expect(keys.slice(1).every((k) => k.key.material?.equals(k.bytes))).toBe(true);
    const journal = await journalOf(cwd);
    expect(journal.filter((x) => x['event'] === 'failed')).toEqual([
      expect.objectContaining({ id: keys[0]!.key.keyId, line: 1, code: 'ERR_KMS_REJECTED', key: keys[0]!.key.arn }),
    ]);
    expect(journal.filter((x) => x['event'] === 'imported')).toHaveLength(5);
    // The journal holds neither material nor token.
    const text = await readFile(join(cwd, 'migration.journal.jsonl'), 'utf8');
    for (const k of keys) expect(text).not.toContain(k.bytes.toString('base64'));
    expect(text).not.toMatch(/ImportToken|EncryptedKeyMaterial/);

    const before = kms.calls.length;
    const again = await migrate(cwd, '--manifest', manifest, '--json');
    expect(again.code, again.stderr).toBe(0);
    const summary = jsonLines(again).at(-1)!;
    expect(summary).toMatchObject({ type: 'summary', ok: true, imported: 1, alreadyDone: 5, failed: 0 });
    expect(summary['plan']).toEqual({ toCreate: 0, toImport: 1, alreadyDone: 5, replicasToCreate: 0, replicaImports: 0 });
    expect(writesIn(before)).toEqual(['GetParametersForImport', 'ImportKeyMaterial']);
    expect(keys.every((k) => k.key.material?.equals(k.bytes) && k.key.imports === 1)).toBe(true);
  });
});

describe('kms-wrap import --manifest: created keys and multi-Region replicas', () => {
  it('creates keys (Origin EXTERNAL, alias, tags), replicates a multi-Region key and imports the same material in each Region', async () => {
    await freshKms();
    const cwd = await scratch.fresh('create');
    const sym = randomBytes(32);
    const ecc = await material('ECC_NIST_P384');
    await writeFile(join(cwd, 'sym.bin'), sym);
    await writeFile(join(cwd, 'ecc.der'), ecc);
    const manifest = await writeManifest(cwd, [
      {
        material: 'sym.bin',
        algorithm: 'RSAES_OAEP_SHA_256',
        wrappingKeySpec: 'RSA_3072',
        create: {
          keySpec: 'SYMMETRIC_DEFAULT',
          alias: 'alias/payments',
          tags: { team: 'payments' },
          description: 'from the HSM',
          multiRegion: true,
        },
        replicas: ['eu-west-1', 'ap-southeast-2'],
      },
      { material: 'ecc.der', algorithm: 'RSA_AES_KEY_WRAP_SHA_1', create: { keySpec: 'ECC_NIST_P384', keyUsage: 'SIGN_VERIFY' } },
    ]);
    const r = await migrate(cwd, '--manifest', manifest, '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const out = jsonLines(r);
    const summary = out.at(-1)!;
    expect(summary['plan']).toEqual({ toCreate: 2, toImport: 2, alreadyDone: 0, replicasToCreate: 2, replicaImports: 2 });
    expect(summary).toMatchObject({ ok: true, imported: 2, failed: 0 });
    expect(summary['calls']).toMatchObject({ CreateKey: 2, CreateAlias: 1, ReplicateKey: 2, ImportKeyMaterial: 4 });

    const primary = kms.keysIn(REGION).find((k) => k.multiRegionType === 'PRIMARY')!;
    expect(primary.keyId).toMatch(/^mrk-/);
    expect(primary.origin).toBe('EXTERNAL');
    expect(primary.description).toBe('from the HSM');
    expect(primary.tags).toEqual([
      { TagKey: 'team', TagValue: 'payments' },
      { TagKey: 'kms-wrap:creation', TagValue: expect.stringMatching(/^[0-9a-f]{32}$/) },
    ]);
    expect(kms.aliases.get(`${REGION}/alias/payments`)).toBe(primary.keyId);
    for (const region of [REGION, 'eu-west-1', 'ap-southeast-2']) {
      const k = kms.keysIn(region).find((x) => x.keyId === primary.keyId)!;
      expect(k.material!.equals(sym), region).toBe(true);
      expect(k.imports).toBe(1);
      expect(k.keyState).toBe('Enabled');
    }
    // Each Region's own GetParametersForImport.
    expect(
      kms.calls
        .filter((c) => c.operation === 'GetParametersForImport')
        .map((c) => c.region)
        .sort(),
    ).toEqual(['ap-southeast-2', 'eu-west-1', REGION, REGION].sort());
    const eccKey = kms.keysIn(REGION).find((k) => k.keySpec === 'ECC_NIST_P384')!;
    expect(eccKey.material!.equals(ecc)).toBe(true);
    expect(out.find((x) => x['line'] === 1)).toMatchObject({
      status: 'imported',
      keyArn: primary.arn,
      created: true,
      imports: 3,
      replicasCreated: ['eu-west-1', 'ap-southeast-2'],
    });

    // Run again: KMS says all is done; only reads.
    const n = kms.calls.length;
    const again = await migrate(cwd, '--manifest', manifest);
    expect(again.code, again.stderr).toBe(0);
    expect(lines(again.stdout)[0]).toBe('plan: 2 keys — 0 to create, 0 to import, 2 already done');
    expect(writesIn(n)).toEqual([]);
  });

  it('a replica that already holds other material: KMS refuses, and the line says why', async () => {
    await freshKms();
    const cwd = await scratch.fresh('replica-other');
    const primary = kms.addKey({ multiRegionType: 'PRIMARY' });
    const replica = kms.addKey({ multiRegionType: 'REPLICA', region: 'eu-west-1', keyId: primary.keyId });
    replica.material = randomBytes(32);
    replica.keyState = 'Enabled';
    const sym = randomBytes(32);
    await writeFile(join(cwd, 'sym.bin'), sym);
    const manifest = await writeManifest(cwd, [
      { material: 'sym.bin', algorithm: 'RSAES_OAEP_SHA_256', keyId: primary.arn, replicas: ['eu-west-1'] },
    ]);
    const r = await migrate(cwd, '--manifest', manifest);
    expect(r.code).toBe(1);
    const err = lines(r.stderr);
    expect(err).toHaveLength(1);
    expect(err[0]).toContain(
      `line 1 (${primary.arn}): the replica ${replica.arn} in eu-west-1 already holds other key material than line 1's, and KMS requires the same material in the primary and every replica of a multi-Region key`,
    );
    expect(primary.material!.equals(sym)).toBe(true);
  });
});

/** 200 keys across key specs, algorithms and wrapping key specs, with their material files. */
async function estate(dir: string, n: number): Promise<{ rows: Record<string, unknown>[]; expect: Map<string, Buffer> }> {
  const plan: { spec: string; algorithms: string[] }[] = [
    {
      spec: 'SYMMETRIC_DEFAULT',
      algorithms: ['RSAES_OAEP_SHA_256', 'RSAES_OAEP_SHA_1'],
    },
    { spec: 'HMAC_224', algorithms: ['RSAES_OAEP_SHA_256'] },
    { spec: 'HMAC_256', algorithms: ['RSAES_OAEP_SHA_1'] },
    { spec: 'HMAC_384', algorithms: ['RSAES_OAEP_SHA_256'] },
    { spec: 'HMAC_512', algorithms: ['RSAES_OAEP_SHA_256'] },
    { spec: 'ECC_NIST_P256', algorithms: ['RSA_AES_KEY_WRAP_SHA_256', 'RSA_AES_KEY_WRAP_SHA_1'] },
    { spec: 'ECC_NIST_P384', algorithms: ['RSA_AES_KEY_WRAP_SHA_256'] },
    { spec: 'ECC_NIST_P521', algorithms: ['RSA_AES_KEY_WRAP_SHA_1'] },
    { spec: 'ECC_SECG_P256K1', algorithms: ['RSA_AES_KEY_WRAP_SHA_256'] },
    { spec: 'RSA_2048', algorithms: ['RSA_AES_KEY_WRAP_SHA_256', 'RSA_AES_KEY_WRAP_SHA_1'] },
    { spec: 'RSA_3072', algorithms: ['RSA_AES_KEY_WRAP_SHA_256'] },
  ];
  const wrappingKeySpecs = ['RSA_4096', 'RSA_3072', 'RSA_2048'];
  const rows: Record<string, unknown>[] = [];
  const expected = new Map<string, Buffer>();
  for (let i = 0; i < n; i++) {
    // Mostly symmetric keys (as an HSM estate is), every spec many times.
    const p = i % 3 === 0 ? plan[0]! : plan[1 + (i % (plan.length - 1))]!;
    const algorithm = p.algorithms[i % p.algorithms.length]!;
    const bytes = await material(p.spec);
    const file = `m/${i}.${bytes.length > 64 ? 'der' : 'bin'}`;
    await writeFile(join(dir, file), bytes);
    const usage = p.spec.startsWith('HMAC') ? 'GENERATE_VERIFY_MAC' : p.spec === 'SYMMETRIC_DEFAULT' ? 'ENCRYPT_DECRYPT' : 'SIGN_VERIFY';
    const row: Record<string, unknown> = { material: file, algorithm, wrappingKeySpec: wrappingKeySpecs[i % 3] };
    if (i % 4 === 0) {
      row['create'] = { keySpec: p.spec, keyUsage: usage, alias: `alias/hsm-${i}`, tags: { migrated: 'hsm' } };
      expected.set(`alias/hsm-${i}`, bytes);
    } else {
      const key = kms.addKey({ keySpec: p.spec, keyUsage: usage });
      row['keyId'] = i % 2 ? key.arn : key.keyId;
      expected.set(key.arn, bytes);
    }
    rows.push(row);
  }
  return { rows, expect: expected };
}

/** Every key of the estate holds its own material, imported exactly once. */
function expectEstateImported(expected: Map<string, Buffer>): void {
  let n = 0;
  for (const [id, bytes] of expected) {
    const key = id.startsWith('alias/') ? kms.keysIn(REGION).find((k) => k.keyId === kms.aliases.get(`${REGION}/${id}`)) : kms.key(id);
    expect(key, id).toBeDefined();
    expect(key!.material?.equals(bytes), id).toBe(true);
    expect(key!.imports, id).toBe(1);
    n++;
  }
  expect(n).toBe(expected.size);
  // No key was created twice: one key a line.
  expect(kms.keysIn(REGION)).toHaveLength(expected.size);
}

describe('kms-wrap import --manifest: quotas, a failing network, a killed run', () => {
  it('200 keys across specs and algorithms, 2% of the calls throttled and 3 connections dropped: every key imported once', async () => {
    await freshKms();
    const cwd = await scratch.fresh('200');
    await import('node:fs/promises').then((fs) => fs.mkdir(join(cwd, 'm')));
    const { rows, expect: expected } = await estate(cwd, 200);
    const manifest = await writeManifest(cwd, rows);
    // 2% of the calls: the SDK's adaptive retry slows the whole client down after each throttle
    // (10% makes the run about 100 s against this fake; see the README's figures).
    kms.throttle = { share: 0.02, seed: 18 };
    const drop = new Set([150, 400, 650]);
    let dropped = 0;
    hook = (r) => {
      if (drop.has(r.n)) {
        dropped++;
        return 'drop';
      }
      return undefined;
    };
    const t0 = Date.now();
    const r = await migrate(cwd, '--manifest', manifest, '--json', '--concurrency', '8');
    const ms = Date.now() - t0;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const summary = jsonLines(r).at(-1)!;
    expect(summary).toMatchObject({ ok: true, keys: 200, imported: 200, alreadyDone: 0, failed: 0, notStarted: 0 });
    expect(summary['plan']).toMatchObject({ toCreate: 50, toImport: 200 });
    expect(dropped).toBe(3);
    // Every throttled and dropped call was retried by the SDK, and counted.
    expect(summary['retries']).toBe(kms.throttled + dropped);
    expect(kms.throttled).toBeGreaterThanOrEqual(8);
    expectEstateImported(expected);
    const journal = await journalOf(cwd);
    expect(journal.filter((x) => x['event'] === 'imported')).toHaveLength(200);
    // The figures of the run, for the record.
    console.log(
      `200-key migration: ${ms} ms wall (${summary['seconds']} s in the command), ${summary['retries']} retries absorbed (${kms.throttled} ThrottlingException, ${dropped} dropped connections), calls ${JSON.stringify(summary['calls'])}`,
    );
  });

  it('SIGKILL mid-run, then the same command again: every key imported exactly once, with its material, and nothing else sent', async () => {
    await freshKms();
    const cwd = await scratch.fresh('kill');
    await import('node:fs/promises').then((fs) => fs.mkdir(join(cwd, 'm')));
    const { rows, expect: expected } = await estate(cwd, 40);
    const manifest = await writeManifest(cwd, rows);
    const run = start(cwd, ['--manifest', manifest, '--concurrency', '4']);
    let imports = 0;
    hook = (r) => {
      // The 15th ImportKeyMaterial is never answered: the CLI is killed while it is in flight.
      if (r.operation === 'ImportKeyMaterial' && ++imports === 15) {
        run.child.kill('SIGKILL');
        return 'drop';
      }
      return undefined;
    };
    const first = await run.done;
    expect(first.code).toBe(137);
    hook = undefined;
    const importedFirst = [...kms.keys.values()].filter((k) => k.imports === 1).length;
    expect(importedFirst).toBeGreaterThanOrEqual(10);
    expect(importedFirst).toBeLessThan(40);
    // The journal is whole up to its last line (a torn last line is tolerated by the rerun).
    const n = kms.calls.length;
    const again = await migrate(cwd, '--manifest', manifest, '--json');
    expect(again.code, again.stderr).toBe(0);
    const summary = jsonLines(again).at(-1)!;
    expect(summary).toMatchObject({ ok: true, imported: 40 - importedFirst, alreadyDone: importedFirst, failed: 0 });
    expectEstateImported(expected);
    // The rerun's writes are those of the keys not imported yet: one import each, and a
    // CreateKey only for a line whose key was never created.
    const writes = writesIn(n);
    expect(writes.filter((o) => o === 'ImportKeyMaterial')).toHaveLength(40 - importedFirst);
    expect(writes.filter((o) => o === 'GetParametersForImport')).toHaveLength(40 - importedFirst);
    const journal = await journalOf(cwd);
    // Each key's import is in the journal: sent (importing; its answer maybe lost in the kill) or answered.
    expect(new Set(journal.filter((x) => x['event'] === 'importing').map((x) => x['id'])).size).toBe(40);
    expect(new Set(journal.filter((x) => x['event'] === 'imported').map((x) => x['id'])).size).toBeGreaterThanOrEqual(40 - 4);
    // Ten lines create their key, each once: a CreateKey answered after the kill is found again by
    // the rerun (alias or kms-wrap:creation tag), so the journal may lack its 'created' line.
    expect(kms.calls.filter((c) => c.operation === 'CreateKey')).toHaveLength(10);
    expect(new Set(journal.filter((x) => x['event'] === 'creating').map((x) => x['id'])).size).toBe(10);
    expect(journal.filter((x) => x['event'] === 'created').length).toBeLessThanOrEqual(10);
  });

  it('killed after KMS made a key but before the answer arrived, twice: the reruns find each key by its alias or its kms-wrap:creation tag and create none twice', async () => {
    await freshKms();
    kms.pageSize = 2; // ListKeys pages, as an account with many keys has
    const cwd = await scratch.fresh('lost-create');
    const others = [kms.addKey(), kms.addKey({ keyManager: 'AWS' }), kms.addKey()];
    const rows: Record<string, unknown>[] = [];
    const expected = new Map<string, Buffer>();
    for (let i = 0; i < 4; i++) {
      const bytes = randomBytes(32);
      await writeFile(join(cwd, `c${i}.bin`), bytes);
      // Lines 1 and 3 have no alias: only the tag finds their key again.
      const alias = i % 2 ? `alias/lost-${i}` : undefined;
      rows.push({
        id: `key-${i}`,
        material: `c${i}.bin`,
        algorithm: 'RSAES_OAEP_SHA_256',
        create: { keySpec: 'SYMMETRIC_DEFAULT', ...(alias ? { alias } : {}), tags: { team: 'payments' } },
      });
      expected.set(`key-${i}`, bytes);
    }
    const manifest = await writeManifest(cwd, rows);
    const runUntilCreateKey = async (nth: number) => {
      const run = start(cwd, ['--manifest', manifest, '--concurrency', '1']);
      let creates = 0;
      hook = (r) => {
        if (r.operation !== 'CreateKey' || ++creates !== nth) return undefined;
        // KMS makes the key; the CLI is killed before it hears so.
        run.child.kill('SIGKILL');
        return 'lost';
      };
      const r = await run.done;
      hook = undefined;
      expect(r.code).toBe(137);
    };
    // Run 1 dies in line 1's CreateKey (no alias); run 2 finds that key by its tag and dies in
    // line 2's CreateKey (an alias, not made yet); run 3 finds it and finishes.
    await runUntilCreateKey(1);
    const n1 = kms.calls.length;
    await runUntilCreateKey(1);
    const second = kms.calls.slice(n1).map((c) => c.operation);
    expect(second.filter((o) => o === 'CreateKey')).toHaveLength(1);
    expect(second.filter((o) => o === 'ListKeys')).toHaveLength(2);
    const n2 = kms.calls.length;
    const last = await migrate(cwd, '--manifest', manifest, '--json');
    expect(last.code, last.stderr).toBe(0);
    expect(jsonLines(last).at(-1)).toMatchObject({ ok: true, imported: 3, alreadyDone: 1, failed: 0 });
    expect(writesIn(n2).filter((o) => o === 'CreateKey')).toHaveLength(2);
    // One key a line, each tagged with its line's creation value, each holding its material once.
    const journal = await journalOf(cwd);
    const ours = kms.keysIn(REGION).filter((k) => !others.includes(k));
    expect(ours).toHaveLength(4);
    for (const [id, bytes] of expected) {
      const creations = journal.filter((x) => x['id'] === id && x['event'] === 'creating').map((x) => x['creation']);
      const key = ours.find((k) => k.tags.some((t) => t.TagKey === 'kms-wrap:creation' && creations.includes(t.TagValue)));
      expect(key, id).toBeDefined();
      expect(key!.tags).toContainEqual({ TagKey: 'team', TagValue: 'payments' });
      expect(key!.material?.equals(bytes), id).toBe(true);
      expect(key!.imports, id).toBe(1);
    }
    expect(kms.aliases.get(`${REGION}/alias/lost-1`)).toBe(ours.find((k) => k.material?.equals(expected.get('key-1')!))!.keyId);
    expect(journal.filter((x) => x['event'] === 'creating').every((x) => /^[0-9a-f]{32}$/.test(String(x['creation'])))).toBe(true);
  });

  it('Ctrl-C (SIGINT): the keys under way finish, none starts, exit 130; the journal is whole and the rerun finishes', async () => {
    await freshKms();
    const cwd = await scratch.fresh('sigint');
    const keys = await symmetricKeys(cwd, 30);
    const manifest = await writeManifest(
      cwd,
      keys.map((k) => ({ material: k.file, algorithm: 'RSAES_OAEP_SHA_256', keyId: k.key.keyId })),
    );
    const run = start(cwd, ['--manifest', manifest, '--concurrency', '2']);
    let imports = 0;
    hook = (r) => {
      if (r.operation === 'ImportKeyMaterial' && ++imports === 5) run.child.kill('SIGINT');
    };
    const first = await run.done;
    expect(first.code).toBe(130);
    expect(first.stderr).toContain('kms-wrap: note: stopping: the keys under way finish');
    const journal = await journalOf(cwd);
    const imported = journal.filter((x) => x['event'] === 'imported').length;
    // Every import sent was answered and recorded: none is left half done.
    expect(imported).toBe(keys.filter((k) => k.key.imports === 1).length);
    expect(journal.filter((x) => x['event'] === 'importing').length).toBe(imported);
    expect(imported).toBeLessThan(30);
    const again = await migrate(cwd, '--manifest', manifest);
    expect(again.code, again.stderr).toBe(0);
    expect(keys.every((k) => k.key.imports === 1 && k.key.material!.equals(k.bytes))).toBe(true);
  });
});
