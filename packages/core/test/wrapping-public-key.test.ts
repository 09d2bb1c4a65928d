/** parseWrappingPublicKey: DER, base64 and PEM; refusals of private keys, weak, odd and foreign keys, and garbage. */
import * as asn1js from 'asn1js';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, KmsWrapError, parseWrappingPublicKey } from '../src/index.js';
import { der, keys, pem, text } from './keys.js';

const k = await keys();

function refusal(input: Uint8Array | string): KmsWrapError {
  let error: unknown;
  try {
    parseWrappingPublicKey(input);
  } catch (e) {
    error = e;
  }
  expect(error, 'parseWrappingPublicKey accepted it').toBeInstanceOf(KmsWrapError);
  const e = error as KmsWrapError;
  expect(e.message).toMatch(/\S — \S/);
  expect(e.message).not.toMatch(/[\r\n]/);
  return e;
}

/** DER INTEGER content for an unsigned big-endian number (a 0x00 before a high bit). */
const unsigned = (bytes: Uint8Array) => ((bytes[0]! & 0x80) !== 0 ? Uint8Array.from([0, ...bytes]) : bytes);

/** SubjectPublicKeyInfo { rsaEncryption NULL, BIT STRING RSAPublicKey { n, e } } (RFC 8017 §A.1.1, RFC 5280 §4.1). */
function rsaSpki(modulus: Uint8Array, exponent: Uint8Array): Uint8Array {
  const rsaPublicKey = new asn1js.Sequence({
    value: [new asn1js.Integer({ valueHex: unsigned(modulus) }), new asn1js.Integer({ valueHex: unsigned(exponent) })],
  });
  const spki = new asn1js.Sequence({
    value: [
      new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: '1.2.840.113549.1.1.1' }), new asn1js.Null()] }),
      new asn1js.BitString({ valueHex: rsaPublicKey.toBER() }),
    ],
  });
  return new Uint8Array(spki.toBER());
}

const modulusOf = (spki: Uint8Array) => {
  const n = parseWrappingPublicKey(spki).rsa!.modulus;
  return n;
};

/** An odd modulus of exactly `bits` bits (not a real RSA modulus; the parser checks size and shape). */
function modulusOfBits(bits: number): Uint8Array {
  const bytes = new Uint8Array(Math.ceil(bits / 8)).fill(0x5b);
  const top = bits % 8 === 0 ? 8 : bits % 8;
  bytes[0] = (1 << (top - 1)) | 1;
  bytes[bytes.length - 1] = 0x01 | 0x5a;
  return bytes;
}

describe('RSA wrapping keys, in the forms KMS gives them', () => {
  for (const [name, pair, spec, bits] of [
    ['RSA_2048', () => k.rsa2048, 'RSA_2048', 2048],
    ['RSA_3072', () => k.rsa3072, 'RSA_3072', 3072],
    ['RSA_4096', () => k.rsa4096, 'RSA_4096', 4096],
  ] as const) {
    it(`${name}: DER (WrappingPublicKey.bin), base64 (the JSON's PublicKey) and PEM all parse to the same key`, () => {
      const { spki } = pair();
      const b64 = Buffer.from(spki).toString('base64');
      const forms: (Uint8Array | string)[] = [spki, b64, text(b64), ` ${b64}\n`, pem('PUBLIC KEY', spki), text(pem('PUBLIC KEY', spki))];
      for (const form of forms) {
        const key = parseWrappingPublicKey(form);
        expect(key.spec).toBe(spec);
        expect(key.type).toBe('rsa');
        expect(key.rsa!.bits).toBe(bits);
        expect(Buffer.from(key.spki).equals(Buffer.from(spki))).toBe(true);
        expect(Buffer.from(key.rsa!.publicExponent).toString('hex')).toBe('010001');
        const n = Buffer.from(pair().publicKey.export({ format: 'jwk' }).n!, 'base64url');
        expect(Buffer.from(key.rsa!.modulus).equals(n)).toBe(true);
      }
    });
  }

  it('a hand-made SPKI with e = 65537 parses (the crafting below is sound)', () => {
    const key = parseWrappingPublicKey(rsaSpki(modulusOf(k.rsa2048.spki), Uint8Array.of(1, 0, 1)));
    expect(key.spec).toBe('RSA_2048');
  });
});

describe('SM2 wrapping keys', () => {
  it('an SM2 SPKI from openssl genpkey -algorithm ec -pkeyopt ec_paramgen_curve:sm2 is spec SM2', () => {
    const key = parseWrappingPublicKey(k.sm2.spki);
    expect(key.spec).toBe('SM2');
    expect(key.type).toBe('sm2');
    expect(key.ec!.curve).toBe('sm2p256v1');
    expect(key.ec!.point.length).toBe(65);
    expect(key.ec!.point[0]).toBe(0x04);
    expect(parseWrappingPublicKey(pem('PUBLIC KEY', k.sm2.spki)).spec).toBe('SM2');
  });
});

describe('refusals', () => {
  it('a private key (PKCS#8 DER, its base64, PEM, PKCS#1, SEC1) → PUBLIC_KEY_IS_PRIVATE', () => {
    const inputs: (Uint8Array | string)[] = [
      k.rsa2048.pkcs8,
      Buffer.from(k.rsa2048.pkcs8).toString('base64'),
      pem('PRIVATE KEY', k.rsa2048.pkcs8),
      k.rsa2048.privateKey.export({ type: 'pkcs1', format: 'pem' }) as string,
      der(k.rsa2048.privateKey.export({ type: 'pkcs1', format: 'der' })),
      der(k.p256.privateKey.export({ type: 'sec1', format: 'der' })),
    ];
    for (const input of inputs) {
      const e = refusal(input);
      expect(e.code).toBe(ERROR_CODES.PUBLIC_KEY_IS_PRIVATE);
      expect(e.message).toContain('give the public key (WrappingPublicKey.bin); never hand a private key to the wrapping step');
    }
  });

  it('RSA 1024 → PUBLIC_KEY_WEAK, naming the size and the specs KMS uses', () => {
    const e = refusal(k.rsa1024.spki);
    expect(e.code).toBe(ERROR_CODES.PUBLIC_KEY_WEAK);
    expect(e.message).toContain('the RSA wrapping public key is 1024 bits, under the 2048 bits KMS uses');
    expect(e.message).toContain('RSA_4096 (preferred)');
  });

  for (const bits of [2047, 2056, 2560, 3000, 4095, 4104, 8192]) {
    it(`an RSA modulus of ${bits} bits is not a wrapping key KMS issues → PUBLIC_KEY_WEAK`, () => {
      const e = refusal(rsaSpki(modulusOfBits(bits), Uint8Array.of(1, 0, 1)));
      expect(e.code).toBe(ERROR_CODES.PUBLIC_KEY_WEAK);
      expect(e.message).toContain(`is ${bits} bits`);
    });
  }

  it('public exponent 1 → PUBLIC_KEY_WEAK', () => {
    const e = refusal(rsaSpki(modulusOf(k.rsa2048.spki), Uint8Array.of(1)));
    expect(e.code).toBe(ERROR_CODES.PUBLIC_KEY_WEAK);
    expect(e.message).toContain('invalid public exponent (must be odd and at least 3)');
  });

  it('an even public exponent → PUBLIC_KEY_WEAK', () => {
    for (const exponent of [Uint8Array.of(2), Uint8Array.of(1, 0, 0), Uint8Array.of(1, 0, 2)]) {
      expect(refusal(rsaSpki(modulusOf(k.rsa2048.spki), exponent)).code).toBe(ERROR_CODES.PUBLIC_KEY_WEAK);
    }
  });

  it('an even modulus → PUBLIC_KEY_WEAK', () => {
    const n = modulusOf(k.rsa2048.spki).slice();
    n[n.length - 1]! &= 0xfe;
    const e = refusal(rsaSpki(n, Uint8Array.of(1, 0, 1)));
    expect(e.code).toBe(ERROR_CODES.PUBLIC_KEY_WEAK);
    expect(e.message).toContain('modulus is even');
  });

  it('EC P-256 → PUBLIC_KEY_TYPE: KMS wrapping keys are RSA or SM2', () => {
    const e = refusal(k.p256.spki);
    expect(e.code).toBe(ERROR_CODES.PUBLIC_KEY_TYPE);
    expect(e.message).toContain(
      'the wrapping public key is an EC P-256 key, and KMS wrapping keys are RSA (RSA_2048, RSA_3072, RSA_4096) or SM2',
    );
  });

  it('Ed25519 → PUBLIC_KEY_TYPE', () => {
    const e = refusal(k.ed25519.spki);
    expect(e.code).toBe(ERROR_CODES.PUBLIC_KEY_TYPE);
    expect(e.message).toContain('an Ed25519 key');
  });

  it('a certificate → PUBLIC_KEY_INVALID: KMS gives a bare public key', () => {
    const e = refusal(k.certificate.der);
    expect(e.code).toBe(ERROR_CODES.PUBLIC_KEY_INVALID);
    expect(e.message).toContain('X.509 certificate');
    expect(refusal(k.certificate.pem).code).toBe(ERROR_CODES.PUBLIC_KEY_INVALID);
  });

  it('a PKCS#1 RSAPublicKey → PUBLIC_KEY_INVALID with the conversion', () => {
    const e = refusal(der(k.rsa2048.publicKey.export({ type: 'pkcs1', format: 'der' })));
    expect(e.code).toBe(ERROR_CODES.PUBLIC_KEY_INVALID);
    expect(e.message).toContain('openssl rsa -RSAPublicKey_in -pubout -outform DER');
  });

  it('empty input, as bytes and as text', () => {
    for (const input of [new Uint8Array(0), '', '  \n ']) {
      const e = refusal(input);
      expect(e.code).toBe(ERROR_CODES.PUBLIC_KEY_INVALID);
      expect(e.message).toContain('the wrapping public key is empty');
    }
  });

  it('garbage bytes and garbage text', () => {
    const garbage = Uint8Array.from({ length: 300 }, (_, i) => (i * 151 + 7) & 0xff);
    expect(refusal(garbage).code).toBe(ERROR_CODES.PUBLIC_KEY_INVALID);
    const e = refusal('this is not a key!');
    expect(e.code).toBe(ERROR_CODES.PUBLIC_KEY_INVALID);
    expect(e.message).toContain('neither PEM nor base64');
    expect(refusal(Buffer.from('hello').toString('base64')).code).toBe(ERROR_CODES.PUBLIC_KEY_INVALID);
  });

  it('truncated DER, at every cut, is a clear error and never a crash', () => {
    const spki = k.rsa2048.spki;
    for (let cut = 1; cut < spki.length; cut += 7) {
      const e = refusal(spki.subarray(0, spki.length - cut));
      expect(e.code).toBe(ERROR_CODES.PUBLIC_KEY_INVALID);
    }
    expect(refusal(spki.subarray(0, 100)).message).toContain('not valid DER (truncated or corrupt)');
  });

  it('trailing bytes after the DER value', () => {
    const e = refusal(new Uint8Array([...k.rsa2048.spki, 0]));
    expect(e.code).toBe(ERROR_CODES.PUBLIC_KEY_INVALID);
    expect(e.message).toContain('1 bytes after its DER value');
  });

  it('a PEM block cut before its END line', () => {
    const cut = pem('PUBLIC KEY', k.rsa2048.spki).split('-----END')[0]!;
    const e = refusal(cut);
    expect(e.code).toBe(ERROR_CODES.PUBLIC_KEY_INVALID);
    expect(e.message).toContain('truncated');
  });

  it('an SM2 SPKI whose point has the wrong length', () => {
    const parsed = asn1js.fromBER(k.sm2.spki).result as asn1js.Sequence;
    const algorithm = parsed.valueBlock.value[0]!;
    const spki = new Uint8Array(
      new asn1js.Sequence({ value: [algorithm, new asn1js.BitString({ valueHex: new Uint8Array(64).fill(4) })] }).toBER(),
    );
    const e = refusal(spki);
    expect(e.code).toBe(ERROR_CODES.PUBLIC_KEY_INVALID);
    expect(e.message).toContain('point is 64 bytes');
  });
});
