/**
 * Private keys as JWK (RFC 7517 §4, RFC 7518 §6): RSA with its CRT members, EC on P-256,
 * P-384, P-521, secp256k1 (crv name from RFC 8812 §3.1), and SM2 under kms-wrap's marker
 * `crv: "SM2"` (no registered JOSE name exists for sm2p256v1).
 */
import type { CurveName, RsaPrivateJwk } from '@kms-wrap/core';
import { ERROR_CODES, KmsWrapError } from '@kms-wrap/core';
import { fromBase64, zeroize } from '@kms-wrap/core/encoding';
import { padStart } from './bytes.js';
import { checkRsaKey } from './check-rsa-key.js';
import { curveOf } from './curves.js';
import { completeEcKey } from './ec-key.js';
import type { PrivateKey } from './private-key.js';
import { RSA_FIELDS, type RsaKeyParts } from './rsa-private-key.js';

/** JWK `crv` values keygen reads and writes. `SM2` is kms-wrap's marker for sm2p256v1. */
export type JwkCurve = 'P-256' | 'P-384' | 'P-521' | 'secp256k1' | 'SM2';

/**
 * An EC private key as a JWK (RFC 7518 §6.2.2). `x` and `y` may be left out: they are derived
 * from `d`; given, they must match it. Core's EcPrivateJwk is one of these.
 */
export interface EcPrivateKeyJwk {
  readonly kty: 'EC';
  readonly crv: JwkCurve;
  readonly d: string;
  readonly x?: string;
  readonly y?: string;
}

/** What `encodePkcs8` takes: an RSA private JWK with CRT members, or an EC one. */
export type PrivateKeyJwk = RsaPrivateJwk | EcPrivateKeyJwk;

export const JWK_CURVES: Readonly<Record<JwkCurve, CurveName>> = {
  'P-256': 'P-256',
  'P-384': 'P-384',
  'P-521': 'P-521',
  secp256k1: 'secp256k1',
  SM2: 'sm2p256v1',
};

function invalid(message: string): KmsWrapError {
  return new KmsWrapError(ERROR_CODES.MATERIAL_INVALID, message);
}

/** A name from the input, safe to repeat in a message (it is never key material, but it is untrusted). */
function shown(value: unknown): string {
  return typeof value === 'string' && /^[A-Za-z0-9_.-]{1,24}$/.test(value) ? `'${value}'` : '(unrecognised)';
}

/** base64url without padding (RFC 7515 §2): white space is refused, a trailing '=' or '==' is tolerated. */
function base64Url(text: string): Uint8Array | undefined {
  const body = text.replace(/={1,2}$/, '');
  return /[\s=]/.test(body) ? undefined : fromBase64(body, 'base64url');
}

function member(jwk: Record<string, unknown>, name: string, owned: Uint8Array[]): Uint8Array {
  const value = jwk[name];
  const bytes = typeof value === 'string' ? base64Url(value) : undefined;
  if (bytes === undefined) throw invalid(`the JWK member '${name}' is not base64url — export the key again`);
  owned.push(bytes);
  return bytes;
}

/** Reads a private JWK into key numbers the caller owns (and must wipe). */
export function readJwk(value: unknown): PrivateKey {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid('the JSON is not a JWK object — give one private key as a JWK');
  }
  const jwk = value as Record<string, unknown>;
  if (Array.isArray(jwk['keys'])) throw invalid('the JSON is a JWK Set — give one private key as a JWK, not a set');
  const kty = jwk['kty'];
  if (kty === 'oct') {
    throw new KmsWrapError(
      ERROR_CODES.MATERIAL_FORMAT,
      "the JWK is a symmetric key (kty 'oct') and KMS takes its raw bytes — decode member k from base64url into a binary file",
    );
  }
  if (kty === 'OKP') throw invalid(`the JWK is an OKP key (crv ${shown(jwk['crv'])}), which KMS cannot import — use an RSA, EC or SM2 key`);
  if (kty !== 'RSA' && kty !== 'EC') throw invalid(`the JWK has kty ${shown(kty)} — KMS imports RSA and EC private keys`);
  if (jwk['d'] === undefined) throw invalid('the JWK is a public key (no d) — KMS imports the private key; export the private JWK');
  const owned: Uint8Array[] = [];
  try {
    return kty === 'RSA' ? readRsaJwk(jwk, owned) : readEcJwk(jwk, owned);
  } catch (error) {
    zeroize(...owned);
    throw error;
  }
}

function readRsaJwk(jwk: Record<string, unknown>, owned: Uint8Array[]): PrivateKey {
  if (jwk['oth'] !== undefined) throw invalid('the JWK is a multi-prime RSA key (oth), which KMS cannot import — use a two-prime RSA key');
  // RFC 7518 §6.3.2: p, q, dp, dq and qi are OPTIONAL, but all or none; keygen keeps them as given.
  if (['p', 'q', 'dp', 'dq', 'qi'].some((m) => jwk[m] === undefined)) {
    throw invalid('JWK lacks CRT parameters — export it with them (p, q, dp, dq, qi)');
  }
  const parts: Partial<Record<(typeof RSA_FIELDS)[number], Uint8Array>> = {};
  for (const f of RSA_FIELDS) parts[f] = member(jwk, f, owned);
  const key = parts as RsaKeyParts;
  checkRsaKey(key, 'the JWK');
  return { type: 'rsa', rsa: key };
}

function readEcJwk(jwk: Record<string, unknown>, owned: Uint8Array[]): PrivateKey {
  const crv = jwk['crv'];
  const curveName = typeof crv === 'string' && Object.hasOwn(JWK_CURVES, crv) ? JWK_CURVES[crv as JwkCurve] : undefined;
  if (curveName === undefined) {
    throw invalid(`the JWK curve ${shown(crv)} is not one KMS imports — use P-256, P-384, P-521, secp256k1 or SM2`);
  }
  const d = member(jwk, 'd', owned);
  let point: Uint8Array | undefined;
  if (jwk['x'] !== undefined || jwk['y'] !== undefined) {
    const size = curveOf(curveName).size;
    // RFC 7518 §6.2.1.2-3: x and y are the full-length coordinates.
    const x = padStart(member(jwk, 'x', owned), size);
    const y = padStart(member(jwk, 'y', owned), size);
    if (x === undefined || y === undefined) throw invalid(`the JWK coordinates are longer than ${curveName} allows — export the key again`);
    point = new Uint8Array(1 + 2 * size);
    point[0] = 0x04;
    point.set(x, 1);
    point.set(y, 1 + size);
  }
  const ec = completeEcKey(curveName, d, point, 'the JWK');
  zeroize(...owned);
  return { type: 'ec', ec };
}
