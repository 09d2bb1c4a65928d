/**
 * Everything that is not a plaintext private key of a type KMS imports is refused with one
 * line — what it is, what to do — as a KmsWrapError, never a raw TypeError, and without key
 * material in the message.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES, KmsWrapError } from '@kms-wrap/core';
import { describeKeyFile, toPkcs8 } from '../src/index.js';
import { opensslEcKey, opensslRsaKey, type OpensslKey } from './helpers/openssl-keys.js';
import { openssl, opensslText, tempPath } from './helpers/openssl.js';
import { expectRefusal, expectRefusalShape, refusalOf } from './helpers/refusal.js';

const DECRYPT = 'openssl pkcs8 -topk8 -nocrypt -in KEY -outform DER -out KEY.der';

let rsa: OpensslKey;
let ec: OpensslKey;
/** The secret numbers of both keys, which no message may show. */
let secrets: Uint8Array[];

beforeAll(() => {
  rsa = opensslRsaKey(2048);
  ec = opensslEcKey('P-256');
  const r = JSON.parse(rsa.forms.jwk as string) as Record<string, string>;
  const e = JSON.parse(ec.forms.jwk as string) as Record<string, string>;
  secrets = [r['d']!, r['p']!, r['q']!, r['dp']!, e['d']!].map((s) => new Uint8Array(Buffer.from(s, 'base64url')));
});

const bytes = (s: string | Uint8Array): Uint8Array => (typeof s === 'string' ? new Uint8Array(Buffer.from(s)) : s);

/** Both entry points refuse the input the same way. */
function refuseBoth(input: Uint8Array | string, code: string, why?: RegExp): void {
  for (const fn of [() => toPkcs8(input), () => describeKeyFile(input)]) {
    const e = expectRefusalShape(refusalOf(fn), code as KmsWrapError['code'], secrets);
    if (why) expect(e.message).toMatch(why);
  }
}

describe('encrypted private keys: MATERIAL_ENCRYPTED, naming the openssl command that decrypts them', () => {
  it('PKCS#8 "ENCRYPTED PRIVATE KEY" PEM (PBES2, AES-256-CBC)', () => {
    const pem = opensslText(['pkcs8', '-topk8', '-in', rsa.path, '-v2', 'aes-256-cbc', '-passout', 'pass:secret']);
    expect(pem).toMatch(/BEGIN ENCRYPTED PRIVATE KEY/);
    refuseBoth(pem, ERROR_CODES.MATERIAL_ENCRYPTED, new RegExp(DECRYPT.replace(/[.-]/g, '\\$&')));
    refuseBoth(bytes(pem), ERROR_CODES.MATERIAL_ENCRYPTED);
  });

  it('EncryptedPrivateKeyInfo DER', () => {
    const der = openssl(['pkcs8', '-topk8', '-in', ec.path, '-v2', 'aes-128-cbc', '-passout', 'pass:secret', '-outform', 'DER']);
    refuseBoth(der, ERROR_CODES.MATERIAL_ENCRYPTED, /openssl pkcs8 -topk8 -nocrypt -in KEY -outform DER -out KEY\.der/);
  });

  it('OpenSSL legacy encrypted PEM (Proc-Type: 4,ENCRYPTED)', () => {
    const pem = opensslText(['rsa', '-in', rsa.path, '-traditional', '-aes256', '-passout', 'pass:secret']);
    expect(pem).toMatch(/Proc-Type: 4,ENCRYPTED/);
    refuseBoth(pem, ERROR_CODES.MATERIAL_ENCRYPTED, /openssl pkcs8 -topk8 -nocrypt/);
  });
});

describe('public keys and certificates: MATERIAL_INVALID, saying what the file is', () => {
  it('SubjectPublicKeyInfo PEM and DER', () => {
    refuseBoth(opensslText(['pkey', '-in', ec.path, '-pubout']), ERROR_CODES.MATERIAL_INVALID, /"PUBLIC KEY", not a private key/);
    refuseBoth(
      openssl(['pkey', '-in', rsa.path, '-pubout', '-outform', 'DER']),
      ERROR_CODES.MATERIAL_INVALID,
      /public key \(SubjectPublicKeyInfo\)/,
    );
  });

  it('PKCS#1 RSAPublicKey PEM and DER', () => {
    refuseBoth(opensslText(['rsa', '-in', rsa.path, '-RSAPublicKey_out']), ERROR_CODES.MATERIAL_INVALID, /RSA PUBLIC KEY/);
    refuseBoth(openssl(['rsa', '-in', rsa.path, '-RSAPublicKey_out', '-outform', 'DER']), ERROR_CODES.MATERIAL_INVALID, /RSA public key/);
  });

  it('X.509 certificate PEM and DER', () => {
    const path = tempPath('cert.pem');
    openssl(['req', '-x509', '-new', '-key', ec.path, '-subj', '/CN=kms-wrap test', '-days', '1', '-out', path]);
    const pem = readFileSync(path, 'utf8');
    refuseBoth(pem, ERROR_CODES.MATERIAL_INVALID, /"CERTIFICATE", not a private key/);
    refuseBoth(openssl(['x509', '-in', path, '-outform', 'DER']), ERROR_CODES.MATERIAL_INVALID, /X\.509 certificate/);
  });

  it('a JWK public key', () => {
    const jwk = JSON.parse(ec.forms.jwk as string) as Record<string, string>;
    const { d: _d, ...pub } = jwk;
    refuseBoth(JSON.stringify(pub), ERROR_CODES.MATERIAL_INVALID, /public key \(no d\)/);
  });
});

describe('keys KMS cannot import: KEY_SPEC_UNSUPPORTED', () => {
  it.each([
    ['Ed25519', ['genpkey', '-algorithm', 'ed25519'], /Ed25519/],
    ['X25519', ['genpkey', '-algorithm', 'x25519'], /X25519/],
    [
      'brainpoolP256r1',
      ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:brainpoolP256r1'],
      /curve 1\.3\.36\.3\.3\.2\.8\.1\.1\.7/,
    ],
    ['P-224', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-224'], /curve 1\.3\.132\.0\.33/],
  ])('%s (PKCS#8 DER from openssl genpkey)', (_name, args, why) => {
    const path = tempPath('foreign.pem');
    openssl([...args, '-out', path]);
    const der = openssl(['pkcs8', '-topk8', '-nocrypt', '-in', path, '-outform', 'DER']);
    expectRefusal(() => toPkcs8(der), ERROR_CODES.KEY_SPEC_UNSUPPORTED).message.match(why) ?? expect.fail('no reason');
    expect(() => describeKeyFile(der)).toThrow(KmsWrapError);
  });

  it('RSA 1024: toPkcs8 refuses; describeKeyFile describes it as not importable', () => {
    const small = opensslRsaKey(1024);
    const e = expectRefusal(() => toPkcs8(small.canonical), ERROR_CODES.KEY_SPEC_UNSUPPORTED);
    expect(e.message).toMatch(/1024-bit RSA key and KMS imports RSA_2048, RSA_3072 or RSA_4096/);
    expect(describeKeyFile(small.canonical)).toMatchObject({ type: 'rsa', bits: 1024, candidates: [], importable: false });
  });

  it('an EC key with explicit curve parameters: asks for a named curve', () => {
    const sec1 = opensslText(['ec', '-in', ec.path, '-param_enc', 'explicit']);
    refuseBoth(sec1, ERROR_CODES.MATERIAL_INVALID, /explicit curve parameters — export it with a named curve/);
    const der = openssl(['pkcs8', '-topk8', '-nocrypt', '-outform', 'DER'], sec1);
    refuseBoth(der, ERROR_CODES.MATERIAL_INVALID, /explicit curve parameters/);
  });

  it('an OpenSSH private key: says how to convert it', () => {
    refuseBoth(
      '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n',
      ERROR_CODES.MATERIAL_FORMAT,
      /ssh-keygen/,
    );
  });

  it('a DSA private key', () => {
    const params = tempPath('dsa-params.pem');
    openssl(['genpkey', '-genparam', '-algorithm', 'DSA', '-pkeyopt', 'dsa_paramgen_bits:1024', '-out', params]);
    const path = tempPath('dsa.pem');
    openssl(['genpkey', '-paramfile', params, '-out', path]);
    const der = openssl(['pkcs8', '-topk8', '-nocrypt', '-in', path, '-outform', 'DER']);
    refuseBoth(der, ERROR_CODES.KEY_SPEC_UNSUPPORTED, /DSA/);
    refuseBoth(opensslText(['dsa', '-in', path]), ERROR_CODES.KEY_SPEC_UNSUPPORTED, /DSA private key/);
  });
});

describe('malformed input: MATERIAL_INVALID, never a crash', () => {
  it('empty input, as bytes and as text', () => {
    refuseBoth(new Uint8Array(0), ERROR_CODES.MATERIAL_INVALID, /empty/);
    refuseBoth('', ERROR_CODES.MATERIAL_INVALID, /empty/);
    refuseBoth(' \n\t', ERROR_CODES.MATERIAL_INVALID, /empty/);
  });

  it('every truncation of PKCS#8, PKCS#1 and SEC1 DER', () => {
    for (const der of [ec.canonical, rsa.forms['pkcs1-der'] as Uint8Array, ec.forms['sec1-der'] as Uint8Array]) {
      for (let n = 1; n < der.length; n++) {
        const e = expectRefusalShape(
          refusalOf(() => toPkcs8(der.subarray(0, n))),
          ERROR_CODES.MATERIAL_INVALID,
          secrets,
        );
        expect(e.message.length).toBeLessThan(300);
      }
    }
  });

  it('trailing bytes after the DER value', () => {
    const der = new Uint8Array([...ec.canonical, 0x00, 0x0a]);
    refuseBoth(der, ERROR_CODES.MATERIAL_INVALID, /2 bytes after its DER value/);
  });

  it('every single-byte change of a PKCS#8 EC key: refused, or (if harmless) read as the same key', () => {
    const der = ec.canonical;
    for (let i = 0; i < der.length; i++) {
      const bad = der.slice();
      bad[i]! ^= 0x01;
      try {
        const { der: out } = toPkcs8(bad);
        // A change in a length's non-minimal form or similar: must still be the same key.
        expect(Buffer.from(out).equals(Buffer.from(der))).toBe(true);
      } catch (error) {
        expect(error).toBeInstanceOf(KmsWrapError);
        expectRefusalShape(error, (error as KmsWrapError).code, secrets);
      }
    }
  });

  it('random bytes (property): always a KmsWrapError, never a TypeError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 600 }), (input) => {
        try {
          toPkcs8(input);
          return false; // random bytes are never a valid private key
        } catch (error) {
          return error instanceof KmsWrapError && !/[\r\n]/.test(error.message);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('random DER-looking bytes (property): SEQUENCE headers with random bodies', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 200 }), (body) => {
        const input = new Uint8Array([0x30, 0x81, body.length, ...body]);
        try {
          toPkcs8(input);
          return false;
        } catch (error) {
          return error instanceof KmsWrapError;
        }
      }),
      { numRuns: 500 },
    );
  });

  it('hostile DER: deep nesting, huge length fields, indefinite lengths', () => {
    const deep = new Uint8Array(4000);
    for (let i = 0; i < 2000; i++) deep.set([0x30, 0x80], 2 * i);
    refuseBoth(deep, ERROR_CODES.MATERIAL_INVALID);
    refuseBoth(new Uint8Array([0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x02, 0x01, 0x00]), ERROR_CODES.MATERIAL_INVALID);
    refuseBoth(new Uint8Array([0x30, 0x89, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), ERROR_CODES.MATERIAL_INVALID);
    refuseBoth(new Uint8Array([0x30, 0x80, 0x02, 0x01, 0x00]), ERROR_CODES.MATERIAL_INVALID);
  });

  it('broken PEM', () => {
    const pem = ec.forms['pkcs8-pem'] as string;
    refuseBoth(pem.slice(0, pem.length - 40), ERROR_CODES.MATERIAL_INVALID, /no complete BEGIN\/END block/);
    refuseBoth(pem.replace(/\n([A-Za-z0-9+/]{10})/, '\n!!!!!!!!!!'), ERROR_CODES.MATERIAL_INVALID, /not valid base64/);
    refuseBoth(pem.replace('END PRIVATE KEY', 'END EC PRIVATE KEY'), ERROR_CODES.MATERIAL_INVALID);
    refuseBoth(`${pem}${rsa.forms['pkcs8-pem'] as string}`, ERROR_CODES.MATERIAL_INVALID, /2 private keys — give one key per file/);
    refuseBoth('-----BEGIN PRIVATE KEY-----\nMAA=\n-----END PRIVATE KEY-----\n', ERROR_CODES.MATERIAL_INVALID);
    // A PKCS#1 body under the PKCS#8 label.
    const mislabelled = (rsa.forms['pkcs1-pem'] as string).replace(/RSA PRIVATE KEY/g, 'PRIVATE KEY');
    refuseBoth(mislabelled, ERROR_CODES.MATERIAL_INVALID);
  });

  it('text that is neither PEM nor JWK (hex, base64, prose)', () => {
    refuseBoth(Buffer.from(ec.canonical).toString('hex'), ERROR_CODES.MATERIAL_INVALID, /decode it to a binary DER file first/);
    refuseBoth(Buffer.from(ec.canonical).toString('base64'), ERROR_CODES.MATERIAL_INVALID, /neither PEM nor a JWK/);
    refuseBoth('hello world', ERROR_CODES.MATERIAL_INVALID);
  });

  it('broken JSON and JWK sets', () => {
    refuseBoth('{"kty": "EC",', ERROR_CODES.MATERIAL_INVALID, /not valid JSON/);
    refuseBoth(JSON.stringify({ keys: [JSON.parse(ec.forms.jwk as string)] }), ERROR_CODES.MATERIAL_INVALID, /JWK Set/);
    refuseBoth('{}', ERROR_CODES.MATERIAL_INVALID, /kty/);
  });

  it('a value that is neither bytes nor text', () => {
    expectRefusal(() => toPkcs8(42 as unknown as string), ERROR_CODES.MATERIAL_INVALID);
    expectRefusal(() => toPkcs8([0x30, 0x00] as unknown as Uint8Array), ERROR_CODES.MATERIAL_INVALID);
  });
});

describe('the no-key-material check itself', () => {
  it('catches a message that leaks key bytes in hex or base64', () => {
    const secret = new Uint8Array(Buffer.from('00112233445566778899aabbccddeeff', 'hex'));
    const leaky = (text: string): KmsWrapError => new KmsWrapError(ERROR_CODES.MATERIAL_INVALID, `bad key ${text} — fix it`);
    expect(() => expectRefusalShape(leaky('8899aabbccdd'), ERROR_CODES.MATERIAL_INVALID, [secret])).toThrow();
    expect(() =>
      expectRefusalShape(leaky(Buffer.from(secret.subarray(0, 6)).toString('base64')), ERROR_CODES.MATERIAL_INVALID, [secret]),
    ).toThrow();
    expect(() => expectRefusalShape(leaky('x'), ERROR_CODES.MATERIAL_INVALID, [secret])).not.toThrow();
  });
});

describe('PKCS#8 of other key algorithms', () => {
  it('an RSASSA-PSS-restricted RSA key (openssl genpkey -algorithm RSA-PSS)', () => {
    const path = tempPath('pss.pem');
    openssl(['genpkey', '-algorithm', 'RSA-PSS', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', path]);
    const e = expectRefusal(() => toPkcs8(readFileSync(path, 'utf8')), ERROR_CODES.KEY_SPEC_UNSUPPORTED);
    expect(e.message).toMatch(/an RSASSA-PSS \(PSS-restricted RSA\) private key, which KMS cannot import/);
  });

  it.each([
    ['2.16.840.1.101.3.4.3.17', 'ML_DSA_44'],
    ['2.16.840.1.101.3.4.3.18', 'ML_DSA_65'],
    ['2.16.840.1.101.3.4.3.19', 'ML_DSA_87'],
  ])('an ML-DSA key (%s): refused with the key spec rule', (oid, spec) => {
    // PrivateKeyInfo { 0, { oid }, OCTET STRING (a 32-byte seed) } — built by hand, as OpenSSL 3.0 has no ML-DSA.
    const oidDer = openssl(['asn1parse', '-genstr', `OID:${oid}`, '-noout', '-out', '-']);
    const seed = new Uint8Array(34).fill(0x42);
    seed.set([0x04, 0x20]);
    const alg = new Uint8Array([0x30, oidDer.length, ...oidDer]);
    const body = new Uint8Array([0x02, 0x01, 0x00, ...alg, 0x04, seed.length, ...seed]);
    const der = new Uint8Array([0x30, body.length, ...body]);
    const e = expectRefusal(() => toPkcs8(der), ERROR_CODES.KEY_SPEC_UNSUPPORTED);
    expect(e.message).toMatch(new RegExp(`^${spec} cannot be imported — KMS cannot import ML-DSA key material`));
  });
});
