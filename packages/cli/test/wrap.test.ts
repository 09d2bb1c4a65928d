/**
 * `kms-wrap wrap` against a real peer: OpenSSL makes the wrapping key pairs (as KMS would) and
 * unwraps what the command wrote (as KMS would) back to the exact material.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  KEY_ARN,
  Scratch,
  cli,
  epochSeconds,
  expectNoStack,
  expectRefusal,
  expectUnchanged,
  isoJson,
  lines,
  listing,
  modeOf,
  openssl,
  opensslUnwrap,
  opensslWrappingKey,
  parametersJson,
  parseOneJson,
  run,
  write,
  type WrappingKey,
} from './helpers.js';

const scratch = new Scratch();
const keys: Record<string, WrappingKey> = {};
/** Material files by name → path; the bytes are read back from the file when checking. */
const materials: Record<string, string> = {};

const OUT = 'EncryptedKeyMaterial.bin';

beforeAll(async () => {
  const dir = await scratch.init('wrap');
  const fixtures = join(dir, 'fixtures');
  await mkdir(fixtures);
  const keygen = async (name: string, spec: string, ...extra: string[]) => {
    const path = join(fixtures, `${name}.material`);
    const r = await run(['keygen', spec, '-o', path, ...extra], fixtures);
    expect(r.code, r.stderr).toBe(0);
    materials[name] = path;
  };
  const opensslRsaMaterial = async () => {
    const pem = join(fixtures, 'openssl-rsa2048.pem');
    await openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', pem]);
    const der = join(fixtures, 'openssl-rsa2048.der');
    await openssl(['pkcs8', '-topk8', '-nocrypt', '-in', pem, '-outform', 'DER', '-out', der]);
    materials['RSA_2048 (OpenSSL)'] = der;
  };
  const opensslEcMaterial = async () => {
    const pem = join(fixtures, 'openssl-p384.pem');
    await openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384', '-out', pem]);
    const der = join(fixtures, 'openssl-p384.der');
    await openssl(['pkcs8', '-topk8', '-nocrypt', '-in', pem, '-outform', 'DER', '-out', der]);
    materials['ECC_NIST_P384 (OpenSSL)'] = der;
  };
  const [rsa2048, rsa3072, rsa4096, sm2] = await Promise.all([
    opensslWrappingKey(fixtures, 'RSA', 2048),
    opensslWrappingKey(fixtures, 'RSA', 3072),
    opensslWrappingKey(fixtures, 'RSA', 4096),
    opensslWrappingKey(fixtures, 'SM2'),
    keygen('SYMMETRIC_DEFAULT', 'SYMMETRIC_DEFAULT'),
    keygen('SYMMETRIC_DEFAULT (China, 16 bytes)', 'SYMMETRIC_DEFAULT', '--region', 'china'),
    keygen('HMAC_224', 'HMAC_224'),
    keygen('HMAC_256', 'HMAC_256'),
    keygen('HMAC_384', 'HMAC_384'),
    keygen('HMAC_512', 'HMAC_512'),
    keygen('RSA_2048', 'RSA_2048'),
    keygen('ECC_NIST_P256', 'ECC_NIST_P256'),
    keygen('ECC_NIST_P521', 'ECC_NIST_P521'),
    keygen('ECC_SECG_P256K1', 'ECC_SECG_P256K1'),
    keygen('SM2', 'SM2', '--region', 'china'),
    opensslRsaMaterial(),
    opensslEcMaterial(),
  ]);
  Object.assign(keys, { RSA_2048: rsa2048, RSA_3072: rsa3072, RSA_4096: rsa4096, SM2: sm2 });
});

afterAll(() => scratch.dispose());

interface Case {
  readonly material: string;
  readonly algorithm: string;
  readonly key: 'RSA_2048' | 'RSA_3072' | 'RSA_4096' | 'SM2';
  readonly china?: boolean;
  readonly keySpec?: string;
  /** The key spec the command reports. */
  readonly reports: string;
  /** Through `node dist/bin.js` (else in-process `main`, the same code, faster). */
  readonly binary?: boolean;
}

// Every algorithm, every material kind (symmetric, HMAC, RSA, ECC, SM2), every wrapping key size.
const CASES: readonly Case[] = [
  {
    material: 'SYMMETRIC_DEFAULT',
    algorithm: 'RSAES_OAEP_SHA_256',
    key: 'RSA_2048',
    keySpec: 'SYMMETRIC_DEFAULT',
    reports: 'SYMMETRIC_DEFAULT',
    binary: true,
  },
  { material: 'SYMMETRIC_DEFAULT', algorithm: 'RSAES_OAEP_SHA_1', key: 'RSA_4096', reports: 'SYMMETRIC_DEFAULT or HMAC_256' },
  {
    material: 'SYMMETRIC_DEFAULT (China, 16 bytes)',
    algorithm: 'RSAES_OAEP_SHA_1',
    key: 'RSA_3072',
    china: true,
    reports: 'SYMMETRIC_DEFAULT',
    binary: true,
  },
  { material: 'HMAC_224', algorithm: 'RSAES_OAEP_SHA_1', key: 'RSA_2048', reports: 'HMAC_224' },
  { material: 'HMAC_256', algorithm: 'RSAES_OAEP_SHA_256', key: 'RSA_3072', keySpec: 'HMAC_256', reports: 'HMAC_256' },
  { material: 'HMAC_256', algorithm: 'RSAES_OAEP_SHA_256', key: 'RSA_4096', china: true, reports: 'HMAC_256' },
  { material: 'HMAC_384', algorithm: 'RSAES_OAEP_SHA_256', key: 'RSA_2048', reports: 'HMAC_384' },
  { material: 'HMAC_512', algorithm: 'RSAES_OAEP_SHA_1', key: 'RSA_4096', reports: 'HMAC_512' },
  { material: 'RSA_2048', algorithm: 'RSA_AES_KEY_WRAP_SHA_256', key: 'RSA_2048', reports: 'RSA_2048', binary: true },
  { material: 'RSA_2048 (OpenSSL)', algorithm: 'RSA_AES_KEY_WRAP_SHA_1', key: 'RSA_3072', reports: 'RSA_2048', binary: true },
  { material: 'RSA_2048 (OpenSSL)', algorithm: 'RSA_AES_KEY_WRAP_SHA_256', key: 'RSA_4096', keySpec: 'RSA_2048', reports: 'RSA_2048' },
  { material: 'ECC_NIST_P256', algorithm: 'RSAES_OAEP_SHA_256', key: 'RSA_2048', reports: 'ECC_NIST_P256' },
  { material: 'ECC_NIST_P384 (OpenSSL)', algorithm: 'RSA_AES_KEY_WRAP_SHA_256', key: 'RSA_3072', reports: 'ECC_NIST_P384' },
  { material: 'ECC_NIST_P521', algorithm: 'RSAES_OAEP_SHA_256', key: 'RSA_3072', reports: 'ECC_NIST_P521' },
  { material: 'ECC_NIST_P521', algorithm: 'RSA_AES_KEY_WRAP_SHA_1', key: 'RSA_2048', reports: 'ECC_NIST_P521' },
  { material: 'ECC_SECG_P256K1', algorithm: 'RSAES_OAEP_SHA_1', key: 'RSA_4096', reports: 'ECC_SECG_P256K1' },
  { material: 'SM2', algorithm: 'SM2PKE', key: 'SM2', china: true, reports: 'SM2', binary: true },
  { material: 'SM2', algorithm: 'RSAES_OAEP_SHA_256', key: 'RSA_2048', china: true, reports: 'SM2' },
  { material: 'RSA_2048', algorithm: 'SM2PKE', key: 'SM2', china: true, reports: 'RSA_2048' },
  { material: 'ECC_NIST_P256', algorithm: 'SM2PKE', key: 'SM2', china: true, reports: 'ECC_NIST_P256' },
];

/** The length KMS expects: k for OAEP; k + RFC 5649 output (8 + length padded to 8) for key wrap. */
function expectedLength(c: Case, materialLength: number): number | undefined {
  if (c.key === 'SM2') return undefined;
  const k = Number(c.key.slice(4)) / 8;
  if (c.algorithm.startsWith('RSAES_OAEP')) return k;
  return k + 8 + Math.ceil(materialLength / 8) * 8;
}

describe.concurrent('wrap: what OpenSSL unwraps to the exact material', () => {
  const named = CASES.map(
    (c) =>
      [
        `${c.material} with ${c.algorithm} under ${c.key}${c.china ? ' (China)' : ''}${c.keySpec ? ` --key-spec ${c.keySpec}` : ''}${c.binary ? ' [binary]' : ''}`,
        c,
      ] as const,
  );
  it.each(named)('%s', async (_, c) => {
    const cwd = await scratch.fresh(`${c.material}-${c.algorithm}-${c.key}`);
    const material = await readFile(materials[c.material]!);
    const key = keys[c.key]!;
    const r = await (c.binary ? cli : run)(
      [
        'wrap',
        '--material',
        materials[c.material]!,
        '--public-key',
        key.publicDer,
        '--algorithm',
        c.algorithm,
        ...(c.china ? ['--region', 'china'] : []),
        ...(c.keySpec ? ['--key-spec', c.keySpec] : []),
      ],
      cwd,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expectNoStack(r);
    // The default name, and nothing else, with mode 0600.
    expect(await listing(cwd)).toEqual([OUT]);
    const out = join(cwd, OUT);
    expect(await modeOf(out)).toBe(0o600);
    const ciphertext = await readFile(out);
    const length = expectedLength(c, material.length);
    if (length !== undefined) expect(ciphertext.length).toBe(length);
    else expect(ciphertext.length).toBeGreaterThan(material.length + 96); // C1 (x, y) + C3 (32) + C2
    expect(r.stdout).toContain(
      `wrote ${out} (${ciphertext.length} bytes): ${c.reports} material wrapped with ${c.algorithm} under an ${c.key} wrapping key`,
    );
    expect(r.stdout).toContain(
      `aws kms import-key-material --key-id "$KEY_ID" --encrypted-key-material fileb://${OUT} --import-token fileb://ImportToken.bin`,
    );
    // The peer: OpenSSL, as KMS would.
    const unwrapped = await opensslUnwrap(ciphertext, c.algorithm, key);
    expect(unwrapped.equals(material)).toBe(true);
  });
});

describe.concurrent('wrap: the wrapping public key in every form KMS hands it out', () => {
  const forms = [
    ['DER (WrappingPublicKey.bin)', (k: WrappingKey) => readFile(k.publicDer)],
    ['base64 text, one line', (k: WrappingKey) => readFile(k.publicBase64)],
    [
      'base64 text, wrapped at 76 columns',
      async (k: WrappingKey) => Buffer.from(`${k.spki.toString('base64').replace(/.{76}/g, '$&\n')}\n`),
    ],
    ['PEM', (k: WrappingKey) => readFile(k.publicPem)],
    ['PEM with CRLF line ends', async (k: WrappingKey) => Buffer.from((await readFile(k.publicPem, 'utf8')).replace(/\n/g, '\r\n'))],
  ] as const;

  // Alternately through the binary and in-process.
  it.each(forms.map(([name, make], i) => [`${name} [${i % 2 === 0 ? 'binary' : 'in-process'}]`, make, i % 2 === 0 ? cli : run] as const))(
    '%s',
    async (name, make, via) => {
      const cwd = await scratch.fresh(`form-${name}`);
      const key = keys['RSA_3072']!;
      const publicKey = await write(join(cwd, 'wrapping-public-key'), await make(key));
      const r = await via(
        ['wrap', '--material', materials['HMAC_384']!, '--public-key', publicKey, '--algorithm', 'RSAES_OAEP_SHA_256'],
        cwd,
      );
      expect(r.code, r.stderr).toBe(0);
      const ciphertext = await readFile(join(cwd, OUT));
      expect(ciphertext.length).toBe(384);
      expect((await opensslUnwrap(ciphertext, 'RSAES_OAEP_SHA_256', key)).equals(await readFile(materials['HMAC_384']!))).toBe(true);
    },
  );

  it('an SM2 wrapping key as base64 text and PEM (China Regions)', async () => {
    const cwd = await scratch.fresh('sm2-forms');
    const key = keys['SM2']!;
    for (const [i, publicKey] of [key.publicBase64, key.publicPem].entries()) {
      const r = await run(
        [
          'wrap',
          '--material',
          materials['SM2']!,
          '--public-key',
          publicKey,
          '--algorithm',
          'SM2PKE',
          '--region',
          'china',
          '-o',
          `sm2-${i}.bin`,
        ],
        cwd,
      );
      expect(r.code, r.stderr).toBe(0);
      expect(
        (await opensslUnwrap(await readFile(join(cwd, `sm2-${i}.bin`)), 'SM2PKE', key)).equals(await readFile(materials['SM2']!)),
      ).toBe(true);
    }
  });
});

describe.concurrent('wrap: output for people and for scripts', () => {
  it('--json prints one JSON object with the documented fields, and nothing on stderr', async () => {
    const cwd = await scratch.fresh('json');
    const r = await cli(
      [
        'wrap',
        '--material',
        materials['ECC_NIST_P256']!,
        '--public-key',
        keys['RSA_4096']!.publicDer,
        '--algorithm',
        'RSAES_OAEP_SHA_1',
        '--json',
      ],
      cwd,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const j = parseOneJson(r.stdout);
    expect(j).toMatchObject({
      ok: true,
      output: join(cwd, OUT),
      algorithm: 'RSAES_OAEP_SHA_1',
      keySpec: 'ECC_NIST_P256',
      keySpecCandidates: ['ECC_NIST_P256'],
      materialFormat: 'pkcs8-der',
      convertedFrom: null,
      wrappingKeySpec: 'RSA_4096',
      region: 'standard',
      bytes: 512,
      keyId: null,
      parametersValidTo: null,
    });
    expect(j['nextCommand']).toBe(
      `# set KEY_ID first: the KMS key (key id, ARN or alias) the material is for, e.g. KEY_ID=1234abcd-12ab-34cd-56ef-1234567890ab\naws kms import-key-material --key-id "$KEY_ID" --encrypted-key-material fileb://${OUT} --import-token fileb://ImportToken.bin --expiration-model KEY_MATERIAL_DOES_NOT_EXPIRE`,
    );
    expect(await listing(cwd)).toEqual([OUT]);
  });

  it('--json for raw 32 bytes lists both candidate key specs', async () => {
    const cwd = await scratch.fresh('json-candidates');
    const r = await run(
      [
        'wrap',
        '--material',
        materials['SYMMETRIC_DEFAULT']!,
        '--public-key',
        keys['RSA_2048']!.publicDer,
        '--algorithm',
        'RSAES_OAEP_SHA_256',
        '--json',
      ],
      cwd,
    );
    const j = parseOneJson(r.stdout);
    expect(j).toMatchObject({
      ok: true,
      keySpec: null,
      keySpecCandidates: ['SYMMETRIC_DEFAULT', 'HMAC_256'],
      materialFormat: 'raw',
      bytes: 256,
    });
  });

  it('prints what it wrote and the next command, with the output path as given (-o)', async () => {
    const cwd = await scratch.fresh('next');
    await mkdir(join(cwd, 'out'));
    const r = await cli(
      [
        'wrap',
        '--material',
        materials['HMAC_224']!,
        '--public-key',
        keys['RSA_2048']!.publicDer,
        '--algorithm',
        'RSAES_OAEP_SHA_256',
        '-o',
        'out/hmac.bin',
      ],
      cwd,
    );
    expect(r.code, r.stderr).toBe(0);
    const out = lines(r.stdout);
    expect(out[0]).toBe(
      `wrote ${join(cwd, 'out/hmac.bin')} (256 bytes): HMAC_224 material wrapped with RSAES_OAEP_SHA_256 under an RSA_2048 wrapping key`,
    );
    expect(out).toContain('next, import it:');
    expect(out.at(-2)).toBe(
      '  # set KEY_ID first: the KMS key (key id, ARN or alias) the material is for, e.g. KEY_ID=1234abcd-12ab-34cd-56ef-1234567890ab',
    );
    expect(out.at(-1)).toBe(
      '  aws kms import-key-material --key-id "$KEY_ID" --encrypted-key-material fileb://out/hmac.bin --import-token fileb://ImportToken.bin --expiration-model KEY_MATERIAL_DOES_NOT_EXPIRE',
    );
    expect(await listing(cwd)).toEqual(['out']);
    expect(await modeOf(join(cwd, 'out/hmac.bin'))).toBe(0o600);
  });

  it('wraps afresh each time: two wraps of the same material differ, and both unwrap', async () => {
    const cwd = await scratch.fresh('random');
    const args = [
      'wrap',
      '--material',
      materials['RSA_2048']!,
      '--public-key',
      keys['RSA_2048']!.publicDer,
      '--algorithm',
      'RSA_AES_KEY_WRAP_SHA_256',
    ];
    const [a, b] = await Promise.all([run([...args, '-o', 'a.bin'], cwd), run([...args, '-o', 'b.bin'], cwd)]);
    expect([a.code, b.code]).toEqual([0, 0]);
    const [ca, cb] = await Promise.all([readFile(join(cwd, 'a.bin')), readFile(join(cwd, 'b.bin'))]);
    expect(ca.equals(cb)).toBe(false);
    const material = await readFile(materials['RSA_2048']!);
    for (const c of [ca, cb]) expect((await opensslUnwrap(c, 'RSA_AES_KEY_WRAP_SHA_256', keys['RSA_2048']!)).equals(material)).toBe(true);
  });

  it('takes the algorithm name in any case', async () => {
    const cwd = await scratch.fresh('case');
    const r = await run(
      ['wrap', '--material', materials['HMAC_512']!, '--public-key', keys['RSA_2048']!.publicDer, '--algorithm', 'rsaes_oaep_sha_256'],
      cwd,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(
      (await opensslUnwrap(await readFile(join(cwd, OUT)), 'RSAES_OAEP_SHA_256', keys['RSA_2048']!)).equals(
        await readFile(materials['HMAC_512']!),
      ),
    ).toBe(true);
  });
});

describe.concurrent('wrap --parameters: the GetParametersForImport JSON', () => {
  const token = randomBytes(300);
  const HOUR = 3600_000;

  const paramsFile = async (cwd: string, key: WrappingKey, validTo: string, name = 'params.json') =>
    write(join(cwd, name), parametersJson({ keyId: KEY_ARN, importToken: token, spki: key.spki, validTo }), 0o644);

  it('ParametersValidTo as epoch seconds (1568290320.0 style): writes ImportToken.bin beside the output, names the key', async () => {
    const cwd = await scratch.fresh('params-epoch');
    const key = keys['RSA_4096']!;
    await paramsFile(cwd, key, epochSeconds(Date.now() + 23 * HOUR));
    await mkdir(join(cwd, 'out'));
    const r = await cli(
      [
        'wrap',
        '--material',
        materials['ECC_NIST_P521']!,
        '--parameters',
        'params.json',
        '--algorithm',
        'RSAES_OAEP_SHA_256',
        '-o',
        'out/P521.bin',
      ],
      cwd,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(await listing(join(cwd, 'out'))).toEqual(['ImportToken.bin', 'P521.bin']);
    expect((await readFile(join(cwd, 'out/ImportToken.bin'))).equals(token)).toBe(true);
    expect(await modeOf(join(cwd, 'out/P521.bin'))).toBe(0o600);
    expect(r.stdout).toContain(`wrote ${join(cwd, 'out/ImportToken.bin')}`);
    expect(r.stdout).toContain(
      `aws kms import-key-material --key-id ${KEY_ARN} --encrypted-key-material fileb://out/P521.bin --import-token fileb://out/ImportToken.bin --expiration-model KEY_MATERIAL_DOES_NOT_EXPIRE`,
    );
    const ciphertext = await readFile(join(cwd, 'out/P521.bin'));
    expect((await opensslUnwrap(ciphertext, 'RSAES_OAEP_SHA_256', key)).equals(await readFile(materials['ECC_NIST_P521']!))).toBe(true);
  });

  it('ParametersValidTo as ISO 8601 (AWS CLI v2), with --json', async () => {
    const cwd = await scratch.fresh('params-iso');
    const key = keys['RSA_2048']!;
    const validTo = Date.now() + 20 * HOUR;
    await paramsFile(cwd, key, isoJson(validTo));
    const r = await cli(
      ['wrap', '--material', materials['RSA_2048']!, '--parameters', 'params.json', '--algorithm', 'RSA_AES_KEY_WRAP_SHA_256', '--json'],
      cwd,
    );
    expect(r.code, r.stderr).toBe(0);
    const j = parseOneJson(r.stdout);
    expect(j).toMatchObject({
      ok: true,
      output: join(cwd, OUT),
      importToken: join(cwd, 'ImportToken.bin'),
      keyId: KEY_ARN,
      keySpec: 'RSA_2048',
      wrappingKeySpec: 'RSA_2048',
      parametersValidTo: new Date(validTo).toISOString(),
    });
    expect(j['nextCommand']).toContain(
      `--key-id ${KEY_ARN} --encrypted-key-material fileb://${OUT} --import-token fileb://ImportToken.bin`,
    );
    expect(await listing(cwd)).toEqual(['EncryptedKeyMaterial.bin', 'ImportToken.bin', 'params.json']);
    expect((await readFile(join(cwd, 'ImportToken.bin'))).equals(token)).toBe(true);
    expect(
      (await opensslUnwrap(await readFile(join(cwd, OUT)), 'RSA_AES_KEY_WRAP_SHA_256', key)).equals(await readFile(materials['RSA_2048']!)),
    ).toBe(true);
  });

  it("the guide's own example, ParametersValidTo 1568290320.0, judged against the clock it is given", async () => {
    const cwd = await scratch.fresh('params-example');
    await paramsFile(cwd, keys['RSA_2048']!, '1568290320.0');
    const args = [
      'wrap',
      '--material',
      materials['HMAC_256']!,
      '--key-spec',
      'HMAC_256',
      '--parameters',
      'params.json',
      '--algorithm',
      'RSAES_OAEP_SHA_256',
    ];
    const validTo = 1568290320_000;
    const expired = await expectUnchanged([cwd], () => run(args, cwd, { now: validTo + 1000 }));
    expectRefusal(expired, { code: 'ERR_PARAMETERS_EXPIRED', says: ['2019-09-12T12:12:00.000Z', 'get-parameters-for-import'] });
    const inTime = await run(args, cwd, { now: validTo - 2 * HOUR });
    expect(inTime.code, inTime.stderr).toBe(0);
    expect(inTime.stderr).toBe('');
    expect(await listing(cwd)).toEqual(['EncryptedKeyMaterial.bin', 'ImportToken.bin', 'params.json']);
  });

  it('expired parameters are refused: exit 1, ERR_PARAMETERS_EXPIRED with the command to fetch new ones, no files', async () => {
    const cwd = await scratch.fresh('params-expired');
    await paramsFile(cwd, keys['RSA_2048']!, epochSeconds(Date.now() - 5 * 60_000));
    const r = await expectUnchanged([cwd], () =>
      cli(['wrap', '--material', materials['SYMMETRIC_DEFAULT']!, '--parameters', 'params.json', '--algorithm', 'RSAES_OAEP_SHA_256'], cwd),
    );
    expectRefusal(r, {
      code: 'ERR_PARAMETERS_EXPIRED',
      says: [
        'expired',
        `aws kms get-parameters-for-import --key-id ${KEY_ARN} --wrapping-algorithm RSAES_OAEP_SHA_256 --wrapping-key-spec RSA_2048`,
      ],
    });
    expect(r.stdout).toBe('');
    expect(await listing(cwd)).toEqual(['params.json']);
  });

  it('expired ISO 8601 parameters are refused too', async () => {
    const cwd = await scratch.fresh('params-expired-iso');
    await paramsFile(cwd, keys['RSA_2048']!, isoJson(Date.now() - 25 * HOUR));
    const r = await expectUnchanged([cwd], () =>
      cli(
        [
          'wrap',
          '--material',
          materials['SYMMETRIC_DEFAULT']!,
          '--parameters',
          'params.json',
          '--algorithm',
          'RSAES_OAEP_SHA_256',
          '--json',
        ],
        cwd,
      ),
    );
    expectRefusal(r, { code: 'ERR_PARAMETERS_EXPIRED', says: ['hours ago'] });
    expect(parseOneJson(r.stdout)).toMatchObject({ ok: false, error: { code: 'ERR_PARAMETERS_EXPIRED' } });
  });

  it('less than an hour left: wraps, and warns on stderr', async () => {
    const cwd = await scratch.fresh('params-soon');
    const key = keys['RSA_3072']!;
    await paramsFile(cwd, key, epochSeconds(Date.now() + 20 * 60_000));
    const r = await cli(
      ['wrap', '--material', materials['HMAC_224']!, '--parameters', 'params.json', '--algorithm', 'RSAES_OAEP_SHA_1'],
      cwd,
    );
    expect(r.code, r.stderr).toBe(0);
    const warnings = lines(r.stderr);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^kms-wrap: warning: the import parameters expire in (19|20) minutes \(at .+\): import before then$/);
    expect(await listing(cwd)).toEqual(['EncryptedKeyMaterial.bin', 'ImportToken.bin', 'params.json']);
    expect(
      (await opensslUnwrap(await readFile(join(cwd, OUT)), 'RSAES_OAEP_SHA_1', key)).equals(await readFile(materials['HMAC_224']!)),
    ).toBe(true);
  });

  it('more than an hour left: no warning', async () => {
    const cwd = await scratch.fresh('params-fine');
    await paramsFile(cwd, keys['RSA_2048']!, epochSeconds(Date.now() + 61 * 60_000));
    const r = await run(
      ['wrap', '--material', materials['HMAC_224']!, '--parameters', 'params.json', '--algorithm', 'RSAES_OAEP_SHA_1'],
      cwd,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
  });

  it('an existing ImportToken.bin beside the output is not replaced without --force, and nothing is written', async () => {
    const cwd = await scratch.fresh('params-token-exists');
    await paramsFile(cwd, keys['RSA_2048']!, epochSeconds(Date.now() + 23 * HOUR));
    await write(join(cwd, 'ImportToken.bin'), 'an older token');
    const args = ['wrap', '--material', materials['HMAC_224']!, '--parameters', 'params.json', '--algorithm', 'RSAES_OAEP_SHA_1'];
    const r = await expectUnchanged([cwd], () => cli(args, cwd));
    expectRefusal(r, { code: 'ERR_FILE_EXISTS', says: [join(cwd, 'ImportToken.bin'), '--force'] });
    const forced = await run([...args, '--force'], cwd);
    expect(forced.code, forced.stderr).toBe(0);
    expect((await readFile(join(cwd, 'ImportToken.bin'))).equals(token)).toBe(true);
  });

  it("the console's unzipped folder (WrappingPublicKey.bin, ImportToken.bin) is read in place", async () => {
    const cwd = await scratch.fresh('params-folder');
    const folder = join(cwd, 'ImportParameters');
    await mkdir(folder);
    const key = keys['RSA_2048']!;
    await write(join(folder, 'WrappingPublicKey.bin'), key.spki, 0o644);
    await write(join(folder, 'ImportToken.bin'), token, 0o644);
    const r = await run(
      ['wrap', '--material', materials['ECC_SECG_P256K1']!, '--parameters', 'ImportParameters', '--algorithm', 'RSA_AES_KEY_WRAP_SHA_256'],
      cwd,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(await listing(cwd)).toEqual(['EncryptedKeyMaterial.bin', 'ImportParameters']);
    expect(r.stdout).toContain(`--import-token fileb://${relative(cwd, join(folder, 'ImportToken.bin'))}`);
    expect(
      (await opensslUnwrap(await readFile(join(cwd, OUT)), 'RSA_AES_KEY_WRAP_SHA_256', key)).equals(
        await readFile(materials['ECC_SECG_P256K1']!),
      ),
    ).toBe(true);
  });
});
