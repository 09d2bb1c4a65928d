/**
 * The AWS import workflow on the command line, with no AWS access:
 *  - wrap --parameters with the console's zip and folder (README.txt facts), --valid-to and
 *    the next command;
 *  - kms-wrap import through the real AWS SDK for JavaScript v3, pointed (--endpoint-url) at a
 *    fake KMS on 127.0.0.1 that speaks the KMS JSON protocol and really unwraps what it gets
 *    (../../aws/test/fake-kms.ts), with fake credentials from the environment.
 */
import { execFile } from 'node:child_process';
import { constants, createPrivateKey, generateKeyPairSync, privateDecrypt, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FakeKms, wrappingKeyPair } from '../../aws/test/fake-kms.js';
import { BIN, Scratch, expectRefusal, lines, listing, parseOneJson, run, type Run } from './helpers.js';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 180_000 });

const DAY = 86_400_000;
const scratch = new Scratch();
const ARN = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

/** A zip as the console's download is one: entries deflated (or stored). */
function makeZip(entries: readonly { name: string; data: Uint8Array; stored?: boolean }[]): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name);
    const body = e.stored ? Buffer.from(e.data) : deflateRawSync(e.data);
    const head = Buffer.alloc(30);
    head.writeUInt32LE(0x04034b50, 0);
    head.writeUInt16LE(20, 4);
    head.writeUInt16LE(e.stored ? 0 : 8, 8);
    head.writeUInt32LE(crc32(e.data), 14);
    head.writeUInt32LE(body.length, 18);
    head.writeUInt32LE(e.data.length, 22);
    head.writeUInt16LE(name.length, 26);
    const dir = Buffer.alloc(46);
    dir.writeUInt32LE(0x02014b50, 0);
    dir.writeUInt16LE(20, 4);
    dir.writeUInt16LE(20, 6);
    dir.writeUInt16LE(e.stored ? 0 : 8, 10);
    dir.writeUInt32LE(crc32(e.data), 16);
    dir.writeUInt32LE(body.length, 20);
    dir.writeUInt32LE(e.data.length, 24);
    dir.writeUInt16LE(name.length, 28);
    dir.writeUInt32LE(offset, 42);
    parts.push(head, name, body);
    central.push(dir, name);
    offset += 30 + name.length + body.length;
  }
  const cd = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, cd, end]);
}

function readme(algorithm: string, expires: Date): string {
  return [
    'Use these files to import key material into the KMS key below within 24 hours.',
    `Key ARN: ${ARN}`,
    `Wrapping algorithm: ${algorithm}`,
    'Wrapping key spec: RSA_2048',
    `Expiration: ${expires.toISOString()}`,
    '',
  ].join('\n');
}

let rsaWrapping: { privateKey: ReturnType<typeof generateKeyPairSync>['privateKey']; spki: Buffer };
let symmetric: Buffer;
let rsaMaterial: Buffer;
let eccPem: string;

beforeAll(async () => {
  await scratch.init('import');
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  rsaWrapping = { privateKey: pair.privateKey, spki: pair.publicKey.export({ type: 'spki', format: 'der' }) };
  symmetric = randomBytes(32);
  rsaMaterial = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'der' });
  eccPem = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  await Promise.all([wrappingKeyPair('RSA_4096'), wrappingKeyPair('RSA_2048')]);
});
afterAll(async () => {
  await scratch.dispose();
});

async function consoleDownload(cwd: string, algorithm: string, expires: Date): Promise<{ token: Buffer; zip: string; folder: string }> {
  const token = randomBytes(300);
  const files = [
    { name: 'WrappingPublicKey.bin', data: rsaWrapping.spki },
    { name: 'ImportToken.bin', data: token, stored: true },
    { name: 'README.txt', data: Buffer.from(readme(algorithm, expires)) },
  ];
  const zip = join(cwd, 'ImportParameters.zip');
  await writeFile(zip, makeZip(files));
  const folder = join(cwd, 'ImportParameters');
  await mkdir(folder);
  for (const f of files) await writeFile(join(folder, f.name), f.data);
  return { token, zip, folder };
}

function oaepUnwrap(ciphertext: Buffer, hash: 'sha1' | 'sha256'): Buffer {
  return privateDecrypt({ key: rsaWrapping.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash }, ciphertext);
}

describe('wrap --parameters: the console download (zip, folder) and its README', () => {
  it('the zip: wraps, writes ImportToken.bin beside the output, and the next command names the key from README.txt', async () => {
    const cwd = await scratch.fresh('zip');
    const { token } = await consoleDownload(cwd, 'RSAES_OAEP_SHA_256', new Date(Date.now() + 20 * 3600_000));
    await writeFile(join(cwd, 'key.bin'), symmetric);
    await mkdir(join(cwd, 'out'));
    const r = await run(
      [
        'wrap',
        '--material',
        'key.bin',
        '--parameters',
        'ImportParameters.zip',
        '--algorithm',
        'RSAES_OAEP_SHA_256',
        '-o',
        'out/EncryptedKeyMaterial.bin',
      ],
      cwd,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(await listing(join(cwd, 'out'))).toEqual(['EncryptedKeyMaterial.bin', 'ImportToken.bin']);
    expect((await readFile(join(cwd, 'out/ImportToken.bin'))).equals(token)).toBe(true);
    expect(oaepUnwrap(await readFile(join(cwd, 'out/EncryptedKeyMaterial.bin')), 'sha256').equals(symmetric)).toBe(true);
    expect(lines(r.stdout)).toContain(
      `  aws kms import-key-material --key-id ${ARN} --encrypted-key-material fileb://out/EncryptedKeyMaterial.bin --import-token fileb://out/ImportToken.bin --expiration-model KEY_MATERIAL_DOES_NOT_EXPIRE`,
    );
  });

  it("the unzipped folder: no token is written, the next command points at the folder's ImportToken.bin", async () => {
    const cwd = await scratch.fresh('folder');
    await consoleDownload(cwd, 'RSAES_OAEP_SHA_1', new Date(Date.now() + 20 * 3600_000));
    await writeFile(join(cwd, 'key.bin'), symmetric);
    const r = await run(
      [
        'wrap',
        '--material',
        'key.bin',
        '--key-spec',
        'SYMMETRIC_DEFAULT',
        '--parameters',
        'ImportParameters',
        '--algorithm',
        'RSAES_OAEP_SHA_1',
        '--json',
      ],
      cwd,
    );
    expect(r.code, r.stderr).toBe(0);
    const j = parseOneJson(r.stdout);
    expect(j).toMatchObject({ ok: true, keyId: ARN, parametersSource: 'folder', importToken: null });
    expect(j['nextCommand']).toBe(
      `aws kms import-key-material --key-id ${ARN} --encrypted-key-material fileb://EncryptedKeyMaterial.bin --import-token fileb://ImportParameters/ImportToken.bin --expiration-model KEY_MATERIAL_DOES_NOT_EXPIRE`,
    );
    expect(await listing(cwd)).toEqual(['EncryptedKeyMaterial.bin', 'ImportParameters', 'ImportParameters.zip', 'key.bin']);
    expect(oaepUnwrap(await readFile(join(cwd, 'EncryptedKeyMaterial.bin')), 'sha1').equals(symmetric)).toBe(true);
  });

  it('an --algorithm other than the one the README names is refused with both names, nothing written', async () => {
    const cwd = await scratch.fresh('mismatch');
    await consoleDownload(cwd, 'RSAES_OAEP_SHA_256', new Date(Date.now() + 20 * 3600_000));
    await writeFile(join(cwd, 'key.bin'), symmetric);
    for (const params of ['ImportParameters.zip', 'ImportParameters']) {
      const r = await run(['wrap', '--material', 'key.bin', '--parameters', params, '--algorithm', 'RSAES_OAEP_SHA_1'], cwd);
      expectRefusal(r, {
        code: 'ERR_PARAMETERS_MISMATCH',
        says: ['requested for RSAES_OAEP_SHA_256', '--algorithm is RSAES_OAEP_SHA_1', 'pass --algorithm RSAES_OAEP_SHA_256'],
      });
    }
    expect(await listing(cwd)).toEqual(['ImportParameters', 'ImportParameters.zip', 'key.bin']);
  });

  it("expired parameters (the README's expiry) are refused with the time and the command to fetch new ones", async () => {
    const cwd = await scratch.fresh('expired');
    const expires = new Date(Date.now() - 2 * 3600_000);
    await consoleDownload(cwd, 'RSAES_OAEP_SHA_256', expires);
    await writeFile(join(cwd, 'key.bin'), symmetric);
    const r = await run(
      ['wrap', '--material', 'key.bin', '--parameters', 'ImportParameters.zip', '--algorithm', 'RSAES_OAEP_SHA_256'],
      cwd,
    );
    expectRefusal(r, {
      code: 'ERR_PARAMETERS_EXPIRED',
      says: [
        expires.toISOString(),
        `aws kms get-parameters-for-import --key-id ${ARN} --wrapping-algorithm RSAES_OAEP_SHA_256 --wrapping-key-spec RSA_2048`,
      ],
    });
    expect(await listing(cwd)).toEqual(['ImportParameters', 'ImportParameters.zip', 'key.bin']);
  });

  it('--valid-to: the next command has KEY_MATERIAL_EXPIRES and --valid-to, and --json the same facts', async () => {
    const cwd = await scratch.fresh('valid-to');
    await consoleDownload(cwd, 'RSAES_OAEP_SHA_256', new Date(Date.now() + 20 * 3600_000));
    await writeFile(join(cwd, 'key.bin'), symmetric);
    const now = Date.now();
    const validTo = new Date(Math.floor((now + 30 * DAY) / 1000) * 1000);
    const iso = validTo.toISOString().replace('.000Z', 'Z');
    const r = await run(
      ['wrap', '--material', 'key.bin', '--parameters', 'ImportParameters.zip', '--algorithm', 'RSAES_OAEP_SHA_256', '--valid-to', iso],
      cwd,
      { now },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(lines(r.stdout).at(-1)).toBe(
      `  aws kms import-key-material --key-id ${ARN} --encrypted-key-material fileb://EncryptedKeyMaterial.bin --import-token fileb://ImportToken.bin --expiration-model KEY_MATERIAL_EXPIRES --valid-to ${iso}`,
    );
    const cwd2 = await scratch.fresh('valid-to-json');
    await consoleDownload(cwd2, 'RSAES_OAEP_SHA_256', new Date(Date.now() + 20 * 3600_000));
    await writeFile(join(cwd2, 'key.bin'), symmetric);
    const epoch = String(validTo.getTime() / 1000);
    const j = parseOneJson(
      (
        await run(
          [
            'wrap',
            '--material',
            'key.bin',
            '--parameters',
            'ImportParameters.zip',
            '--algorithm',
            'RSAES_OAEP_SHA_256',
            '--valid-to',
            epoch,
            '--json',
          ],
          cwd2,
          { now },
        )
      ).stdout,
    );
    expect(j['importKeyMaterial']).toEqual({
      keyId: ARN,
      encryptedKeyMaterial: join(cwd2, 'EncryptedKeyMaterial.bin'),
      importToken: join(cwd2, 'ImportToken.bin'),
      expirationModel: 'KEY_MATERIAL_EXPIRES',
      validTo: iso,
    });
    expect(j['nextCommand']).toContain(`--expiration-model KEY_MATERIAL_EXPIRES --valid-to ${iso}`);
    expect(j['parametersSource']).toBe('zip');
  });

  it('--valid-to in the past or over 365 days ahead is refused (exit 1); one that does not parse is a usage error (exit 2)', async () => {
    const cwd = await scratch.fresh('valid-to-bad');
    await writeFile(join(cwd, 'key.bin'), symmetric);
    await writeFile(join(cwd, 'WrappingPublicKey.bin'), rsaWrapping.spki);
    const args = [
      'wrap',
      '--material',
      'key.bin',
      '--public-key',
      'WrappingPublicKey.bin',
      '--algorithm',
      'RSAES_OAEP_SHA_256',
      '--valid-to',
    ];
    expectRefusal(await run([...args, '2020-01-01T00:00:00Z'], cwd), { code: 'ERR_VALID_TO_INVALID', says: ['not in the future'] });
    expectRefusal(await run([...args, new Date(Date.now() + 400 * DAY).toISOString()], cwd), {
      code: 'ERR_VALID_TO_INVALID',
      says: ['365 days'],
    });
    expectRefusal(await run([...args, 'next tuesday'], cwd), { code: 'ERR_USAGE', exit: 2, says: ['ISO 8601'] });
    expect(await listing(cwd)).toEqual(['WrappingPublicKey.bin', 'key.bin']);
  });
});

describe('kms-wrap import: the real AWS SDK against a local fake KMS', () => {
  let kms: FakeKms;
  let server: Awaited<ReturnType<FakeKms['serve']>>;
  let cwd: string;

  beforeAll(async () => {
    kms = new FakeKms({ region: 'eu-west-1' });
    server = await kms.serve({ maxRequests: 300 });
    cwd = await scratch.fresh('sdk');
    await writeFile(join(cwd, 'PlaintextKeyMaterial.bin'), symmetric);
    await writeFile(join(cwd, 'RSA_2048_PrivateKey.der'), rsaMaterial);
    await writeFile(join(cwd, 'ecc.pem'), eccPem);
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
    await server.close();
  });

  const imp = (...args: string[]): Promise<Run> =>
    run(['import', '--region', 'eu-west-1', '--endpoint-url', server.endpoint, ...args], cwd);

  it('an RSA key with RSA_AES_KEY_WRAP_SHA_256: DescribeKey, GetParametersForImport, ImportKeyMaterial; KMS holds the same bytes', async () => {
    const key = kms.addKey({ keySpec: 'RSA_2048', keyUsage: 'SIGN_VERIFY' });
    const r = await imp('--key-id', key.keyId, '--material', 'RSA_2048_PrivateKey.der', '--algorithm', 'RSA_AES_KEY_WRAP_SHA_256');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(lines(r.stdout)[0]).toBe(`imported RSA_2048 key material into ${key.arn} (it was PendingImport)`);
    expect(r.stdout).toContain('wrapped with RSA_AES_KEY_WRAP_SHA_256 under an RSA_4096 wrapping key');
    expect(r.stdout).toContain('does not expire (KEY_MATERIAL_DOES_NOT_EXPIRE)');
    expect(key.material!.equals(rsaMaterial)).toBe(true);
    expect(key.keyState).toBe('Enabled');
  });

  it('a symmetric key with RSAES_OAEP_SHA_256 and --valid-to, --json', async () => {
    const key = kms.addKey({ alias: 'alias/cli-byok' });
    const validTo = new Date(Math.floor((Date.now() + 90 * DAY) / 1000) * 1000);
    const r = await imp(
      '--key-id',
      'alias/cli-byok',
      '--material',
      'PlaintextKeyMaterial.bin',
      '--algorithm',
      'RSAES_OAEP_SHA_256',
      '--valid-to',
      validTo.toISOString(),
      '--json',
    );
    expect(r.code, r.stderr).toBe(0);
    const j = parseOneJson(r.stdout);
    expect(j).toMatchObject({
      ok: true,
      dryRun: false,
      keyId: key.arn,
      keySpec: 'SYMMETRIC_DEFAULT',
      keyState: 'PendingImport',
      region: 'standard',
      regionName: 'eu-west-1',
      algorithm: 'RSAES_OAEP_SHA_256',
      wrappingKeySpec: 'RSA_4096',
      encryptedKeyMaterialBytes: 512,
      expirationModel: 'KEY_MATERIAL_EXPIRES',
      validTo: validTo.toISOString().replace('.000Z', 'Z'),
      keyMaterialId: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect((j['calls'] as { operation: string }[]).map((c) => c.operation)).toEqual([
      'DescribeKey',
      'GetParametersForImport',
      'ImportKeyMaterial',
    ]);
    expect(r.stdout).not.toContain(Buffer.from(symmetric).toString('base64'));
    expect(key.material!.equals(symmetric)).toBe(true);
    expect(key.validTo).toEqual(validTo);
    expect(key.expirationModel).toBe('KEY_MATERIAL_EXPIRES');
  });

  it('a PEM private key is converted (a note), then imported into an ECC key with --wrapping-key-spec RSA_2048', async () => {
    const key = kms.addKey({ keySpec: 'ECC_NIST_P256' });
    const r = await imp(
      '--key-id',
      key.arn,
      '--material',
      'ecc.pem',
      '--algorithm',
      'RSAES_OAEP_SHA_256',
      '--wrapping-key-spec',
      'RSA_2048',
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^kms-wrap: note: converted the material from .*PKCS#8 DER/);
    const der = createPrivateKey(eccPem).export({ type: 'pkcs8', format: 'der' });
    expect(key.material!.equals(der)).toBe(true);
  });

  it('a key whose Origin is not EXTERNAL is refused after DescribeKey, before GetParametersForImport', async () => {
    const key = kms.addKey({ origin: 'AWS_KMS' });
    const n = kms.calls.length;
    expectRefusal(await imp('--key-id', key.keyId, '--material', 'PlaintextKeyMaterial.bin', '--algorithm', 'RSAES_OAEP_SHA_256'), {
      code: 'ERR_KMS_KEY_UNSUITABLE',
      says: ['Origin AWS_KMS', 'aws kms create-key --origin EXTERNAL'],
    });
    expect(kms.operations.slice(n)).toEqual(['DescribeKey']);
  });

  it('material of another key spec is refused before any import call', async () => {
    const key = kms.addKey({ keySpec: 'HMAC_384' });
    const n = kms.calls.length;
    expectRefusal(await imp('--key-id', key.keyId, '--material', 'RSA_2048_PrivateKey.der', '--algorithm', 'RSAES_OAEP_SHA_256'), {
      code: 'ERR_KEY_SPEC_MISMATCH',
      says: ['has key spec HMAC_384', 'RSA_2048'],
    });
    expect(kms.operations.slice(n)).toEqual(['DescribeKey']);
    expect(key.material).toBeUndefined();
  });

  const errors: [string, string, 'DescribeKey' | 'GetParametersForImport' | 'ImportKeyMaterial', string, string[]][] = [
    ['InvalidCiphertextException', 'ERR_KMS_REJECTED', 'ImportKeyMaterial', 'could not decrypt', ['InvalidCiphertextException']],
    ['ExpiredImportTokenException', 'ERR_KMS_REJECTED', 'ImportKeyMaterial', 'expired', ['fetch new parameters']],
    ['InvalidImportTokenException', 'ERR_KMS_REJECTED', 'ImportKeyMaterial', 'not valid for KMS key', ['same GetParametersForImport']],
    ['KMSInvalidStateException', 'ERR_KMS_REJECTED', 'GetParametersForImport', 'state', ['describe-key']],
    ['UnsupportedOperationException', 'ERR_KMS_REJECTED', 'GetParametersForImport', 'does not support', ['--origin EXTERNAL']],
    ['AccessDeniedException', 'ERR_KMS_ACCESS_DENIED', 'DescribeKey', 'not allowed to call kms:DescribeKey', ['kms:ImportKeyMaterial']],
  ];
  for (const [name, code, op, what, todo] of errors) {
    it(`${name} (from ${op}, through the SDK) → one line ${code}`, async () => {
      const key = kms.addKey();
      kms.failNext(op, name, `the fake KMS says ${name}`);
      expectRefusal(await imp('--key-id', key.keyId, '--material', 'PlaintextKeyMaterial.bin', '--algorithm', 'RSAES_OAEP_SHA_256'), {
        code,
        says: [what, ...todo],
      });
      expect(key.material).toBeUndefined();
    });
  }

  it('IncorrectKeyMaterialException for real: another RSA key into a key that has material', async () => {
    const key = kms.addKey({ keySpec: 'RSA_2048' });
    expect((await imp('--key-id', key.keyId, '--material', 'RSA_2048_PrivateKey.der', '--algorithm', 'RSA_AES_KEY_WRAP_SHA_1')).code).toBe(
      0,
    );
    await writeFile(
      join(cwd, 'other.der'),
      generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'der' }),
    );
    expectRefusal(await imp('--key-id', key.keyId, '--material', 'other.der', '--algorithm', 'RSA_AES_KEY_WRAP_SHA_1'), {
      code: 'ERR_KMS_REJECTED',
      says: ['IncorrectKeyMaterialException', 'import the original key material'],
    });
    expect(key.material!.equals(rsaMaterial)).toBe(true);
  });

  it('NotFoundException for real: the key is not in the region', async () => {
    expectRefusal(
      await imp(
        '--key-id',
        '0000abcd-0000-0000-0000-000000000000',
        '--material',
        'PlaintextKeyMaterial.bin',
        '--algorithm',
        'RSAES_OAEP_SHA_256',
      ),
      {
        code: 'ERR_KMS_REJECTED',
        says: ['was not found in eu-west-1', 'NotFoundException'],
      },
    );
  });

  it('no credentials for the --profile named → ERR_AWS_CREDENTIALS; no KMS listening → ERR_AWS_UNREACHABLE', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', undefined);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', undefined);
    try {
      expectRefusal(
        await imp(
          '--key-id',
          'k',
          '--material',
          'PlaintextKeyMaterial.bin',
          '--algorithm',
          'RSAES_OAEP_SHA_256',
          '--profile',
          'kms-wrap-no-such-profile',
        ),
        {
          code: 'ERR_AWS_CREDENTIALS',
          says: ['--profile'],
        },
      );
    } finally {
      vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDKMSWRAPFAKE');
      vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'kms-wrap-fake-secret');
    }
    const dead = await new FakeKms().serve();
    await dead.close();
    const r = await run(
      [
        'import',
        '--region',
        'eu-west-1',
        '--endpoint-url',
        dead.endpoint,
        '--key-id',
        'k',
        '--material',
        'PlaintextKeyMaterial.bin',
        '--algorithm',
        'RSAES_OAEP_SHA_256',
      ],
      cwd,
    );
    expectRefusal(r, { code: 'ERR_AWS_UNREACHABLE', says: ['could not reach KMS in eu-west-1'] });
  });

  it('--dry-run makes no call (not even to an endpoint) and prints the calls with the token elided', async () => {
    const n = kms.calls.length;
    const requests = server.requests();
    const r = await run(
      [
        'import',
        '--key-id',
        ARN,
        '--material',
        'RSA_2048_PrivateKey.der',
        '--algorithm',
        'RSA_AES_KEY_WRAP_SHA_256',
        '--dry-run',
        '--valid-to',
        new Date(Date.now() + DAY).toISOString(),
      ],
      cwd,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(kms.calls.length).toBe(n);
    expect(server.requests()).toBe(requests);
    const out = lines(r.stdout);
    expect(out[0]).toMatch(
      /^dry run: nothing was sent to KMS\. RSA_2048 material, RSA_AES_KEY_WRAP_SHA_256 under an RSA_4096 wrapping key; the material expires .+ \(KEY_MATERIAL_EXPIRES\)\.$/,
    );
    expect(out.slice(2).map((l) => l.trim().split(' ')[0])).toEqual(['DescribeKey', 'GetParametersForImport', 'ImportKeyMaterial']);
    expect(out[4]).toContain('"ImportToken":"<elided: the ImportToken from GetParametersForImport>"');
    const j = parseOneJson(
      (
        await run(
          ['import', '--key-id', ARN, '--material', 'PlaintextKeyMaterial.bin', '--algorithm', 'RSAES_OAEP_SHA_256', '--dry-run', '--json'],
          cwd,
        )
      ).stdout,
    );
    expect(j).toMatchObject({
      ok: true,
      dryRun: true,
      keySpec: null,
      regionName: 'eu-west-1',
      expirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE',
    });
    expect(kms.calls.length).toBe(n);
    // A dry run still refuses what KMS would refuse.
    expectRefusal(
      await run(
        ['import', '--key-id', ARN, '--material', 'PlaintextKeyMaterial.bin', '--algorithm', 'RSA_AES_KEY_WRAP_SHA_256', '--dry-run'],
        cwd,
      ),
      { code: 'ERR_COMBINATION_REJECTED' },
    );
  });

  it('usage errors: --valid-to with --no-expiry, a region that is not an AWS region name, no --key-id', async () => {
    expectRefusal(
      await run(
        [
          'import',
          '--key-id',
          'k',
          '--material',
          'PlaintextKeyMaterial.bin',
          '--algorithm',
          'RSAES_OAEP_SHA_256',
          '--valid-to',
          '2031-01-01',
          '--no-expiry',
        ],
        cwd,
      ),
      {
        code: 'ERR_USAGE',
        exit: 2,
        says: ['--no-expiry'],
      },
    );
    expectRefusal(
      await run(
        ['import', '--key-id', 'k', '--material', 'PlaintextKeyMaterial.bin', '--algorithm', 'RSAES_OAEP_SHA_256', '--region', 'china'],
        cwd,
      ),
      {
        code: 'ERR_USAGE',
        exit: 2,
        says: ['cn-north-1'],
      },
    );
    expectRefusal(await run(['import', '--material', 'PlaintextKeyMaterial.bin', '--algorithm', 'RSAES_OAEP_SHA_256'], cwd), {
      code: 'ERR_USAGE',
      exit: 2,
      says: ['--key-id'],
    });
  });

  it('the built binary (node dist/bin.js import) against the same fake: exit 0, nothing on stderr', async () => {
    const key = kms.addKey();
    const env = {
      ...process.env,
      AWS_ACCESS_KEY_ID: 'AKIDKMSWRAPFAKE',
      AWS_SECRET_ACCESS_KEY: 'kms-wrap-fake-secret',
      AWS_EC2_METADATA_DISABLED: 'true',
    };
    const r = await new Promise<Run>((resolve) => {
      execFile(
        process.execPath,
        [
          BIN,
          'import',
          '--region',
          'eu-west-1',
          '--endpoint-url',
          server.endpoint,
          '--key-id',
          key.keyId,
          '--material',
          'PlaintextKeyMaterial.bin',
          '--algorithm',
          'RSAES_OAEP_SHA_1',
        ],
        { cwd, env, encoding: 'utf8' },
        (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
      );
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain(`imported SYMMETRIC_DEFAULT key material into ${key.arn}`);
    expect(key.material!.equals(symmetric)).toBe(true);
  });

  it('help: kms-wrap --help lists import; kms-wrap import --help documents it', async () => {
    expect((await run(['--help'], cwd)).stdout).toMatch(/^ {2}import {15}the whole AWS import in one run/m);
    const h = await run(['import', '--help'], cwd);
    expect(h.code).toBe(0);
    for (const o of ['--key-id', '--valid-to', '--no-expiry', '--import-type', '--profile', '--dry-run', 'npm install @aws-sdk/client-kms'])
      expect(h.stdout).toContain(o);
  });
});
