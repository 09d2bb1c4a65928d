import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '@kms-wrap/core';
import { encodePkcs8, type PrivateKeyJwk } from '../src/index.js';
import { opensslEcKey, sm2JwkFromOpenssl } from './helpers/openssl-keys.js';
import { opensslCheck, opensslPkcs8FromDer } from './helpers/openssl.js';
import { expectRefusal } from './helpers/refusal.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const b64u = (b: Uint8Array | Buffer): string => Buffer.from(b).toString('base64url');
const fromB64u = (s: string): Buffer => Buffer.from(s, 'base64url');

/** A key pair from Node: its private JWK, and OpenSSL's canonical PKCS#8 of the same key. */
function nodeKey(type: 'rsa' | 'ec', option: number | string): { jwk: Record<string, string>; canonical: Uint8Array } {
  const { privateKey } =
    type === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: option as number })
      : generateKeyPairSync('ec', { namedCurve: option as string });
  const pkcs8 = new Uint8Array(privateKey.export({ type: 'pkcs8', format: 'der' }));
  return { jwk: privateKey.export({ format: 'jwk' }) as Record<string, string>, canonical: opensslPkcs8FromDer(pkcs8) };
}

describe('encodePkcs8: private JWKs to canonical PKCS#8 DER', () => {
  it('RSA 2048 with CRT members', () => {
    const { jwk, canonical } = nodeKey('rsa', 2048);
    expect(hex(encodePkcs8(jwk as unknown as PrivateKeyJwk))).toBe(hex(canonical));
  });

  it.each(['P-256', 'P-384', 'P-521', 'secp256k1'])('EC %s, with and without x/y', (crv) => {
    const { jwk, canonical } = nodeKey('ec', crv);
    expect(jwk['crv']).toBe(crv);
    expect(hex(encodePkcs8(jwk as unknown as PrivateKeyJwk))).toBe(hex(canonical));
    const { x: _x, y: _y, ...bare } = jwk;
    expect(hex(encodePkcs8(bare as unknown as PrivateKeyJwk))).toBe(hex(canonical));
  });

  it("SM2 under the crv 'SM2' marker, from the numbers OpenSSL prints for its own key", () => {
    const key = opensslEcKey('SM2');
    const jwk = JSON.parse(sm2JwkFromOpenssl(key.path)) as PrivateKeyJwk;
    const der = encodePkcs8(jwk);
    expect(hex(der)).toBe(hex(key.canonical));
    expect(opensslCheck(der)).toBe(true);
  });

  it('pads a d that lost its leading zero bytes (RFC 7518 §6.2.2.1 asks for the full length)', () => {
    // Find a P-256 key whose d starts with a zero byte (1 in 256), then strip it.
    for (let i = 0; i < 20000; i++) {
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const jwk = privateKey.export({ format: 'jwk' }) as Record<string, string>;
      const d = fromB64u(jwk['d']!);
      if (d[0] !== 0) continue;
      const canonical = opensslPkcs8FromDer(new Uint8Array(privateKey.export({ type: 'pkcs8', format: 'der' })));
      const short = { ...jwk, d: b64u(d.subarray(1)) };
      expect(hex(encodePkcs8(short as unknown as PrivateKeyJwk))).toBe(hex(canonical));
      return;
    }
    throw new Error('no key with a leading zero byte found');
  });
});

describe('encodePkcs8: refusals', () => {
  const rsa = nodeKey('rsa', 2048).jwk;
  const ec = nodeKey('ec', 'P-256').jwk;
  const secrets = [fromB64u(rsa['d']!), fromB64u(rsa['p']!), fromB64u(ec['d']!)];

  it('an RSA JWK without CRT members', () => {
    const { p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...noCrt } = rsa;
    const e = expectRefusal(() => encodePkcs8(noCrt as unknown as PrivateKeyJwk), ERROR_CODES.MATERIAL_INVALID, secrets);
    expect(e.message).toMatch(/^JWK lacks CRT parameters — export it with them/);
  });

  it('an RSA JWK whose CRT values do not match d', () => {
    const dp = fromB64u(rsa['dp']!);
    dp[dp.length - 1]! ^= 1;
    const e = expectRefusal(() => encodePkcs8({ ...rsa, dp: b64u(dp) } as unknown as PrivateKeyJwk), ERROR_CODES.MATERIAL_INVALID, secrets);
    expect(e.message).toMatch(/not a consistent RSA key \(dp or dq does not match d\)/);
  });

  it('an RSA JWK whose n is not p·q', () => {
    const other = nodeKey('rsa', 2048).jwk;
    const e = expectRefusal(
      () => encodePkcs8({ ...rsa, n: other['n']! } as unknown as PrivateKeyJwk),
      ERROR_CODES.MATERIAL_INVALID,
      secrets,
    );
    expect(e.message).toMatch(/n is not p·q/);
  });

  it('a multi-prime RSA JWK', () => {
    expectRefusal(() => encodePkcs8({ ...rsa, oth: [] } as unknown as PrivateKeyJwk), ERROR_CODES.MATERIAL_INVALID, secrets);
  });

  it('an EC JWK whose x, y do not belong to d', () => {
    const other = nodeKey('ec', 'P-256').jwk;
    const e = expectRefusal(
      () => encodePkcs8({ ...ec, x: other['x']!, y: other['y']! } as unknown as PrivateKeyJwk),
      ERROR_CODES.MATERIAL_INVALID,
      secrets,
    );
    expect(e.message).toMatch(/does not belong to its private key/);
  });

  it('an EC JWK whose point is not on the curve', () => {
    const y = fromB64u(ec['y']!);
    y[5]! ^= 0x40;
    const e = expectRefusal(() => encodePkcs8({ ...ec, y: b64u(y) } as unknown as PrivateKeyJwk), ERROR_CODES.MATERIAL_INVALID, secrets);
    expect(e.message).toMatch(/not a point on P-256/);
  });

  it('an EC JWK with d = 0 or d ≥ n', () => {
    expectRefusal(() => encodePkcs8({ kty: 'EC', crv: 'P-256', d: b64u(new Uint8Array(32)) }), ERROR_CODES.MATERIAL_INVALID);
    expectRefusal(() => encodePkcs8({ kty: 'EC', crv: 'P-256', d: b64u(new Uint8Array(32).fill(0xff)) }), ERROR_CODES.MATERIAL_INVALID);
    expectRefusal(() => encodePkcs8({ kty: 'EC', crv: 'P-256', d: b64u(new Uint8Array(33).fill(1)) }), ERROR_CODES.MATERIAL_INVALID);
  });

  it.each([
    ['a public JWK', { kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA' }, ERROR_CODES.MATERIAL_INVALID, /public key/],
    ['a symmetric JWK', { kty: 'oct', k: 'AAAA' }, ERROR_CODES.MATERIAL_FORMAT, /raw bytes/],
    ['an Ed25519 JWK', { kty: 'OKP', crv: 'Ed25519', d: 'AAAA', x: 'AAAA' }, ERROR_CODES.MATERIAL_INVALID, /OKP/],
    ['an unknown curve', { kty: 'EC', crv: 'P-192', d: 'AAAA' }, ERROR_CODES.MATERIAL_INVALID, /curve 'P-192'/],
    [
      'a curve name that is not a name',
      { kty: 'EC', crv: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', d: 'AAAA' },
      ERROR_CODES.MATERIAL_INVALID,
      /\(unrecognised\)/,
    ],
    ['d that is not base64url', { kty: 'EC', crv: 'P-256', d: 'not base64!' }, ERROR_CODES.MATERIAL_INVALID, /'d' is not base64url/],
    ['no kty', { d: 'AAAA' }, ERROR_CODES.MATERIAL_INVALID, /kty/],
    ['null', null, ERROR_CODES.MATERIAL_INVALID, /not a JWK object/],
  ] as const)('%s', (_name, jwk, code, why) => {
    const e = expectRefusal(() => encodePkcs8(jwk as unknown as PrivateKeyJwk), code);
    expect(e.message).toMatch(why);
  });
});
