/**
 * `kms-wrap inspect FILE`: what a file is and whether KMS takes it as is, for people and for
 * scripts — raw and PKCS#8 material, PEM keys, encrypted keys, wrapping public keys, parameters.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  KEY_ARN,
  Scratch,
  cli,
  epochSeconds,
  expectNoStack,
  expectRefusal,
  isoJson,
  lines,
  openssl,
  opensslWrappingKey,
  parametersJson,
  parseOneJson,
  run,
  write,
  type Run,
  type WrappingKey,
} from './helpers.js';

const scratch = new Scratch();
let f = '';
let rsa: WrappingKey;
let sm2: WrappingKey;
const p: Record<string, string> = {};

beforeAll(async () => {
  f = join(await scratch.init('inspect'), 'fixtures');
  await mkdir(f);
  const ossl = async (name: string, args: string[]) => {
    await openssl([...args, '-out', join(f, name)]);
    return (p[name] = join(f, name));
  };
  const keygen = async (name: string, ...args: string[]) => {
    const r = await run(['keygen', ...args, '-o', join(f, name)], f);
    expect(r.code, r.stderr).toBe(0);
    p[name] = join(f, name);
  };
  const ecKeys = async () => {
    const sec1 = await ossl('ec-sec1.pem', ['ecparam', '-name', 'secp384r1', '-genkey', '-noout']);
    await Promise.all([
      ossl('ec-encrypted.pem', ['pkcs8', '-topk8', '-in', sec1, '-passout', 'pass:secret']),
      ossl('ec-encrypted.der', ['pkcs8', '-topk8', '-in', sec1, '-passout', 'pass:secret', '-outform', 'DER']),
    ]);
  };
  [rsa, sm2] = await Promise.all([
    opensslWrappingKey(f, 'RSA', 2048),
    opensslWrappingKey(f, 'SM2'),
    keygen('sym32.bin', 'SYMMETRIC_DEFAULT'),
    keygen('hmac224.bin', 'HMAC_224'),
    keygen('rsa2048.der', 'RSA_2048'),
    keygen('p521.der', 'ECC_NIST_P521'),
    ecKeys(),
  ]);
  const token = new Uint8Array(128).fill(9);
  p['params.json'] = await write(
    join(f, 'params.json'),
    parametersJson({ keyId: KEY_ARN, importToken: token, spki: rsa.spki, validTo: epochSeconds(Date.now() + 86_400_000) }),
  );
  p['expired.json'] = await write(
    join(f, 'expired.json'),
    parametersJson({ keyId: KEY_ARN, importToken: token, spki: rsa.spki, validTo: isoJson(Date.now() - 3_600_000) }),
  );
  p['33.bin'] = await write(join(f, '33.bin'), new Uint8Array(33).fill(3));
});

afterAll(() => scratch.dispose());

let calls = 0;

/** Human output (every third through the binary, else in-process) and --json (in-process), checked against each other. */
async function inspect(file: string, ...extra: string[]): Promise<{ human: Run; json: Record<string, unknown> }> {
  const cwd = await scratch.fresh('inspect');
  const via = calls++ % 3 === 0 ? cli : run;
  const [human, machine] = await Promise.all([via(['inspect', file, ...extra], cwd), run(['inspect', file, ...extra, '--json'], cwd)]);
  for (const r of [human, machine]) {
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expectNoStack(r);
  }
  const json = parseOneJson(machine.stdout);
  expect(json['ok']).toBe(true);
  expect(json['file']).toBe(file);
  expect(lines(human.stdout)[0]).toBe(file);
  expect(human.stdout).toContain(`  type:    ${String(json['type']).replace(/-/g, ' ')}\n`);
  expect(human.stdout).toContain(`  format:  ${String(json['format'])}\n`);
  expect(human.stdout).toContain(`  size:    ${String(json['bytes'])} bytes\n`);
  for (const d of json['details'] as string[]) expect(human.stdout).toContain(`  ${d}\n`);
  return { human, json };
}

describe.concurrent('inspect', () => {
  it('raw 32 bytes: key material, SYMMETRIC_DEFAULT or HMAC_256, importable as is', async () => {
    const { human, json } = await inspect(p['sym32.bin']!);
    expect(json).toMatchObject({
      type: 'key-material',
      format: 'raw bytes',
      keySpec: null,
      keySpecCandidates: ['SYMMETRIC_DEFAULT', 'HMAC_256'],
      bytes: 32,
      kmsImportableAsIs: true,
    });
    expect(human.stdout).toContain('  key spec: SYMMETRIC_DEFAULT or HMAC_256\n');
    expect(human.stdout).toContain('--key-spec');
  });

  it('raw 32 bytes in the China Regions: HMAC_256 only', async () => {
    const { json } = await inspect(p['sym32.bin']!, '--region', 'china');
    expect(json).toMatchObject({ type: 'key-material', keySpec: 'HMAC_256', keySpecCandidates: ['HMAC_256'] });
  });

  it('raw 28 bytes: HMAC_224', async () => {
    const { human, json } = await inspect(p['hmac224.bin']!);
    expect(json).toMatchObject({ type: 'key-material', keySpec: 'HMAC_224', bytes: 28, kmsImportableAsIs: true });
    expect(human.stdout).toContain('  key spec: HMAC_224\n');
  });

  it('PKCS#8 DER RSA key: RSA_2048, importable as is', async () => {
    const { human, json } = await inspect(p['rsa2048.der']!);
    expect(json).toMatchObject({ type: 'key-material', format: 'PKCS#8 DER (unencrypted)', keySpec: 'RSA_2048', kmsImportableAsIs: true });
    expect(human.stdout).toContain('RSA:     2048-bit private key');
  });

  it('PKCS#8 DER EC key: ECC_NIST_P521 with its curve', async () => {
    const { human, json } = await inspect(p['p521.der']!);
    expect(json).toMatchObject({ type: 'key-material', keySpec: 'ECC_NIST_P521', bytes: 241, kmsImportableAsIs: true });
    expect(human.stdout).toContain('curve:   P-521');
  });

  it('a SEC1 PEM key: a private key KMS needs converted, and how', async () => {
    const { json } = await inspect(p['ec-sec1.pem']!);
    expect(json).toMatchObject({ type: 'private-key', format: 'sec1-pem', keySpec: 'ECC_NIST_P384', kmsImportableAsIs: false });
    expect((json['details'] as string[]).join('\n')).toContain('kms-wrap convert');
  });

  it.each([
    ['PEM', 'ec-encrypted.pem'],
    ['DER', 'ec-encrypted.der'],
  ])('an encrypted private key (%s): the problem and the openssl command', async (_, name) => {
    const { human, json } = await inspect(p[name]!);
    expect(json).toMatchObject({
      type: 'private-key',
      format: 'encrypted private key',
      kmsImportableAsIs: false,
      problem: { code: 'ERR_MATERIAL_ENCRYPTED' },
    });
    expect(human.stdout).toMatch(/ {2}problem: .*openssl pkcs8 -topk8 -nocrypt/);
  });

  it.each([
    ['DER', () => rsa.publicDer, 'DER SubjectPublicKeyInfo'],
    ['PEM', () => rsa.publicPem, 'SubjectPublicKeyInfo as text (PEM or base64)'],
    ['base64', () => rsa.publicBase64, 'SubjectPublicKeyInfo as text (PEM or base64)'],
  ] as const)('an RSA wrapping public key (%s): its spec and the algorithms for it', async (_, file, format) => {
    const { human, json } = await inspect(file());
    expect(json).toMatchObject({ type: 'wrapping-public-key', format, kmsImportableAsIs: false });
    expect(json['details']).toEqual(
      expect.arrayContaining([
        'wrapping key spec: RSA_2048',
        'algorithms for this key: RSA_AES_KEY_WRAP_SHA_256, RSA_AES_KEY_WRAP_SHA_1, RSAES_OAEP_SHA_256, RSAES_OAEP_SHA_1',
      ]),
    );
    expect(human.stdout).toContain('wrapping key spec: RSA_2048');
  });

  it('an SM2 wrapping public key (base64) in the China Regions: SM2PKE', async () => {
    const { json } = await inspect(sm2.publicBase64, '--region', 'china');
    expect(json['type']).toBe('wrapping-public-key');
    expect(json['details']).toEqual(expect.arrayContaining(['wrapping key spec: SM2', 'algorithms for this key (China Regions): SM2PKE']));
  });

  it('GetParametersForImport JSON: key id, wrapping key, valid to', async () => {
    const { human, json } = await inspect(p['params.json']!);
    expect(json).toMatchObject({ type: 'import-parameters', format: 'GetParametersForImport JSON', kmsImportableAsIs: false });
    const details = (json['details'] as string[]).join('\n');
    expect(details).toContain(`key id:  ${KEY_ARN}`);
    expect(details).toContain('wrapping key: RSA_2048');
    expect(details).toMatch(/valid to: \d{4}-\d{2}-\d{2}T/);
    expect(details).not.toContain('EXPIRED');
    expect(human.stdout).toContain(KEY_ARN);
  });

  it('expired GetParametersForImport JSON says so', async () => {
    const { json } = await inspect(p['expired.json']!);
    expect((json['details'] as string[]).join('\n')).toContain('(EXPIRED: fetch new parameters)');
  });

  it('33 bytes: not recognised, with the reason', async () => {
    const { human, json } = await inspect(p['33.bin']!);
    expect(json).toMatchObject({
      type: 'unknown',
      format: 'not recognised',
      kmsImportableAsIs: false,
      problem: { code: 'ERR_MATERIAL_INVALID' },
    });
    expect(human.stdout).toMatch(/ {2}problem: the material is 33 bytes/);
  });

  it('a missing file is a one-line error, exit 1 (and JSON with --json)', async () => {
    const cwd = await scratch.fresh('missing');
    const r = await cli(['inspect', 'nope.bin', '--json'], cwd);
    expectRefusal(r, { code: 'ERR_FILE_UNREADABLE', says: ['no such file'] });
    expect(parseOneJson(r.stdout)).toMatchObject({ ok: false, error: { code: 'ERR_FILE_UNREADABLE' } });
  });

  it('no FILE: usage, exit 2', async () => {
    const cwd = await scratch.fresh('no-file');
    expectRefusal(await cli(['inspect'], cwd), { code: 'ERR_USAGE', exit: 2, says: ['kms-wrap inspect needs an argument'] });
  });

  it('never prints the material it inspects', async () => {
    const material = await readFile(p['sym32.bin']!);
    const { human, json } = await inspect(p['sym32.bin']!);
    for (const text of [human.stdout, JSON.stringify(json)]) {
      expect(text).not.toContain(material.toString('hex'));
      expect(text).not.toContain(material.toString('base64').slice(0, 40));
    }
  });
});

describe('SM2 without --region china: the flag to add, not "none"', () => {
  it('SM2 key material', async () => {
    const cwd = await scratch.fresh('sm2-material');
    const k = await run(['keygen', 'SM2', '--region', 'china', '-o', 'sm2.der'], cwd);
    expect(k.code, k.stderr).toBe(0);
    const { human } = await inspect(join(cwd, 'sm2.der'));
    expect(human.stdout).toContain('targets: none outside the AWS China Regions — add --region china (AWS KMS imports it there)');
    const { human: china } = await inspect(join(cwd, 'sm2.der'), '--region', 'china');
    expect(china.stdout).toMatch(/targets: aws\b/);
  });

  it('an SM2 wrapping key', async () => {
    const { human } = await inspect(sm2.publicDer);
    expect(human.stdout).toContain('algorithms for this key: none outside the AWS China Regions — add --region china (there: SM2PKE)');
    expect(human.stdout).toContain('targets for this key: none outside the AWS China Regions — add --region china (there: aws (SM2PKE))');
    const { human: china } = await inspect(sm2.publicDer, '--region', 'china');
    expect(china.stdout).toContain('algorithms for this key (China Regions): SM2PKE');
  });
});

describe("kms-wrap's own outputs: what made EncryptedKeyMaterial.bin, from its length", () => {
  type Reading = { algorithms: string[]; wrappingKeySpec: string; materialLength: [number, number]; keySpecs: string[] };
  /** Wraps `material` with the real CLI, then inspects the output: the reading that names what was done must be among them. */
  async function wrapThenInspect(
    material: string,
    algorithm: string,
    key: WrappingKey,
    wrappingKeySpec: string,
    keySpec: string,
    ...extra: string[]
  ) {
    const cwd = await scratch.fresh('wrapped');
    const w = await run(
      ['wrap', '--material', material, '--public-key', key.publicDer, '--algorithm', algorithm, '-o', 'EncryptedKeyMaterial.bin', ...extra],
      cwd,
    );
    expect(w.code, w.stderr).toBe(0);
    const out = join(cwd, 'EncryptedKeyMaterial.bin');
    const materialLength = (await readFile(material)).length;
    const { human, json } = await inspect(out, ...extra);
    expect(json).toMatchObject({ type: 'wrapped-key-material', kmsImportableAsIs: true });
    const readings = json['wrapped'] as Reading[];
    const right = readings.find((r) => r.algorithms.includes(algorithm) && r.wrappingKeySpec === wrappingKeySpec);
    expect(right, JSON.stringify(readings)).toBeDefined();
    expect(right!.keySpecs).toContain(keySpec);
    expect(materialLength).toBeGreaterThanOrEqual(right!.materialLength[0]);
    expect(materialLength).toBeLessThanOrEqual(right!.materialLength[1]);
    expect(human.stdout).toContain('  type:    wrapped key material');
    expect(human.stdout).toMatch(new RegExp(`could be: .*${keySpec}.* material \\(.+\\) wrapped with .*${algorithm}`));
    return readings;
  }

  it('RSAES_OAEP_SHA_256 of HMAC_224 material under RSA_2048: the algorithm, the key size and the material', async () => {
    const readings = await wrapThenInspect(p['hmac224.bin']!, 'RSAES_OAEP_SHA_256', rsa, 'RSA_2048', 'HMAC_224');
    // 256 bytes is only ever an RSA_2048 OAEP output: no RSA_AES_KEY_WRAP or other key size fits.
    expect(readings.map((r) => r.wrappingKeySpec)).toEqual(['RSA_2048']);
  });

  it('RSA_AES_KEY_WRAP_SHA_256 of a P-521 private key under RSA_2048: the material length within 8 bytes', async () => {
    const readings = await wrapThenInspect(p['p521.der']!, 'RSA_AES_KEY_WRAP_SHA_256', rsa, 'RSA_2048', 'ECC_NIST_P521');
    const kw = readings.find((r) => r.algorithms.includes('RSA_AES_KEY_WRAP_SHA_256') && r.wrappingKeySpec === 'RSA_2048')!;
    expect(kw.algorithms).toEqual(['RSA_AES_KEY_WRAP_SHA_256', 'RSA_AES_KEY_WRAP_SHA_1']);
    expect(kw.materialLength[1] - kw.materialLength[0]).toBe(7);
  });

  it('SM2PKE of SM2 material, with --region china', async () => {
    const cwd = await scratch.fresh('sm2-wrapped');
    const k = await run(['keygen', 'SM2', '--region', 'china', '-o', 'sm2.der'], cwd);
    expect(k.code, k.stderr).toBe(0);
    await wrapThenInspect(join(cwd, 'sm2.der'), 'SM2PKE', sm2, 'SM2', 'SM2', '--region', 'china');
  });

  it('bytes no wrap gives stay unknown (33 bytes: too short for any)', async () => {
    const { json } = await inspect(p['33.bin']!);
    expect(json['type']).toBe('unknown');
    expect(json['wrapped']).toBeUndefined();
  });
});
