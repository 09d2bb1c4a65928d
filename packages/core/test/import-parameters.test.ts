/** parseImportParameters: the JSON of aws kms get-parameters-for-import, both ParametersValidTo forms. */
import { describe, expect, it } from 'vitest';
import {
  ERROR_CODES,
  KmsWrapError,
  checkParametersAlgorithm,
  checkParametersExpiry,
  parseImportParameters,
  parseValidTo,
} from '../src/index.js';
import { keys } from './keys.js';

const k = await keys();
const PUBLIC_KEY = Buffer.from(k.rsa4096.spki).toString('base64');
const TOKEN = Buffer.from('an opaque import token from KMS').toString('base64');
const KEY_ID = 'arn:aws:kms:us-east-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

const json = (fields: Record<string, unknown>) => JSON.stringify({ KeyId: KEY_ID, ImportToken: TOKEN, PublicKey: PUBLIC_KEY, ...fields });

function refusal(text: string): KmsWrapError {
  let error: unknown;
  try {
    parseImportParameters(text);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(KmsWrapError);
  expect((error as KmsWrapError).message).toMatch(/\S — \S/);
  return error as KmsWrapError;
}

describe('parseImportParameters', () => {
  it('reads KeyId, ImportToken, the wrapping key and ParametersValidTo', () => {
    const p = parseImportParameters(json({ ParametersValidTo: 1568290320.0 }));
    expect(p.keyId).toBe(KEY_ID);
    expect(Buffer.from(p.importToken).toString()).toBe('an opaque import token from KMS');
    expect(p.wrappingKey.spec).toBe('RSA_4096');
    expect(Buffer.from(p.wrappingKey.spki).equals(Buffer.from(k.rsa4096.spki))).toBe(true);
    expect(p.validTo?.toISOString()).toBe('2019-09-12T12:12:00.000Z');
  });

  it('takes ParametersValidTo as epoch seconds (number, fractional, string "1568290320.0") or ISO 8601', () => {
    for (const v of [
      1568290320,
      1568290320.0,
      '1568290320.0',
      '1568290320',
      ' 1568290320.0 ',
      '2019-09-12T12:12:00Z',
      '2019-09-12T12:12:00.000Z',
      '2019-09-12T14:12:00+02:00',
    ]) {
      expect(parseImportParameters(json({ ParametersValidTo: v })).validTo?.toISOString(), String(v)).toBe('2019-09-12T12:12:00.000Z');
    }
    expect(parseImportParameters(json({ ParametersValidTo: '1568290320.5' })).validTo?.toISOString()).toBe('2019-09-12T12:12:00.500Z');
  });

  it('leaves validTo undefined when ParametersValidTo is absent or null', () => {
    expect(parseImportParameters(json({})).validTo).toBeUndefined();
    expect(parseImportParameters(json({ ParametersValidTo: null })).validTo).toBeUndefined();
  });

  it('refuses a ParametersValidTo that is neither, naming the value', () => {
    for (const v of ['tomorrow', '12/09/2019', '2019-13-45T99:00:00Z', true, {}]) {
      const e = refusal(json({ ParametersValidTo: v }));
      expect(e.code).toBe(ERROR_CODES.PARAMETERS_INVALID);
      expect(e.message).toContain('is neither epoch seconds nor ISO 8601');
    }
    expect(() => parseValidTo(Number.NaN)).toThrow(KmsWrapError);
  });

  for (const field of ['KeyId', 'ImportToken', 'PublicKey']) {
    it(`refuses parameters without ${field}, saying what to save`, () => {
      const o = JSON.parse(json({})) as Record<string, unknown>;
      delete o[field];
      const e = refusal(JSON.stringify(o));
      expect(e.code).toBe(ERROR_CODES.PARAMETERS_INVALID);
      expect(e.message).toContain(`the parameters have no ${field}`);
      expect(e.message).toContain('aws kms get-parameters-for-import');
    });
  }

  it('refuses an ImportToken that is not base64', () => {
    const e = refusal(json({ ImportToken: 'not base64 at all!' }));
    expect(e.code).toBe(ERROR_CODES.PARAMETERS_INVALID);
    expect(e.message).toContain('ImportToken is not base64');
    expect(refusal(json({ ImportToken: '' })).code).toBe(ERROR_CODES.PARAMETERS_INVALID);
  });

  it('refuses a PublicKey that is not a wrapping key, with the wrapping key error', () => {
    expect(refusal(json({ PublicKey: 'bm90IGEga2V5' })).code).toBe(ERROR_CODES.PUBLIC_KEY_INVALID);
    expect(refusal(json({ PublicKey: Buffer.from(k.rsa1024.spki).toString('base64') })).code).toBe(ERROR_CODES.PUBLIC_KEY_WEAK);
    expect(refusal(json({ PublicKey: Buffer.from(k.rsa2048.pkcs8).toString('base64') })).code).toBe(ERROR_CODES.PUBLIC_KEY_IS_PRIVATE);
  });

  it('refuses text that is not JSON, and JSON that is not an object', () => {
    const e = refusal('KeyId: abc');
    expect(e.code).toBe(ERROR_CODES.PARAMETERS_INVALID);
    expect(e.message).toContain('not JSON');
    expect(refusal('[1, 2]').message).toContain('not a JSON object');
    expect(refusal('null').code).toBe(ERROR_CODES.PARAMETERS_INVALID);
  });

  it('never puts the token or key in a message', () => {
    const e = refusal(json({ ParametersValidTo: 'soon' }));
    expect(e.message).not.toContain(TOKEN.slice(0, 12));
    expect(e.message).not.toContain(PUBLIC_KEY.slice(20, 40));
  });
});

describe("checkParametersExpiry and checkParametersAlgorithm: one check, each caller's words", () => {
  const validTo = new Date('2030-01-01T00:00:00Z');
  const at = (minutes: number) => validTo.getTime() + minutes * 60_000;
  const refusal = (f: () => unknown): KmsWrapError => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(KmsWrapError);
      return e as KmsWrapError;
    }
    throw new Error('expected a refusal');
  };

  it("expired: the CLI's sentence (how long ago, the refetch command) and the batch's (the file, its command)", () => {
    const cli = refusal(() =>
      checkParametersExpiry(validTo, at(180), { refetch: 'aws kms get-parameters-for-import --key-id K', sayHowLongAgo: true }),
    );
    expect(cli.code).toBe('ERR_PARAMETERS_EXPIRED');
    expect(cli.message).toBe(
      'the import parameters expired at 2030-01-01T00:00:00.000Z (3 hours ago), and KMS refuses an expired token — fetch new ones: aws kms get-parameters-for-import --key-id K',
    );
    const batch = refusal(() =>
      checkParametersExpiry(validTo, at(0), { path: '/p/params.json', refetch: 'aws kms get-parameters-for-import --key-id KEY ...' }),
    );
    expect(batch.message).toBe(
      'the import parameters in /p/params.json expired at 2030-01-01T00:00:00.000Z, and KMS refuses an expired token — fetch new ones: aws kms get-parameters-for-import --key-id KEY ...',
    );
    expect(refusal(() => checkParametersExpiry(validTo, at(1), { sayHowLongAgo: true })).message).toContain('(1 minute ago)');
  });

  it('not expired: a warning under an hour, nothing otherwise or without a date', () => {
    expect(checkParametersExpiry(validTo, at(-30))).toBe(
      'the import parameters expire in 30 minutes (at 2030-01-01T00:00:00.000Z): import before then',
    );
    expect(checkParametersExpiry(validTo, at(-61))).toBeUndefined();
    expect(checkParametersExpiry(undefined, at(10))).toBeUndefined();
  });

  it('another algorithm: --algorithm and the refetch command (CLI), or "the algorithm" (batch); the same algorithm passes', () => {
    const cli = refusal(() =>
      checkParametersAlgorithm('RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256', {
        path: 'params.zip',
        refetch: 'CMD',
        algorithmOption: '--algorithm',
      }),
    );
    expect(cli.code).toBe('ERR_PARAMETERS_MISMATCH');
    expect(cli.message).toBe(
      'the parameters in params.zip were requested for RSAES_OAEP_SHA_1 (their README says so), and --algorithm is RSAES_OAEP_SHA_256: KMS unwraps only with the algorithm the parameters were requested for — pass --algorithm RSAES_OAEP_SHA_1, or fetch new parameters for RSAES_OAEP_SHA_256: CMD',
    );
    const batch = refusal(() => checkParametersAlgorithm('RSAES_OAEP_SHA_1', ' rsaes_oaep_sha_256 ', { path: '/p/folder' }));
    expect(batch.message).toBe(
      'the parameters in /p/folder were requested for RSAES_OAEP_SHA_1 (their README says so), and the algorithm is RSAES_OAEP_SHA_256: KMS unwraps only with the algorithm the parameters were requested for — use RSAES_OAEP_SHA_1, or fetch new parameters for RSAES_OAEP_SHA_256',
    );
    expect(() => checkParametersAlgorithm('RSAES_OAEP_SHA_1', 'rsaes_oaep_sha_1')).not.toThrow();
    expect(() => checkParametersAlgorithm(undefined, 'RSAES_OAEP_SHA_256')).not.toThrow();
  });
});
