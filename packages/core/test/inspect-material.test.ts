/** inspectMaterial: which key spec and format material is, and a reason with a way out when KMS would not take it. */
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, KmsWrapError, inspectMaterial, type InspectOptions, type Region } from '../src/index.js';
import { der, keys, pem, text } from './keys.js';

const k = await keys();

/** Deterministic bytes that are neither text nor DER: a raw key of that length as far as shape goes. */
const raw = (n: number) => new Uint8Array(n).fill(0xa5);

function refusal(material: Uint8Array, options?: InspectOptions): KmsWrapError {
  let error: unknown;
  try {
    inspectMaterial(material, options);
  } catch (e) {
    error = e;
  }
  expect(error, 'inspectMaterial accepted it').toBeInstanceOf(KmsWrapError);
  const e = error as KmsWrapError;
  // one line, "what is wrong — what to do", never the key bytes
  expect(e.message).toMatch(/\S — \S/);
  expect(e.message).not.toMatch(/[\r\n]/);
  if (material.length >= 8) expect(e.message.toLowerCase()).not.toContain(Buffer.from(material.subarray(-8)).toString('hex'));
  return e;
}

describe('raw material, by length', () => {
  const table: Record<Region, Record<number, readonly string[]>> = {
    standard: { 28: ['HMAC_224'], 32: ['SYMMETRIC_DEFAULT', 'HMAC_256'], 48: ['HMAC_384'], 64: ['HMAC_512'] },
    china: { 16: ['SYMMETRIC_DEFAULT'], 28: ['HMAC_224'], 32: ['HMAC_256'], 48: ['HMAC_384'], 64: ['HMAC_512'] },
  };
  for (const region of ['standard', 'china'] as const) {
    for (const [length, candidates] of Object.entries(table[region])) {
      it(`${region}: ${length} bytes are ${candidates.join(' or ')}`, () => {
        const info = inspectMaterial(raw(Number(length)), { region });
        expect(info.format).toBe('raw');
        expect(info.length).toBe(Number(length));
        expect(info.candidates).toEqual(candidates);
        expect(info.keySpec).toBe(candidates.length === 1 ? candidates[0] : undefined);
        expect(info.kind).toBe(candidates[0] === 'SYMMETRIC_DEFAULT' ? 'symmetric' : 'hmac');
      });
    }
    for (const length of [1, 15, 17, 24, 31, 33, 47, 63, 65, 128, 256]) {
      it(`${region}: ${length} bytes are no key spec`, () => {
        const e = refusal(raw(length), { region });
        expect(e.code).toBe(ERROR_CODES.MATERIAL_INVALID);
        expect(e.message).toContain(`the material is ${length} bytes, which is no KMS key spec`);
        expect(e.message).toContain(region === 'china' ? 'SYMMETRIC_DEFAULT 16' : 'SYMMETRIC_DEFAULT 32');
      });
    }
  }

  it('16 bytes in the standard Regions: SM4 keys exist only in China', () => {
    const e = refusal(raw(16));
    expect(e.code).toBe(ERROR_CODES.REGION_MISMATCH);
    expect(e.message).toContain('16 raw bytes are not SYMMETRIC_DEFAULT material in this region');
    expect(e.message).toContain("set region: 'china' if the KMS key is there, or use 32 bytes");
    // The same refusal, worded for the command line.
    expect(refusal(raw(16), { surface: 'command-line' }).message).toContain('pass --region china if the KMS key is there, or use 32 bytes');
  });

  it('32 bytes in China are HMAC_256 only, and named SYMMETRIC_DEFAULT they are refused with the China length', () => {
    const info = inspectMaterial(raw(32), { region: 'china' });
    expect(info.candidates).toEqual(['HMAC_256']);
    expect(info.keySpec).toBe('HMAC_256');
    const e = refusal(raw(32), { region: 'china', keySpec: 'SYMMETRIC_DEFAULT' });
    expect(e.code).toBe(ERROR_CODES.KEY_SPEC_MISMATCH);
    expect(e.message).toBe(
      'SYMMETRIC_DEFAULT material is 16 bytes in the China Regions, but this is 32 bytes (HMAC_256) — use material of the right length or the matching key spec',
    );
  });

  it('a named key spec settles 32 ambiguous bytes', () => {
    expect(inspectMaterial(raw(32), { keySpec: 'HMAC_256' })).toMatchObject({
      keySpec: 'HMAC_256',
      kind: 'hmac',
      candidates: ['HMAC_256'],
    });
    expect(inspectMaterial(raw(32), { keySpec: 'symmetric-default' })).toMatchObject({ keySpec: 'SYMMETRIC_DEFAULT', kind: 'symmetric' });
  });

  it('a named key spec of another length is a mismatch that gives both lengths', () => {
    const e = refusal(raw(32), { keySpec: 'HMAC_384' });
    expect(e.code).toBe(ERROR_CODES.KEY_SPEC_MISMATCH);
    expect(e.message).toBe(
      'HMAC_384 material is 48 bytes, but this is 32 bytes (SYMMETRIC_DEFAULT or HMAC_256) — use material of the right length or the matching key spec',
    );
  });

  it('empty material', () => {
    const e = refusal(new Uint8Array(0));
    expect(e.code).toBe(ERROR_CODES.MATERIAL_INVALID);
    expect(e.message).toContain('empty');
  });
});

describe('PKCS#8 private keys', () => {
  const table = [
    ['RSA 2048', () => k.rsa2048.pkcs8, 'RSA_2048', 'rsa'],
    ['RSA 3072', () => k.rsa3072.pkcs8, 'RSA_3072', 'rsa'],
    ['RSA 4096', () => k.rsa4096.pkcs8, 'RSA_4096', 'rsa'],
    ['P-256', () => k.p256.pkcs8, 'ECC_NIST_P256', 'ecc'],
    ['P-384', () => k.p384.pkcs8, 'ECC_NIST_P384', 'ecc'],
    ['P-521', () => k.p521.pkcs8, 'ECC_NIST_P521', 'ecc'],
    ['secp256k1', () => k.secp256k1.pkcs8, 'ECC_SECG_P256K1', 'ecc'],
    ['SM2 (openssl genpkey ec_paramgen_curve:sm2)', () => k.sm2.pkcs8, 'SM2', 'sm2'],
  ] as const;
  for (const [name, bytes, spec, kind] of table) {
    it(`${name} is ${spec}`, () => {
      const info = inspectMaterial(bytes());
      expect(info).toMatchObject({ format: 'pkcs8-der', keySpec: spec, kind, candidates: [spec], length: bytes().length });
      // named correctly, it is accepted; named as anything else, refused
      expect(inspectMaterial(bytes(), { keySpec: spec }).keySpec).toBe(spec);
    });
  }

  it('RSA bit sizes and curves are reported', () => {
    expect(inspectMaterial(k.rsa3072.pkcs8).rsaBits).toBe(3072);
    expect(inspectMaterial(k.p521.pkcs8).curve).toBe('P-521');
    expect(inspectMaterial(k.sm2.pkcs8).curve).toBe('sm2p256v1');
  });

  it('a key spec that contradicts the key is refused, naming what the key is', () => {
    const e = refusal(k.p256.pkcs8, { keySpec: 'RSA_2048' });
    expect(e.code).toBe(ERROR_CODES.KEY_SPEC_MISMATCH);
    expect(e.message).toBe(
      'the material is ECC_NIST_P256 (PKCS#8 P-256 private key), not RSA_2048 — create the KMS key with key spec ECC_NIST_P256, or import the matching material',
    );
    const e2 = refusal(k.rsa2048.pkcs8, { keySpec: 'RSA_4096' });
    expect(e2.message).toContain('the material is RSA_2048 (PKCS#8 RSA 2048-bit private key), not RSA_4096');
  });

  it('RSA 1024 is refused: KMS imports 2048, 3072 and 4096', () => {
    const e = refusal(k.rsa1024.pkcs8);
    expect(e.code).toBe(ERROR_CODES.KEY_SPEC_UNSUPPORTED);
    expect(e.message).toBe(
      'the material is a 1024-bit RSA key and KMS imports RSA_2048, RSA_3072 or RSA_4096 — use a key of one of those sizes',
    );
  });

  it('Ed25519 is refused as a key type KMS cannot import', () => {
    const e = refusal(k.ed25519.pkcs8);
    expect(e.code).toBe(ERROR_CODES.KEY_SPEC_UNSUPPORTED);
    expect(e.message).toContain('an Ed25519 private key, which AWS KMS cannot import');
    expect(e.message).toContain('— import RSA, ECC (P-256/384/521, secp256k1) or SM2 keys');
  });

  it('an EC key on a curve KMS lacks (P-224) is refused with the curve', () => {
    const e = refusal(k.p224.pkcs8);
    expect(e.code).toBe(ERROR_CODES.KEY_SPEC_UNSUPPORTED);
    expect(e.message).toContain('curve 1.3.132.0.33');
    expect(e.message).toContain('KMS imports P-256, P-384, P-521, secp256k1 and SM2 keys');
  });

  it('unknown and unimportable key spec names are refused by name', () => {
    expect(refusal(k.p256.pkcs8, { keySpec: 'ML_DSA_65' }).code).toBe(ERROR_CODES.KEY_SPEC_UNSUPPORTED);
    expect(refusal(k.p256.pkcs8, { keySpec: 'ML_DSA_65' }).message).toContain('KMS cannot import ML-DSA key material');
    const e = refusal(k.p256.pkcs8, { keySpec: 'AES_256' });
    expect(e.code).toBe(ERROR_CODES.UNKNOWN_NAME);
    expect(e.message).toContain("'AES_256' is not a KMS key spec — use one of SYMMETRIC_DEFAULT");
  });
});

describe('keys in a form KMS does not take as is', () => {
  it('PEM PKCS#8 → convert to DER', () => {
    const e = refusal(text(pem('PRIVATE KEY', k.p256.pkcs8)));
    expect(e.code).toBe(ERROR_CODES.MATERIAL_FORMAT);
    expect(e.message).toContain('the material is PEM text (PRIVATE KEY) and KMS takes binary PKCS#8 DER');
    expect(e.message).toContain('kms-wrap convert FILE');
  });

  it('PEM PKCS#1 (RSA PRIVATE KEY) → convert', () => {
    const e = refusal(text(k.rsa2048.privateKey.export({ type: 'pkcs1', format: 'pem' }) as string));
    expect(e.code).toBe(ERROR_CODES.MATERIAL_FORMAT);
    expect(e.message).toContain('(RSA PRIVATE KEY)');
  });

  it('JWK text → convert', () => {
    const e = refusal(text(JSON.stringify(k.p256.privateKey.export({ format: 'jwk' }))));
    expect(e.code).toBe(ERROR_CODES.MATERIAL_FORMAT);
    expect(e.message).toContain('the material is JSON (a JWK?)');
    expect(e.message).not.toContain(String(k.p256.privateKey.export({ format: 'jwk' }).d));
  });

  it('PKCS#1 DER → convert', () => {
    const e = refusal(der(k.rsa2048.privateKey.export({ type: 'pkcs1', format: 'der' })));
    expect(e.code).toBe(ERROR_CODES.MATERIAL_FORMAT);
    expect(e.message).toContain('the material is a PKCS#1 RSA private key and KMS takes PKCS#8');
  });

  it('SEC1 DER → convert', () => {
    const e = refusal(der(k.p384.privateKey.export({ type: 'sec1', format: 'der' })));
    expect(e.code).toBe(ERROR_CODES.MATERIAL_FORMAT);
    expect(e.message).toContain('the material is a SEC1 EC private key and KMS takes PKCS#8');
  });

  it('SPKI (a public key) → use the private key', () => {
    const e = refusal(k.rsa2048.spki);
    expect(e.code).toBe(ERROR_CODES.MATERIAL_INVALID);
    expect(e.message).toContain(
      'the material is a public key (SubjectPublicKeyInfo); KMS imports the private key — use the private key file',
    );
  });

  it('PEM public key → use the private key', () => {
    const e = refusal(text(pem('PUBLIC KEY', k.p256.spki)));
    expect(e.code).toBe(ERROR_CODES.MATERIAL_INVALID);
    expect(e.message).toContain('public key (PEM)');
  });

  it('certificate (DER and PEM) → use the private key', () => {
    expect(refusal(k.certificate.der).message).toContain('the material is an X.509 certificate; KMS imports the private key');
    expect(refusal(text(k.certificate.pem)).message).toContain('the material is a certificate (PEM)');
  });

  it('encrypted PKCS#8 (DER and PEM) → decrypt it first', () => {
    const encrypted = der(k.p256.privateKey.export({ type: 'pkcs8', format: 'der', cipher: 'aes-256-cbc', passphrase: 'secret' }));
    const e = refusal(encrypted);
    expect(e.code).toBe(ERROR_CODES.MATERIAL_ENCRYPTED);
    expect(e.message).toContain('openssl pkcs8 -topk8 -nocrypt');
    const e2 = refusal(
      text(k.p256.privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'secret' }) as string),
    );
    expect(e2.code).toBe(ERROR_CODES.MATERIAL_ENCRYPTED);
  });

  it('legacy OpenSSL-encrypted PEM (Proc-Type: 4,ENCRYPTED) → decrypt it first', () => {
    const legacy = k.rsa2048.privateKey.export({ type: 'pkcs1', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'secret' }) as string;
    expect(legacy).toContain('Proc-Type: 4,ENCRYPTED');
    expect(refusal(text(legacy)).code).toBe(ERROR_CODES.MATERIAL_ENCRYPTED);
  });

  it('base64 text of material → decode it first', () => {
    const e = refusal(text(Buffer.from(raw(32)).toString('base64')));
    expect(e.code).toBe(ERROR_CODES.MATERIAL_FORMAT);
    expect(e.message).toBe(
      'the material is text (base64 or hex?) and KMS takes binary key material — decode it to a binary file first (e.g. base64 -d, xxd -r -p)',
    );
  });

  it('64 hex digits of a 32-byte key are not taken as HMAC_512 material unless HMAC_512 is named', () => {
    const hex = text(Buffer.from(raw(32)).toString('hex'));
    expect(hex.length).toBe(64);
    const e = refusal(hex);
    expect(e.code).toBe(ERROR_CODES.MATERIAL_FORMAT);
    expect(e.message).toContain('the material is 64 characters of text (base64 or hex?)');
    expect(e.message).toContain('or name its key spec (HMAC_512) if these characters are the key itself');
    // an ASCII HMAC secret imported on purpose
    expect(inspectMaterial(hex, { keySpec: 'HMAC_512' }).keySpec).toBe('HMAC_512');
    // 48 base64 characters of 36 bytes: the HMAC_384 length
    const b64 = text(Buffer.from(raw(36)).toString('base64'));
    expect(b64.length).toBe(48);
    expect(refusal(b64).message).toContain('(HMAC_384)');
  });
});

describe('broken DER', () => {
  it('truncated PKCS#8 is called truncated', () => {
    for (const cut of [1, 10, 100]) {
      const e = refusal(k.p384.pkcs8.subarray(0, k.p384.pkcs8.length - cut));
      expect(e.code).toBe(ERROR_CODES.MATERIAL_INVALID);
      expect(e.message).toContain(
        `a ${k.p384.pkcs8.length}-byte SEQUENCE) but has only ${k.p384.pkcs8.length - cut} bytes: it is truncated`,
      );
    }
  });

  it('a PKCS#8 with a corrupt inside is refused as corrupt, not as a length', () => {
    const bad = k.p256.pkcs8.slice();
    bad[bad.length - 70] = 0xff; // inside the OCTET STRING's DER; outer lengths intact
    bad[4] = 0x05; // the version INTEGER becomes a 5-byte INTEGER: the structure no longer parses
    const e = refusal(bad);
    expect(e.code).toBe(ERROR_CODES.MATERIAL_INVALID);
    expect(e.message).toContain('corrupt or not a private key');
  });

  it('a PKCS#8 with trailing bytes is refused', () => {
    const trailing = new Uint8Array([...k.p256.pkcs8, 0, 0, 0]);
    expect(refusal(trailing).code).toBe(ERROR_CODES.MATERIAL_INVALID);
  });

  it('an RSA PKCS#8 whose inner key is not an RSAPrivateKey is refused without a crash', () => {
    // rsaEncryption AlgorithmIdentifier, privateKey OCTET STRING holding an INTEGER
    const bytes = Uint8Array.from([
      0x30, 0x17, 0x02, 0x01, 0x00, 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00, 0x04, 0x03,
      0x02, 0x01, 0x07,
    ]);
    const e = refusal(bytes);
    expect(e.code).toBe(ERROR_CODES.MATERIAL_INVALID);
  });
});
