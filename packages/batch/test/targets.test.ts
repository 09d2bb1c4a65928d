/**
 * A batch for another target than AWS KMS: the target's rules decide each entry (what AWS KMS
 * takes and it refuses, and the other way round), and each output is the target's envelope —
 * Cloud KMS's wrapped key, Azure's .byok JSON, Vault's base64 — which node:crypto (OpenSSL)
 * unwraps back to the exact material with the wrapping key's private half. Lines of a manifest
 * carry the target's options (Azure's kekId) and may leave out its default algorithm.
 */
import { constants, createDecipheriv, generateKeyPairSync, privateDecrypt, randomBytes, type KeyObject } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AZURE_KEY_VAULT, ERROR_CODES, KmsWrapError, type Target } from '@kms-wrap/core';
import {
  checkBatch,
  parseBatchManifest,
  streamBatchManifest,
  wrapBatch,
  wrapManifest,
  type BatchEntry,
  type BatchEntryResult,
  type BatchSummary,
} from '../dist/index.js';

const der = (b: Buffer) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
const rsa = (bits: number) => generateKeyPairSync('rsa', { modulusLength: bits });
const k2048 = rsa(2048);
const k3072 = rsa(3072);
const k4096 = rsa(4096);
const p256 = der(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'der' }));
const rsaMaterial = der(rsa(2048).privateKey.export({ type: 'pkcs8', format: 'der' }));
const ed25519 = der(generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'der' }));
const aes = new Uint8Array(randomBytes(32));
const hmac384 = new Uint8Array(randomBytes(48));
const KID = 'https://contoso-kv.vault.azure.net/keys/KEKforBYOK/0123456789abcdef0123456789abcdef';
const HSM_KID = 'https://contoso.managedhsm.azure.net/keys/KEK/0123456789abcdef0123456789abcdef';

let dir: string;
let n = 0;
function fresh(): string {
  const d = join(dir, `case-${++n}`);
  mkdirSync(join(d, 'out'), { recursive: true });
  return d;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kms-wrap-batch-targets-'));
  for (const [name, key] of [
    ['k2048.pem', k2048],
    ['k3072.pem', k3072],
    ['k4096.pem', k4096],
  ] as const) {
    writeFileSync(join(dir, name), key.publicKey.export({ type: 'spki', format: 'pem' }));
  }
  writeFileSync(join(dir, 'p256.der'), p256);
  writeFileSync(join(dir, 'rsa.der'), rsaMaterial);
  writeFileSync(join(dir, 'ed25519.der'), ed25519);
  writeFileSync(join(dir, 'aes.bin'), aes);
  writeFileSync(join(dir, 'hmac384.bin'), hmac384);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const MD = { sha1: 'sha1', sha256: 'sha256' } as const;

/** RSA-OAEP alone: the whole file is the modulus-sized RSA part. */
function unwrapOaep(wrapped: Uint8Array, key: KeyObject, hash: keyof typeof MD): Uint8Array {
  return new Uint8Array(privateDecrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: MD[hash] }, wrapped));
}

/** RSA part (k bytes) → the AES key with OAEP; the rest → the material with RFC 5649 (id-aes256-wrap-pad). */
function unwrapKeyWrap(wrapped: Uint8Array, key: KeyObject, bits: number, hash: keyof typeof MD): Uint8Array {
  const k = bits / 8;
  const aesKey = unwrapOaep(wrapped.subarray(0, k), key, hash);
  expect(aesKey.length).toBe(32);
  const d = createDecipheriv('id-aes256-wrap-pad', aesKey, Buffer.from('A65959A6', 'hex'));
  return new Uint8Array(Buffer.concat([d.update(wrapped.subarray(k)), d.final()]));
}

const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

function failures(s: BatchSummary): Record<number, string> {
  return Object.fromEntries(s.results.flatMap((r) => (r.status === 'failed' ? [[r.index, r.error.code]] : [])));
}

function messageOf(s: BatchSummary, index: number): string {
  const r = s.results[index]!;
  if (r.status !== 'failed') throw new Error(`entry ${index} was ${r.status}`);
  return r.error.message;
}

describe("wrapBatch({ target: 'gcp' }): Cloud KMS's import methods and its wrapped key files", () => {
  it('wraps by the import method each entry names; each file unwraps to the material; the gcloud command comes with each result', async () => {
    const d = fresh();
    const entries: BatchEntry[] = [
      {
        material: join(dir, 'p256.der'),
        publicKey: join(dir, 'k3072.pem'),
        algorithm: 'RSA_OAEP_3072_SHA256_AES_256',
        output: join(d, 'out', 'p256.bin'),
        targetOptions: { keyName: 'frodo' },
      },
      {
        material: join(dir, 'rsa.der'),
        publicKey: join(dir, 'k4096.pem'),
        algorithm: 'rsa_oaep_4096_sha1_aes_256',
        output: join(d, 'out', 'rsa.bin'),
      },
      {
        material: aes,
        publicKey: join(dir, 'k4096.pem'),
        algorithm: 'RSA_OAEP_4096_SHA256',
        keySpec: 'SYMMETRIC_DEFAULT',
        output: join(d, 'out', 'aes.bin'),
      },
    ];
    const s = await wrapBatch(entries, {
      target: 'gcp',
      concurrency: 2,
      strict: true,
      envelope: { options: { keyRing: 'fellowship', location: 'global', importJob: 'strider' } },
    });
    expect(failures(s)).toEqual({});
    expect(s.wrapped).toBe(3);
    expect(same(unwrapKeyWrap(readFileSync(join(d, 'out', 'p256.bin')), k3072.privateKey, 3072, 'sha256'), p256)).toBe(true);
    expect(same(unwrapKeyWrap(readFileSync(join(d, 'out', 'rsa.bin')), k4096.privateKey, 4096, 'sha1'), rsaMaterial)).toBe(true);
    const aesFile = readFileSync(join(d, 'out', 'aes.bin'));
    expect(aesFile.length).toBe(512);
    expect(same(unwrapOaep(aesFile, k4096.privateKey, 'sha256'), aes)).toBe(true);
    const [first, , third] = s.results as Extract<BatchEntryResult, { status: 'wrapped' }>[];
    expect(first).toMatchObject({
      algorithm: 'RSA_OAEP_3072_SHA256_AES_256',
      keySpec: 'ECC_NIST_P256',
      wrappingKeySpec: 'RSA_3072',
      bytes: readFileSync(join(d, 'out', 'p256.bin')).length,
    });
    expect(first!.nextCommand).toBe(
      `gcloud kms keys versions import --location global --keyring fellowship --key frodo --import-job strider --algorithm ec-sign-p256-sha256 --wrapped-key-file ${join(d, 'out', 'p256.bin')}`,
    );
    expect(third!.nextCommand).toContain('--key "$KEY" --import-job strider --algorithm google-symmetric-encryption');
  });

  it("refuses by Cloud KMS's rules what AWS KMS takes (P-521 material; an RSA key under a direct OAEP method), and AWS KMS's parameters and regions; the rest are wrapped", async () => {
    const d = fresh();
    const p521 = der(generateKeyPairSync('ec', { namedCurve: 'secp521r1' }).privateKey.export({ type: 'pkcs8', format: 'der' }));
    const entries: BatchEntry[] = [
      { material: p521, publicKey: join(dir, 'k3072.pem'), algorithm: 'RSA_OAEP_3072_SHA256_AES_256', output: join(d, 'out', 'p521.bin') },
      {
        material: join(dir, 'rsa.der'),
        publicKey: join(dir, 'k3072.pem'),
        algorithm: 'RSA_OAEP_3072_SHA256',
        output: join(d, 'out', 'direct.bin'),
      },
      {
        material: join(dir, 'p256.der'),
        parameters: join(dir, 'params.json'),
        algorithm: 'RSA_OAEP_3072_SHA256_AES_256',
        output: join(d, 'out', 'params.bin'),
      },
      {
        material: join(dir, 'p256.der'),
        publicKey: join(dir, 'k3072.pem'),
        algorithm: 'RSA_OAEP_3072_SHA256_AES_256',
        region: 'china',
        output: join(d, 'out', 'china.bin'),
      },
      { material: join(dir, 'p256.der'), publicKey: join(dir, 'k3072.pem'), output: join(d, 'out', 'no-algorithm.bin') } as BatchEntry,
      {
        material: join(dir, 'p256.der'),
        publicKey: join(dir, 'k3072.pem'),
        algorithm: 'RSA_OAEP_3072_SHA256_AES_256',
        output: join(d, 'out', 'ok.bin'),
      },
    ];
    const s = await wrapBatch(entries, { target: 'gcp', concurrency: 2 });
    expect(failures(s)).toEqual({
      0: ERROR_CODES.KEY_SPEC_UNSUPPORTED,
      1: ERROR_CODES.CAPACITY_EXCEEDED,
      2: ERROR_CODES.MANIFEST_INVALID,
      3: ERROR_CODES.MANIFEST_INVALID,
      4: ERROR_CODES.MANIFEST_INVALID,
    });
    expect(messageOf(s, 0)).toContain('Google Cloud KMS does not import ECC_NIST_P521');
    expect(messageOf(s, 1)).toContain('— use RSA_OAEP_3072_SHA256_AES_256');
    expect(messageOf(s, 2)).toBe(
      "parameters (GetParametersForImport output) are AWS KMS's — give Google Cloud KMS's wrapping public key as publicKey (see docs/targets/gcp.md)",
    );
    expect(messageOf(s, 3)).toBe("region is AWS KMS's (the China Regions); Google Cloud KMS has none — leave it out");
    expect(messageOf(s, 4)).toMatch(/^the entry has no algorithm — give Google Cloud KMS's: RSA_OAEP_3072_SHA256_AES_256, /);
    expect(readdirSync(join(d, 'out'))).toEqual(['ok.bin']);
    // The same P-521 entry is AWS KMS's to take: the target decided.
    const aws = await wrapBatch([{ ...entries[0]!, algorithm: 'RSA_AES_KEY_WRAP_SHA_256' }], { concurrency: 1 });
    expect(aws.wrapped).toBe(1);
  });
});

describe("a manifest for Azure Key Vault: lines carry the target's options; each output is a .byok file", () => {
  it('streamed and wrapped strictly; the default algorithm; kekId for the batch or per line; the .byok ciphertext unwraps (SHA-1)', async () => {
    const d = fresh();
    const lines = [
      { material: '../rsa.der', publicKey: '../k3072.pem', output: 'out/rsa.byok', keyName: 'ContosoFirstHSMkey' },
      {
        material: '../p256.der',
        publicKey: '../k2048.pem',
        algorithm: 'CKM_RSA_AES_KEY_WRAP',
        output: 'out/p256.byok',
        kekId: KID.replace('KEKforBYOK', 'OtherKEK'),
      },
    ];
    writeFileSync(join(d, 'm.jsonl'), `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
    const manifest = await streamBatchManifest(join(d, 'm.jsonl'), { target: 'azure' });
    expect(manifest.target).toBe(AZURE_KEY_VAULT);
    const seen: BatchEntryResult[] = [];
    const t = await wrapManifest(manifest, {
      concurrency: 2,
      envelope: { options: { kekId: KID }, generator: 'kms-wrap/test' },
      onResult: (r, phase) => phase === 'wrap' && seen.push(r),
    });
    expect(t).toMatchObject({ total: 2, wrapped: 2, failed: 0, refused: false });
    const rsaBlob = JSON.parse(readFileSync(join(d, 'out', 'rsa.byok'), 'utf8')) as {
      header: { kid: string; enc: string };
      ciphertext: string;
      generator: string;
    };
    expect(rsaBlob.header).toEqual({ kid: KID, alg: 'dir', enc: 'CKM_RSA_AES_KEY_WRAP' });
    expect(rsaBlob.generator).toBe('kms-wrap/test');
    expect(same(unwrapKeyWrap(Buffer.from(rsaBlob.ciphertext, 'base64url'), k3072.privateKey, 3072, 'sha1'), rsaMaterial)).toBe(true);
    const ecBlob = JSON.parse(readFileSync(join(d, 'out', 'p256.byok'), 'utf8')) as { header: { kid: string }; ciphertext: string };
    expect(ecBlob.header.kid).toBe(KID.replace('KEKforBYOK', 'OtherKEK')); // the line's own
    expect(same(unwrapKeyWrap(Buffer.from(ecBlob.ciphertext, 'base64url'), k2048.privateKey, 2048, 'sha1'), p256)).toBe(true);
    expect(seen.map((r) => r.status === 'wrapped' && r.nextCommand)).toEqual([
      `az keyvault key import --vault-name contoso-kv --name ContosoFirstHSMkey --byok-file ${join(d, 'out', 'rsa.byok')}`,
      `# set KEY_NAME first: the name of the key to create\naz keyvault key import --vault-name contoso-kv --name "$KEY_NAME" --kty EC-HSM --curve-name P-256 --byok-file ${join(d, 'out', 'p256.byok')}`,
    ]);
    expect(seen.map((r) => r.status === 'wrapped' && r.bytes)).toEqual([
      readFileSync(join(d, 'out', 'rsa.byok')).length,
      readFileSync(join(d, 'out', 'p256.byok')).length,
    ]);
  });

  it("one line refused by Azure's rules or its envelope refuses the batch: HMAC (AWS KMS takes it), AES into a key vault, no or a malformed kekId; nothing is written", async () => {
    const d = fresh();
    const lines = [
      JSON.stringify({ material: '../hmac384.bin', publicKey: '../k2048.pem', output: 'out/hmac.byok', kekId: KID }),
      JSON.stringify({
        material: '../aes.bin',
        publicKey: '../k2048.pem',
        keySpec: 'SYMMETRIC_DEFAULT',
        output: 'out/aes.byok',
        kekId: KID,
      }),
      JSON.stringify({ material: '../p256.der', publicKey: '../k2048.pem', output: 'out/no-kek.byok' }),
      JSON.stringify({ material: '../p256.der', publicKey: '../k2048.pem', output: 'out/bad-kek.byok', kekId: 'KEKforBYOK' }),
      JSON.stringify({ material: '../p256.der', publicKey: '../k2048.pem', output: 'out/good.byok', kekId: KID, importJob: 'strider' }),
      JSON.stringify({
        material: '../aes.bin',
        publicKey: '../k2048.pem',
        keySpec: 'SYMMETRIC_DEFAULT',
        output: 'out/hsm.byok',
        kekId: HSM_KID,
      }),
    ];
    writeFileSync(join(d, 'm.jsonl'), `${lines.join('\n')}\n`);
    const problems = new Map<number, KmsWrapError>();
    const t = await wrapManifest(await streamBatchManifest(join(d, 'm.jsonl'), { target: 'azure' }), {
      concurrency: 2,
      onResult: (r) => r.status === 'failed' && problems.set(r.index, r.error),
    });
    expect(t.refused).toBe(true);
    expect(t.wrapped).toBe(0);
    expect(readdirSync(join(d, 'out'))).toEqual([]);
    expect(Object.fromEntries([...problems].map(([line, e]) => [line, e.code]))).toEqual({
      1: ERROR_CODES.KEY_SPEC_UNSUPPORTED,
      2: ERROR_CODES.COMBINATION_REJECTED,
      3: ERROR_CODES.TARGET_OPTION_INVALID,
      4: ERROR_CODES.TARGET_OPTION_INVALID,
      5: ERROR_CODES.MANIFEST_INVALID, // importJob is Cloud KMS's
    });
    expect(problems.get(1)!.message).toContain('Azure Key Vault does not import HMAC_384');
    expect(problems.get(2)!.message).toContain('only into a Managed HSM');
    expect(problems.get(3)!.message).toMatch(/^Azure Key Vault needs --kek-id: /);
    expect(problems.get(4)!.message).toContain('is not a Key Vault key identifier');
    expect(problems.get(5)!.message).toBe(
      'unknown field "importJob" — the fields are material, publicKey, parameters, algorithm, keySpec, region, output, kekId, vaultName, hsmName, keyName',
    );
    // The same HMAC line for AWS KMS, with its algorithm: taken.
    const aws = await wrapBatch(
      [{ material: hmac384, publicKey: join(dir, 'k2048.pem'), algorithm: 'RSAES_OAEP_SHA_256', output: join(d, 'out', 'hmac.bin') }],
      { concurrency: 1 },
    );
    expect(aws.wrapped).toBe(1);
  });

  it("checkBatch (checks only, nothing wrapped) finds the envelope's refusals too", async () => {
    const problems = await checkBatch(
      [
        { material: aes, publicKey: join(dir, 'k2048.pem'), keySpec: 'SYMMETRIC_DEFAULT', output: join(dir, 'x.byok') },
        { material: p256, publicKey: join(dir, 'k2048.pem'), output: join(dir, 'y.byok'), targetOptions: { kekId: 'not-a-kid' } },
        { material: p256, publicKey: join(dir, 'k2048.pem'), output: join(dir, 'z.byok') },
      ],
      { target: 'azure', concurrency: 1, envelope: { options: { kekId: KID } } },
    );
    expect(problems.map((p) => [p.index, p.error.code])).toEqual([
      [0, ERROR_CODES.COMBINATION_REJECTED],
      [1, ERROR_CODES.TARGET_OPTION_INVALID],
    ]);
  });
});

describe("wrapBatch({ target: 'vault' }): Vault transit's base64 ciphertext", () => {
  it('takes Ed25519 (AWS KMS does not) with the default SHA256, and SHA1 by name; refuses any wrapping key but RSA-4096 (AWS KMS takes RSA-2048)', async () => {
    const d = fresh();
    const entries: BatchEntry[] = [
      {
        material: join(dir, 'ed25519.der'),
        publicKey: join(dir, 'k4096.pem'),
        output: join(d, 'out', 'ed.b64'),
        targetOptions: { keyName: 'signer' },
      },
      { material: join(dir, 'p256.der'), publicKey: join(dir, 'k4096.pem'), algorithm: 'SHA1', output: join(d, 'out', 'p256.b64') },
      { material: join(dir, 'p256.der'), publicKey: join(dir, 'k2048.pem'), output: join(d, 'out', 'small-key.b64') },
    ];
    const s = await wrapBatch(entries, { target: 'vault', concurrency: 2 });
    expect(failures(s)).toEqual({ 2: ERROR_CODES.PUBLIC_KEY_TYPE });
    expect(messageOf(s, 2)).toContain('SHA256 needs an RSA_4096 wrapping key, and this one is RSA_2048');
    const ed = readFileSync(join(d, 'out', 'ed.b64'), 'ascii');
    expect(ed).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(same(unwrapKeyWrap(Buffer.from(ed, 'base64'), k4096.privateKey, 4096, 'sha256'), ed25519)).toBe(true);
    expect(
      same(unwrapKeyWrap(Buffer.from(readFileSync(join(d, 'out', 'p256.b64'), 'ascii'), 'base64'), k4096.privateKey, 4096, 'sha1'), p256),
    ).toBe(true);
    expect((s.results[0] as Extract<BatchEntryResult, { status: 'wrapped' }>).nextCommand).toBe(
      `vault write transit/keys/signer/import ciphertext=@${join(d, 'out', 'ed.b64')} hash_function=SHA256 type=ed25519`,
    );
    // AWS KMS: the Ed25519 key refused, the RSA-2048 wrapping key taken.
    const aws = await wrapBatch(
      [
        { ...entries[0]!, algorithm: 'RSA_AES_KEY_WRAP_SHA_256', output: join(d, 'out', 'ed.bin'), targetOptions: undefined },
        { ...entries[2]!, algorithm: 'RSA_AES_KEY_WRAP_SHA_256', output: join(d, 'out', 'p256.bin') },
      ] as BatchEntry[],
      { concurrency: 1 },
    );
    expect(failures(aws)).toEqual({ 0: ERROR_CODES.KEY_SPEC_UNSUPPORTED });
    expect(aws.wrapped).toBe(1);
  });
});

describe('the target option: AWS KMS as before, and misuse', () => {
  it("AWS KMS's manifest fields and sentences are unchanged; another target's options are not its fields", () => {
    const m = parseBatchManifest(
      `${JSON.stringify({ material: 'm', publicKey: 'k', algorithm: 'RSAES_OAEP_SHA_256', output: 'o', kekId: KID })}\n`,
      '/base',
    );
    expect(m.problems[0]!.error.message).toBe(
      'unknown field "kekId" — the fields are material, publicKey, parameters, algorithm, keySpec, region, output',
    );
    const noAlgorithm = parseBatchManifest(`${JSON.stringify({ material: 'm', publicKey: 'k', output: 'o' })}\n`, '/base');
    expect(noAlgorithm.problems[0]!.error.message).toMatch(/^"algorithm" is missing — /);
    // Vault has a default algorithm; its options are fields.
    const vault = parseBatchManifest(`${JSON.stringify({ material: 'm', publicKey: 'k', output: 'o', mount: 'kms' })}\n`, '/base', {
      target: 'transit',
    });
    expect(vault.problems).toEqual([]);
    expect(vault.entries[0]).toEqual({ material: '/base/m', publicKey: '/base/k', output: '/base/o', targetOptions: { mount: 'kms' } });
  });

  it('an unknown target name is refused by name; a Target object of its own, and a target given to wrapManifest, are misuses', async () => {
    const e = await wrapBatch([], { target: 'oci' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(KmsWrapError);
    expect((e as KmsWrapError).code).toBe(ERROR_CODES.UNKNOWN_NAME);
    const mine: Target = { ...AZURE_KEY_VAULT };
    await expect(wrapBatch([], { target: mine })).rejects.toThrow(TypeError);
    const d = fresh();
    writeFileSync(join(d, 'm.jsonl'), `${JSON.stringify({ material: 'm', publicKey: 'k', output: 'o', kekId: KID })}\n`);
    const manifest = await streamBatchManifest(join(d, 'm.jsonl'), { target: 'azure' });
    await expect(wrapManifest(manifest, { target: 'azure' } as never)).rejects.toThrow(/pass \{ target \} to streamBatchManifest/);
  });
});
