/**
 * `kms-wrap wrap --target gcp|azure|vault`, `algorithms --target`, and what `inspect` says of
 * targets. OpenSSL makes the wrapping keys (the import job's, the KEK, Vault's) and unwraps what
 * each target's envelope holds back to the exact material; every refusal leaves no file.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Scratch,
  cli,
  expectNoStack,
  expectRefusal,
  expectUnchanged,
  lines,
  modeOf,
  openssl,
  opensslWrappingKey,
  parseOneJson,
  run,
  write,
  type WrappingKey,
} from './helpers.js';

const scratch = new Scratch();
const keys: Record<number, WrappingKey> = {};
const m: Record<string, string> = {};
let fixtures = '';

const KID = 'https://contoso-kv.vault.azure.net/keys/KEKforBYOK/0123456789abcdef0123456789abcdef';

beforeAll(async () => {
  const dir = await scratch.init('targets');
  fixtures = join(dir, 'fixtures');
  await mkdir(fixtures);
  const [k2048, k3072, k4096] = await Promise.all([2048, 3072, 4096].map((bits) => opensslWrappingKey(fixtures, 'RSA', bits)));
  Object.assign(keys, { 2048: k2048, 3072: k3072, 4096: k4096 });
  const pkcs8 = async (name: string, genpkey: string[]) => {
    const pem = join(fixtures, `${name}.pem`);
    await openssl(['genpkey', ...genpkey, '-out', pem]);
    m[name] = join(fixtures, `${name}.der`);
    await openssl(['pkcs8', '-topk8', '-nocrypt', '-in', pem, '-outform', 'DER', '-out', m[name]!]);
  };
  await Promise.all([
    pkcs8('p256', ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']),
    pkcs8('p521', ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-521']),
    pkcs8('secp256k1', ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:secp256k1']),
    pkcs8('rsa2048', ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048']),
    pkcs8('ed25519', ['-algorithm', 'ED25519']),
  ]);
  m['aes'] = await write(join(fixtures, 'aes.bin'), randomBytes(32));
  m['hmac384'] = await write(join(fixtures, 'hmac384.bin'), randomBytes(48));
}, 180_000);

afterAll(() => scratch.dispose());

const MD = { SHA1: 'sha1', SHA256: 'sha256' } as const;

function oaep(hash: keyof typeof MD): string[] {
  return ['-pkeyopt', 'rsa_padding_mode:oaep', '-pkeyopt', `rsa_oaep_md:${MD[hash]}`, '-pkeyopt', `rsa_mgf1_md:${MD[hash]}`];
}

/** The RSA part is k bytes; pkeyutl -decrypt gives the AES key; enc -d -id-aes256-wrap-pad the material. */
async function opensslKeyWrap(wrapped: Uint8Array, key: WrappingKey, hash: keyof typeof MD): Promise<Buffer> {
  const k = key.bits / 8;
  const aes = await openssl(['pkeyutl', '-decrypt', '-inkey', key.privatePem, ...oaep(hash)], wrapped.subarray(0, k));
  expect(aes.length).toBe(32);
  return openssl(['enc', '-d', '-id-aes256-wrap-pad', '-K', aes.toString('hex'), '-iv', 'A65959A6'], wrapped.subarray(k));
}

const b64url = (s: string) => Buffer.from(s.replace(/-/g, '+').replace(/_/g, '/'), 'base64');

describe('wrap --target gcp: the wrapped key gcloud kms keys versions import --wrapped-key-file takes', () => {
  it('RSA_OAEP_3072_SHA256_AES_256 (the real binary): wrapped-key.bin, mode 0600, RSA part then KWP part', async () => {
    const cwd = await scratch.fresh('gcp-aes');
    const r = await cli(
      [
        'wrap',
        '--target',
        'gcp',
        '--material',
        m['p256']!,
        '--public-key',
        keys[3072]!.publicPem,
        '--algorithm',
        'RSA_OAEP_3072_SHA256_AES_256',
        '--key-name',
        'frodo',
        '--keyring',
        'fellowship',
        '--location',
        'global',
        '--import-job',
        'strider',
      ],
      cwd,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const out = join(cwd, 'wrapped-key.bin');
    expect(await modeOf(out)).toBe(0o600);
    expect(await opensslKeyWrap(await readFile(out), keys[3072]!, 'SHA256')).toEqual(await readFile(m['p256']!));
    expect(lines(r.stdout)[0]).toMatch(
      /^wrote .*wrapped-key\.bin \(\d+ bytes, binary\): ECC_NIST_P256 material wrapped with RSA_OAEP_3072_SHA256_AES_256 \(the RSA_AES_KEY_WRAP_SHA_256 construction\) under an RSA_3072 wrapping key, for Google Cloud KMS$/,
    );
    expect(r.stdout).toContain(
      '  gcloud kms keys versions import --location global --keyring fellowship --key frodo --import-job strider --algorithm ec-sign-p256-sha256 --wrapped-key-file wrapped-key.bin\n',
    );
  });

  it('RSA_OAEP_4096_SHA1_AES_256 with an RSA key; RSA_OAEP_4096_SHA256 (direct) with a 32-byte AES key', async () => {
    const cwd = await scratch.fresh('gcp-more');
    const a = await run(
      [
        'wrap',
        '--target',
        'gcp',
        '--material',
        m['rsa2048']!,
        '--public-key',
        keys[4096]!.publicPem,
        '--algorithm',
        'rsa_oaep_4096_sha1_aes_256',
        '-o',
        'rsa.bin',
      ],
      cwd,
    );
    expect(a.code, a.stderr).toBe(0);
    expect(await opensslKeyWrap(await readFile(join(cwd, 'rsa.bin')), keys[4096]!, 'SHA1')).toEqual(await readFile(m['rsa2048']!));
    expect(a.stdout).toContain('--algorithm rsa-sign-pss-2048-sha256 --wrapped-key-file rsa.bin');
    const b = await run(
      [
        'wrap',
        '--target',
        'gcp',
        '--material',
        m['aes']!,
        '--key-spec',
        'SYMMETRIC_DEFAULT',
        '--public-key',
        keys[4096]!.publicPem,
        '--algorithm',
        'RSA_OAEP_4096_SHA256',
        '-o',
        'aes.bin',
      ],
      cwd,
    );
    expect(b.code, b.stderr).toBe(0);
    const wrapped = await readFile(join(cwd, 'aes.bin'));
    expect(wrapped.length).toBe(512);
    expect(await openssl(['pkeyutl', '-decrypt', '-inkey', keys[4096]!.privatePem, ...oaep('SHA256')], wrapped)).toEqual(
      await readFile(m['aes']!),
    );
    expect(b.stdout).toContain('--algorithm google-symmetric-encryption');
  });

  it('refuses an RSA key for a direct RSA_OAEP method (capacity), P-521 keys, and an unnamed import method; writes nothing', async () => {
    const cwd = await scratch.fresh('gcp-refusals');
    await expectUnchanged([cwd], async () => {
      const direct = await run(
        [
          'wrap',
          '--target',
          'gcp',
          '--material',
          m['rsa2048']!,
          '--public-key',
          keys[3072]!.publicPem,
          '--algorithm',
          'RSA_OAEP_3072_SHA256',
        ],
        cwd,
      );
      expectRefusal(direct, {
        code: 'ERR_CAPACITY_EXCEEDED',
        says: [
          'does not fit RSA_OAEP_3072_SHA256 under an RSA_3072 wrapping key (318 bytes at most)',
          '— use RSA_OAEP_3072_SHA256_AES_256',
        ],
      });
      const p521 = await run(
        [
          'wrap',
          '--target',
          'gcp',
          '--material',
          m['p521']!,
          '--public-key',
          keys[3072]!.publicPem,
          '--algorithm',
          'RSA_OAEP_3072_SHA256_AES_256',
        ],
        cwd,
      );
      expectRefusal(p521, {
        code: 'ERR_KEY_SPEC_UNSUPPORTED',
        says: ['Google Cloud KMS does not import ECC_NIST_P521', '--target aws, azure or vault'],
      });
      const size = await run(
        [
          'wrap',
          '--target',
          'gcp',
          '--material',
          m['p256']!,
          '--public-key',
          keys[4096]!.publicPem,
          '--algorithm',
          'RSA_OAEP_3072_SHA256_AES_256',
        ],
        cwd,
      );
      expectRefusal(size, {
        code: 'ERR_PUBLIC_KEY_TYPE',
        says: ['needs an RSA_3072 wrapping key, and this one is RSA_4096', 'use RSA_OAEP_4096_SHA256_AES_256'],
      });
      const none = await run(['wrap', '--target', 'gcp', '--material', m['p256']!, '--public-key', keys[3072]!.publicPem], cwd);
      expectRefusal(none, { code: 'ERR_USAGE', exit: 2, says: ['needs --algorithm', 'RSA_OAEP_3072_SHA256_AES_256'] });
      const aws = await run(
        [
          'wrap',
          '--target',
          'gcp',
          '--material',
          m['p256']!,
          '--public-key',
          keys[3072]!.publicPem,
          '--algorithm',
          'RSA_OAEP_3072_SHA256_AES_256',
          '--region',
          'china',
        ],
        cwd,
      );
      expectRefusal(aws, { code: 'ERR_USAGE', exit: 2, says: ['--region is for --target aws'] });
    });
  });
});

describe('wrap --target azure: the .byok file az keyvault key import --byok-file takes', () => {
  it('an RSA key under a 3072-bit KEK: the BYOK JSON, its base64url ciphertext unwrapped by OpenSSL with SHA-1', async () => {
    const cwd = await scratch.fresh('azure-rsa');
    const r = await run(
      [
        'wrap',
        '--target',
        'azure',
        '--material',
        m['rsa2048']!,
        '--public-key',
        keys[3072]!.publicPem,
        '--kek-id',
        KID,
        '--key-name',
        'ContosoFirstHSMkey',
      ],
      cwd,
    );
    expect(r.code, r.stderr).toBe(0);
    const text = await readFile(join(cwd, 'key.byok'), 'utf8');
    const blob = JSON.parse(text) as { schema_version: string; header: Record<string, string>; ciphertext: string; generator: string };
    expect(Object.keys(blob)).toEqual(['schema_version', 'header', 'ciphertext', 'generator']);
    expect(blob.schema_version).toBe('1.0.0');
    expect(blob.header).toEqual({ kid: KID, alg: 'dir', enc: 'CKM_RSA_AES_KEY_WRAP' });
    expect(blob.generator).toMatch(/^kms-wrap\/\d+\.\d+\.\d+$/);
    expect(blob.ciphertext).toMatch(/^[A-Za-z0-9_-]+$/);
    const wrapped = b64url(blob.ciphertext);
    expect(await opensslKeyWrap(wrapped, keys[3072]!, 'SHA1')).toEqual(await readFile(m['rsa2048']!));
    expect(r.stdout).toContain('  az keyvault key import --vault-name contoso-kv --name ContosoFirstHSMkey --byok-file key.byok\n');
  });

  it('an EC key names --kty EC-HSM --curve-name; --json gives the facts', async () => {
    const cwd = await scratch.fresh('azure-ec');
    const r = await run(
      [
        'wrap',
        '--target',
        'azure',
        '--material',
        m['p521']!,
        '--public-key',
        keys[2048]!.publicPem,
        '--kek-id',
        KID,
        '-o',
        'p521.byok',
        '--json',
      ],
      cwd,
    );
    expect(r.code, r.stderr).toBe(0);
    const j = parseOneJson(r.stdout);
    expect(j).toMatchObject({
      ok: true,
      target: 'azure',
      format: 'json',
      algorithm: 'CKM_RSA_AES_KEY_WRAP',
      construction: 'RSA_AES_KEY_WRAP_SHA_1',
      keySpec: 'ECC_NIST_P521',
      targetKeyType: 'EC-HSM P-521',
      wrappingKeySpec: 'RSA_2048',
    });
    expect(j['nextCommand']).toBe(
      '# set KEY_NAME first: the name of the key to create\naz keyvault key import --vault-name contoso-kv --name "$KEY_NAME" --kty EC-HSM --curve-name P-521 --byok-file p521.byok',
    );
    const blob = JSON.parse(await readFile(join(cwd, 'p521.byok'), 'utf8')) as { ciphertext: string };
    expect(await opensslKeyWrap(b64url(blob.ciphertext), keys[2048]!, 'SHA1')).toEqual(await readFile(m['p521']!));
  });

  it('refuses a missing or malformed KEK id, HMAC and secp256k1 material, AES into a key vault; writes nothing', async () => {
    const cwd = await scratch.fresh('azure-refusals');
    await expectUnchanged([cwd], async () => {
      const base = ['wrap', '--target', 'azure', '--public-key', keys[2048]!.publicPem];
      expectRefusal(await run([...base, '--material', m['p256']!], cwd), { code: 'ERR_USAGE', exit: 2, says: ['needs --kek-id'] });
      expectRefusal(await run([...base, '--material', m['p256']!, '--kek-id', 'KEKforBYOK'], cwd), {
        code: 'ERR_TARGET_OPTION_INVALID',
        says: ['is not a Key Vault key identifier', 'az keyvault key show'],
      });
      expectRefusal(await run([...base, '--material', m['hmac384']!, '--kek-id', KID], cwd), {
        code: 'ERR_KEY_SPEC_UNSUPPORTED',
        says: ['Azure Key Vault does not import HMAC_384', '--target aws, gcp or vault'],
      });
      expectRefusal(await run([...base, '--material', m['secp256k1']!, '--kek-id', KID], cwd), {
        code: 'ERR_KEY_SPEC_UNSUPPORTED',
        says: ['P-256, P-384 and P-521'],
      });
      expectRefusal(await run([...base, '--material', m['aes']!, '--kek-id', KID], cwd), {
        code: 'ERR_COMBINATION_REJECTED',
        says: ['only into a Managed HSM'],
      });
      expectRefusal(await run([...base, '--material', m['p256']!, '--kek-id', KID, '--algorithm', 'RSA_AES_KEY_WRAP_SHA_256'], cwd), {
        code: 'ERR_UNKNOWN_NAME',
        exit: 2,
        says: ["'RSA_AES_KEY_WRAP_SHA_256' is not a wrapping algorithm Azure Key Vault accepts — use CKM_RSA_AES_KEY_WRAP"],
      });
    });
  });
});

describe('wrap --target vault: the base64 ciphertext for transit/keys/NAME/import', () => {
  it('an Ed25519 key (PKCS#8) under the RSA-4096 wrapping key with SHA256: ciphertext.b64, unwrapped by OpenSSL', async () => {
    const cwd = await scratch.fresh('vault-ed25519');
    const r = await cli(
      ['wrap', '--target', 'vault', '--material', m['ed25519']!, '--public-key', keys[4096]!.publicPem, '--key-name', 'signer'],
      cwd,
    );
    expect(r.code, r.stderr).toBe(0);
    const text = await readFile(join(cwd, 'ciphertext.b64'), 'ascii');
    expect(text).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(await opensslKeyWrap(Buffer.from(text, 'base64'), keys[4096]!, 'SHA256')).toEqual(await readFile(m['ed25519']!));
    expect(r.stdout).toContain('  vault write transit/keys/signer/import ciphertext=@ciphertext.b64 hash_function=SHA256 type=ed25519\n');
  });

  it('--hash-function SHA1 with a P-521 key; raw 32 bytes without --key-spec leave the type to choose', async () => {
    const cwd = await scratch.fresh('vault-sha1');
    const r = await run(
      [
        'wrap',
        '--target',
        'vault',
        '--material',
        m['p521']!,
        '--public-key',
        keys[4096]!.publicPem,
        '--hash-function',
        'SHA1',
        '--mount',
        'kms',
      ],
      cwd,
    );
    expect(r.code, r.stderr).toBe(0);
    const text = await readFile(join(cwd, 'ciphertext.b64'), 'ascii');
    expect(await opensslKeyWrap(Buffer.from(text, 'base64'), keys[4096]!, 'SHA1')).toEqual(await readFile(m['p521']!));
    expect(r.stdout).toContain('vault write kms/keys/"$KEY_NAME"/import ciphertext=@ciphertext.b64 hash_function=SHA1 type=ecdsa-p521');
    const raw = await run(
      ['wrap', '--target', 'vault', '--material', m['aes']!, '--public-key', keys[4096]!.publicPem, '-o', 'aes.b64'],
      cwd,
    );
    expect(raw.code, raw.stderr).toBe(0);
    expect(raw.stdout).toContain('note: raw bytes of this length fit SYMMETRIC_DEFAULT or HMAC_256; pass --key-spec');
    expect(raw.stdout).toContain('type="$KEY_TYPE"');
  });

  it('an Ed25519 key as PEM (PKCS#8) is taken as its DER, with a note', async () => {
    const cwd = await scratch.fresh('vault-ed-pem');
    const pem = join(fixtures, 'ed25519.pem');
    const r = await run(['wrap', '--target', 'vault', '--material', pem, '--public-key', keys[4096]!.publicPem], cwd);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('kms-wrap: note: converted the material from pkcs8-pem to PKCS#8 DER, the form Vault transit imports\n');
    const text = await readFile(join(cwd, 'ciphertext.b64'), 'ascii');
    expect(await opensslKeyWrap(Buffer.from(text, 'base64'), keys[4096]!, 'SHA256')).toEqual(await readFile(m['ed25519']!));
  });

  it("refuses another wrapping key than Vault's RSA-4096, secp256k1 keys, and other targets' flags; writes nothing", async () => {
    const cwd = await scratch.fresh('vault-refusals');
    await expectUnchanged([cwd], async () => {
      expectRefusal(await run(['wrap', '--target', 'vault', '--material', m['p256']!, '--public-key', keys[2048]!.publicPem], cwd), {
        code: 'ERR_PUBLIC_KEY_TYPE',
        says: ['SHA256 needs an RSA_4096 wrapping key, and this one is RSA_2048'],
      });
      expectRefusal(await run(['wrap', '--target', 'vault', '--material', m['secp256k1']!, '--public-key', keys[4096]!.publicPem], cwd), {
        code: 'ERR_KEY_SPEC_UNSUPPORTED',
        says: ['no secp256k1 keys', '--target aws or gcp'],
      });
      expectRefusal(
        await run(['wrap', '--target', 'vault', '--material', m['p256']!, '--public-key', keys[4096]!.publicPem, '--kek-id', KID], cwd),
        { code: 'ERR_USAGE', exit: 2, says: ['--kek-id is for --target azure'] },
      );
      expectRefusal(
        await run(
          ['wrap', '--target', 'vault', '--material', m['p256']!, '--public-key', keys[4096]!.publicPem, '--hash-function', 'SHA512'],
          cwd,
        ),
        {
          code: 'ERR_UNKNOWN_NAME',
          exit: 2,
          says: ["'SHA512' is not a wrapping algorithm Vault transit accepts — use SHA256 or SHA1"],
        },
      );
    });
  });
});

describe('AWS KMS stays as it was', () => {
  it("--target aws is the default; other targets' flags are refused; Ed25519 is refused as before", async () => {
    const cwd = await scratch.fresh('aws');
    await expectUnchanged([cwd], async () => {
      expectRefusal(
        await run(
          ['wrap', '--material', m['p256']!, '--public-key', keys[2048]!.publicDer, '--algorithm', 'RSAES_OAEP_SHA_256', '--kek-id', KID],
          cwd,
        ),
        { code: 'ERR_USAGE', exit: 2, says: ['--kek-id is for --target azure'] },
      );
      expectRefusal(
        await run(
          ['wrap', '--material', m['ed25519']!, '--public-key', keys[2048]!.publicDer, '--algorithm', 'RSA_AES_KEY_WRAP_SHA_256'],
          cwd,
        ),
        {
          code: 'ERR_KEY_SPEC_UNSUPPORTED',
          says: ['the material is an Ed25519 private key, which AWS KMS cannot import'],
        },
      );
      expectRefusal(await run(['wrap', '--target', 'oci', '--material', m['p256']!, '--public-key', keys[2048]!.publicDer], cwd), {
        code: 'ERR_UNKNOWN_NAME',
        exit: 2,
        says: ["'oci' is not a target — use aws, gcp, azure or vault"],
      });
    });
    const r = await run(
      ['wrap', '--target', 'aws', '--material', m['p256']!, '--public-key', keys[2048]!.publicDer, '--algorithm', 'RSAES_OAEP_SHA_256'],
      cwd,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      'aws kms import-key-material --key-id "$KEY_ID" --encrypted-key-material fileb://EncryptedKeyMaterial.bin --import-token fileb://ImportToken.bin --expiration-model KEY_MATERIAL_DOES_NOT_EXPIRE',
    );
    expect(
      await openssl(
        ['pkeyutl', '-decrypt', '-inkey', keys[2048]!.privatePem, ...oaep('SHA256')],
        await readFile(join(cwd, 'EncryptedKeyMaterial.bin')),
      ),
    ).toEqual(await readFile(m['p256']!));
  });
});

describe('algorithms --target', () => {
  it('--target aws prints exactly what algorithms prints', async () => {
    const cwd = await scratch.fresh('alg-aws');
    const [a, b] = await Promise.all([run(['algorithms'], cwd), run(['algorithms', '--target', 'aws'], cwd)]);
    expect(b.code).toBe(0);
    expect(b.stdout).toBe(a.stdout);
  });

  it('each target lists its algorithms with their constructions, the material it imports, and what it does not with why', async () => {
    const cwd = await scratch.fresh('alg-targets');
    const gcp = await run(['algorithms', '--target', 'gcp'], cwd);
    expect(gcp.code, gcp.stderr).toBe(0);
    const ids = lines(gcp.stdout).filter((l) => /^RSA_OAEP_/.test(l));
    expect(ids).toEqual([
      'RSA_OAEP_3072_SHA256_AES_256',
      'RSA_OAEP_4096_SHA256_AES_256',
      'RSA_OAEP_3072_SHA256',
      'RSA_OAEP_4096_SHA256',
      'RSA_OAEP_3072_SHA1_AES_256',
      'RSA_OAEP_4096_SHA1_AES_256',
    ]);
    expect(gcp.stdout).toContain('  construction:  RSAES_OAEP_SHA_256\n');
    expect(gcp.stdout).toContain('  capacity:      RSA_3072 318 bytes\n');
    expect(gcp.stdout).toContain('  ECC_SECG_P256K1: ec-sign-secp256k1-sha256\n');
    expect(gcp.stdout).toMatch(/^Not imported: ECC_NIST_P521: Cloud KMS has no algorithm on the P-521 curve/m);
    const vault = parseOneJson((await run(['algorithms', '--target', 'vault', '--json'], cwd)).stdout);
    expect(vault).toMatchObject({ ok: true, target: 'vault', name: 'Vault transit', docs: 'docs/targets/vault.md' });
    const algorithms = vault['algorithms'] as { id: string; construction: string; wrappingKeySpecs: string[]; installed: boolean }[];
    expect(algorithms.map((a) => [a.id, a.construction, a.wrappingKeySpecs, a.installed])).toEqual([
      ['SHA256', 'RSA_AES_KEY_WRAP_SHA_256', ['RSA_4096'], true],
      ['SHA1', 'RSA_AES_KEY_WRAP_SHA_1', ['RSA_4096'], true],
    ]);
    expect(vault['keySpecs']).toContainEqual({ keySpec: 'ED25519', name: 'ed25519' });
    const azure = parseOneJson((await run(['algorithms', '--target', 'azure', '--json'], cwd)).stdout);
    expect((azure['algorithms'] as { id: string }[]).map((a) => a.id)).toEqual(['CKM_RSA_AES_KEY_WRAP']);
    expect((azure['notImported'] as { keySpec: string }[]).map((r) => r.keySpec)).toEqual([
      'HMAC_224',
      'HMAC_256',
      'HMAC_384',
      'HMAC_512',
      'ECC_SECG_P256K1',
      'SM2',
      'ED25519',
    ]);
  });
});

describe('inspect says which targets a key or file fits', () => {
  it('an Ed25519 key: only Vault transit; each other target says why not', async () => {
    const cwd = await scratch.fresh('inspect-ed');
    const r = await run(['inspect', m['ed25519']!, '--json'], cwd);
    expect(r.code, r.stderr).toBe(0);
    const j = parseOneJson(r.stdout);
    expect(j).toMatchObject({
      type: 'key-material',
      keySpec: 'ED25519',
      kmsImportableAsIs: false,
      problem: { code: 'ERR_KEY_SPEC_UNSUPPORTED' },
    });
    const targets = j['targets'] as { target: string; fits: boolean; reason?: string; targetNames: string[] }[];
    expect(targets.filter((t) => t.fits).map((t) => t.target)).toEqual(['vault']);
    expect(targets.find((t) => t.target === 'vault')!.targetNames).toEqual(['ed25519']);
    for (const t of targets.filter((x) => !x.fits)) expect(t.reason).toContain('--target vault');
    const human = await run(['inspect', m['ed25519']!], cwd);
    expect(human.stdout).toContain('  targets: vault (kms-wrap wrap --target vault ...)\n');
  });

  it('a P-521 key fits aws, azure and vault; an RSA-3072 public key is for aws, gcp and azure', async () => {
    const cwd = await scratch.fresh('inspect-p521');
    const j = parseOneJson((await run(['inspect', m['p521']!, '--json'], cwd)).stdout);
    expect((j['targets'] as { target: string; fits: boolean }[]).filter((t) => t.fits).map((t) => t.target)).toEqual([
      'aws',
      'azure',
      'vault',
    ]);
    expect(j['details']).toContain('targets: aws, azure, vault (kms-wrap wrap --target aws ...)');
    const pub = await run(['inspect', keys[3072]!.publicPem], cwd);
    expect(pub.stdout).toMatch(
      / {2}targets for this key: aws \(.*\); gcp \(RSA_OAEP_3072_SHA256_AES_256, RSA_OAEP_3072_SHA256, RSA_OAEP_3072_SHA1_AES_256\); azure \(CKM_RSA_AES_KEY_WRAP\)\n/,
    );
    expectNoStack(pub);
  });
});
