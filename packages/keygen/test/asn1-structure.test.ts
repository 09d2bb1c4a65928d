/**
 * The structure of what keygen writes, as OpenSSL's asn1parse shows it: the canonical
 * PKCS#8 forms of RFC 5208 §5 / RFC 8017 §A.1.2 / RFC 5915 §3.
 */
import { describe, expect, it } from 'vitest';
import { generateKeyMaterial } from '../src/index.js';
import { nodeTestProvider } from './helpers/node-provider.js';
import { opensslAsn1 } from './helpers/openssl.js';

const crypto = nodeTestProvider();

/** The offset of the PKCS#8 privateKey OCTET STRING, as asn1parse reports it (for -strparse). */
function privateKeyOffset(der: Uint8Array): number {
  const m = /^\s*(\d+):d=1 .* prim: OCTET STRING/m.exec(opensslAsn1(der));
  if (!m) throw new Error('no privateKey OCTET STRING');
  return Number(m[1]);
}

/** The lines of `openssl asn1parse`, without offsets and header lengths. */
function shape(text: string): string[] {
  return text
    .trim()
    .split('\n')
    .map((l) =>
      l
        .replace(/^\s*\d+:d=(\d+)\s+hl=\s*\d+\s+l=\s*\d+\s+/, '$1 ')
        .replace(/\s+/g, ' ')
        .replace(/\[HEX DUMP\]:[0-9A-F]+/, '[HEX DUMP]')
        .trim(),
    );
}

describe('PKCS#8 structure of generated keys', () => {
  it('RSA: version 0, rsaEncryption with NULL parameters, RSAPrivateKey version 0 with all CRT values', async () => {
    const der = await generateKeyMaterial('RSA_2048', { crypto });
    expect(shape(opensslAsn1(der))).toEqual([
      '0 cons: SEQUENCE',
      '1 prim: INTEGER :00',
      '1 cons: SEQUENCE',
      '2 prim: OBJECT :rsaEncryption',
      '2 prim: NULL',
      '1 prim: OCTET STRING [HEX DUMP]',
    ]);
    const inner = shape(opensslAsn1(der, privateKeyOffset(der)));
    expect(inner[0]).toBe('0 cons: SEQUENCE');
    expect(inner[1]).toBe('1 prim: INTEGER :00');
    expect(inner.slice(2)).toHaveLength(8);
    expect(inner[3]).toBe('1 prim: INTEGER :010001');
    for (const line of inner.slice(2)) expect(line).toMatch(/^1 prim: INTEGER :[0-9A-F]+$/);
  });

  it.each([
    ['ECC_NIST_P256', 'prime256v1', 32],
    ['ECC_NIST_P384', 'secp384r1', 48],
    ['ECC_NIST_P521', 'secp521r1', 66],
    ['ECC_SECG_P256K1', 'secp256k1', 32],
    ['SM2', 'sm2', 32],
  ] as const)(
    '%s: id-ecPublicKey + %s; ECPrivateKey v1 with a %i-byte scalar, [1] public key, no [0] parameters',
    async (spec, curve, size) => {
      const der = await generateKeyMaterial(spec, { crypto, region: spec === 'SM2' ? 'china' : 'standard' });
      expect(shape(opensslAsn1(der))).toEqual([
        '0 cons: SEQUENCE',
        '1 prim: INTEGER :00',
        '1 cons: SEQUENCE',
        '2 prim: OBJECT :id-ecPublicKey',
        `2 prim: OBJECT :${curve}`,
        '1 prim: OCTET STRING [HEX DUMP]',
      ]);
      const inner = opensslAsn1(der, privateKeyOffset(der));
      const lines = shape(inner);
      expect(lines).toEqual([
        '0 cons: SEQUENCE',
        '1 prim: INTEGER :01',
        '1 prim: OCTET STRING [HEX DUMP]',
        '1 cons: cont [ 1 ]',
        '2 prim: BIT STRING',
      ]);
      expect(inner).toMatch(new RegExp(`l=\\s*${size} prim: OCTET STRING`));
      expect(inner).toMatch(new RegExp(`l=\\s*${2 * size + 2} prim: BIT STRING`));
    },
  );
});
