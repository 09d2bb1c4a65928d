/**
 * Every combination AWS KMS rejects is refused before anything is written: exit 1, exactly one
 * line on stderr that names the rule and the way out, nothing on stdout, no file.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Scratch, cli, expectRefusal, expectUnchanged, opensslWrappingKey, parseOneJson, run, write, type WrappingKey } from './helpers.js';

const scratch = new Scratch();
let fixtures = '';
let rsa: WrappingKey;
let sm2: WrappingKey;
const m: Record<string, string> = {};

beforeAll(async () => {
  fixtures = join(await scratch.init('refusals'), 'fixtures');
  await mkdir(fixtures);
  const keygen = async (name: string, ...args: string[]) => {
    const r = await run(['keygen', ...args, '-o', join(fixtures, name)], fixtures);
    expect(r.code, r.stderr).toBe(0);
    m[name] = join(fixtures, name);
  };
  [rsa, sm2] = await Promise.all([
    opensslWrappingKey(fixtures, 'RSA', 2048),
    opensslWrappingKey(fixtures, 'SM2'),
    keygen('sym32.bin', 'SYMMETRIC_DEFAULT'),
    keygen('sym16.bin', 'SYMMETRIC_DEFAULT', '--region', 'china'),
    keygen('hmac384.bin', 'HMAC_384'),
    keygen('rsa2048.der', 'RSA_2048'),
    keygen('p256.der', 'ECC_NIST_P256'),
    keygen('p521.der', 'ECC_NIST_P521'),
    keygen('sm2.der', 'SM2', '--region', 'china'),
  ]);
});

afterAll(() => scratch.dispose());

interface Refusal {
  readonly name: string;
  readonly material: string;
  readonly algorithm: string;
  readonly key: 'rsa' | 'sm2';
  readonly extra?: readonly string[];
  readonly code: string;
  readonly says: readonly (string | RegExp)[];
}

const REFUSALS: readonly Refusal[] = [
  {
    name: 'RSA material with RSAES_OAEP_SHA_256',
    material: 'rsa2048.der',
    algorithm: 'RSAES_OAEP_SHA_256',
    key: 'rsa',
    code: 'ERR_COMBINATION_REJECTED',
    says: ['does not accept RSA_2048 material (RSA private key) wrapped with RSAES_OAEP_SHA_256', '— use RSA_AES_KEY_WRAP_SHA_256'],
  },
  {
    name: 'RSA material with RSAES_OAEP_SHA_1',
    material: 'rsa2048.der',
    algorithm: 'RSAES_OAEP_SHA_1',
    key: 'rsa',
    code: 'ERR_COMBINATION_REJECTED',
    says: ['RSA_2048 material (RSA private key) wrapped with RSAES_OAEP_SHA_1', 'use RSA_AES_KEY_WRAP_SHA_256'],
  },
  {
    name: 'symmetric material with RSA_AES_KEY_WRAP_SHA_256',
    material: 'sym32.bin',
    algorithm: 'RSA_AES_KEY_WRAP_SHA_256',
    key: 'rsa',
    extra: ['--key-spec', 'SYMMETRIC_DEFAULT'],
    code: 'ERR_COMBINATION_REJECTED',
    says: [
      'SYMMETRIC_DEFAULT material (symmetric) wrapped with RSA_AES_KEY_WRAP_SHA_256',
      'which is for RSA private key or ECC private key material',
      '— use RSAES_OAEP_SHA_256',
    ],
  },
  {
    name: 'raw 32 bytes (no --key-spec) with RSA_AES_KEY_WRAP_SHA_1',
    material: 'sym32.bin',
    algorithm: 'RSA_AES_KEY_WRAP_SHA_1',
    key: 'rsa',
    code: 'ERR_COMBINATION_REJECTED',
    says: ['wrapped with RSA_AES_KEY_WRAP_SHA_1', '— use RSAES_OAEP_SHA_256'],
  },
  {
    name: 'HMAC material with RSA_AES_KEY_WRAP_SHA_1',
    material: 'hmac384.bin',
    algorithm: 'RSA_AES_KEY_WRAP_SHA_1',
    key: 'rsa',
    code: 'ERR_COMBINATION_REJECTED',
    says: ['HMAC_384 material (HMAC) wrapped with RSA_AES_KEY_WRAP_SHA_1', '— use RSAES_OAEP_SHA_256'],
  },
  {
    name: 'symmetric material with SM2PKE (China)',
    material: 'sym16.bin',
    algorithm: 'SM2PKE',
    key: 'sm2',
    extra: ['--region', 'china'],
    code: 'ERR_COMBINATION_REJECTED',
    says: ['SYMMETRIC_DEFAULT material (symmetric) wrapped with SM2PKE', '— use RSAES_OAEP_SHA_256 with an RSA_4096 wrapping key'],
  },
  {
    name: 'HMAC material with SM2PKE (China)',
    material: 'hmac384.bin',
    algorithm: 'SM2PKE',
    key: 'sm2',
    extra: ['--region', 'china'],
    code: 'ERR_COMBINATION_REJECTED',
    says: ['HMAC_384 material (HMAC) wrapped with SM2PKE', 'use RSAES_OAEP_SHA_256 with an RSA_4096 wrapping key'],
  },
  {
    name: 'ECC_NIST_P521 + RSA_2048 + RSAES_OAEP_SHA_256 (OAEP capacity)',
    material: 'p521.der',
    algorithm: 'RSAES_OAEP_SHA_256',
    key: 'rsa',
    code: 'ERR_CAPACITY_EXCEEDED',
    says: [
      'ECC_NIST_P521 material (241 bytes) does not fit RSAES_OAEP_SHA_256 under an RSA_2048 wrapping key (190 bytes at most)',
      '— use RSA_AES_KEY_WRAP_SHA_256, or an RSA_3072 or RSA_4096 wrapping key',
    ],
  },
  {
    name: 'ECC_NIST_P521 + RSA_2048 + RSAES_OAEP_SHA_1 (OAEP capacity)',
    material: 'p521.der',
    algorithm: 'RSAES_OAEP_SHA_1',
    key: 'rsa',
    code: 'ERR_CAPACITY_EXCEEDED',
    says: [
      '(241 bytes) does not fit RSAES_OAEP_SHA_1 under an RSA_2048 wrapping key (214 bytes at most)',
      'RSA_AES_KEY_WRAP_SHA_256',
      'RSA_3072 or RSA_4096',
    ],
  },
  {
    name: 'ECC_NIST_P521 + RSA_2048 + RSAES_OAEP_SHA_256 in China (no key wrap there)',
    material: 'p521.der',
    algorithm: 'RSAES_OAEP_SHA_256',
    key: 'rsa',
    extra: ['--region', 'china'],
    code: 'ERR_CAPACITY_EXCEEDED',
    says: ['190 bytes at most', '— use an RSA_3072 or RSA_4096 wrapping key'],
  },
  {
    name: 'RSA_AES_KEY_WRAP_SHA_256 in the China Regions (RSA material: SM2PKE instead)',
    material: 'rsa2048.der',
    algorithm: 'RSA_AES_KEY_WRAP_SHA_256',
    key: 'rsa',
    extra: ['--region', 'china'],
    code: 'ERR_REGION_MISMATCH',
    says: ['RSA_AES_KEY_WRAP_SHA_256 is not available in the AWS China Regions', '— use SM2PKE with an SM2 wrapping key'],
  },
  {
    name: 'RSA_AES_KEY_WRAP_SHA_1 in the China Regions (ECC material: OAEP instead)',
    material: 'p256.der',
    algorithm: 'RSA_AES_KEY_WRAP_SHA_1',
    key: 'rsa',
    extra: ['--region', 'china'],
    code: 'ERR_REGION_MISMATCH',
    says: ['RSA_AES_KEY_WRAP_SHA_1 is not available in the AWS China Regions', '— use RSAES_OAEP_SHA_256'],
  },
  {
    name: 'SM2PKE without --region china (SM2 wrapping key)',
    material: 'p256.der',
    algorithm: 'SM2PKE',
    key: 'sm2',
    code: 'ERR_REGION_MISMATCH',
    says: ['SM2 wrapping keys exist only in the AWS China Regions', 'pass --region china', 'RSA_4096'],
  },
  {
    name: 'SM2PKE without --region china (RSA wrapping key)',
    material: 'rsa2048.der',
    algorithm: 'SM2PKE',
    key: 'rsa',
    code: 'ERR_REGION_MISMATCH',
    says: ['SM2PKE is available only in the AWS China Regions', 'pass --region china', 'RSA_AES_KEY_WRAP_SHA_256'],
  },
  {
    name: 'SM2 material without --region china',
    material: 'sm2.der',
    algorithm: 'RSAES_OAEP_SHA_256',
    key: 'rsa',
    code: 'ERR_REGION_MISMATCH',
    says: ['SM2 key material can be imported only in the AWS China Regions', 'pass --region china'],
  },
  {
    name: 'SM2 material with SM2PKE without --region china',
    material: 'sm2.der',
    algorithm: 'SM2PKE',
    key: 'sm2',
    code: 'ERR_REGION_MISMATCH',
    says: ['only in the AWS China Regions', '--region china'],
  },
  {
    name: '16-byte symmetric material without --region china',
    material: 'sym16.bin',
    algorithm: 'RSAES_OAEP_SHA_256',
    key: 'rsa',
    code: 'ERR_REGION_MISMATCH',
    says: ['16-byte symmetric keys (SM4) exist only in the AWS China Regions', 'pass --region china', 'or use 32 bytes'],
  },
  {
    name: '32-byte SYMMETRIC_DEFAULT (--key-spec) in the China Regions',
    material: 'sym32.bin',
    algorithm: 'RSAES_OAEP_SHA_256',
    key: 'rsa',
    extra: ['--key-spec', 'SYMMETRIC_DEFAULT', '--region', 'china'],
    code: 'ERR_KEY_SPEC_MISMATCH',
    says: [
      'SYMMETRIC_DEFAULT material is 16 bytes in the China Regions, but this is 32 bytes',
      '— use material of the right length or the matching key spec',
    ],
  },
  {
    name: 'RSAES_PKCS1_V1_5 (deprecated)',
    material: 'sym32.bin',
    algorithm: 'RSAES_PKCS1_V1_5',
    key: 'rsa',
    code: 'ERR_ALGORITHM_DEPRECATED',
    says: ['RSAES_PKCS1_V1_5 has not been accepted by AWS KMS since 10 October 2023', '— use RSAES_OAEP_SHA_256'],
  },
  {
    name: 'rsaes_pkcs1_v1_5 in lower case, for RSA material',
    material: 'rsa2048.der',
    algorithm: 'rsaes_pkcs1_v1_5',
    key: 'rsa',
    code: 'ERR_ALGORITHM_DEPRECATED',
    says: ['since 10 October 2023', 'RSA_AES_KEY_WRAP_SHA_256'],
  },
  {
    name: 'RSAES_OAEP_SHA_256 under an SM2 wrapping key (China)',
    material: 'p256.der',
    algorithm: 'RSAES_OAEP_SHA_256',
    key: 'sm2',
    extra: ['--region', 'china'],
    code: 'ERR_PUBLIC_KEY_TYPE',
    says: ['RSAES_OAEP_SHA_256 needs an RSA_2048, RSA_3072 or RSA_4096 wrapping key, and this one is SM2', '— use SM2PKE'],
  },
  {
    name: 'SM2PKE under an RSA wrapping key (China)',
    material: 'rsa2048.der',
    algorithm: 'SM2PKE',
    key: 'rsa',
    extra: ['--region', 'china'],
    code: 'ERR_PUBLIC_KEY_TYPE',
    says: ['SM2PKE needs an SM2 wrapping key, and this one is RSA_2048', '— use an SM2 wrapping key'],
  },
];

describe.concurrent('wrap refuses what KMS rejects, with the rule and the way out', () => {
  // Half through `node dist/bin.js`, half through the same `main` in-process (cheaper on 2 cores).
  it.each(REFUSALS.map((r, i) => [`${r.name} [${i % 2 === 0 ? 'binary' : 'in-process'}]`, r, i % 2 === 0 ? cli : run] as const))(
    '%s',
    async (_, c, via) => {
      const cwd = await scratch.fresh(c.name);
      const key = c.key === 'rsa' ? rsa : sm2;
      const r = await expectUnchanged([cwd, fixtures], () =>
        via(['wrap', '--material', m[c.material]!, '--public-key', key.publicDer, '--algorithm', c.algorithm, ...(c.extra ?? [])], cwd),
      );
      expectRefusal(r, { code: c.code, says: c.says });
      expect(r.stdout).toBe('');
    },
  );

  it('with --json the refusal is also one JSON object on stdout, and still one line on stderr', async () => {
    const cwd = await scratch.fresh('json-refusal');
    const r = await expectUnchanged([cwd, fixtures], () =>
      cli(['wrap', '--material', m['p521.der']!, '--public-key', rsa.publicDer, '--algorithm', 'RSAES_OAEP_SHA_256', '--json'], cwd),
    );
    const line = expectRefusal(r, { code: 'ERR_CAPACITY_EXCEEDED', says: ['241 bytes', '190 bytes at most'] });
    const j = parseOneJson(r.stdout);
    expect(j).toMatchObject({
      ok: false,
      error: { code: 'ERR_CAPACITY_EXCEEDED', message: line.replace('kms-wrap: ERR_CAPACITY_EXCEEDED: ', '') },
    });
  });

  it('a refusal leaves an existing output file as it was, even with --force', async () => {
    const cwd = await scratch.fresh('refusal-force');
    await write(join(cwd, 'EncryptedKeyMaterial.bin'), 'an earlier wrap');
    const r = await expectUnchanged([cwd, fixtures], () =>
      cli(['wrap', '--material', m['rsa2048.der']!, '--public-key', rsa.publicDer, '--algorithm', 'RSAES_OAEP_SHA_256', '--force'], cwd),
    );
    expectRefusal(r, { code: 'ERR_COMBINATION_REJECTED' });
  });
});
