/**
 * Bad input to `kms-wrap wrap`: a clear one-line error, exit 1 (2 for usage), never a stack
 * trace, and no file created, changed or left behind (temporary files included).
 */
import { createPrivateKey } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  KEY_ARN,
  Scratch,
  cli,
  epochSeconds,
  expectNoTempFiles,
  expectRefusal,
  expectUnchanged,
  lines,
  listing,
  modeOf,
  openssl,
  opensslPkcs8,
  opensslUnwrap,
  opensslWrappingKey,
  parametersJson,
  parseOneJson,
  run,
  write,
  type WrappingKey,
} from './helpers.js';

const scratch = new Scratch();
let f = '';
let rsa: WrappingKey;
/** Input files by name → absolute path. */
const p: Record<string, string> = {};

beforeAll(async () => {
  f = join(await scratch.init('bad-input'), 'fixtures');
  await mkdir(f);
  const file = async (name: string, data: Uint8Array | string) => (p[name] = await write(join(f, name), data));
  const ossl = async (name: string, args: string[]) => {
    await openssl([...args, '-out', join(f, name)]);
    p[name] = join(f, name);
  };
  const materialKey = async () => {
    await ossl('rsa.pem', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048']);
    await Promise.all([
      ossl('rsa.der', ['pkcs8', '-topk8', '-nocrypt', '-in', p['rsa.pem']!, '-outform', 'DER']),
      ossl('rsa-pkcs1.pem', ['rsa', '-in', p['rsa.pem']!, '-traditional']),
      ossl('rsa-encrypted.pem', ['pkcs8', '-topk8', '-in', p['rsa.pem']!, '-v2', 'aes-256-cbc', '-passout', 'pass:secret']),
      ossl('rsa-encrypted.der', [
        'pkcs8',
        '-topk8',
        '-in',
        p['rsa.pem']!,
        '-v2',
        'aes-256-cbc',
        '-passout',
        'pass:secret',
        '-outform',
        'DER',
      ]),
      ossl('rsa-public.der', ['pkey', '-in', p['rsa.pem']!, '-pubout', '-outform', 'DER']),
      ossl('rsa-public.pem', ['pkey', '-in', p['rsa.pem']!, '-pubout']),
    ]);
    await file('rsa-truncated.der', (await readFile(p['rsa.der']!)).subarray(0, 300));
  };
  const ecKey = async () => {
    await ossl('ec-sec1.pem', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout']);
    await Promise.all([
      ossl('ec-public.der', ['pkey', '-in', p['ec-sec1.pem']!, '-pubout', '-outform', 'DER']),
      ossl('ec-pkcs8.pem', ['pkcs8', '-topk8', '-nocrypt', '-in', p['ec-sec1.pem']!]),
      file('ec.jwk', JSON.stringify(createPrivateKey(await readFile(p['ec-sec1.pem']!)).export({ format: 'jwk' }))),
    ]);
  };
  const weakKey = async () => {
    await ossl('rsa1024.pem', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024']);
    await ossl('rsa1024-public.der', ['pkey', '-in', p['rsa1024.pem']!, '-pubout', '-outform', 'DER']);
  };
  const keygen = async (name: string, ...args: string[]) => {
    const r = await run(['keygen', ...args, '-o', join(f, name)], f);
    expect(r.code, r.stderr).toBe(0);
    p[name] = join(f, name);
  };
  [rsa] = await Promise.all([
    opensslWrappingKey(f, 'RSA', 2048),
    materialKey(),
    ecKey(),
    weakKey(),
    keygen('sym32.bin', 'SYMMETRIC_DEFAULT'),
    ossl('ed25519.der', ['genpkey', '-algorithm', 'ED25519', '-outform', 'DER']),
    file('empty.bin', new Uint8Array(0)),
    file('33.bin', new Uint8Array(33).fill(7)),
    file('huge.bin', new Uint8Array((1 << 20) + 1)),
    file('not-json.json', '{"KeyId": "arn:aws:kms:'),
    file('no-public-key.json', '{"KeyId": "k", "ImportToken": "AAAA"}'),
    mkdir(join(f, 'a-directory')).then(() => (p['a-directory'] = join(f, 'a-directory'))),
  ]);
  await file('public-truncated.der', rsa.spki.subarray(0, 100));
});

afterAll(() => scratch.dispose());

interface BadInput {
  readonly name: string;
  readonly args: () => string[];
  readonly code: string;
  readonly exit?: number;
  readonly says: readonly (string | RegExp)[];
}

const wrap = (material: string, publicKey: string, algorithm = 'RSAES_OAEP_SHA_256', ...extra: string[]) => [
  'wrap',
  '--material',
  material,
  '--public-key',
  publicKey,
  '--algorithm',
  algorithm,
  ...extra,
];

const BAD: readonly BadInput[] = [
  {
    name: 'empty material file',
    args: () => wrap(p['empty.bin']!, rsa.publicDer),
    code: 'ERR_FILE_UNREADABLE',
    says: ['key material file', 'is empty', '— check that it was saved whole'],
  },
  {
    name: 'missing material file',
    args: () => wrap(join(f, 'nope.bin'), rsa.publicDer),
    code: 'ERR_FILE_UNREADABLE',
    says: ['cannot read the key material', 'no such file', '— check the path'],
  },
  {
    name: 'truncated material (PKCS#8 DER cut short)',
    args: () => wrap(p['rsa-truncated.der']!, rsa.publicDer, 'RSA_AES_KEY_WRAP_SHA_256'),
    code: 'ERR_MATERIAL_INVALID',
    says: ['truncated', 'has only 300 bytes'],
  },
  {
    name: 'material path is a directory',
    args: () => wrap(p['a-directory']!, rsa.publicDer),
    code: 'ERR_FILE_UNREADABLE',
    says: ['is a directory', '— name the file inside it'],
  },
  {
    name: 'material file over 1 MiB',
    args: () => wrap(p['huge.bin']!, rsa.publicDer),
    code: 'ERR_FILE_UNREADABLE',
    says: ['far larger than any key'],
  },
  {
    name: 'empty public key file',
    args: () => wrap(p['sym32.bin']!, p['empty.bin']!),
    code: 'ERR_FILE_UNREADABLE',
    says: ['wrapping public key file', 'is empty'],
  },
  {
    name: 'missing public key file',
    args: () => wrap(p['sym32.bin']!, join(f, 'WrappingPublicKey.bin')),
    code: 'ERR_FILE_UNREADABLE',
    says: ['cannot read the wrapping public key', 'no such file'],
  },
  {
    name: 'truncated public key',
    args: () => wrap(p['sym32.bin']!, p['public-truncated.der']!),
    code: 'ERR_PUBLIC_KEY_INVALID',
    says: ['not valid DER', 'check that the file is whole'],
  },
  {
    name: 'public key path is a directory',
    args: () => wrap(p['sym32.bin']!, p['a-directory']!),
    code: 'ERR_FILE_UNREADABLE',
    says: ['wrapping public key path', 'is a directory'],
  },
  {
    name: 'a public key (DER) given as material',
    args: () => wrap(p['rsa-public.der']!, rsa.publicDer, 'RSA_AES_KEY_WRAP_SHA_256'),
    code: 'ERR_MATERIAL_INVALID',
    says: ['the material is a public key', 'KMS imports the private key', '— use the private key file'],
  },
  {
    name: 'a public key (PEM) given as material',
    args: () => wrap(p['rsa-public.pem']!, rsa.publicDer, 'RSA_AES_KEY_WRAP_SHA_256'),
    code: 'ERR_MATERIAL_INVALID',
    says: ['public key (PEM)', '— use the private key file'],
  },
  {
    name: 'the wrapping public key given as material',
    args: () => wrap(rsa.publicDer, rsa.publicDer),
    code: 'ERR_MATERIAL_INVALID',
    says: ['public key'],
  },
  {
    name: 'raw material given as the public key',
    args: () => wrap(p['sym32.bin']!, p['sym32.bin']!),
    code: 'ERR_PUBLIC_KEY_INVALID',
    says: ['wrapping public key'],
  },
  {
    name: 'encrypted PKCS#8 PEM material',
    args: () => wrap(p['rsa-encrypted.pem']!, rsa.publicDer, 'RSA_AES_KEY_WRAP_SHA_256'),
    code: 'ERR_MATERIAL_ENCRYPTED',
    says: ['encrypted private key', 'openssl pkcs8 -topk8 -nocrypt -in KEY -outform DER -out KEY.der'],
  },
  {
    name: 'encrypted PKCS#8 DER material',
    args: () => wrap(p['rsa-encrypted.der']!, rsa.publicDer, 'RSA_AES_KEY_WRAP_SHA_256'),
    code: 'ERR_MATERIAL_ENCRYPTED',
    says: ['encrypted PKCS#8 private key', 'openssl pkcs8 -topk8 -nocrypt'],
  },
  {
    name: 'a PKCS#8 DER private key given as --public-key',
    args: () => wrap(p['sym32.bin']!, p['rsa.der']!),
    code: 'ERR_PUBLIC_KEY_IS_PRIVATE',
    says: ['private key', 'give the public key (WrappingPublicKey.bin)'],
  },
  {
    name: 'a PEM private key given as --public-key',
    args: () => wrap(p['sym32.bin']!, p['rsa.pem']!),
    code: 'ERR_PUBLIC_KEY_IS_PRIVATE',
    says: ['PEM PRIVATE KEY', 'give the public key'],
  },
  {
    name: 'a PKCS#1 PEM private key given as --public-key',
    args: () => wrap(p['sym32.bin']!, p['rsa-pkcs1.pem']!),
    code: 'ERR_PUBLIC_KEY_IS_PRIVATE',
    says: ['give the public key'],
  },
  {
    name: 'an RSA 1024 wrapping key',
    args: () => wrap(p['sym32.bin']!, p['rsa1024-public.der']!),
    code: 'ERR_PUBLIC_KEY_WEAK',
    says: ['1024 bits', 'under the 2048 bits', 'RSA_4096'],
  },
  {
    name: 'an EC P-256 public key as the wrapping key',
    args: () => wrap(p['sym32.bin']!, p['ec-public.der']!),
    code: 'ERR_PUBLIC_KEY_TYPE',
    says: ['EC P-256 key', 'RSA (RSA_2048, RSA_3072, RSA_4096) or SM2'],
  },
  {
    name: '33 raw bytes',
    args: () => wrap(p['33.bin']!, rsa.publicDer),
    code: 'ERR_MATERIAL_INVALID',
    says: ['33 bytes, which is no KMS key spec', 'SYMMETRIC_DEFAULT 32'],
  },
  {
    name: 'an Ed25519 private key',
    args: () => wrap(p['ed25519.der']!, rsa.publicDer, 'RSA_AES_KEY_WRAP_SHA_256'),
    code: 'ERR_KEY_SPEC_UNSUPPORTED',
    says: ['Ed25519', 'cannot import'],
  },
  {
    name: '--key-spec HMAC_384 for 32 bytes',
    args: () => wrap(p['sym32.bin']!, rsa.publicDer, 'RSAES_OAEP_SHA_256', '--key-spec', 'HMAC_384'),
    code: 'ERR_KEY_SPEC_MISMATCH',
    says: ['HMAC_384 material is 48 bytes, but this is 32 bytes'],
  },
  {
    name: '--key-spec RSA_3072 for an RSA_2048 key',
    args: () => wrap(p['rsa.der']!, rsa.publicDer, 'RSA_AES_KEY_WRAP_SHA_256', '--key-spec', 'RSA_3072'),
    code: 'ERR_KEY_SPEC_MISMATCH',
    says: ['the material is RSA_2048', 'not RSA_3072', 'create the KMS key with key spec RSA_2048'],
  },
  {
    name: 'unknown algorithm',
    args: () => wrap(p['sym32.bin']!, rsa.publicDer, 'RSAES_OAEP_SHA_512'),
    code: 'ERR_UNKNOWN_NAME',
    exit: 2,
    says: ["'RSAES_OAEP_SHA_512' is not a wrapping algorithm", 'RSAES_OAEP_SHA_256', 'SM2PKE'],
  },
  {
    name: 'unknown key spec',
    args: () => wrap(p['sym32.bin']!, rsa.publicDer, 'RSAES_OAEP_SHA_256', '--key-spec', 'AES_256'),
    code: 'ERR_UNKNOWN_NAME',
    exit: 2,
    says: ["'AES_256' is not a KMS key spec", 'SYMMETRIC_DEFAULT'],
  },
  {
    name: 'unknown region',
    args: () => wrap(p['sym32.bin']!, rsa.publicDer, 'RSAES_OAEP_SHA_256', '--region', 'mars'),
    code: 'ERR_UNKNOWN_NAME',
    exit: 2,
    says: ["'mars' is not a region", "'china'"],
  },
  {
    name: 'unknown option',
    args: () => wrap(p['sym32.bin']!, rsa.publicDer, 'RSAES_OAEP_SHA_256', '--frobnicate'),
    code: 'ERR_USAGE',
    exit: 2,
    says: ["Unknown option '--frobnicate'", 'kms-wrap wrap --help'],
  },
  {
    name: 'an option without its value',
    args: () => ['wrap', '--public-key', rsa.publicDer, '--algorithm', 'RSAES_OAEP_SHA_256', '--material'],
    code: 'ERR_USAGE',
    exit: 2,
    says: ['--material', 'kms-wrap wrap --help'],
  },
  {
    name: 'missing --material',
    args: () => ['wrap', '--public-key', rsa.publicDer, '--algorithm', 'RSAES_OAEP_SHA_256'],
    code: 'ERR_USAGE',
    exit: 2,
    says: ['needs --material'],
  },
  {
    name: 'missing --algorithm',
    args: () => ['wrap', '--material', p['sym32.bin']!, '--public-key', rsa.publicDer],
    code: 'ERR_USAGE',
    exit: 2,
    says: ['needs --algorithm'],
  },
  {
    name: 'both --public-key and --parameters',
    args: () => [...wrap(p['sym32.bin']!, rsa.publicDer), '--parameters', p['no-public-key.json']!],
    code: 'ERR_USAGE',
    exit: 2,
    says: ['exactly one of --public-key FILE or --parameters FILE'],
  },
  {
    name: 'neither --public-key nor --parameters',
    args: () => ['wrap', '--material', p['sym32.bin']!, '--algorithm', 'RSAES_OAEP_SHA_256'],
    code: 'ERR_USAGE',
    exit: 2,
    says: ['exactly one of'],
  },
  {
    name: 'a stray argument',
    args: () => [...wrap(p['sym32.bin']!, rsa.publicDer), 'EncryptedKeyMaterial.bin'],
    code: 'ERR_USAGE',
    exit: 2,
    says: ["unexpected argument 'EncryptedKeyMaterial.bin'"],
  },
  {
    name: 'an unknown command',
    args: () => ['wrapp', '--material', p['sym32.bin']!],
    code: 'ERR_USAGE',
    exit: 2,
    says: ["'wrapp' is not a kms-wrap command", 'kms-wrap --help'],
  },
  {
    name: 'a misspelt command',
    args: () => ['wrpa', '--material', p['sym32.bin']!],
    code: 'ERR_USAGE',
    exit: 2,
    says: ["'wrpa' is not a kms-wrap command — did you mean wrap? Otherwise use one of"],
  },
  {
    name: 'a misspelt option',
    args: () => ['wrap', '--material', p['sym32.bin']!, '--public-kye', rsa.publicDer, '--algorithm', 'RSAES_OAEP_SHA_256'],
    code: 'ERR_USAGE',
    exit: 2,
    says: ["Unknown option '--public-kye' — did you mean --public-key? see kms-wrap wrap --help"],
  },
  {
    name: 'an algorithm without one underscore',
    args: () => wrap(p['sym32.bin']!, rsa.publicDer, 'RSAES_OAEP_SHA256'),
    code: 'ERR_UNKNOWN_NAME',
    exit: 2,
    says: ["'RSAES_OAEP_SHA256' is not a wrapping algorithm AWS KMS accepts — did you mean RSAES_OAEP_SHA_256? Otherwise use"],
  },
  {
    name: 'a key spec without its underscore',
    args: () => wrap(p['sym32.bin']!, rsa.publicDer, 'RSAES_OAEP_SHA_256', '--key-spec', 'HMAC256'),
    code: 'ERR_UNKNOWN_NAME',
    exit: 2,
    says: ["'HMAC256' is not a KMS key spec — did you mean HMAC_256? Otherwise use one of"],
  },
  {
    name: 'parameters that are not JSON',
    args: () => ['wrap', '--material', p['sym32.bin']!, '--parameters', p['not-json.json']!, '--algorithm', 'RSAES_OAEP_SHA_256'],
    code: 'ERR_PARAMETERS_INVALID',
    says: ['not JSON', 'get-parameters-for-import'],
  },
  {
    name: 'parameters without PublicKey',
    args: () => ['wrap', '--material', p['sym32.bin']!, '--parameters', p['no-public-key.json']!, '--algorithm', 'RSAES_OAEP_SHA_256'],
    code: 'ERR_PARAMETERS_INVALID',
    says: ['no PublicKey'],
  },
];

describe.concurrent('wrap: bad input is one clear line, no stack, no file', () => {
  it.each(BAD.map((b, i) => [`${b.name} [${i % 2 === 0 ? 'binary' : 'in-process'}]`, b, i % 2 === 0 ? cli : run] as const))(
    '%s',
    async (_, b, via) => {
      const cwd = await scratch.fresh(b.name);
      const r = await expectUnchanged([cwd, f], () => via(b.args(), cwd));
      expectRefusal(r, { code: b.code, exit: b.exit ?? 1, says: b.says });
      expect(r.stdout).toBe('');
    },
  );
});

describe.concurrent('wrap: private keys in other forms are converted, with a note', () => {
  const forms = [
    ['SEC1 PEM (EC PRIVATE KEY)', 'ec-sec1.pem', 'sec1-pem', 'RSAES_OAEP_SHA_256'],
    ['PKCS#8 PEM (EC)', 'ec-pkcs8.pem', 'pkcs8-pem', 'RSA_AES_KEY_WRAP_SHA_1'],
    ['PKCS#1 PEM (RSA PRIVATE KEY)', 'rsa-pkcs1.pem', 'pkcs1-pem', 'RSA_AES_KEY_WRAP_SHA_256'],
    ['PKCS#8 PEM (RSA)', 'rsa.pem', 'pkcs8-pem', 'RSA_AES_KEY_WRAP_SHA_256'],
    ['JWK (EC)', 'ec.jwk', 'jwk', 'RSAES_OAEP_SHA_1'],
  ] as const;

  it.each(forms)('%s', async (_, name, from, algorithm) => {
    const cwd = await scratch.fresh(`convert-${name}`);
    const r = await cli(wrap(p[name]!, rsa.publicDer, algorithm), cwd);
    expect(r.code, r.stderr).toBe(0);
    expect(lines(r.stderr)).toEqual([`kms-wrap: note: converted the material from ${from} to PKCS#8 DER, the form KMS imports`]);
    expect(await listing(cwd)).toEqual(['EncryptedKeyMaterial.bin']);
    // What KMS gets back is OpenSSL's own canonical PKCS#8 DER of the key.
    const canonical = await opensslPkcs8(name === 'ec.jwk' ? p['ec-sec1.pem']! : p[name]!);
    const unwrapped = await opensslUnwrap(await readFile(join(cwd, 'EncryptedKeyMaterial.bin')), algorithm, rsa);
    expect(unwrapped.equals(canonical)).toBe(true);
  });

  it('--json says what it was converted from', async () => {
    const cwd = await scratch.fresh('convert-json');
    const r = await run([...wrap(p['ec-sec1.pem']!, rsa.publicDer), '--json'], cwd);
    expect(r.code, r.stderr).toBe(0);
    expect(parseOneJson(r.stdout)).toMatchObject({
      ok: true,
      convertedFrom: 'sec1-pem',
      materialFormat: 'pkcs8-der',
      keySpec: 'ECC_NIST_P256',
    });
  });
});

describe.concurrent('wrap: output files', () => {
  const EXISTING = 'an earlier EncryptedKeyMaterial.bin';

  it('an existing output is refused without --force (ERR_FILE_EXISTS), left byte for byte as it was', async () => {
    const cwd = await scratch.fresh('exists');
    const out = await write(join(cwd, 'EncryptedKeyMaterial.bin'), EXISTING, 0o644);
    const r = await expectUnchanged([cwd, f], () => cli(wrap(p['sym32.bin']!, rsa.publicDer), cwd));
    expectRefusal(r, { code: 'ERR_FILE_EXISTS', says: [`${out} exists`, '--force'] });
    expect(await readFile(out, 'utf8')).toBe(EXISTING);
    expect(await modeOf(out)).toBe(0o644);
  });

  it('-o naming an existing file is refused the same way', async () => {
    const cwd = await scratch.fresh('exists-o');
    await write(join(cwd, 'mine.bin'), EXISTING);
    const r = await expectUnchanged([cwd, f], () => run([...wrap(p['sym32.bin']!, rsa.publicDer), '-o', 'mine.bin'], cwd));
    expectRefusal(r, { code: 'ERR_FILE_EXISTS' });
  });

  it('with --force the existing output is replaced (mode 0600), and unwraps to the material', async () => {
    const cwd = await scratch.fresh('force');
    const out = await write(join(cwd, 'EncryptedKeyMaterial.bin'), EXISTING, 0o644);
    const r = await cli([...wrap(p['sym32.bin']!, rsa.publicDer), '--force'], cwd);
    expect(r.code, r.stderr).toBe(0);
    expect(await listing(cwd)).toEqual(['EncryptedKeyMaterial.bin']);
    expect(await modeOf(out)).toBe(0o600);
    const unwrapped = await opensslUnwrap(await readFile(out), 'RSAES_OAEP_SHA_256', rsa);
    expect(unwrapped.equals(await readFile(p['sym32.bin']!))).toBe(true);
  });

  it('-o into a directory that does not exist: ERR_FILE_UNWRITABLE, nothing left', async () => {
    const cwd = await scratch.fresh('no-dir');
    const r = await expectUnchanged([cwd, f], () => cli([...wrap(p['sym32.bin']!, rsa.publicDer), '-o', 'missing/out.bin'], cwd));
    expectRefusal(r, { code: 'ERR_FILE_UNWRITABLE', says: ['missing/out.bin'] });
  });

  it('--force over a directory fails after the temporary file was written: ERR_FILE_UNWRITABLE, no .tmp left', async () => {
    const cwd = await scratch.fresh('over-dir');
    await mkdir(join(cwd, 'out.bin'));
    await writeFile(join(cwd, 'out.bin', 'keep'), 'x');
    const r = await expectUnchanged([cwd, join(cwd, 'out.bin'), f], () =>
      run([...wrap(p['sym32.bin']!, rsa.publicDer), '-o', 'out.bin', '--force'], cwd),
    );
    expectRefusal(r, { code: 'ERR_FILE_UNWRITABLE', says: ['is a directory'] });
    await expectNoTempFiles(cwd);
  });

  it('ImportToken.bin that cannot be written: the output is not left behind, nor an earlier one lost (--force)', async () => {
    const cwd = await scratch.fresh('token-fails');
    await write(
      join(cwd, 'params.json'),
      parametersJson({
        keyId: KEY_ARN,
        importToken: new Uint8Array(64).fill(1),
        spki: rsa.spki,
        validTo: epochSeconds(Date.now() + 86_400_000),
      }),
    );
    await mkdir(join(cwd, 'ImportToken.bin'));
    const args = ['wrap', '--material', p['sym32.bin']!, '--parameters', 'params.json', '--algorithm', 'RSAES_OAEP_SHA_256', '--force'];
    // No earlier output: none is created.
    const first = await expectUnchanged([cwd, f], () => cli(args, cwd));
    expectRefusal(first, { code: 'ERR_FILE_UNWRITABLE', says: ['ImportToken.bin'] });
    // An earlier output: it is kept as it was.
    await write(join(cwd, 'EncryptedKeyMaterial.bin'), EXISTING);
    const second = await expectUnchanged([cwd, f], () => run(args, cwd));
    expectRefusal(second, { code: 'ERR_FILE_UNWRITABLE' });
    expect(await readFile(join(cwd, 'EncryptedKeyMaterial.bin'), 'utf8')).toBe(EXISTING);
  });
});

// `-` (standard input and output), where it is read and written and where it is still refused: pipes.test.ts.
