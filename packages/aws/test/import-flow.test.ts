/**
 * importKeyMaterial, the whole AWS import flow, against a fake KMS (test/fake-kms.ts) that
 * unwraps for real: as a `{ send }` client, and behind the real SDK's KMSClient speaking the
 * KMS JSON protocol to a local HTTP server. The engine is @kms-wrap/node's, injected as a Node
 * caller does: every installed standard plugin and node:crypto.
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes, constants, publicEncrypt, createPublicKey } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DescribeKeyCommand, GetParametersForImportCommand, ImportKeyMaterialCommand, KMSClient } from '@aws-sdk/client-kms';
import { KmsWrapError, createWrapper, type WrappingAlgorithm } from '@kms-wrap/core';
import { createNodeCryptoProvider, loadStandardAlgorithm, standardWrapper } from '@kms-wrap/node';
import { RSAES_OAEP_SHA_256 } from '@kms-wrap/rsaes-oaep';
import {
  checkValidTo,
  importKeyMaterial as importWith,
  parseImportType,
  regionOfArn,
  translateKmsError,
  type ImportKeyMaterialOptions,
  type ImportKeyMaterialResult,
  type KmsClientLike,
} from '../src/index.js';
import { load } from '../src/kms-sdk.js';
import { FakeKms, wrappingKeyPair } from './fake-kms.js';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 180_000 });

const DAY = 86_400_000;

function rsaMaterial(bits: number): Uint8Array {
  return new Uint8Array(generateKeyPairSync('rsa', { modulusLength: bits }).privateKey.export({ type: 'pkcs8', format: 'der' }));
}
function ecMaterial(curve: string): Uint8Array {
  return new Uint8Array(generateKeyPairSync('ec', { namedCurve: curve }).privateKey.export({ type: 'pkcs8', format: 'der' }));
}

const hasOpensslSm2 = (() => {
  try {
    execFileSync('openssl', ['genpkey', '-algorithm', 'SM2'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
})();

/** Expects a KmsWrapError with this code whose message says each of `says`; returns it. */
async function refused(p: Promise<unknown>, code: string, says: (string | RegExp)[] = []): Promise<KmsWrapError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e, 'expected a refusal').toBeInstanceOf(KmsWrapError);
  const k = e as KmsWrapError;
  expect(k.code, k.message).toBe(code);
  expect(k.message).toMatch(/ — /); // what is wrong — what to do
  for (const s of says) {
    if (typeof s === 'string') expect(k.message).toContain(s);
    else expect(k.message).toMatch(s);
  }
  return k;
}

let rsa2048: Uint8Array;
let p256: Uint8Array;

beforeAll(async () => {
  // The wrapping keys the fake hands out, made once (RSA_4096 takes seconds).
  await Promise.all([wrappingKeyPair('RSA_4096'), wrappingKeyPair('RSA_2048')]);
  rsa2048 = rsaMaterial(2048);
  p256 = ecMaterial('prime256v1');
});

type Options = Omit<ImportKeyMaterialOptions, 'wrapper'> & {
  wrapper?: ImportKeyMaterialOptions['wrapper'];
  algorithms?: readonly WrappingAlgorithm[];
};

/** importKeyMaterial with the engine a Node caller injects: these plugins, or the installed ones (the requested one's package named when missing). */
function importKeyMaterial({ algorithms, ...o }: Options): Promise<ImportKeyMaterialResult> {
  const wrapper = algorithms
    ? createWrapper({ algorithms, crypto: createNodeCryptoProvider() })
    : (id: string) => loadStandardAlgorithm(id).then(() => standardWrapper());
  return importWith({ wrapper, ...o });
}

function flow(kms: FakeKms, o: Partial<Options> & Pick<ImportKeyMaterialOptions, 'keyId' | 'material' | 'algorithm'>) {
  return importKeyMaterial({ client: kms.client(), ...o });
}

describe('importKeyMaterial: happy paths against the fake KMS', () => {
  it('an RSA_2048 private key with RSA_AES_KEY_WRAP_SHA_256 (RSA_4096 wrapping key by default): the fake unwraps the same bytes', async () => {
    const kms = new FakeKms();
    const key = kms.addKey({ keySpec: 'RSA_2048', keyUsage: 'SIGN_VERIFY' });
    const r = await flow(kms, { keyId: key.keyId, material: rsa2048, algorithm: 'RSA_AES_KEY_WRAP_SHA_256' });
    expect(kms.operations).toEqual(['DescribeKey', 'GetParametersForImport', 'ImportKeyMaterial']);
    expect(Buffer.from(key.material!).equals(Buffer.from(rsa2048))).toBe(true);
    expect(key.keyState).toBe('Enabled');
    expect(r).toMatchObject({
      dryRun: false,
      keyId: key.arn,
      keySpec: 'RSA_2048',
      keyState: 'PendingImport',
      keyUsage: 'SIGN_VERIFY',
      region: 'standard',
      algorithm: 'RSA_AES_KEY_WRAP_SHA_256',
      wrappingKeySpec: 'RSA_4096',
      expirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE',
      validTo: undefined,
      importType: undefined,
    });
    expect(r.keyMaterialId).toMatch(/^[0-9a-f]{64}$/);
    // 512 bytes of RSA-OAEP, then KWP of 8 + the material rounded up to 8.
    expect(r.encryptedKeyMaterialLength).toBe(512 + 8 + Math.ceil(rsa2048.length / 8) * 8);
    // GetParametersForImport and ImportKeyMaterial name the key by the ARN DescribeKey gave.
    expect(kms.calls[1]!.input).toEqual({ KeyId: key.arn, WrappingAlgorithm: 'RSA_AES_KEY_WRAP_SHA_256', WrappingKeySpec: 'RSA_4096' });
    const imp = kms.calls[2]!.input;
    expect(imp['ExpirationModel']).toBe('KEY_MATERIAL_DOES_NOT_EXPIRE');
    expect('ValidTo' in imp).toBe(false);
    expect('ImportType' in imp).toBe(false);
    // The calls reported elide the token and the ciphertext.
    expect(r.calls.map((c) => c.operation)).toEqual(['DescribeKey', 'GetParametersForImport', 'ImportKeyMaterial']);
    expect(r.calls[2]!.input['ImportToken']).toMatch(/^<elided: \d+ bytes>$/);
    expect(JSON.stringify(r.calls)).not.toContain(Buffer.from(imp['ImportToken'] as Uint8Array).toString('base64'));
  });

  it('symmetric material (32 bytes) with RSAES_OAEP_SHA_256, the key named by its alias', async () => {
    const kms = new FakeKms();
    const key = kms.addKey({ keySpec: 'SYMMETRIC_DEFAULT', alias: 'alias/byok' });
    const material = randomBytes(32);
    const r = await flow(kms, { keyId: 'alias/byok', material, algorithm: 'rsaes_oaep_sha_256' });
    expect(r.keySpec).toBe('SYMMETRIC_DEFAULT');
    expect(r.encryptedKeyMaterialLength).toBe(512);
    expect(key.material!.equals(material)).toBe(true);
    expect(kms.calls[0]!.input).toEqual({ KeyId: 'alias/byok' });
    expect(kms.calls[1]!.input['KeyId']).toBe(key.arn);
  });

  it('HMAC_384 with RSAES_OAEP_SHA_1 under an RSA_2048 wrapping key, and ECC_NIST_P256 with RSAES_OAEP_SHA_256', async () => {
    const kms = new FakeKms();
    const hmac = kms.addKey({ keySpec: 'HMAC_384' });
    const m = randomBytes(48);
    const r = await flow(kms, { keyId: hmac.arn, material: m, algorithm: 'RSAES_OAEP_SHA_1', wrappingKeySpec: 'RSA_2048' });
    expect(r).toMatchObject({ keySpec: 'HMAC_384', wrappingKeySpec: 'RSA_2048', encryptedKeyMaterialLength: 256 });
    expect(hmac.material!.equals(m)).toBe(true);
    const ecc = kms.addKey({ keySpec: 'ECC_NIST_P256' });
    await flow(kms, { keyId: ecc.keyId, material: p256, algorithm: 'RSAES_OAEP_SHA_256' });
    expect(Buffer.from(ecc.material!).equals(Buffer.from(p256))).toBe(true);
  });

  it('expiry: validTo → ExpirationModel KEY_MATERIAL_EXPIRES with ValidTo', async () => {
    const kms = new FakeKms();
    const key = kms.addKey();
    const validTo = new Date(Date.now() + 30 * DAY);
    const r = await flow(kms, { keyId: key.keyId, material: randomBytes(32), algorithm: 'RSAES_OAEP_SHA_256', validTo });
    expect(r.expirationModel).toBe('KEY_MATERIAL_EXPIRES');
    expect(r.validTo).toEqual(validTo);
    expect(kms.calls[2]!.input['ExpirationModel']).toBe('KEY_MATERIAL_EXPIRES');
    expect(kms.calls[2]!.input['ValidTo']).toEqual(validTo);
    expect(key.validTo).toEqual(validTo);
    expect(r.calls[2]!.input['ValidTo']).toBe(validTo.toISOString());
  });

  it('a reimport of the same material into an Enabled key; NEW_KEY_MATERIAL with a description for a symmetric key', async () => {
    const kms = new FakeKms();
    const key = kms.addKey();
    const m = randomBytes(32);
    await flow(kms, { keyId: key.keyId, material: m, algorithm: 'RSAES_OAEP_SHA_256' });
    const again = await flow(kms, { keyId: key.keyId, material: m, algorithm: 'RSAES_OAEP_SHA_256', importType: 'EXISTING_KEY_MATERIAL' });
    expect(again.keyState).toBe('Enabled');
    const fresh = randomBytes(32);
    const r = await flow(kms, {
      keyId: key.keyId,
      material: fresh,
      algorithm: 'RSAES_OAEP_SHA_256',
      importType: 'new-key-material',
      description: 'rotation 2',
    });
    expect(r.importType).toBe('NEW_KEY_MATERIAL');
    expect(kms.calls.at(-1)!.input).toMatchObject({ ImportType: 'NEW_KEY_MATERIAL', KeyMaterialDescription: 'rotation 2' });
    expect(key.material!.equals(fresh)).toBe(true);
    expect(key.description).toBe('rotation 2');
  });

  it.skipIf(!hasOpensslSm2)(
    'China Regions: SM2 material with SM2PKE under the SM2 wrapping key (unwrapped by OpenSSL), 16-byte SM4 material',
    async () => {
      await wrappingKeyPair('SM2');
      const kms = new FakeKms({ region: 'cn-north-1' });
      const sm2 = kms.addKey({ keySpec: 'SM2' });
      const material = ecMaterial('SM2');
      const r = await flow(kms, { keyId: sm2.keyId, material, algorithm: 'SM2PKE' });
      expect(r).toMatchObject({ region: 'china', wrappingKeySpec: 'SM2', keySpec: 'SM2' });
      expect(Buffer.from(sm2.material!).equals(Buffer.from(material))).toBe(true);
      const sym = kms.addKey({ keySpec: 'SYMMETRIC_DEFAULT' });
      const m16 = randomBytes(16);
      const s = await flow(kms, { keyId: sym.arn, material: m16, algorithm: 'RSAES_OAEP_SHA_256', wrappingKeySpec: 'RSA_2048' });
      expect(s.region).toBe('china');
      expect(sym.material!.equals(m16)).toBe(true);
    },
  );
});

describe('importKeyMaterial: refusals before the call that would fail', () => {
  it('Origin not EXTERNAL is refused after DescribeKey, before GetParametersForImport', async () => {
    const kms = new FakeKms();
    const key = kms.addKey({ origin: 'AWS_KMS' });
    await refused(flow(kms, { keyId: key.keyId, material: randomBytes(32), algorithm: 'RSAES_OAEP_SHA_256' }), 'ERR_KMS_KEY_UNSUITABLE', [
      'Origin AWS_KMS',
      'aws kms create-key --origin EXTERNAL --key-spec SYMMETRIC_DEFAULT',
    ]);
    expect(kms.operations).toEqual(['DescribeKey']);
    const hsm = kms.addKey({ origin: 'AWS_CLOUDHSM' });
    await refused(flow(kms, { keyId: hsm.keyId, material: randomBytes(32), algorithm: 'RSAES_OAEP_SHA_256' }), 'ERR_KMS_KEY_UNSUITABLE', [
      'custom key store',
    ]);
    expect(kms.operations).toEqual(['DescribeKey', 'DescribeKey']);
  });

  it('material of another key spec is refused before any import call', async () => {
    const kms = new FakeKms();
    const key = kms.addKey({ keySpec: 'RSA_2048' });
    await refused(flow(kms, { keyId: key.keyId, material: p256, algorithm: 'RSA_AES_KEY_WRAP_SHA_256' }), 'ERR_KEY_SPEC_MISMATCH', [
      `KMS key ${key.arn} has key spec RSA_2048`,
      'ECC_NIST_P256',
    ]);
    const hmac = kms.addKey({ keySpec: 'HMAC_512' });
    await refused(flow(kms, { keyId: hmac.keyId, material: randomBytes(32), algorithm: 'RSAES_OAEP_SHA_256' }), 'ERR_KEY_SPEC_MISMATCH', [
      'HMAC_512',
      '64 bytes',
    ]);
    expect(kms.operations).toEqual(['DescribeKey', 'DescribeKey']);
    expect(key.material).toBeUndefined();
  });

  it('a combination KMS rejects is refused before GetParametersForImport (P-521 under RSA_2048 with OAEP)', async () => {
    const kms = new FakeKms();
    const key = kms.addKey({ keySpec: 'ECC_NIST_P521' });
    await refused(
      flow(kms, { keyId: key.keyId, material: ecMaterial('secp521r1'), algorithm: 'RSAES_OAEP_SHA_256', wrappingKeySpec: 'RSA_2048' }),
      'ERR_CAPACITY_EXCEEDED',
      ['190 bytes at most'],
    );
    await refused(
      flow(kms, { keyId: kms.addKey().keyId, material: randomBytes(32), algorithm: 'RSA_AES_KEY_WRAP_SHA_256' }),
      'ERR_COMBINATION_REJECTED',
    );
    expect(kms.operations).toEqual(['DescribeKey', 'DescribeKey']);
  });

  it('a deprecated or unknown algorithm, an expiry KMS would refuse, a bad import type: no call at all', async () => {
    const kms = new FakeKms();
    const key = kms.addKey();
    const base = { keyId: key.keyId, material: randomBytes(32) };
    await refused(flow(kms, { ...base, algorithm: 'RSAES_PKCS1_V1_5' }), 'ERR_ALGORITHM_DEPRECATED', ['10 October 2023']);
    await refused(flow(kms, { ...base, algorithm: 'RSA_OAEP' }), 'ERR_UNKNOWN_NAME');
    await refused(flow(kms, { ...base, algorithm: 'RSAES_OAEP_SHA_256', validTo: new Date(Date.now() - 1000) }), 'ERR_VALID_TO_INVALID', [
      'not in the future',
    ]);
    await refused(
      flow(kms, { ...base, algorithm: 'RSAES_OAEP_SHA_256', validTo: new Date(Date.now() + 400 * DAY) }),
      'ERR_VALID_TO_INVALID',
      ['365 days'],
    );
    await refused(flow(kms, { ...base, algorithm: 'RSAES_OAEP_SHA_256', importType: 'ROTATE' }), 'ERR_UNKNOWN_NAME', ['NEW_KEY_MATERIAL']);
    await refused(flow(kms, { ...base, algorithm: 'RSAES_OAEP_SHA_256', wrappingKeySpec: 'RSA_1024' }), 'ERR_UNKNOWN_NAME');
    expect(kms.calls).toEqual([]);
  });

  it('key states, AWS managed keys, key usage, symmetric-only options, multi-Region replicas', async () => {
    const kms = new FakeKms();
    const m = randomBytes(32);
    const gone = kms.addKey({ keyState: 'PendingDeletion' });
    await refused(flow(kms, { keyId: gone.keyId, material: m, algorithm: 'RSAES_OAEP_SHA_256' }), 'ERR_KMS_KEY_UNSUITABLE', [
      'pending deletion',
      'cancel-key-deletion',
    ]);
    const unavailable = kms.addKey({ keyState: 'Unavailable' });
    await refused(flow(kms, { keyId: unavailable.keyId, material: m, algorithm: 'RSAES_OAEP_SHA_256' }), 'ERR_KMS_KEY_UNSUITABLE', [
      'state Unavailable',
    ]);
    const managed = kms.addKey({ keyManager: 'AWS', origin: 'AWS_KMS' });
    await refused(flow(kms, { keyId: managed.keyId, material: m, algorithm: 'RSAES_OAEP_SHA_256' }), 'ERR_KMS_KEY_UNSUITABLE', [
      'AWS managed',
    ]);
    const oddUsage = kms.addKey({ keySpec: 'HMAC_256', keyUsage: 'ENCRYPT_DECRYPT' });
    await refused(flow(kms, { keyId: oddUsage.keyId, material: m, algorithm: 'RSAES_OAEP_SHA_256' }), 'ERR_KMS_KEY_UNSUITABLE', [
      'GENERATE_VERIFY_MAC',
    ]);
    const rsa = kms.addKey({ keySpec: 'RSA_2048' });
    await refused(
      flow(kms, { keyId: rsa.keyId, material: rsa2048, algorithm: 'RSA_AES_KEY_WRAP_SHA_256', description: 'x' }),
      'ERR_KMS_KEY_UNSUITABLE',
      ['--description apply only to symmetric encryption keys'],
    );
    const replica = kms.addKey({ multiRegionType: 'REPLICA' });
    await refused(
      flow(kms, { keyId: replica.keyId, material: m, algorithm: 'RSAES_OAEP_SHA_256', importType: 'NEW_KEY_MATERIAL' }),
      'ERR_KMS_KEY_UNSUITABLE',
      ['EXISTING_KEY_MATERIAL'],
    );
    expect(kms.operations.every((o) => o === 'DescribeKey')).toBe(true);
    const ml = kms.addKey({ keySpec: 'ML_DSA_65' });
    await refused(flow(kms, { keyId: ml.keyId, material: m, algorithm: 'RSAES_OAEP_SHA_256' }), 'ERR_KEY_SPEC_UNSUPPORTED', ['ML-DSA']);
  });
});

describe('importKeyMaterial: dry run', () => {
  it('makes no call, needs no client, checks locally and shows the calls with the token elided', async () => {
    const send = vi.fn(async () => {
      throw new Error('a dry run must not call KMS');
    });
    const arn = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const validTo = new Date(Date.now() + 7 * DAY);
    const r = await importKeyMaterial({
      client: { send },
      keyId: arn,
      material: rsa2048,
      algorithm: 'RSA_AES_KEY_WRAP_SHA_256',
      validTo,
      dryRun: true,
    });
    expect(send).not.toHaveBeenCalled();
    expect(r).toMatchObject({
      dryRun: true,
      keyId: arn,
      keySpec: 'RSA_2048',
      keyState: undefined,
      region: 'standard',
      wrappingKeySpec: 'RSA_4096',
      expirationModel: 'KEY_MATERIAL_EXPIRES',
    });
    expect(r.calls.map((c) => c.operation)).toEqual(['DescribeKey', 'GetParametersForImport', 'ImportKeyMaterial']);
    expect(r.calls[0]!.input).toEqual({ KeyId: arn });
    expect(r.calls[1]!.input).toMatchObject({ WrappingAlgorithm: 'RSA_AES_KEY_WRAP_SHA_256', WrappingKeySpec: 'RSA_4096' });
    expect(r.calls[2]!.input).toMatchObject({
      ImportToken: expect.stringMatching(/^<elided/),
      EncryptedKeyMaterial: expect.stringContaining(`${r.encryptedKeyMaterialLength} bytes`),
      ExpirationModel: 'KEY_MATERIAL_EXPIRES',
      ValidTo: validTo.toISOString().replace('.000Z', 'Z'),
    });
    const none = await importKeyMaterial({ keyId: 'k', material: randomBytes(32), algorithm: 'RSAES_OAEP_SHA_256', dryRun: true });
    expect(none.keySpec).toBeUndefined(); // 32 raw bytes: SYMMETRIC_DEFAULT or HMAC_256 until DescribeKey says
    // Refusals still apply in a dry run; a China ARN brings the China rules.
    await refused(
      importKeyMaterial({ keyId: 'k', material: randomBytes(32), algorithm: 'RSA_AES_KEY_WRAP_SHA_256', dryRun: true }),
      'ERR_COMBINATION_REJECTED',
    );
    await refused(
      importKeyMaterial({
        keyId: 'arn:aws-cn:kms:cn-north-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
        material: rsa2048,
        algorithm: 'RSA_AES_KEY_WRAP_SHA_256',
        dryRun: true,
      }),
      'ERR_REGION_MISMATCH',
    );
  });

  it("bytes that could be several key specs pass only if every one is accepted: the engine's rule (core judgeEvery)", async () => {
    // A plugin of its own id that takes HMAC material only: 32 raw bytes are SYMMETRIC_DEFAULT or
    // HMAC_256 until DescribeKey says, and SYMMETRIC_DEFAULT is refused. (Before @kms-wrap/aws,
    // the dry run accepted them because one candidate passed; a wrap refused them.)
    const hmacOnly: WrappingAlgorithm = {
      ...RSAES_OAEP_SHA_256,
      id: 'HMAC_ONLY_OAEP',
      accepts: { materials: ['hmac'], wrappingKeySpecs: ['RSA_4096'], regions: ['standard'] },
    };
    const m = randomBytes(32);
    const e = await refused(
      importKeyMaterial({ keyId: 'k', material: m, algorithm: 'HMAC_ONLY_OAEP', dryRun: true, algorithms: [hmacOnly] }),
      'ERR_COMBINATION_REJECTED',
      ['SYMMETRIC_DEFAULT material', 'HMAC_ONLY_OAEP'],
    );
    // The same refusal, word for word, as the engine gives a wrap of the same bytes without a key spec.
    const w = createWrapper({ algorithms: [hmacOnly], crypto: createNodeCryptoProvider() });
    const { spki } = await wrappingKeyPair('RSA_4096');
    expect(() => w.check({ material: m, wrappingPublicKey: new Uint8Array(spki), algorithm: 'HMAC_ONLY_OAEP' })).toThrow(e.message);
    // HMAC material the bytes alone name (28 bytes: HMAC_224 only) passes.
    const ok = await importKeyMaterial({
      keyId: 'k',
      material: randomBytes(28),
      algorithm: 'HMAC_ONLY_OAEP',
      dryRun: true,
      algorithms: [hmacOnly],
    });
    expect(ok.keySpec).toBe('HMAC_224');
  });

  it("an unknown or deprecated algorithm is refused by core's rules, in the engine's words, before any call", async () => {
    const send = vi.fn();
    await refused(importKeyMaterial({ client: { send }, keyId: 'k', material: p256, algorithm: 'RSAES_OAEP_SHA256' }), 'ERR_UNKNOWN_NAME', [
      "'RSAES_OAEP_SHA256' is not a wrapping algorithm AWS KMS accepts — did you mean RSAES_OAEP_SHA_256?",
    ]);
    await refused(
      importKeyMaterial({ client: { send }, keyId: 'k', material: p256, algorithm: 'RSAES_PKCS1_V1_5' }),
      'ERR_ALGORITHM_DEPRECATED',
    );
    expect(send).not.toHaveBeenCalled();
    await refused(
      importWith({ client: { send }, keyId: 'k', material: p256, algorithm: 'RSAES_OAEP_SHA_256', wrapper: undefined as never }),
      'ERR_ARGUMENT_INVALID',
      ['wrapper'],
    );
  });
});

describe('importKeyMaterial: KMS errors, translated into one line', () => {
  const cases: [string, 'DescribeKey' | 'GetParametersForImport' | 'ImportKeyMaterial', string, (string | RegExp)[]][] = [
    ['InvalidCiphertextException', 'ImportKeyMaterial', 'ERR_KMS_REJECTED', ['could not decrypt', 'same GetParametersForImport']],
    ['IncorrectKeyMaterialException', 'ImportKeyMaterial', 'ERR_KMS_REJECTED', ['material imported before', 'NEW_KEY_MATERIAL']],
    ['ExpiredImportTokenException', 'ImportKeyMaterial', 'ERR_KMS_REJECTED', ['expired', 'fetch new parameters']],
    ['InvalidImportTokenException', 'ImportKeyMaterial', 'ERR_KMS_REJECTED', ['not valid for KMS key', 'same GetParametersForImport']],
    ['NotFoundException', 'DescribeKey', 'ERR_KMS_REJECTED', ['was not found in us-east-1', 'region']],
    ['KMSInvalidStateException', 'ImportKeyMaterial', 'ERR_KMS_REJECTED', ['state', 'describe-key']],
    ['UnsupportedOperationException', 'GetParametersForImport', 'ERR_KMS_REJECTED', ['custom key store', '--origin EXTERNAL']],
    ['AccessDeniedException', 'GetParametersForImport', 'ERR_KMS_ACCESS_DENIED', ['kms:GetParametersForImport', 'key policy']],
    ['UnrecognizedClientException', 'DescribeKey', 'ERR_AWS_CREDENTIALS', ["the KMS client's credentials", 'aws sso login']],
    ['KMSInternalException', 'DescribeKey', 'ERR_KMS_REJECTED', ['again']],
  ];
  for (const [name, op, code, says] of cases) {
    it(`${name} from ${op} → ${code}`, async () => {
      const kms = new FakeKms();
      const key = kms.addKey();
      kms.failNext(op, name, `the service says ${name}`, name === 'KMSInternalException' ? 500 : 400);
      const arn = key.arn;
      const e = await refused(flow(kms, { keyId: arn, material: randomBytes(32), algorithm: 'RSAES_OAEP_SHA_256' }), code, [...says, name]);
      expect(e.cause).toMatchObject({ name });
      expect(kms.operations.at(-1)).toBe(op);
      expect(key.material).toBeUndefined();
    });
  }

  it('InvalidCiphertextException for real: a plugin that wraps with the wrong hash, unwrapped by the fake', async () => {
    const liar: WrappingAlgorithm = {
      ...RSAES_OAEP_SHA_256,
      async wrap({ material, wrappingKey }) {
        const k = createPublicKey({ key: Buffer.from(wrappingKey.spki), format: 'der', type: 'spki' });
        return new Uint8Array(publicEncrypt({ key: k, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, material));
      },
    };
    const kms = new FakeKms();
    const key = kms.addKey();
    await refused(
      flow(kms, { keyId: key.keyId, material: randomBytes(32), algorithm: 'RSAES_OAEP_SHA_256', algorithms: [liar] }),
      'ERR_KMS_REJECTED',
      ['InvalidCiphertextException', 'RSAES_OAEP_SHA_256'],
    );
    expect(kms.operations).toEqual(['DescribeKey', 'GetParametersForImport', 'ImportKeyMaterial']);
  });

  it('IncorrectKeyMaterialException for real: other material into an asymmetric key that has material', async () => {
    const kms = new FakeKms();
    const key = kms.addKey({ keySpec: 'ECC_NIST_P256' });
    await flow(kms, { keyId: key.keyId, material: p256, algorithm: 'RSAES_OAEP_SHA_256' });
    await refused(
      flow(kms, { keyId: key.keyId, material: ecMaterial('prime256v1'), algorithm: 'RSAES_OAEP_SHA_256' }),
      'ERR_KMS_REJECTED',
      ['IncorrectKeyMaterialException'],
    );
    expect(Buffer.from(key.material!).equals(Buffer.from(p256))).toBe(true);
  });

  it('ExpiredImportTokenException for real: the token expires between GetParametersForImport and ImportKeyMaterial', async () => {
    const kms = new FakeKms();
    const key = kms.addKey();
    const start = Date.now();
    kms.now = () => (kms.calls.length >= 3 ? start + 25 * 3600_000 : start);
    await refused(flow(kms, { keyId: key.keyId, material: randomBytes(32), algorithm: 'RSAES_OAEP_SHA_256' }), 'ERR_KMS_REJECTED', [
      'ExpiredImportTokenException',
    ]);
  });

  it('InvalidImportTokenException for real: a token altered on the way', async () => {
    const kms = new FakeKms();
    const key = kms.addKey();
    const inner = kms.client();
    const client: KmsClientLike = {
      send: (command: { input: Record<string, unknown> }) => {
        if (command instanceof ImportKeyMaterialCommand) command.input['ImportToken'] = new Uint8Array(randomBytes(64));
        return inner.send(command);
      },
    };
    await refused(
      importKeyMaterial({ client, keyId: key.keyId, material: randomBytes(32), algorithm: 'RSAES_OAEP_SHA_256' }),
      'ERR_KMS_REJECTED',
      ['InvalidImportTokenException'],
    );
  });

  it('NotFoundException for real: an unknown key id', async () => {
    const kms = new FakeKms();
    await refused(
      flow(kms, { keyId: '0000abcd-12ab-34cd-56ef-1234567890ab', material: randomBytes(32), algorithm: 'RSAES_OAEP_SHA_256' }),
      'ERR_KMS_REJECTED',
      ['was not found'],
    );
  });

  it('credential, configuration and network failures of the SDK; an unknown client-side error passes through', () => {
    const ctx = { operation: 'DescribeKey', keyId: 'k' };
    const creds = Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' });
    expect(translateKmsError(creds, ctx)).toMatchObject({ code: 'ERR_AWS_CREDENTIALS' });
    expect(translateKmsError(new Error('Region is missing'), ctx)).toMatchObject({ code: 'ERR_AWS_CONFIG' });
    expect(translateKmsError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }), ctx)).toMatchObject({
      code: 'ERR_AWS_UNREACHABLE',
    });
    const bug = new TypeError('x is not a function');
    expect(translateKmsError(bug, ctx)).toBe(bug);
  });
});

describe('the real SDK KMSClient against the fake over HTTP (KMS JSON protocol on 127.0.0.1)', () => {
  let kms: FakeKms;
  let server: Awaited<ReturnType<FakeKms['serve']>>;
  const client = () =>
    new KMSClient({
      region: 'us-east-1',
      endpoint: server.endpoint,
      maxAttempts: 1,
      credentials: { accessKeyId: 'AKIDFAKEFAKEFAKE', secretAccessKey: 'fake-secret' },
    });

  beforeAll(async () => {
    kms = new FakeKms();
    server = await kms.serve({ maxRequests: 40 });
  });
  afterAll(async () => {
    await server.close();
  });

  it('RSA_AES_KEY_WRAP_SHA_256 for an RSA key and RSAES_OAEP_SHA_256 for a symmetric key with expiry, through the SDK (the command classes loaded lazily)', async () => {
    const before = server.requests();
    const rsaKey = kms.addKey({ keySpec: 'RSA_2048' });
    await importKeyMaterial({ client: client(), keyId: rsaKey.arn, material: rsa2048, algorithm: 'RSA_AES_KEY_WRAP_SHA_256' });
    expect(Buffer.from(rsaKey.material!).equals(Buffer.from(rsa2048))).toBe(true);
    const sym = kms.addKey();
    const m = randomBytes(32);
    const validTo = new Date(Math.floor((Date.now() + 10 * DAY) / 1000) * 1000);
    const r = await importKeyMaterial({ client: client(), keyId: sym.keyId, material: m, algorithm: 'RSAES_OAEP_SHA_256', validTo });
    expect(sym.material!.equals(m)).toBe(true);
    expect(sym.validTo).toEqual(validTo); // serialised by the SDK as epoch seconds, parsed back by the fake
    expect(r.parametersValidTo).toBeInstanceOf(Date);
    expect(r.keyMaterialId).toMatch(/^[0-9a-f]{64}$/);
    expect(server.requests() - before).toBe(6);
  });

  it('KMS error responses come back through the SDK and are translated', async () => {
    const key = kms.addKey({ keySpec: 'ECC_NIST_P256' });
    await importKeyMaterial({ client: client(), keyId: key.keyId, material: p256, algorithm: 'RSAES_OAEP_SHA_256' });
    const e = await refused(
      importKeyMaterial({ client: client(), keyId: key.keyId, material: ecMaterial('prime256v1'), algorithm: 'RSAES_OAEP_SHA_256' }),
      'ERR_KMS_REJECTED',
      ['IncorrectKeyMaterialException'],
    );
    expect((e.cause as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode).toBe(400);
    await refused(
      importKeyMaterial({ client: client(), keyId: 'no-such-key', material: p256, algorithm: 'RSAES_OAEP_SHA_256' }),
      'ERR_KMS_REJECTED',
      ['NotFoundException', 'us-east-1'],
    );
    kms.failNext(
      'DescribeKey',
      'AccessDeniedException',
      'User: arn:aws:iam::111122223333:user/x is not authorized to perform: kms:DescribeKey',
    );
    await refused(
      importKeyMaterial({ client: client(), keyId: key.keyId, material: p256, algorithm: 'RSAES_OAEP_SHA_256' }),
      'ERR_KMS_ACCESS_DENIED',
    );
    const origin = kms.addKey({ origin: 'AWS_KMS' });
    const n = kms.calls.length;
    await refused(
      importKeyMaterial({ client: client(), keyId: origin.keyId, material: randomBytes(32), algorithm: 'RSAES_OAEP_SHA_256' }),
      'ERR_KMS_KEY_UNSUITABLE',
    );
    expect(kms.operations.slice(n)).toEqual(['DescribeKey']);
  });

  it('no endpoint listening → ERR_AWS_UNREACHABLE; no region → ERR_AWS_CONFIG; bad credentials → ERR_AWS_CREDENTIALS', async () => {
    const dead = await new FakeKms().serve();
    await dead.close();
    const unreachable = new KMSClient({
      region: 'us-east-1',
      endpoint: dead.endpoint,
      maxAttempts: 1,
      credentials: { accessKeyId: 'A', secretAccessKey: 'B' },
    });
    await refused(
      importKeyMaterial({ client: unreachable, keyId: 'k', material: p256, algorithm: 'RSAES_OAEP_SHA_256' }),
      'ERR_AWS_UNREACHABLE',
    );
    vi.stubEnv('AWS_REGION', undefined);
    vi.stubEnv('AWS_DEFAULT_REGION', undefined);
    vi.stubEnv('AWS_PROFILE', undefined);
    vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
    vi.stubEnv('AWS_CONFIG_FILE', '/nonexistent/kms-wrap-test-config');
    vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', '/nonexistent/kms-wrap-test-credentials');
    try {
      const noRegion = new KMSClient({
        endpoint: server.endpoint,
        maxAttempts: 1,
        credentials: { accessKeyId: 'A', secretAccessKey: 'B' },
      });
      // A program is told of its client's settings, kms-wrap's command line of its flags.
      await refused(
        importKeyMaterial({ client: noRegion, keyId: 'k', material: p256, algorithm: 'RSAES_OAEP_SHA_256' }),
        'ERR_AWS_CONFIG',
        ["set the KMS client's region (e.g. eu-west-1, cn-north-1)"],
      );
      await refused(
        importKeyMaterial({ client: noRegion, keyId: 'k', material: p256, algorithm: 'RSAES_OAEP_SHA_256', surface: 'command-line' }),
        'ERR_AWS_CONFIG',
        ['pass --region (e.g. eu-west-1, cn-north-1)'],
      );
      const noCreds = new KMSClient({
        region: 'us-east-1',
        endpoint: server.endpoint,
        maxAttempts: 1,
        profile: 'kms-wrap-no-such-profile',
      });
      await refused(
        importKeyMaterial({ client: noCreds, keyId: 'k', material: p256, algorithm: 'RSAES_OAEP_SHA_256' }),
        'ERR_AWS_CREDENTIALS',
        ["use the KMS client's credentials"],
      );
      await refused(
        importKeyMaterial({ client: noCreds, keyId: 'k', material: p256, algorithm: 'RSAES_OAEP_SHA_256', surface: 'command-line' }),
        'ERR_AWS_CREDENTIALS',
        ['pass --profile NAME'],
      );
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('the SDK command classes passed as `sdk` work the same as the lazily loaded ones', async () => {
    const key = kms.addKey();
    const m = randomBytes(32);
    await importKeyMaterial({
      client: client(),
      sdk: { DescribeKeyCommand, GetParametersForImportCommand, ImportKeyMaterialCommand },
      keyId: key.keyId,
      material: m,
      algorithm: 'RSAES_OAEP_SHA_1',
      wrappingKeySpec: 'RSA_2048',
    });
    expect(key.material!.equals(m)).toBe(true);
  });
});

describe('small parts', () => {
  it('the SDK missing: ERR_AWS_SDK_MISSING with the install command', async () => {
    const name = '@aws-sdk/kms-wrap-no-such-package';
    await refused(
      load(() => import(name)),
      'ERR_AWS_SDK_MISSING',
      ['npm install @aws-sdk/client-kms'],
    );
    const sdk = await load(() => import('@aws-sdk/client-kms'));
    expect(sdk.KMSClient).toBe(KMSClient);
    // Not resolvable from the package, but through the fallback (@kms-wrap/node's: a CLI's working directory).
    const fallback = vi.fn(() => import('@aws-sdk/client-kms'));
    const fromFallback = await load(() => import(name), fallback);
    expect(fallback).toHaveBeenCalledOnce();
    expect(typeof fromFallback.ImportKeyMaterialCommand).toBe('function');
    await refused(
      load(
        () => import(name),
        async () => undefined,
      ),
      'ERR_AWS_SDK_MISSING',
    );
  });

  it('checkValidTo, parseImportType, regionOfArn', () => {
    const now = Date.parse('2030-01-01T00:00:00Z');
    expect(() => checkValidTo(new Date(now + DAY), now)).not.toThrow();
    expect(() => checkValidTo(new Date(now + 365 * DAY), now)).not.toThrow();
    expect(() => checkValidTo(new Date(now + 366 * DAY), now)).toThrow(/365 days/);
    expect(() => checkValidTo(new Date(now), now)).toThrow(/not in the future/);
    expect(() => checkValidTo(new Date(Number.NaN), now)).toThrow(/not a date/);
    expect(parseImportType('existing_key_material')).toBe('EXISTING_KEY_MATERIAL');
    expect(regionOfArn('arn:aws-cn:kms:cn-northwest-1:111122223333:key/x')).toEqual({ region: 'china', name: 'cn-northwest-1' });
    expect(regionOfArn('arn:aws:kms:eu-west-1:111122223333:key/x')).toEqual({ region: 'standard', name: 'eu-west-1' });
    expect(regionOfArn('1234abcd')).toBeUndefined();
  });
});
