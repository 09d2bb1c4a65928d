/**
 * Reads the private scalar d_B out of an SM2 private key in PKCS#8 DER, for unwrap (the "KMS
 * side" in demos and tests), with core's strict DER reader. Anything else is refused.
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
import { ERROR_CODES, KmsWrapError } from '@kms-wrap/core';
import {
  OID,
  bitStringBytes,
  bytesToBigInt,
  children,
  explicitValue,
  isContextTag,
  isNull,
  isSequence,
  octetsOf,
  oidOf,
  readDer,
  smallInteger,
  type Asn1,
} from '@kms-wrap/core/encoding';
import { SM2_BYTES, SM2_PARAMETERS, sm2p256v1 } from '@kms-wrap/sm2';

function _fail(why: string): never {
  throw new KmsWrapError(
    ERROR_CODES.VERIFY_FAILED,
    `the unwrapping private key is not an SM2 private key in PKCS#8 DER (${why}) — give the SM2 wrapping key pair's private key as unencrypted PKCS#8 DER (openssl pkcs8 -topk8 -nocrypt -outform DER)`,
  );
}

/** The fields of a SEQUENCE read strictly from `der` (core's DER reader), or a refusal naming `what`. */
function _sequence(der: Uint8Array, what: string): Asn1[] {
  const read = readDer(der, 64);
  if (read.problem !== undefined) _fail(`${what} ${read.problem}`);
  if (!isSequence(read.node)) _fail(`${what} is not a SEQUENCE`);
  return children(read.node);
}

/** d_B as 32 big-endian bytes. The caller zeroes it after use. */
export function _sm2PrivateScalarFromPkcs8(der: Uint8Array): Uint8Array {
  const [version, algorithmIdentifier, privateKey, ...rest] = _sequence(der, 'PrivateKeyInfo');
  const v = smallInteger(version);
  if (v !== 0 && v !== 1) _fail('version is not 0 or 1');

  if (!isSequence(algorithmIdentifier)) _fail('privateKeyAlgorithm is not a SEQUENCE');
  const [algorithm, parameters, ...more] = children(algorithmIdentifier);
  if (more.length > 0) _fail('unexpected data after privateKeyAlgorithm');
  if (oidOf(algorithm) === OID.ecPublicKey) {
    if (oidOf(parameters) !== OID.sm2) _fail('the curve is not sm2p256v1');
  } else if (oidOf(algorithm) === OID.sm2) {
    if (parameters !== undefined && !isNull(parameters) && oidOf(parameters) !== OID.sm2) _fail('the curve is not sm2p256v1');
  } else {
    _fail('the algorithm is neither id-ecPublicKey nor sm2');
  }

  const inner = octetsOf(privateKey);
  if (inner === undefined) _fail('privateKey is not an OCTET STRING');
  // [0] attributes, then [1] publicKey, both optional; nothing else.
  let at = 0;
  if (isContextTag(rest[at], 0)) at++;
  if (isContextTag(rest[at], 1)) at++;
  if (at !== rest.length) _fail('unexpected data after PrivateKeyInfo');

  const [ecVersion, secretNode, ...options] = _sequence(inner, 'ECPrivateKey');
  if (smallInteger(ecVersion) !== 1) _fail('the ECPrivateKey version is not 1');
  const secret = octetsOf(secretNode);
  if (secret === undefined) _fail('ECPrivateKey privateKey is not an OCTET STRING');
  const d = bytesToBigInt(secret);
  if (secret.length > SM2_BYTES || d < 1n || d >= SM2_PARAMETERS.n) _fail('the private scalar is out of range');
  let o = 0;
  if (isContextTag(options[o], 0)) {
    if (oidOf(explicitValue(options[o++], 0)) !== OID.sm2) _fail('the ECPrivateKey curve is not sm2p256v1');
  }
  if (isContextTag(options[o], 1)) {
    const bits = bitStringBytes(explicitValue(options[o++], 1));
    const expected = sm2p256v1.Point.BASE.multiply(d);
    let matches = false;
    try {
      matches = bits !== undefined && sm2p256v1.Point.fromBytes(bits).equals(expected);
    } catch {
      matches = false;
    }
    if (!matches) _fail('its public key does not match its private scalar');
  }
  if (o !== options.length) _fail('unexpected data after ECPrivateKey');

  const out = new Uint8Array(SM2_BYTES);
  out.set(secret, SM2_BYTES - secret.length);
  return out;
}
