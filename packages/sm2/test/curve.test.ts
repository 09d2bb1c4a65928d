/**
 * sm2p256v1 against OpenSSL (through node:crypto, which names the curve SM2): the same public
 * key for the same private scalar, and the GM/T 0003.5 parameters as OpenSSL has them.
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SM2_BYTES, SM2_PARAMETERS, sm2p256v1 } from '../src/index.js';

const hexOf = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const hex = (n: bigint): string => n.toString(16).padStart(2 * SM2_BYTES, '0');

describe('sm2p256v1 (GM/T 0003.5-2012 §5)', () => {
  it("derives OpenSSL's public key from OpenSSL's private scalar", () => {
    for (let i = 0; i < 8; i++) {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'SM2' });
      // ECPrivateKey (RFC 5915 §3): 30 77 | 02 01 01 | 04 20 d | ...; the SPKI ends with the 65-byte point.
      const sec1 = privateKey.export({ type: 'sec1', format: 'der' });
      expect([...sec1.subarray(0, 7)]).toEqual([0x30, 0x77, 0x02, 0x01, 0x01, 0x04, 0x20]);
      const d = new Uint8Array(sec1.subarray(7, 7 + SM2_BYTES));
      const spki = publicKey.export({ type: 'spki', format: 'der' });
      expect(sm2p256v1.utils.isValidSecretKey(d)).toBe(true);
      const point = sm2p256v1.getPublicKey(d, false);
      expect(hexOf(point)).toBe(hexOf(spki.subarray(spki.length - 65)));
      expect(sm2p256v1.Point.fromBytes(point).equals(sm2p256v1.Point.BASE.multiply(BigInt(`0x${hexOf(d)}`)))).toBe(true);
    }
  });

  it('has the parameters OpenSSL has for SM2', () => {
    const text = execFileSync('openssl', ['ecparam', '-name', 'SM2', '-param_enc', 'explicit', '-text', '-noout'], { encoding: 'utf8' });
    /** The hex digits of an `openssl ecparam -text` field (colon-separated octets over several lines). */
    const field = (label: string): string => {
      const m = new RegExp(`${label}:\\s*((?:\\s*[0-9a-f]{2}:?)+)`).exec(text);
      return m![1]!.replace(/[\s:]/g, '').replace(/^00(?=[0-9a-f]{64}$)/, '');
    };
    expect(field('Prime')).toBe(hex(SM2_PARAMETERS.p));
    expect(field('A')).toBe(hex(SM2_PARAMETERS.a));
    expect(field('B')).toBe(hex(SM2_PARAMETERS.b));
    expect(field('Order')).toBe(hex(SM2_PARAMETERS.n));
    expect(field('Generator \\(uncompressed\\)')).toBe(`04${hex(SM2_PARAMETERS.Gx)}${hex(SM2_PARAMETERS.Gy)}`);
    expect(SM2_PARAMETERS.h).toBe(1n);
    expect(Object.isFrozen(SM2_PARAMETERS)).toBe(true);
  });

  it('refuses a point off the curve and scalars outside 1..n-1', () => {
    const g = sm2p256v1.Point.BASE.toBytes(false);
    g[64] = g[64]! ^ 1;
    expect(() => sm2p256v1.Point.fromBytes(g)).toThrow();
    expect(sm2p256v1.utils.isValidSecretKey(new Uint8Array(SM2_BYTES))).toBe(false);
    const n = Uint8Array.from(Buffer.from(hex(SM2_PARAMETERS.n), 'hex'));
    expect(sm2p256v1.utils.isValidSecretKey(n)).toBe(false);
  });
});
