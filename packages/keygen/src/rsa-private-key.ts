/**
 * RSAPrivateKey (PKCS#1, RFC 8017 §A.1.2): the privateKey of an rsaEncryption PKCS#8 key, and
 * the body of a "RSA PRIVATE KEY" PEM. Written with pkijs, read from core's DER nodes:
 *
 *   RSAPrivateKey ::= SEQUENCE {
 *     version           Version,
 *     modulus           INTEGER,  -- n
 *     publicExponent    INTEGER,  -- e
 *     privateExponent   INTEGER,  -- d
 *     prime1            INTEGER,  -- p
 *     prime2            INTEGER,  -- q
 *     exponent1         INTEGER,  -- d mod (p-1)
 *     exponent2         INTEGER,  -- d mod (q-1)
 *     coefficient       INTEGER,  -- (inverse of q) mod p
 *     otherPrimeInfos   OtherPrimeInfos OPTIONAL }
 *   Version ::= INTEGER { two-prime(0), multi(1) }
 *     (CONSTRAINED BY {-- version must be multi if otherPrimeInfos present --})
 */
import * as asn1js from 'asn1js';
import { RSAPrivateKey } from 'pkijs';
import { ERROR_CODES, KmsWrapError } from '@kms-wrap/core';
import { children, isInteger, isSequence, smallInteger, unsignedInteger, zeroize, type Asn1 } from '@kms-wrap/core/encoding';
import { optionalFields } from './optional-fields.js';
import { asn1UnsignedInteger, toDer } from './pkijs-der.js';

/** An RSA private key as unsigned big-endian integers (JWK member names, RFC 7518 §6.3). */
export interface RsaKeyParts {
  readonly n: Uint8Array;
  readonly e: Uint8Array;
  readonly d: Uint8Array;
  readonly p: Uint8Array;
  readonly q: Uint8Array;
  readonly dp: Uint8Array;
  readonly dq: Uint8Array;
  readonly qi: Uint8Array;
}

export const RSA_FIELDS = ['n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qi'] as const;

export function wipeRsaKey(key: RsaKeyParts): void {
  for (const f of RSA_FIELDS) zeroize(key[f]);
}

/** Encodes a two-prime RSAPrivateKey, version 0, every INTEGER in minimal DER form. */
export function encodeRsaPrivateKey(key: RsaKeyParts): Uint8Array {
  const [n, e, d, p, q, dp, dq, qi] = RSA_FIELDS.map((f) => asn1UnsignedInteger(key[f])) as [asn1js.Integer, ...asn1js.Integer[]];
  const value = new RSAPrivateKey({
    version: 0,
    modulus: n,
    publicExponent: e!,
    privateExponent: d!,
    prime1: p!,
    prime2: q!,
    exponent1: dp!,
    exponent2: dq!,
    coefficient: qi!,
  });
  const schema = value.toSchema();
  const der = toDer(schema);
  // The INTEGER blocks hold copies of the secrets: clear them before they are dropped.
  for (const block of [n, d, p, q, dp, dq, qi, ...schema.valueBlock.value]) {
    if (block instanceof asn1js.Integer) block.valueBlock.valueHexView.fill(0);
  }
  return der;
}

/**
 * The values of an RSAPrivateKey by field name, or undefined if `node` does not have its shape:
 * nine INTEGERs, then optionally otherPrimeInfos (a SEQUENCE); values after it are not read.
 */
function rsaPrivateKeyFields(
  node: Asn1,
): Record<'version' | 'otherPrimeInfos' | (typeof RSA_FIELDS)[number], Asn1 | undefined> | undefined {
  if (!isSequence(node)) return undefined;
  const c = children(node);
  if (c.length < 9 || !c.slice(0, 9).every(isInteger)) return undefined;
  const tail = optionalFields(c.slice(9), [isSequence]);
  if (tail === undefined) return undefined;
  const [version, n, e, d, p, q, dp, dq, qi] = c;
  return { version, n, e, d, p, q, dp, dq, qi, otherPrimeInfos: tail[0] };
}

/** True if `node` has the shape of an RSAPrivateKey (used to tell PKCS#1 DER from others). */
export function isRsaPrivateKey(node: Asn1): boolean {
  return rsaPrivateKeyFields(node) !== undefined;
}

/** Reads a two-prime RSAPrivateKey; the integers are fresh copies the caller must wipe. */
export function readRsaPrivateKey(node: Asn1, what: string): RsaKeyParts {
  const r = rsaPrivateKeyFields(node);
  if (r === undefined) {
    throw new KmsWrapError(
      ERROR_CODES.MATERIAL_INVALID,
      `${what} is not a PKCS#1 RSAPrivateKey — check that the file is an RSA private key`,
    );
  }
  const version = smallInteger(r['version']);
  if (version === 1 || r['otherPrimeInfos'] !== undefined) {
    throw new KmsWrapError(
      ERROR_CODES.MATERIAL_INVALID,
      `${what} is a multi-prime RSA key, which KMS cannot import — use a two-prime RSA key`,
    );
  }
  if (version !== 0) {
    throw new KmsWrapError(ERROR_CODES.MATERIAL_INVALID, `${what} has an unknown RSAPrivateKey version — re-export it as PKCS#8`);
  }
  const out: Partial<Record<(typeof RSA_FIELDS)[number], Uint8Array>> = {};
  for (const f of RSA_FIELDS) {
    const v = unsignedInteger(r[f])?.slice();
    if (v === undefined) {
      for (const g of RSA_FIELDS) zeroize(out[g]);
      throw new KmsWrapError(
        ERROR_CODES.MATERIAL_INVALID,
        `${what} has a negative or empty RSA integer — the key is corrupt; export it again`,
      );
    }
    out[f] = v;
  }
  return out as RsaKeyParts;
}
