/**
 * Reads the private scalar d_B out of an SM2 private key in PKCS#8 DER, for unwrap (the "KMS
 * side" in demos and tests). Small and strict: anything else is refused.
 *
 *   -- RFC 5208 §5, RFC 5958 §2
 *   PrivateKeyInfo ::= SEQUENCE {
 *     version                 INTEGER (0 | 1),
 *     privateKeyAlgorithm     AlgorithmIdentifier,
 *     privateKey              OCTET STRING,             -- holds an ECPrivateKey
 *     attributes          [0] IMPLICIT Attributes OPTIONAL,
 *     publicKey           [1] IMPLICIT BIT STRING OPTIONAL }
 *   AlgorithmIdentifier ::= SEQUENCE { algorithm OBJECT IDENTIFIER, parameters ANY OPTIONAL }
 *     -- id-ecPublicKey (RFC 5480 §2.1.1) with namedCurve sm2p256v1, or sm2p256v1 itself
 *
 *   -- RFC 5915 §3 (SEC1 v2 §C.4)
 *   ECPrivateKey ::= SEQUENCE {
 *     version        INTEGER { ecPrivkeyVer1(1) },
 *     privateKey     OCTET STRING,                      -- d_B, big-endian
 *     parameters [0] ECParameters OPTIONAL,              -- namedCurve sm2p256v1 if present
 *     publicKey  [1] BIT STRING OPTIONAL }               -- [d_B]G if present
 */
import { ERROR_CODES, KmsWrapError, bytesToBigInt, equalBytes } from '@kms-wrap/core';
import { SM2_BYTES, SM2_PARAMETERS, sm2p256v1 } from '@kms-wrap/sm2';
import { _DerReader, _readUnsigned, _TAG } from './der.js';

/** 1.2.840.10045.2.1 id-ecPublicKey, content octets. */
const _OID_EC_PUBLIC_KEY = /* @__PURE__ */ Uint8Array.of(0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01);
/** 1.2.156.10197.1.301 sm2p256v1 (GM/T 0006-2012), content octets. */
const _OID_SM2 = /* @__PURE__ */ Uint8Array.of(0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x82, 0x2d);

function _fail(why: string): never {
  throw new KmsWrapError(
    ERROR_CODES.VERIFY_FAILED,
    `the unwrapping private key is not an SM2 private key in PKCS#8 DER (${why}) — give the SM2 wrapping key pair's private key as unencrypted PKCS#8 DER (openssl pkcs8 -topk8 -nocrypt -outform DER)`,
  );
}

/** d_B as 32 big-endian bytes. The caller zeroes it after use. */
export function _sm2PrivateScalarFromPkcs8(der: Uint8Array): Uint8Array {
  const outer = new _DerReader(der, _fail);
  const info = outer.enter(_TAG.SEQUENCE, 'PrivateKeyInfo');
  outer.finish('PrivateKeyInfo');
  const version = _readUnsigned(info.read(_TAG.INTEGER, 'version'), 'version', _fail);
  if (version.length !== 1 || version[0]! > 1) _fail('version is not 0 or 1');

  const alg = info.enter(_TAG.SEQUENCE, 'privateKeyAlgorithm');
  const algorithm = alg.read(_TAG.OID, 'algorithm');
  if (equalBytes(algorithm, _OID_EC_PUBLIC_KEY)) {
    if (!equalBytes(alg.read(_TAG.OID, 'namedCurve'), _OID_SM2)) _fail('the curve is not sm2p256v1');
  } else if (equalBytes(algorithm, _OID_SM2)) {
    if (alg.peekTag() === _TAG.OID && !equalBytes(alg.read(_TAG.OID, 'namedCurve'), _OID_SM2)) _fail('the curve is not sm2p256v1');
    else if (alg.peekTag() === _TAG.NULL) alg.read(_TAG.NULL, 'parameters');
  } else {
    _fail('the algorithm is neither id-ecPublicKey nor sm2');
  }
  alg.finish('privateKeyAlgorithm');

  const ec = new _DerReader(info.read(_TAG.OCTET_STRING, 'privateKey'), _fail);
  if (info.peekTag() === 0xa0) info.read(0xa0, 'attributes');
  if (info.peekTag() === 0x81) info.read(0x81, 'publicKey');
  info.finish('PrivateKeyInfo');

  const key = ec.enter(_TAG.SEQUENCE, 'ECPrivateKey');
  ec.finish('ECPrivateKey');
  const ecVersion = _readUnsigned(key.read(_TAG.INTEGER, 'ECPrivateKey version'), 'ECPrivateKey version', _fail);
  if (ecVersion.length !== 1 || ecVersion[0] !== 1) _fail('the ECPrivateKey version is not 1');
  const secret = key.read(_TAG.OCTET_STRING, 'ECPrivateKey privateKey');
  const d = bytesToBigInt(secret);
  if (secret.length > SM2_BYTES || d < 1n || d >= SM2_PARAMETERS.n) _fail('the private scalar is out of range');
  if (key.peekTag() === 0xa0) {
    const params = key.enter(0xa0, 'ECPrivateKey parameters');
    if (!equalBytes(params.read(_TAG.OID, 'namedCurve'), _OID_SM2)) _fail('the ECPrivateKey curve is not sm2p256v1');
    params.finish('ECPrivateKey parameters');
  }
  if (key.peekTag() === 0xa1) {
    const pub = key.enter(0xa1, 'ECPrivateKey publicKey');
    const bits = pub.read(_TAG.BIT_STRING, 'ECPrivateKey publicKey');
    pub.finish('ECPrivateKey publicKey');
    const expected = sm2p256v1.Point.BASE.multiply(d);
    let matches = false;
    try {
      matches = bits[0] === 0 && sm2p256v1.Point.fromBytes(bits.subarray(1)).equals(expected);
    } catch {
      matches = false;
    }
    if (!matches) _fail('its public key does not match its private scalar');
  }
  key.finish('ECPrivateKey');

  const out = new Uint8Array(SM2_BYTES);
  out.set(secret, SM2_BYTES - secret.length);
  return out;
}
