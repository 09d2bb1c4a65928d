/**
 * `kms-wrap batch MANIFEST --target gcp|azure|vault`: every line judged by the target's rules,
 * each output the target's envelope (Cloud KMS's wrapped key, Azure's .byok JSON, Vault's base64),
 * unwrapped by the OpenSSL CLI back to the exact material; the target's flags give options for
 * every line and a line's own fields win; a line the target refuses (and AWS KMS would take)
 * refuses the batch, with nothing written. AWS KMS, the default, is covered by batch.test.ts.
 */
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
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
  type WrappingKey,
} from './helpers.js';

const scratch = new Scratch();
let fixtures = '';
const keys: Record<number, WrappingKey> = {};
const KID = 'https://contoso-kv.vault.azure.net/keys/KEKforBYOK/0123456789abcdef0123456789abcdef';

beforeAll(async () => {
  const dir = await scratch.init('batch-targets');
  fixtures = join(dir, 'fixtures');
  await mkdir(fixtures);
  const [k2048, k3072, k4096] = await Promise.all([2048, 3072, 4096].map((bits) => opensslWrappingKey(fixtures, 'RSA', bits)));
  Object.assign(keys, { 2048: k2048, 3072: k3072, 4096: k4096 });
  const pkcs8 = async (name: string, genpkey: string[]) => {
    const pem = join(fixtures, `${name}.pem`);
    await openssl(['genpkey', ...genpkey, '-out', pem]);
    await openssl(['pkcs8', '-topk8', '-nocrypt', '-in', pem, '-outform', 'DER', '-out', join(fixtures, `${name}.der`)]);
  };
  await Promise.all([
    pkcs8('p256', ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']),
    pkcs8('rsa2048', ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048']),
    pkcs8('ed25519', ['-algorithm', 'ED25519']),
  ]);
  await writeFile(join(fixtures, 'aes.bin'), randomBytes(32));
  await writeFile(join(fixtures, 'hmac384.bin'), randomBytes(48));
}, 180_000);

afterAll(() => scratch.dispose());

/** A case directory with the fixtures and wrapping public keys (k2048.pem ...) copied in, and a manifest of these lines. */
async function batchDir(label: string, rows: Record<string, string>[]): Promise<string> {
  const d = await scratch.fresh(label);
  await mkdir(join(d, 'out'));
  for (const f of ['p256.der', 'rsa2048.der', 'ed25519.der', 'aes.bin', 'hmac384.bin']) await copyFile(join(fixtures, f), join(d, f));
  for (const bits of [2048, 3072, 4096]) await copyFile(keys[bits]!.publicPem, join(d, `k${bits}.pem`));
  await writeFile(join(d, 'manifest.jsonl'), `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`);
  return d;
}

const MD = { SHA1: 'sha1', SHA256: 'sha256' } as const;
const oaep = (hash: keyof typeof MD) => [
  '-pkeyopt',
  'rsa_padding_mode:oaep',
  '-pkeyopt',
  `rsa_oaep_md:${MD[hash]}`,
  '-pkeyopt',
  `rsa_mgf1_md:${MD[hash]}`,
];

/** The RSA part is k bytes; pkeyutl -decrypt gives the AES key; enc -d -id-aes256-wrap-pad the material. */
async function opensslKeyWrap(wrapped: Uint8Array, key: WrappingKey, hash: keyof typeof MD): Promise<Buffer> {
  const k = key.bits / 8;
  const aes = await openssl(['pkeyutl', '-decrypt', '-inkey', key.privatePem, ...oaep(hash)], wrapped.subarray(0, k));
  expect(aes.length).toBe(32);
  return openssl(['enc', '-d', '-id-aes256-wrap-pad', '-K', aes.toString('hex'), '-iv', 'A65959A6'], wrapped.subarray(k));
}

describe('kms-wrap batch --target gcp', () => {
  it('--json: each line wrapped by its import method, with its gcloud command; OpenSSL unwraps every file', async () => {
    const d = await batchDir('gcp', [
      { material: 'p256.der', publicKey: 'k3072.pem', algorithm: 'RSA_OAEP_3072_SHA256_AES_256', output: 'out/p256.bin', keyName: 'frodo' },
      {
        material: 'aes.bin',
        publicKey: 'k4096.pem',
        algorithm: 'RSA_OAEP_4096_SHA256',
        keySpec: 'SYMMETRIC_DEFAULT',
        output: 'out/aes.bin',
      },
    ]);
    const r = await cli(
      [
        'batch',
        'manifest.jsonl',
        '--target',
        'gcp',
        '--keyring',
        'fellowship',
        '--location',
        'global',
        '--import-job',
        'strider',
        '--json',
        '--concurrency',
        '2',
      ],
      d,
    );
    expect(r.code, r.stderr).toBe(0);
    const j = parseOneJson(r.stdout);
    expect(j).toMatchObject({ target: 'gcp', ok: true, total: 2, wrapped: 2, failed: 0 });
    const results = j['results'] as { line: number; status: string; algorithm: string; nextCommand: string }[];
    expect(results.map((x) => [x.line, x.status, x.algorithm])).toEqual([
      [1, 'wrapped', 'RSA_OAEP_3072_SHA256_AES_256'],
      [2, 'wrapped', 'RSA_OAEP_4096_SHA256'],
    ]);
    expect(results[0]!.nextCommand).toBe(
      `gcloud kms keys versions import --location global --keyring fellowship --key frodo --import-job strider --algorithm ec-sign-p256-sha256 --wrapped-key-file ${join(d, 'out', 'p256.bin')}`,
    );
    expect(results[1]!.nextCommand).toContain('--key "$KEY" --import-job strider --algorithm google-symmetric-encryption');
    expect(await modeOf(join(d, 'out', 'p256.bin'))).toBe(0o600);
    expect(await opensslKeyWrap(await readFile(join(d, 'out', 'p256.bin')), keys[3072]!, 'SHA256')).toEqual(
      await readFile(join(d, 'p256.der')),
    );
    const aes = await readFile(join(d, 'out', 'aes.bin'));
    expect(aes.length).toBe(512);
    expect(await openssl(['pkeyutl', '-decrypt', '-inkey', keys[4096]!.privatePem, ...oaep('SHA256')], aes)).toEqual(
      await readFile(join(d, 'aes.bin')),
    );
  });

  it("other targets' flags, an unknown target and --hash-function are usage errors (exit 2); nothing is written", async () => {
    const d = await batchDir('gcp-usage', [
      { material: 'p256.der', publicKey: 'k3072.pem', algorithm: 'RSA_OAEP_3072_SHA256_AES_256', output: 'out/p256.bin' },
    ]);
    await expectUnchanged([d], async () => {
      expectRefusal(await run(['batch', 'manifest.jsonl', '--target', 'gcp', '--kek-id', KID], d), {
        code: 'ERR_USAGE',
        exit: 2,
        says: ['--kek-id is for --target azure, not gcp', 'kms-wrap batch --help'],
      });
      expectRefusal(await run(['batch', 'manifest.jsonl', '--kek-id', KID], d), {
        code: 'ERR_USAGE',
        exit: 2,
        says: ['--kek-id is for --target azure, not aws'],
      });
      expectRefusal(await run(['batch', 'manifest.jsonl', '--target', 'oci'], d), {
        code: 'ERR_UNKNOWN_NAME',
        exit: 2,
        says: ["'oci' is not a target — use aws, gcp, azure or vault"],
      });
      expectRefusal(await run(['batch', 'manifest.jsonl', '--target', 'vault', '--hash-function', 'SHA1'], d), {
        code: 'ERR_USAGE',
        exit: 2,
        says: ["Unknown option '--hash-function'"],
      });
    });
  });
});

describe('kms-wrap batch --target azure', () => {
  it("writes a .byok file a line (kid from --kek-id, or the line's own); OpenSSL unwraps their ciphertexts", async () => {
    const other = KID.replace('KEKforBYOK', 'OtherKEK');
    const d = await batchDir('azure', [
      { material: 'rsa2048.der', publicKey: 'k3072.pem', output: 'out/rsa.byok', keyName: 'ContosoFirstHSMkey' },
      { material: 'p256.der', publicKey: 'k2048.pem', algorithm: 'CKM_RSA_AES_KEY_WRAP', output: 'out/p256.byok', kekId: other },
    ]);
    const r = await cli(['batch', 'manifest.jsonl', '--target', 'azure', '--kek-id', KID], d);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(lines(r.stdout)).toEqual([
      expect.stringMatching(/^2 of 2 wrapped for Azure Key Vault in \d+\.\d\d s, \d+ wraps\/s \(files mode 0600\)$/),
      "each output is the file Azure Key Vault's import takes; --json gives each line's import command",
    ]);
    const rsa = JSON.parse(await readFile(join(d, 'out', 'rsa.byok'), 'utf8')) as {
      header: Record<string, string>;
      ciphertext: string;
      generator: string;
    };
    expect(rsa.header).toEqual({ kid: KID, alg: 'dir', enc: 'CKM_RSA_AES_KEY_WRAP' });
    expect(rsa.generator).toMatch(/^kms-wrap\/\d+\.\d+\.\d+/);
    expect(await opensslKeyWrap(Buffer.from(rsa.ciphertext, 'base64url'), keys[3072]!, 'SHA1')).toEqual(
      await readFile(join(d, 'rsa2048.der')),
    );
    const ec = JSON.parse(await readFile(join(d, 'out', 'p256.byok'), 'utf8')) as { header: Record<string, string>; ciphertext: string };
    expect(ec.header['kid']).toBe(other);
    expect(await opensslKeyWrap(Buffer.from(ec.ciphertext, 'base64url'), keys[2048]!, 'SHA1')).toEqual(await readFile(join(d, 'p256.der')));
  });

  it('refuses the batch for lines Azure refuses and AWS KMS takes (HMAC), AES into a key vault, and a line without a kid; nothing is written', async () => {
    const d = await batchDir('azure-refused', [
      { material: 'hmac384.bin', publicKey: 'k2048.pem', output: 'out/hmac.byok', kekId: KID },
      { material: 'aes.bin', publicKey: 'k2048.pem', keySpec: 'SYMMETRIC_DEFAULT', output: 'out/aes.byok', kekId: KID },
      { material: 'p256.der', publicKey: 'k2048.pem', output: 'out/p256.byok' },
    ]);
    await expectUnchanged([d], async () => {
      const r = await run(['batch', 'manifest.jsonl', '--target', 'azure', '--json'], d);
      expect(r.code).toBe(1);
      expect(lines(r.stderr)).toEqual([
        expect.stringMatching(/^kms-wrap: ERR_KEY_SPEC_UNSUPPORTED: line 1: Azure Key Vault does not import HMAC_384.* — /),
        expect.stringMatching(
          /^kms-wrap: ERR_COMBINATION_REJECTED: line 2: Azure Key Vault imports AES keys only into a Managed HSM, .* — /,
        ),
        expect.stringMatching(/^kms-wrap: ERR_TARGET_OPTION_INVALID: line 3: Azure Key Vault needs --kek-id: /),
        'kms-wrap: ERR_MANIFEST_INVALID: 3 of 3 manifest lines are refused (each named above) — nothing was wrapped; fix them and run the batch again',
      ]);
      expect(parseOneJson(r.stdout)).toMatchObject({ ok: false, target: 'azure', error: { code: 'ERR_MANIFEST_INVALID' } });
      expectNoStack(r);
    });
    // The HMAC line for AWS KMS (its algorithm named): wrapped.
    await writeFile(
      join(d, 'aws.jsonl'),
      `${JSON.stringify({ material: 'hmac384.bin', publicKey: 'k2048.pem', algorithm: 'RSAES_OAEP_SHA_256', output: 'out/hmac.bin' })}\n`,
    );
    const aws = await run(['batch', 'aws.jsonl'], d);
    expect(aws.code, aws.stderr).toBe(0);
    expect(await readdir(join(d, 'out'))).toEqual(['hmac.bin']);
  });
});

describe('kms-wrap batch --target vault', () => {
  it('--check passes an Ed25519 key (AWS KMS refuses it) and refuses any wrapping key but RSA-4096; then the batch writes base64 OpenSSL unwraps', async () => {
    const d = await batchDir('vault', [
      { material: 'ed25519.der', publicKey: 'k4096.pem', output: 'out/ed.b64', keyName: 'signer' },
      { material: 'p256.der', publicKey: 'k2048.pem', algorithm: 'SHA1', output: 'out/p256.b64' },
    ]);
    const refused = await run(['batch', 'manifest.jsonl', '--target', 'vault', '--check'], d);
    expect(refused.code).toBe(1);
    expect(lines(refused.stderr)[0]).toMatch(
      /^kms-wrap: ERR_PUBLIC_KEY_TYPE: line 2: SHA1 needs an RSA_4096 wrapping key, and this one is RSA_2048/,
    );
    await writeFile(
      join(d, 'manifest.jsonl'),
      `${JSON.stringify({ material: 'ed25519.der', publicKey: 'k4096.pem', output: 'out/ed.b64', keyName: 'signer' })}\n`,
    );
    const check = await run(['batch', 'manifest.jsonl', '--target', 'vault', '--check'], d);
    expect(check.code, check.stderr).toBe(0);
    expect(check.stdout).toBe('all 1 lines pass every check for Vault transit (--check: nothing was wrapped)\n');
    const r = await cli(['batch', 'manifest.jsonl', '--target', 'vault', '--mount', 'kms', '--json'], d);
    expect(r.code, r.stderr).toBe(0);
    const results = parseOneJson(r.stdout)['results'] as { algorithm: string; keySpec: string; nextCommand: string }[];
    expect(results[0]).toMatchObject({
      algorithm: 'SHA256',
      keySpec: 'ED25519',
      nextCommand: `vault write kms/keys/signer/import ciphertext=@${join(d, 'out', 'ed.b64')} hash_function=SHA256 type=ed25519`,
    });
    const text = await readFile(join(d, 'out', 'ed.b64'), 'ascii');
    expect(text).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(await opensslKeyWrap(Buffer.from(text, 'base64'), keys[4096]!, 'SHA256')).toEqual(await readFile(join(d, 'ed25519.der')));
    // AWS KMS, the default: the same Ed25519 line (with an algorithm of its own) is refused.
    await writeFile(
      join(d, 'aws.jsonl'),
      `${JSON.stringify({ material: 'ed25519.der', publicKey: 'k4096.pem', algorithm: 'RSA_AES_KEY_WRAP_SHA_256', output: 'out/ed.bin' })}\n`,
    );
    const aws = await run(['batch', 'aws.jsonl', '--check'], d);
    expect(aws.code).toBe(1);
    expect(aws.stderr).toMatch(
      /^kms-wrap: ERR_KEY_SPEC_UNSUPPORTED: line 1: the material is an Ed25519 private key, which AWS KMS cannot import/m,
    );
  });
});

describe('kms-wrap batch --help', () => {
  it('names --target and the fields a line carries for each target', async () => {
    const help = await run(['batch', '--help'], scratch.dir);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: kms-wrap batch MANIFEST \[--target aws\|gcp\|azure\|vault\]/);
    expect(help.stdout).toContain('azure: kekId (required');
  });
});
