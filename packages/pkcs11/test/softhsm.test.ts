/**
 * @kms-wrap/pkcs11 against a real token: SoftHSM 2.6.1 (Debian 12's softhsm2), initialised in a
 * temporary directory. What the token wraps is unwrapped by the OpenSSL CLI (the KMS side) and
 * compared with the values put in the token.
 */
import { GCP_KMS, isKmsWrapError, type KmsWrapError } from '@kms-wrap/core';
import { standardWrapper } from '@kms-wrap/node';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import * as P from 'pkcs11js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTokenKey, inspectTokenKey, openTokenKey, parsePkcs11Uri, wrapTokenKey } from '../src/index.js';
import { createSoftHsm, opensslUnwrap, openssl, wrappingKeyPair, type OpensslKey, type SoftHsm } from './softhsm.js';

let hsm: SoftHsm;
let rsa2048: OpensslKey;
let rsa3072: OpensslKey;
const aes = randomBytes(32);
const hmac384 = randomBytes(48);
const hmac224 = randomBytes(28);

beforeAll(async () => {
  hsm = await createSoftHsm();
  rsa2048 = await wrappingKeyPair(hsm.dir, 2048);
  rsa3072 = await wrappingKeyPair(hsm.dir, 3072);
  hsm.createSecret('aes-1', aes);
  hsm.createSecret('hmac-384', hmac384, { aes: false });
  hsm.createSecret('hmac-224', hmac224, { aes: false });
  hsm.createSecret('locked-in', randomBytes(32), { extractable: false });
  hsm.createSecret('trusted-only', randomBytes(32), { wrapWithTrusted: true });
  hsm.createSecret('twin', randomBytes(32));
  hsm.createSecret('twin', randomBytes(32));
  const rsaKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'der', type: 'pkcs8' });
  const ecKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'der', type: 'pkcs8' });
  hsm.createPrivateKey('rsa-1', rsaKey);
  hsm.createPrivateKey('ec-1', ecKey);
});
afterAll(() => hsm?.cleanup());

const uri = (object: string, type = 'secret-key') => `pkcs11:token=${hsm.label};object=${object};type=${type}`;
const opts = () => ({ module: hsm.module, pin: hsm.pin });

async function refusal(p: Promise<unknown>): Promise<KmsWrapError> {
  const e = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isKmsWrapError(e)) throw new Error(`expected a KmsWrapError, got ${String(e)}`);
  return e;
}

describe('wrapping inside SoftHSM, unwrapped by OpenSSL', () => {
  it('RSAES_OAEP_SHA_1: AES-256 material (SYMMETRIC_DEFAULT) under an RSA_2048 wrapping key', async () => {
    const wrapper = await standardWrapper();
    const r = await wrapTokenKey({ ...opts(), wrapper, uri: uri('aes-1'), wrappingPublicKey: rsa2048.spki, algorithm: 'RSAES_OAEP_SHA_1' });
    expect(r.keySpec).toBe('SYMMETRIC_DEFAULT');
    expect(r.ciphertext.length).toBe(256);
    expect(r.key.extractable).toBe(true);
    expect(await opensslUnwrap(r.ciphertext, 'RSAES_OAEP_SHA_1', rsa2048)).toEqual(aes);
  });

  it('RSAES_OAEP_SHA_1: HMAC_384 material (a generic secret of 48 bytes)', async () => {
    const wrapper = await standardWrapper();
    const r = await wrapTokenKey({
      ...opts(),
      wrapper,
      uri: uri('hmac-384'),
      wrappingPublicKey: rsa3072.spki,
      algorithm: 'RSAES_OAEP_SHA_1',
    });
    expect(r.keySpec).toBe('HMAC_384');
    expect(await opensslUnwrap(r.ciphertext, 'RSAES_OAEP_SHA_1', rsa3072)).toEqual(hmac384);
  });

  it('RSA_AES_KEY_WRAP_SHA_1, the composite done by the token: AES-256 and HMAC material (Cloud KMS RSA_OAEP_3072_SHA1_AES_256)', async () => {
    const wrapper = await standardWrapper(GCP_KMS);
    for (const [label, value] of [
      ['aes-1', aes],
      ['hmac-384', hmac384],
    ] as const) {
      const r = await wrapTokenKey({
        ...opts(),
        wrapper,
        uri: uri(label),
        wrappingPublicKey: rsa3072.spki,
        algorithm: 'RSA_OAEP_3072_SHA1_AES_256',
      });
      expect(r.construction).toBe('RSA_AES_KEY_WRAP_SHA_1');
      expect(r.ciphertext.length).toBe(384 + value.length + 8);
      expect(await opensslUnwrap(r.ciphertext, 'RSA_AES_KEY_WRAP_SHA_1', rsa3072)).toEqual(value);
    }
  });

  it('the engine refuses first: AWS KMS takes symmetric material only with RSAES_OAEP_*', async () => {
    const wrapper = await standardWrapper();
    const e = await refusal(
      wrapTokenKey({ ...opts(), wrapper, uri: uri('aes-1'), wrappingPublicKey: rsa2048.spki, algorithm: 'RSA_AES_KEY_WRAP_SHA_1' }),
    );
    expect(e.code).toBe('ERR_COMBINATION_REJECTED');
    expect(e.message).toMatch(/RSAES_OAEP_SHA_256/);
  });
});

describe('many openings in one process (the lines of a migration)', () => {
  it('share the module: closing one leaves the others logged in and wrapping; the last close finalises it', async () => {
    const wrapper = await standardWrapper();
    const handles = await Promise.all([1, 2, 3].map(() => openTokenKey({ ...opts(), uri: uri('aes-1') })));
    handles[0]!.close();
    handles[0]!.close(); // twice: no effect on the others
    const wrapped = await Promise.all(
      handles
        .slice(1)
        .map((h) =>
          wrapper.wrapSealed({ material: h.material, wrappingPublicKey: rsa2048.spki, algorithm: 'RSAES_OAEP_SHA_1' }, (plan) =>
            h.seal(plan),
          ),
        ),
    );
    for (const w of wrapped) expect(await opensslUnwrap(w.ciphertext, 'RSAES_OAEP_SHA_1', rsa2048)).toEqual(aes);
    for (const h of handles.slice(1)) h.close();
    // Finalised and unloaded: a new opening logs in again (a wrong PIN is refused, not skipped).
    const e = await refusal(openTokenKey({ module: hsm.module, pin: '999999', uri: uri('aes-1') }));
    expect(e.code).toBe('ERR_TOKEN_PIN');
    const again = await openTokenKey({ ...opts(), uri: uri('aes-1') });
    expect(again.key.keySpec).toBe('SYMMETRIC_DEFAULT');
    again.close();
  });
});

describe("SoftHSM 2.6's limits, refused before the token wraps", () => {
  it('SHA-256 variants: the sentence names the limit and the SHA-1 algorithm', async () => {
    const wrapper = await standardWrapper();
    const e = await refusal(
      wrapTokenKey({ ...opts(), wrapper, uri: uri('aes-1'), wrappingPublicKey: rsa2048.spki, algorithm: 'RSAES_OAEP_SHA_256' }),
    );
    expect(e.code).toBe('ERR_TOKEN_UNSUPPORTED');
    expect(e.message).toMatch(/SoftHSM 2\.6/);
    expect(e.message).toMatch(/only with SHA-1/);
    expect(e.message).toMatch(/use RSAES_OAEP_SHA_1/);
    const gcp = await standardWrapper(GCP_KMS);
    const g = await refusal(
      wrapTokenKey({
        ...opts(),
        wrapper: gcp,
        uri: uri('aes-1'),
        wrappingPublicKey: rsa3072.spki,
        algorithm: 'RSA_OAEP_3072_SHA256_AES_256',
      }),
    );
    expect(g.message).toMatch(/use RSA_OAEP_3072_SHA1_AES_256/);
  });

  it('RSA and EC private keys: refused with the reason (zero padding before KWP, no OAEP of private keys)', async () => {
    const wrapper = await standardWrapper();
    for (const [label, algorithm] of [
      ['rsa-1', 'RSA_AES_KEY_WRAP_SHA_1'],
      ['ec-1', 'RSA_AES_KEY_WRAP_SHA_1'],
      ['ec-1', 'RSAES_OAEP_SHA_1'],
    ] as const) {
      const e = await refusal(wrapTokenKey({ ...opts(), wrapper, uri: uri(label, 'private'), wrappingPublicKey: rsa3072.spki, algorithm }));
      expect(e.code).toBe('ERR_TOKEN_UNSUPPORTED');
      expect(e.message).toMatch(/pads every key with zero bytes to a multiple of 8/);
      expect(e.message).toMatch(/refuses CKM_RSA_PKCS_OAEP for private keys/);
    }
  });

  it('HMAC_224 under the composite: 28 bytes would arrive padded to 32', async () => {
    const wrapper = await standardWrapper(GCP_KMS);
    const e = await refusal(
      wrapTokenKey({ ...opts(), wrapper, uri: uri('hmac-224'), wrappingPublicKey: rsa3072.spki, algorithm: 'RSA_OAEP_3072_SHA1_AES_256' }),
    );
    expect(e.code).toBe('ERR_TOKEN_UNSUPPORTED');
    expect(e.message).toMatch(/would arrive 32 bytes long/);
    // Why: the token's own CKM_AES_KEY_WRAP_PAD of the 28-byte key, unwrapped by OpenSSL, gives 32 bytes.
    const kek = randomBytes(32);
    const kwp = hsm.session((lib, s) => {
      const wrapping = lib.C_CreateObject(s, [
        { type: P.CKA_CLASS, value: P.CKO_SECRET_KEY },
        { type: P.CKA_KEY_TYPE, value: P.CKK_AES },
        { type: P.CKA_TOKEN, value: false },
        { type: P.CKA_WRAP, value: true },
        { type: P.CKA_VALUE, value: kek },
      ]);
      lib.C_FindObjectsInit(s, [{ type: P.CKA_LABEL, value: 'hmac-224' }]);
      const [h] = lib.C_FindObjects(s, 1);
      lib.C_FindObjectsFinal(s);
      return lib.C_WrapKey(s, { mechanism: P.CKM_AES_KEY_WRAP_PAD }, wrapping, h!, Buffer.alloc(128));
    });
    const padded = await openssl(['enc', '-d', '-id-aes256-wrap-pad', '-K', kek.toString('hex'), '-iv', 'A65959A6'], kwp);
    expect(padded).toEqual(Buffer.concat([hmac224, Buffer.alloc(4)]));
    // RSAES_OAEP_SHA_1 has no such padding: the 28 bytes come back exact.
    const r = await wrapTokenKey({
      ...opts(),
      wrapper: await standardWrapper(),
      uri: uri('hmac-224'),
      wrappingPublicKey: rsa2048.spki,
      algorithm: 'RSAES_OAEP_SHA_1',
    });
    expect(await opensslUnwrap(r.ciphertext, 'RSAES_OAEP_SHA_1', rsa2048)).toEqual(hmac224);
  });
});

describe('refusals', () => {
  it('a key that is not extractable, or only under a trusted key', async () => {
    const wrapper = await standardWrapper();
    const a = await refusal(
      wrapTokenKey({ ...opts(), wrapper, uri: uri('locked-in'), wrappingPublicKey: rsa2048.spki, algorithm: 'RSAES_OAEP_SHA_1' }),
    );
    expect(a.code).toBe('ERR_TOKEN_NOT_EXTRACTABLE');
    expect(a.message).toMatch(/CKA_EXTRACTABLE false/);
    const b = await refusal(
      wrapTokenKey({ ...opts(), wrapper, uri: uri('trusted-only'), wrappingPublicKey: rsa2048.spki, algorithm: 'RSAES_OAEP_SHA_1' }),
    );
    expect(b.code).toBe('ERR_TOKEN_NOT_EXTRACTABLE');
    expect(b.message).toMatch(/CKA_WRAP_WITH_TRUSTED/);
  });

  it('a URI that matches no object, several objects, or no token', async () => {
    const wrapper = await standardWrapper();
    const req = (u: string) => wrapTokenKey({ ...opts(), wrapper, uri: u, wrappingPublicKey: rsa2048.spki, algorithm: 'RSAES_OAEP_SHA_1' });
    const none = await refusal(req(uri('no-such-key')));
    expect(none.code).toBe('ERR_TOKEN_NOT_FOUND');
    expect(none.message).toMatch(/labelled 'no-such-key'/);
    const two = await refusal(req(uri('twin')));
    expect(two.code).toBe('ERR_TOKEN_AMBIGUOUS');
    expect(two.message).toMatch(/2 objects/);
    const token = await refusal(req('pkcs11:token=elsewhere;object=aes-1'));
    expect(token.code).toBe('ERR_TOKEN_NOT_FOUND');
    expect(token.message).toContain(`'${hsm.label}'`);
  });

  it('a wrong PIN: refused once, never retried (the token counts one failure)', async () => {
    const wrapper = await standardWrapper();
    let asked = 0;
    const e = await refusal(
      wrapTokenKey({
        module: hsm.module,
        pin: async () => {
          asked++;
          return '00000000';
        },
        wrapper,
        uri: uri('aes-1'),
        wrappingPublicKey: rsa2048.spki,
        algorithm: 'RSAES_OAEP_SHA_1',
      }),
    );
    expect(asked).toBe(1);
    expect(e.code).toBe('ERR_TOKEN_PIN');
    expect(e.message).toMatch(/tried it once and will not retry/);
    expect(e.message).not.toContain('00000000');
    // The right PIN still works: one failure did not lock the token.
    await wrapTokenKey({ ...opts(), wrapper, uri: uri('aes-1'), wrappingPublicKey: rsa2048.spki, algorithm: 'RSAES_OAEP_SHA_1' });
  });

  it('no PIN, no module, a PIN inside the URI', async () => {
    const wrapper = await standardWrapper();
    const base = { wrapper, wrappingPublicKey: rsa2048.spki, algorithm: 'RSAES_OAEP_SHA_1' };
    expect((await refusal(wrapTokenKey({ ...base, module: hsm.module, uri: uri('aes-1') }))).code).toBe('ERR_TOKEN_PIN');
    // Worded for the reader: the library's option, or kms-wrap's flag.
    expect((await refusal(wrapTokenKey({ ...base, pin: hsm.pin, uri: uri('aes-1') }))).message).toMatch(
      /set module: '\/path\/to\/module.so'/,
    );
    expect((await refusal(wrapTokenKey({ ...base, pin: hsm.pin, uri: uri('aes-1'), surface: 'command-line' }))).message).toMatch(
      /pass --pkcs11-module \/path\/to\/module.so/,
    );
    const inUri = await refusal(wrapTokenKey({ ...base, ...opts(), uri: `${uri('aes-1')}?pin-value=${hsm.pin}` }));
    expect(inUri.code).toBe('ERR_TOKEN_URI_INVALID');
    expect(inUri.message).not.toContain(hsm.pin);
  });
});

describe('keygen inside the token, then a wrap KMS accepts', () => {
  it('SYMMETRIC_DEFAULT and HMAC_256: sensitive, extractable by wrapping only; the unwrapped material has the spec', async () => {
    for (const [spec, length] of [
      ['SYMMETRIC_DEFAULT', 32],
      ['HMAC_256', 32],
      ['HMAC_512', 64],
    ] as const) {
      const made = await generateTokenKey({ ...opts(), uri: `pkcs11:token=${hsm.label};object=gen-${spec}`, keySpec: spec });
      expect(made).toMatchObject({ keySpec: spec, sensitive: true, extractable: true, wrapWithTrusted: false, local: true, length });
      // The plaintext cannot be read out of the token.
      hsm.session((lib, s) => {
        lib.C_FindObjectsInit(s, [{ type: 3, value: `gen-${spec}` }]);
        const [h] = lib.C_FindObjects(s, 1);
        lib.C_FindObjectsFinal(s);
        expect(() => lib.C_GetAttributeValue(s, h!, [{ type: 0x11 }])).toThrow(/CKR_ATTRIBUTE_SENSITIVE/);
      });
      const r = await wrapTokenKey({
        ...opts(),
        wrapper: await standardWrapper(),
        uri: made.uri,
        wrappingPublicKey: rsa2048.spki,
        algorithm: 'RSAES_OAEP_SHA_1',
        keySpec: spec,
      });
      const material = await opensslUnwrap(r.ciphertext, 'RSAES_OAEP_SHA_1', rsa2048);
      expect(material.length).toBe(length);
      expect(new Set(material).size).toBeGreaterThan(8); // random bytes, not a constant
    }
  });

  it('RSA and EC private keys are generated (the token can), and their wrap refused on SoftHSM 2.6', async () => {
    const rsa = await generateTokenKey({ ...opts(), uri: `pkcs11:token=${hsm.label};object=gen-rsa`, keySpec: 'RSA_2048' });
    expect(rsa).toMatchObject({ class: 'private', keySpec: 'RSA_2048', sensitive: true, extractable: true });
    const ec = await generateTokenKey({ ...opts(), uri: `pkcs11:token=${hsm.label};object=gen-ec`, keySpec: 'ECC_NIST_P384' });
    expect(ec).toMatchObject({ class: 'private', keySpec: 'ECC_NIST_P384' });
    const e = await refusal(
      wrapTokenKey({
        ...opts(),
        wrapper: await standardWrapper(),
        uri: ec.uri,
        wrappingPublicKey: rsa3072.spki,
        algorithm: 'RSA_AES_KEY_WRAP_SHA_1',
      }),
    );
    expect(e.code).toBe('ERR_TOKEN_UNSUPPORTED');
  });

  it('SM2 in the China Regions only (SoftHSM on OpenSSL 3 knows the curve); an existing label is never replaced', async () => {
    const region = await refusal(generateTokenKey({ ...opts(), uri: `pkcs11:token=${hsm.label};object=gen-sm2`, keySpec: 'SM2' }));
    expect(region.code).toBe('ERR_REGION_MISMATCH');
    const sm2 = await generateTokenKey({ ...opts(), uri: `pkcs11:token=${hsm.label};object=gen-sm2`, keySpec: 'SM2', region: 'china' });
    expect(sm2).toMatchObject({ class: 'private', keySpec: 'SM2', keyType: 'CKK_EC' });
    const again = await refusal(
      generateTokenKey({ ...opts(), uri: `pkcs11:token=${hsm.label};object=aes-1`, keySpec: 'SYMMETRIC_DEFAULT' }),
    );
    expect(again.code).toBe('ERR_FILE_EXISTS');
    expect(again.message).toMatch(/never replaces a key/);
  });
});

describe('inspect', () => {
  it('says what the object is and what the token can wrap it with', async () => {
    const r = await inspectTokenKey({ ...opts(), uri: uri('aes-1') });
    expect(r.key).toMatchObject({ class: 'secret-key', keyType: 'CKK_AES', keySpec: 'SYMMETRIC_DEFAULT', length: 32, extractable: true });
    expect(r.token['RSAES_OAEP_SHA_1']).toBeUndefined();
    expect(r.token['RSAES_OAEP_SHA_256']).toMatch(/only with SHA-1/);
    const ec = await inspectTokenKey({ ...opts(), uri: uri('ec-1', 'private') });
    expect(ec.key.keySpec).toBe('ECC_NIST_P256');
    expect(ec.key.length).toEqual([67, 150]);
  });
});

describe('URIs (RFC 7512)', () => {
  it('parses path and query attributes, percent-decoding', () => {
    const u = parsePkcs11Uri(
      'pkcs11:token=prod%20hsm;object=hmac-1;id=%01%02;type=secret-key?module-path=/usr/lib/x.so&pin-source=file:/run/pin',
    );
    expect(u).toMatchObject({
      token: { label: 'prod hsm' },
      object: 'hmac-1',
      type: 'secret-key',
      modulePath: '/usr/lib/x.so',
      pinSource: '/run/pin',
    });
    expect([...u.id!]).toEqual([1, 2]);
  });

  it('refuses unknown attributes, bad escapes and other schemes', () => {
    for (const bad of ['pkcs11:tokn=x', 'pkcs11:token=%zz', 'file:key.bin', 'pkcs11:type=cert2']) {
      expect(() => parsePkcs11Uri(bad)).toThrow(expect.objectContaining({ code: 'ERR_TOKEN_URI_INVALID' }));
    }
  });
});
