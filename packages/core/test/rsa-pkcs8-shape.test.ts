/**
 * rsaPkcs8Shape, inspection's fast path for RSA PKCS#8: taken for the keys OpenSSL and
 * node:crypto write, and differential against the general (asn1js) path on hostile input —
 * whenever the fast path answers, the general path gives the same answer.
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, inspectMaterial, type MaterialInfo } from '../src/index.js';
import { OID, bitLength, children, decodeDer, integerBytes, octetsOf, oidOf, smallInteger } from '../src/der.js';
import { identifyDer } from '../src/identify-der.js';
import { rsaPkcs8Shape } from '../src/rsa-pkcs8-shape.js';
import { KEY_SPECS, KEY_SPEC_INFO } from '../src/specs.js';
import { der, keys } from './keys.js';

const k = await keys();

/** The general path's answer for RSA PKCS#8 (inspect-material.ts tryPkcs8 and pkcs8Info), or 'other'. */
function general(bytes: Uint8Array): MaterialInfo | 'other' {
  try {
    const node = decodeDer(bytes, 'x', ERROR_CODES.MATERIAL_INVALID);
    if (identifyDer(node) !== 'pkcs8') return 'other';
    const c = children(node);
    const version = smallInteger(c[0]);
    if (version !== 0 && version !== 1) return 'other';
    if (oidOf(children(c[1])[0]) !== OID.rsaEncryption) return 'other';
    const rsa = children(decodeDer(octetsOf(c[2])!, 'x', ERROR_CODES.MATERIAL_INVALID));
    const modulus = integerBytes(rsa[1]);
    if (rsa.length < 9 || modulus === undefined) return 'other';
    const bits = bitLength(modulus);
    const spec = KEY_SPECS.find((s) => KEY_SPEC_INFO[s].rsaBits === bits);
    if (!spec) return 'other';
    return { format: 'pkcs8-der', kind: 'rsa', keySpec: spec, candidates: [spec], length: bytes.length, rsaBits: bits };
  } catch {
    return 'other';
  }
}

const opensslKey = der(
  execFileSync('sh', ['-c', 'openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 2>/dev/null | openssl pkcs8 -topk8 -nocrypt -outform DER']),
);
const samples = {
  RSA_2048: k.rsa2048.pkcs8,
  RSA_3072: k.rsa3072.pkcs8,
  RSA_4096: k.rsa4096.pkcs8,
  'RSA_2048 (openssl pkcs8 -topk8)': opensslKey,
};

describe('rsaPkcs8Shape: the keys OpenSSL and node:crypto write', () => {
  for (const [name, bytes] of Object.entries(samples)) {
    it(`takes ${name}, with the general path's answer`, () => {
      const fast = rsaPkcs8Shape(bytes);
      expect(fast).toBeDefined();
      expect(fast).toEqual(general(bytes));
      expect(inspectMaterial(bytes)).toEqual(fast);
    });
  }

  it('leaves everything else to the general path', () => {
    expect(rsaPkcs8Shape(k.rsa1024.pkcs8)).toBeUndefined(); // a size KMS refuses: the general path says why
    expect(rsaPkcs8Shape(k.p256.pkcs8)).toBeUndefined();
    expect(rsaPkcs8Shape(k.rsa2048.spki)).toBeUndefined();
    const pkcs1 = der(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'der' }));
    expect(rsaPkcs8Shape(pkcs1)).toBeUndefined();
    expect(rsaPkcs8Shape(new Uint8Array(0))).toBeUndefined();
    expect(rsaPkcs8Shape(Uint8Array.of(0x30, 0x80, 0x00, 0x00))).toBeUndefined(); // BER indefinite length
  });
});

describe('rsaPkcs8Shape: differential against the general path', () => {
  const base = k.rsa2048.pkcs8;
  const agrees = (bytes: Uint8Array) => {
    const fast = rsaPkcs8Shape(bytes);
    if (fast !== undefined) expect(fast).toEqual(general(bytes));
  };

  it('byte changes anywhere (fast-check)', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ at: fc.nat(base.length - 1), value: fc.nat(255) }), { minLength: 1, maxLength: 4 }), (edits) => {
        const b = base.slice();
        for (const e of edits) b[e.at] = e.value;
        agrees(b);
      }),
      { numRuns: 3000 },
    );
  });

  it('every truncation, and bytes appended', () => {
    for (let n = 0; n < base.length; n++) agrees(base.subarray(0, n));
    for (const extra of [[0], [0, 0], [0x30, 0x00]]) agrees(Uint8Array.from([...base, ...extra]));
  });

  it('each header octet (tags and lengths) at every value', () => {
    // The headers of the first values: the outer SEQUENCE, version, algorithm, OID, NULL, OCTET STRING, inner SEQUENCE, version, modulus.
    for (let at = 0; at < 40; at++) {
      for (let v = 0; v < 256; v++) {
        const b = base.slice();
        b[at] = v;
        agrees(b);
      }
    }
  });

  it('random DER-ish input (fast-check)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 64 }), (tail) => {
        agrees(Uint8Array.from([0x30, tail.length, ...tail]));
        agrees(tail);
      }),
      { numRuns: 3000 },
    );
  });
});
