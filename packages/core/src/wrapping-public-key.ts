/**
 * Parsing the wrapping public key that GetParametersForImport returns: DER
 * SubjectPublicKeyInfo (WrappingPublicKey.bin), or its base64 (the JSON's PublicKey) or PEM.
 * Refuses private keys, certificates, weak RSA keys and key types KMS never issues.
 */
import {
  OID,
  bitLength,
  bitStringBytes,
  children,
  decodeDer,
  integerBytes,
  isDerUnsigned,
  isSequence,
  oidOf,
  rsaParametersProblem,
  type Asn1,
} from './der.js';
import { bytesToText, equalBytes, fromBase64, looksLikeText, parsePem } from './encoding.js';
import { ERROR_CODES, KmsWrapError } from './errors.js';
import { CURVE_BY_OID, DER_KIND_NAMES, FOREIGN_KEY_TYPES, identifyDer } from './identify-der.js';
import type { WrappingPublicKey } from './keys.js';
import { WRAPPING_KEY_SPECS, WRAPPING_KEY_SPEC_INFO } from './specs.js';

const INVALID = ERROR_CODES.PUBLIC_KEY_INVALID;
const FETCH_HINT = 'use the PublicKey from GetParametersForImport (WrappingPublicKey.bin, or its base64 or PEM)';

/**
 * Every key this module parsed and checked. A WrappingPublicKey object is trusted only if it is
 * in here: any other object with `spki` and `spec` (a forged or hand-made one, or one that crossed
 * a thread and lost its identity) is parsed again from its spki bytes.
 */
const PARSED = new WeakSet<WrappingPublicKey>();

/** True if `value` is a key parseWrappingPublicKey made (not a look-alike object). */
export function isParsedWrappingPublicKey(value: unknown): value is WrappingPublicKey {
  return typeof value === 'object' && value !== null && PARSED.has(value as WrappingPublicKey);
}

/**
 * A checked wrapping public key from bytes, text, or an object that claims to be a parsed key:
 * a key this module parsed is returned as is; any other object is parsed again from its `spki`
 * bytes (its `spec`, `type` and `rsa` fields are never believed), or refused if it has none.
 */
export function toWrappingPublicKey(input: Uint8Array | string | WrappingPublicKey): WrappingPublicKey {
  if (typeof input === 'string' || input instanceof Uint8Array) return parseWrappingPublicKey(input);
  if (PARSED.has(input)) return input;
  const spki = typeof input === 'object' && input !== null ? (input as { spki?: unknown }).spki : undefined;
  if (!(spki instanceof Uint8Array)) {
    throw new KmsWrapError(
      INVALID,
      `the wrapping public key is an object without spki bytes — give its DER bytes, base64 or PEM, or a key from parseWrappingPublicKey`,
    );
  }
  return parseWrappingPublicKey(spki);
}

/** The one public exponent the wrapping keys of every target use (AWS KMS, Cloud KMS, Azure Key Vault, Vault). */
const E_65537 = Uint8Array.of(1, 0, 1);

/**
 * Refuses an RSA wrapping key's public exponent (big-endian bytes) other than 65537 with
 * ERR_PUBLIC_KEY_WEAK: valid RSA, but no KMS issues such a key. The parser's rule, and the
 * crypto providers' backstop (they read the exponent off the key they imported).
 */
export function checkWrappingKeyExponent(publicExponent: Uint8Array): void {
  let start = 0;
  while (start < publicExponent.length - 1 && publicExponent[start] === 0) start++;
  const e = publicExponent.subarray(start);
  if (equalBytes(e, E_65537)) return;
  throw new KmsWrapError(
    ERROR_CODES.PUBLIC_KEY_WEAK,
    `the wrapping key's public exponent is ${describeExponent(e, bitLength(e))}; AWS KMS wrapping keys use 65537 (as do Google Cloud KMS, Azure Key Vault and Vault) — this key was not issued by KMS: ${FETCH_HINT}`,
  );
}

/** Parses a wrapping public key given as DER bytes, base64 text or PEM text. */
export function parseWrappingPublicKey(input: Uint8Array | string): WrappingPublicKey {
  // Our own copy: a trusted key's bytes must not change after they were checked.
  const der = input instanceof Uint8Array ? toDer(input).slice() : toDer(input);
  const node = decodeDer(der, 'the wrapping public key', INVALID);
  const kind = identifyDer(node);
  if (kind === 'pkcs8' || kind === 'pkcs1-private' || kind === 'sec1-private' || kind === 'encrypted-pkcs8') {
    throw new KmsWrapError(
      ERROR_CODES.PUBLIC_KEY_IS_PRIVATE,
      `the wrapping public key file holds ${DER_KIND_NAMES[kind]} — give the public key (WrappingPublicKey.bin); never hand a private key to the wrapping step`,
    );
  }
  if (kind === 'certificate') {
    throw new KmsWrapError(
      INVALID,
      `the wrapping public key file holds an X.509 certificate, and KMS gives a bare public key — ${FETCH_HINT}`,
    );
  }
  if (kind === 'pkcs1-public') {
    throw new KmsWrapError(
      INVALID,
      'the wrapping public key is a PKCS#1 RSAPublicKey, and KMS gives a SubjectPublicKeyInfo — convert it with openssl rsa -RSAPublicKey_in -pubout -outform DER, or use the file KMS gave',
    );
  }
  if (kind !== 'spki')
    throw new KmsWrapError(INVALID, `the wrapping public key is not a public key (${DER_KIND_NAMES[kind]}) — ${FETCH_HINT}`);
  const key = fromSpki(der, children(node));
  if (key.rsa) Object.freeze(key.rsa);
  if (key.ec) Object.freeze(key.ec);
  Object.freeze(key);
  PARSED.add(key);
  return key;
}

function toDer(input: Uint8Array | string): Uint8Array {
  let text: string | undefined;
  if (typeof input === 'string') text = input;
  else if (input.length > 0 && input[0] !== 0x30 && looksLikeText(input)) text = bytesToText(input);
  if (text === undefined) {
    if ((input as Uint8Array).length === 0) throw new KmsWrapError(INVALID, `the wrapping public key is empty — ${FETCH_HINT}`);
    return input as Uint8Array;
  }
  if (text.trim().length === 0) throw new KmsWrapError(INVALID, `the wrapping public key is empty — ${FETCH_HINT}`);
  if (text.includes('-----BEGIN')) {
    const blocks = parsePem(text, INVALID);
    const block = blocks[0]!;
    if (/PRIVATE KEY/.test(block.label)) {
      throw new KmsWrapError(
        ERROR_CODES.PUBLIC_KEY_IS_PRIVATE,
        `the wrapping public key file holds a PEM ${block.label} — give the public key (WrappingPublicKey.bin); never hand a private key to the wrapping step`,
      );
    }
    return block.der;
  }
  const der = fromBase64(text);
  if (der === undefined || der.length === 0) {
    throw new KmsWrapError(INVALID, `the wrapping public key is text but neither PEM nor base64 — ${FETCH_HINT}`);
  }
  return der;
}

/**
 * SubjectPublicKeyInfo ::= SEQUENCE {
 *   algorithm         AlgorithmIdentifier,
 *   subjectPublicKey  BIT STRING }                                    -- RFC 5280 §4.1.2.7
 */
function fromSpki(spki: Uint8Array, c: Asn1[]): WrappingPublicKey {
  const alg = children(c[0]);
  const algOid = oidOf(alg[0]);
  const key = bitStringBytes(c[1]);
  if (key === undefined) throw new KmsWrapError(INVALID, `the wrapping public key's key bits are malformed — ${FETCH_HINT}`);
  if (algOid === OID.rsaEncryption) {
    const problem = rsaParametersProblem(alg);
    if (problem !== undefined)
      throw new KmsWrapError(INVALID, `the wrapping public key's algorithm has ${problem} (RFC 8017 §A.1) — ${FETCH_HINT}`);
    return rsaKey(spki, key);
  }
  if (algOid === OID.ecPublicKey || algOid === OID.sm2) {
    const curveOid = algOid === OID.sm2 ? OID.sm2 : oidOf(alg[1]);
    const curve = curveOid === undefined ? undefined : CURVE_BY_OID[curveOid];
    if (curve !== 'sm2p256v1') {
      throw new KmsWrapError(
        ERROR_CODES.PUBLIC_KEY_TYPE,
        `the wrapping public key is an EC ${curve ?? 'unknown-curve'} key, and KMS wrapping keys are RSA (RSA_2048, RSA_3072, RSA_4096) or SM2 — ${FETCH_HINT}`,
      );
    }
    if (key.length !== 65 && key.length !== 33) {
      throw new KmsWrapError(
        INVALID,
        `the SM2 wrapping public key's point is ${key.length} bytes (expected 65 uncompressed or 33 compressed) — ${FETCH_HINT}`,
      );
    }
    return { spec: 'SM2', type: 'sm2', spki, ec: { curve, point: key } };
  }
  const foreign = algOid === undefined ? undefined : FOREIGN_KEY_TYPES[algOid];
  throw new KmsWrapError(
    ERROR_CODES.PUBLIC_KEY_TYPE,
    `the wrapping public key is ${foreign ?? `an ${algOid ?? 'unknown'}`} key, and KMS wrapping keys are RSA or SM2 — ${FETCH_HINT}`,
  );
}

/** RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }  -- RFC 8017 §A.1.1 */
function rsaKey(spki: Uint8Array, key: Uint8Array): WrappingPublicKey {
  const node = decodeDer(key, 'the RSA wrapping public key', INVALID);
  const c = children(node);
  const modulus = integerBytes(c[0]);
  const publicExponent = integerBytes(c[1]);
  if (!isSequence(node) || c.length !== 2 || modulus === undefined || publicExponent === undefined) {
    throw new KmsWrapError(INVALID, `the RSA wrapping public key is malformed — ${FETCH_HINT}`);
  }
  // A negative modulus or exponent (sign bit set) is no RSA key, though OpenSSL would still encrypt under it.
  if (!isDerUnsigned(c[0]) || !isDerUnsigned(c[1])) {
    throw new KmsWrapError(INVALID, `the RSA wrapping public key's modulus or exponent is negative or not in DER form — ${FETCH_HINT}`);
  }
  const bits = bitLength(modulus);
  // RFC 8017 §3.1: e is an odd integer, 3 <= e <= n - 1. KMS uses 65537.
  const eBits = bitLength(publicExponent);
  if (eBits < 2 || (publicExponent[publicExponent.length - 1]! & 1) === 0 || eBits >= bits) {
    throw new KmsWrapError(
      ERROR_CODES.PUBLIC_KEY_WEAK,
      `the RSA wrapping public key has an invalid public exponent (must be odd and at least 3) — ${FETCH_HINT}`,
    );
  }
  checkWrappingKeyExponent(publicExponent);
  if ((modulus[modulus.length - 1]! & 1) === 0) {
    throw new KmsWrapError(
      ERROR_CODES.PUBLIC_KEY_WEAK,
      `the RSA wrapping public key's modulus is even, so it is not an RSA key — ${FETCH_HINT}`,
    );
  }
  if (bits < 2048) {
    throw new KmsWrapError(
      ERROR_CODES.PUBLIC_KEY_WEAK,
      `the RSA wrapping public key is ${bits} bits, under the 2048 bits KMS uses — ${FETCH_HINT}, with wrapping key spec RSA_4096 (preferred), RSA_3072 or RSA_2048`,
    );
  }
  const spec = WRAPPING_KEY_SPECS.find((s) => WRAPPING_KEY_SPEC_INFO[s].type === 'rsa' && WRAPPING_KEY_SPEC_INFO[s].bits === bits);
  if (!spec) {
    throw new KmsWrapError(
      ERROR_CODES.PUBLIC_KEY_WEAK,
      `the RSA wrapping public key is ${bits} bits, which is not a wrapping key spec KMS issues (2048, 3072, 4096) — ${FETCH_HINT}`,
    );
  }
  return { spec, type: 'rsa', spki, rsa: { modulus, publicExponent, bits } };
}

/** The exponent in decimal when it is short, else its size (a public value, but no need to print 2047 bits of it). */
function describeExponent(e: Uint8Array, eBits: number): string {
  if (eBits > 48) return `a ${eBits}-bit number`;
  let v = 0;
  for (const b of e) v = v * 256 + b;
  return String(v);
}
