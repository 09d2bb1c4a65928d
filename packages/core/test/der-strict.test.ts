/**
 * DER means DER: wrapping public keys (SubjectPublicKeyInfo) and PKCS#8 material in BER that is
 * not DER (indefinite or non-minimal lengths) are refused alike, naming the byte; rsaEncryption
 * parameters must be NULL or absent (RFC 8017 §A.1).
 */
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, KmsWrapError, inspectMaterial, parseWrappingPublicKey } from '../src/index.js';
import { derProblem } from '../src/der.js';
import { keys } from './keys.js';

const k = await keys();

/** Header length and content of the outer value (DER input). */
function header(b: Uint8Array): { hl: number; content: Uint8Array } {
  const first = b[1]!;
  const n = first < 0x80 ? 0 : first & 0x7f;
  return { hl: 2 + n, content: b.subarray(2 + n) };
}

/** Minimal DER length octets. */
function len(n: number): number[] {
  if (n < 0x80) return [n];
  const out: number[] = [];
  while (n > 0) {
    out.unshift(n & 0xff);
    n >>>= 8;
  }
  return [0x80 | out.length, ...out];
}

const seq = (...parts: Uint8Array[]): Uint8Array => {
  const content = Buffer.concat(parts);
  return Uint8Array.from([0x30, ...len(content.length), ...content]);
};

/** The child TLVs of a DER SEQUENCE. */
function split(b: Uint8Array): Uint8Array[] {
  const { content } = header(b);
  const out: Uint8Array[] = [];
  let p = 0;
  while (p < content.length) {
    const { hl } = header(content.subarray(p));
    const first = content[p + 1]!;
    let l = first;
    if (first >= 0x80) {
      l = 0;
      for (let i = 0; i < (first & 0x7f); i++) l = l * 256 + content[p + 2 + i]!;
    }
    out.push(content.subarray(p, p + hl + l));
    p += hl + l;
  }
  return out;
}

/** (a) the outer SEQUENCE's length with a needless leading zero octet (or long form for a short one). */
function nonMinimalOuter(b: Uint8Array): Uint8Array {
  const { content } = header(b);
  const minimal = len(content.length);
  const body = minimal.length === 1 ? [minimal[0]!] : minimal.slice(1);
  return Uint8Array.from([0x30, 0x80 | (body.length + 1), 0, ...body, ...content]);
}

/** (a') the first child's short length written as 0x81 L; returns the bytes and the offset of that length. */
function nonMinimalInner(b: Uint8Array): { bytes: Uint8Array; at: number } {
  const [first, ...rest] = split(b);
  const inner = Uint8Array.from([first![0]!, 0x81, ...first!.subarray(1)]);
  expect(first![1]).toBeLessThan(0x80);
  const bytes = seq(inner, ...rest);
  return { bytes, at: header(bytes).hl + 1 };
}

/** (b) the outer SEQUENCE with an indefinite length, closed by end-of-contents. */
const indefinite = (b: Uint8Array): Uint8Array => Uint8Array.from([0x30, 0x80, ...header(b).content, 0, 0]);

function refused(f: () => unknown): KmsWrapError {
  let error: unknown;
  try {
    f();
  } catch (e) {
    error = e;
  }
  expect(error, 'accepted').toBeInstanceOf(KmsWrapError);
  const e = error as KmsWrapError;
  expect(e.message).toMatch(/\S — \S/);
  return e;
}

const asKey = (b: Uint8Array) => refused(() => parseWrappingPublicKey(b));
const asMaterial = (b: Uint8Array) => refused(() => inspectMaterial(b));

const cases = [
  ['RSA 2048', () => k.rsa2048],
  ['RSA 4096', () => k.rsa4096],
  ['EC P-256', () => k.p256],
  ['SM2', () => k.sm2],
] as const;

describe('BER that is not DER is refused as wrapping key and as material, naming the byte', () => {
  for (const [name, pair] of cases) {
    for (const [form, key] of [
      ['SubjectPublicKeyInfo', 'spki'],
      ['PKCS#8', 'pkcs8'],
    ] as const) {
      const check = (bytes: Uint8Array, message: string) => {
        const e = key === 'spki' ? asKey(bytes) : asMaterial(bytes);
        expect(e.code).toBe(key === 'spki' ? ERROR_CODES.PUBLIC_KEY_INVALID : ERROR_CODES.MATERIAL_INVALID);
        expect(e.message).toContain(message);
      };
      it(`${name} ${form}: a non-minimal length on the outer SEQUENCE`, () => {
        check(nonMinimalOuter(pair()[key]), 'is not DER: a non-minimal length at byte 1');
      });
      it(`${name} ${form}: 0x81 L on a short inner element`, () => {
        const { bytes, at } = nonMinimalInner(pair()[key]);
        check(bytes, `is not DER: a non-minimal length at byte ${at}`);
      });
      it(`${name} ${form}: an indefinite length on the outer SEQUENCE`, () => {
        check(indefinite(pair()[key]), 'is not DER: an indefinite length at byte 1');
      });
      it(`${name} ${form}: the genuine DER is DER`, () => {
        expect(derProblem(pair()[key])).toBeUndefined();
      });
    }
  }

  it('the same non-DER SPKI given as material and PKCS#8 given as wrapping key is still named for what it is', () => {
    // A private key in the wrapping key's place is refused; a public key as material too.
    expect(refused(() => parseWrappingPublicKey(k.rsa2048.pkcs8)).code).toBe(ERROR_CODES.PUBLIC_KEY_IS_PRIVATE);
    expect(asMaterial(nonMinimalOuter(k.rsa2048.spki)).message).toContain('public key');
  });

  it('genuine keys are still accepted', () => {
    expect(parseWrappingPublicKey(k.rsa2048.spki).spec).toBe('RSA_2048');
    expect(parseWrappingPublicKey(k.rsa4096.spki).spec).toBe('RSA_4096');
    expect(parseWrappingPublicKey(k.sm2.spki).spec).toBe('SM2');
    expect(inspectMaterial(k.rsa2048.pkcs8).keySpec).toBe('RSA_2048');
    expect(inspectMaterial(k.p256.pkcs8).keySpec).toBe('ECC_NIST_P256');
    expect(inspectMaterial(k.sm2.pkcs8, { region: 'china' }).keySpec).toBe('SM2');
  });
});

describe('derProblem', () => {
  it('names each kind of non-DER', () => {
    expect(derProblem(Uint8Array.of(0x02, 0x02, 0x00, 0x01))).toBe('a non-minimal INTEGER at byte 0');
    expect(derProblem(Uint8Array.of(0x02, 0x02, 0xff, 0x80))).toBe('a non-minimal INTEGER at byte 0');
    expect(derProblem(Uint8Array.of(0x02, 0x02, 0x00, 0x80))).toBeUndefined();
    expect(derProblem(Uint8Array.of(0x02, 0x00))).toBe('an empty INTEGER at byte 0');
    expect(derProblem(Uint8Array.of(0x30, 0x04, 0x05, 0x81, 0x00, 0x00))).toBe('a non-minimal length at byte 3');
    expect(derProblem(Uint8Array.of(0x30, 0x82, 0x00, 0x02, 0x05, 0x00))).toBe('a non-minimal length at byte 1');
    expect(derProblem(Uint8Array.of(0x30, 0x80, 0x05, 0x00, 0x00, 0x00))).toBe('an indefinite length at byte 1');
    expect(derProblem(Uint8Array.of(0x30, 0x03, 0x05, 0x00))).toBe('a length past the end of its value at byte 1');
    expect(derProblem(Uint8Array.of(0x01, 0x01, 0x01))).toBe('a BOOLEAN that is not 00 or FF at byte 0');
    expect(derProblem(Uint8Array.of(0x05, 0x01, 0x00))).toBe('a NULL with content at byte 0');
    expect(derProblem(Uint8Array.of(0x24, 0x03, 0x04, 0x01, 0x00))).toBe('a constructed string at byte 0');
    expect(derProblem(Uint8Array.of(0x1f, 0x05, 0x00))).toBe('a non-minimal tag at byte 0');
    // rsaEncryption with its last subidentifier padded (80 01 for 01): asn1js alone reads it as rsaEncryption.
    const padded = Uint8Array.of(0x06, 0x0a, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x80, 0x01);
    expect(derProblem(padded)).toBe('a non-minimal OBJECT IDENTIFIER at byte 0');
    expect(derProblem(Uint8Array.of(0x30, 0x03, 0x06, 0x01, 0x80))).toBe('a malformed OBJECT IDENTIFIER at byte 2');
    expect(derProblem(Uint8Array.of(0x06, 0x00))).toBe('a malformed OBJECT IDENTIFIER at byte 0');
    expect(derProblem(Uint8Array.of(0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01))).toBeUndefined();
    expect(derProblem(Uint8Array.of(0x06, 0x03, 0x81, 0x80, 0x00))).toBeUndefined(); // 0x80 inside a subidentifier is fine
  });

  it('a PKCS#8 whose rsaEncryption OID is padded is refused as material, naming the byte', () => {
    const [version, alg, octets] = split(k.rsa2048.pkcs8);
    const [, params] = split(alg!);
    const oid = Uint8Array.of(0x06, 0x0a, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x80, 0x01);
    const bytes = seq(version!, seq(oid, params!), octets!);
    const e = asMaterial(bytes);
    expect(e.code).toBe(ERROR_CODES.MATERIAL_INVALID);
    expect(e.message).toMatch(/is not DER: a non-minimal OBJECT IDENTIFIER at byte \d+/);
  });
});

describe('rsaEncryption parameters must be NULL or absent (RFC 8017 §A.1)', () => {
  const OID_1_2_3 = Uint8Array.of(0x06, 0x02, 0x2a, 0x03);
  /** The same key with AlgorithmIdentifier { rsaEncryption, ...params }. */
  function withParams(b: Uint8Array, params: Uint8Array[]): Uint8Array {
    const [first, ...rest] = split(b);
    const isPkcs8 = first![0] === 0x02;
    const alg = isPkcs8 ? rest[0]! : first!;
    const oid = split(alg)[0]!;
    const newAlg = seq(oid, ...params);
    return isPkcs8 ? seq(first!, newAlg, ...rest.slice(1)) : seq(newAlg, ...rest);
  }

  it('the test helper rebuilds the genuine key byte for byte', () => {
    expect(withParams(k.rsa2048.spki, [Uint8Array.of(5, 0)])).toEqual(k.rsa2048.spki);
    expect(withParams(k.rsa2048.pkcs8, [Uint8Array.of(5, 0)])).toEqual(k.rsa2048.pkcs8);
  });

  it('parameters OID 1.2.3 in a wrapping key → ERR_PUBLIC_KEY_INVALID', () => {
    const e = asKey(withParams(k.rsa2048.spki, [OID_1_2_3]));
    expect(e.code).toBe(ERROR_CODES.PUBLIC_KEY_INVALID);
    expect(e.message).toContain('parameters OID 1.2.3 where rsaEncryption takes NULL');
  });

  it('parameters OID 1.2.3 in PKCS#8 material → ERR_MATERIAL_INVALID', () => {
    const e = asMaterial(withParams(k.rsa2048.pkcs8, [OID_1_2_3]));
    expect(e.code).toBe(ERROR_CODES.MATERIAL_INVALID);
    expect(e.message).toContain('parameters OID 1.2.3 where rsaEncryption takes NULL');
  });

  it('NULL and a second parameter → refused', () => {
    expect(asKey(withParams(k.rsa2048.spki, [Uint8Array.of(5, 0), OID_1_2_3])).message).toContain('2 parameters');
    expect(asMaterial(withParams(k.rsa2048.pkcs8, [Uint8Array.of(5, 0), OID_1_2_3])).message).toContain('2 parameters');
  });

  it('absent parameters → accepted, as key and as material', () => {
    const spki = withParams(k.rsa2048.spki, []);
    expect(spki.length).toBe(k.rsa2048.spki.length - 2);
    expect(parseWrappingPublicKey(spki).spec).toBe('RSA_2048');
    const info = inspectMaterial(withParams(k.rsa2048.pkcs8, []));
    expect(info.keySpec).toBe('RSA_2048');
    expect(info.format).toBe('pkcs8-der');
  });
});

describe('the RSA PKCS#8 fast path agrees: a non-minimal INTEGER goes to the general path, which refuses it', () => {
  it('RSAPrivateKey version 02 02 00 00 instead of 02 01 00', async () => {
    const { rsaPkcs8Shape } = await import('../src/rsa-pkcs8-shape.js');
    const [version, alg, octets] = split(k.rsa2048.pkcs8);
    const [, ...fields] = split(header(octets!).content);
    const rsa = seq(Uint8Array.of(0x02, 0x02, 0x00, 0x00), ...fields);
    const bytes = seq(version!, alg!, Uint8Array.from([0x04, ...len(rsa.length), ...rsa]));
    expect(rsaPkcs8Shape(k.rsa2048.pkcs8)).toBeDefined();
    expect(rsaPkcs8Shape(bytes)).toBeUndefined();
    const e = asMaterial(bytes);
    expect(e.code).toBe(ERROR_CODES.MATERIAL_INVALID);
    expect(e.message).toContain('the RSA private key inside the PKCS#8 is not DER: a non-minimal INTEGER at byte 4');
  });
});
