/**
 * examples/custom-plugin: a third-party plugin (RSAES_OAEP_SHA_384_EXAMPLE, with `accepts`)
 * used through createWrapper with no change to core. Runs the example's own demo, has OpenSSL
 * decrypt the plugin's output, checks the refusals its declarations imply, and runs the
 * shared conformance suite on it.
 */
import { generateKeyPairSync } from 'node:crypto';
import { describeConformance } from '@kms-wrap/conformance';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ERROR_CODES, KmsWrapError, createWrapper } from '@kms-wrap/core';
import { toHex } from '@kms-wrap/core/encoding';
import { main } from '../../../examples/custom-plugin/demo.mjs';
import { RSAES_OAEP_SHA_384_EXAMPLE, algorithms } from '../../../examples/custom-plugin/rsaes-oaep-sha384.mjs';
import { createNodeCryptoProvider } from '../src/index.js';
import { openssl, tempDir, type TempDir } from './openssl.js';

const provider = createNodeCryptoProvider();
const der = (b: Buffer) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
const pair = (bits: number) => {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  return { spki: der(publicKey.export({ type: 'spki', format: 'der' })), pkcs8: der(privateKey.export({ type: 'pkcs8', format: 'der' })) };
};
const ec = (namedCurve: string) => der(generateKeyPairSync('ec', { namedCurve }).privateKey.export({ type: 'pkcs8', format: 'der' }));

const rsa2048 = pair(2048);
const rsa3072 = pair(3072);
const p256 = ec('prime256v1');
const p384 = ec('secp384r1');
const p521 = ec('secp521r1');

describe("the example's demo", () => {
  it('wraps and unwraps through createWrapper and shows a refusal, logging one line per step', async () => {
    const lines: string[] = [];
    const result = await main({ log: (l: string) => lines.push(l) });
    expect(result.verified).toBe(true);
    expect(toHex(result.unwrapped)).toBe(toHex(result.material));
    expect(result.ciphertext.length).toBe(384);
    expect(result.refusals).toHaveLength(1);
    expect(result.refusals[0]!.code).toBe(ERROR_CODES.REGION_MISMATCH);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe('wrapped SYMMETRIC_DEFAULT (32 bytes) with RSAES_OAEP_SHA_384_EXAMPLE under RSA_3072: 384 bytes');
    expect(lines[2]).toMatch(/^refused: ERR_REGION_MISMATCH: RSAES_OAEP_SHA_384_EXAMPLE is not available in the AWS China Regions — use /);
  });
});

describe('RSAES_OAEP_SHA_384_EXAMPLE → openssl pkeyutl -decrypt (rsa_oaep_md:sha384)', () => {
  let dir: TempDir;
  beforeAll(async () => {
    dir = await tempDir('kms-wrap-example-');
  });
  afterAll(() => dir.remove());

  for (const [name, material, keySpec] of [
    ['HMAC_512 (64 raw bytes)', provider.randomBytes(64), 'HMAC_512'],
    ['ECC_NIST_P256 PKCS#8', p256, undefined],
  ] as const) {
    it(`${name} under RSA_2048 decrypts to the same bytes`, async () => {
      const wrapper = createWrapper({ algorithms, crypto: provider });
      const { ciphertext } = await wrapper.wrap({
        material,
        wrappingPublicKey: rsa2048.spki,
        algorithm: 'RSAES_OAEP_SHA_384_EXAMPLE',
        ...(keySpec ? { keySpec } : {}),
      });
      expect(ciphertext.length).toBe(256);
      const key = await dir.write(`${keySpec ?? 'p256'}.key.der`, rsa2048.pkcs8);
      const ct = await dir.write(`${keySpec ?? 'p256'}.ct`, ciphertext);
      const pt = await openssl(
        'pkeyutl',
        '-decrypt',
        '-inkey',
        key,
        '-keyform',
        'DER',
        '-in',
        ct,
        '-pkeyopt',
        'rsa_padding_mode:oaep',
        '-pkeyopt',
        'rsa_oaep_md:sha384',
        '-pkeyopt',
        'rsa_mgf1_md:sha384',
      );
      expect(toHex(pt)).toBe(toHex(material));
    });
  }
});

describe('what its declarations make the engine refuse, before wrap runs', () => {
  const spyOn = () => {
    const spy = vi.fn(RSAES_OAEP_SHA_384_EXAMPLE.wrap);
    const plugin = { ...RSAES_OAEP_SHA_384_EXAMPLE, wrap: spy };
    return { spy, wrapper: createWrapper({ algorithms: [plugin], crypto: provider }) };
  };
  const refusal = (p: Promise<unknown>) =>
    p.then(
      () => undefined,
      (e: unknown) => e as KmsWrapError,
    );

  it('capacity: ECC_NIST_P384 (185 bytes) under RSA_2048 is over k − 2·48 − 2 = 158 bytes', async () => {
    expect(p384.length).toBe(185);
    expect(RSAES_OAEP_SHA_384_EXAMPLE.capacity('RSA_2048')).toBe(158);
    const { spy, wrapper } = spyOn();
    const e = await refusal(wrapper.wrap({ material: p384, wrappingPublicKey: rsa2048.spki, algorithm: 'RSAES_OAEP_SHA_384_EXAMPLE' }));
    expect(e).toBeInstanceOf(KmsWrapError);
    expect(e!.code).toBe(ERROR_CODES.CAPACITY_EXCEEDED);
    expect(e!.message).toMatch(
      /^ECC_NIST_P384 material \(185 bytes\) does not fit RSAES_OAEP_SHA_384_EXAMPLE under an RSA_2048 wrapping key \(158 bytes at most\) — use .*RSA_3072 or RSA_4096 wrapping key$/,
    );
    expect(spy).not.toHaveBeenCalled();
    // ...and it fits under RSA_3072 (286 bytes)
    const ok = await wrapper.wrap({ material: p384, wrappingPublicKey: rsa3072.spki, algorithm: 'RSAES_OAEP_SHA_384_EXAMPLE' });
    expect(
      toHex(await RSAES_OAEP_SHA_384_EXAMPLE.unwrap!({ ciphertext: ok.ciphertext, privateKey: rsa3072.pkcs8, crypto: provider })),
    ).toBe(toHex(p384));
  });

  it('accepts: RSA private key material is not among its materials', async () => {
    const { spy, wrapper } = spyOn();
    const rsaMaterial = pair(2048).pkcs8;
    const e = await refusal(
      wrapper.wrap({ material: rsaMaterial, wrappingPublicKey: rsa3072.spki, algorithm: 'RSAES_OAEP_SHA_384_EXAMPLE' }),
    );
    expect(e!.code).toBe(ERROR_CODES.COMBINATION_REJECTED);
    expect(e!.message).toContain('wrapped with RSAES_OAEP_SHA_384_EXAMPLE, which is for symmetric, HMAC or ECC private key material');
    expect(e!.message).toMatch(/ — use RSA_AES_KEY_WRAP_SHA_256$/);
    expect(spy).not.toHaveBeenCalled();
  });

  it('accepts: not in the China Regions', async () => {
    const { spy, wrapper } = spyOn();
    const e = await refusal(
      wrapper.wrap({ material: p521, wrappingPublicKey: rsa3072.spki, algorithm: 'RSAES_OAEP_SHA_384_EXAMPLE', region: 'cn-northwest-1' }),
    );
    expect(e!.code).toBe(ERROR_CODES.REGION_MISMATCH);
    expect(e!.message).toMatch(/^RSAES_OAEP_SHA_384_EXAMPLE is not available in the AWS China Regions — use /);
    expect(spy).not.toHaveBeenCalled();
  });
});

const conformanceMaterials = [
  { keySpec: 'SYMMETRIC_DEFAULT', bytes: provider.randomBytes(32) },
  { keySpec: 'HMAC_224', bytes: provider.randomBytes(28) },
  { keySpec: 'HMAC_512', bytes: provider.randomBytes(64) },
  { keySpec: 'RSA_2048', bytes: pair(2048).pkcs8 },
  { keySpec: 'ECC_NIST_P256', bytes: p256 },
  { keySpec: 'ECC_NIST_P384', bytes: p384 },
  { keySpec: 'ECC_NIST_P521', bytes: p521 },
] as const;

describeConformance(RSAES_OAEP_SHA_384_EXAMPLE, {
  provider,
  keys: async () => [
    { spec: 'RSA_2048', publicKeySpki: rsa2048.spki, privateKeyPkcs8: rsa2048.pkcs8 },
    { spec: 'RSA_3072', publicKeySpki: rsa3072.spki, privateKeyPkcs8: rsa3072.pkcs8 },
  ],
  materials: conformanceMaterials,
});
