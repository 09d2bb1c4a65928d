/**
 * The common case of material inspection without the general DER parser: an RSA private key
 * in PKCS#8 exactly as OpenSSL, node:crypto and keygen write it. Recognising it this way costs
 * a third of a microsecond and no allocation per field, where the general path (read, identify,
 * DER check, read the RSAPrivateKey inside) costs about one (and cost tens when core read DER with
 * asn1js); batch wrapping inspects every material twice.
 *
 * Only strict DER of this one shape is taken (definite minimal lengths and minimal INTEGERs, as
 * der.ts's derProblem requires, read by the same header reader), and the answer is the one the
 * general path gives for it (test/rsa-pkcs8-shape.test.ts checks both ways on mutated input).
 * Anything else (BER lengths, attributes, multi-prime keys, other algorithms, a size
 * KMS does not import) returns undefined and goes to the general path, which also words every
 * refusal. Bounds: fixed depth, every length checked against its enclosing value.
 */
import { bitLength, derHeader, isMinimalInteger, type DerHeader } from './der.js';
import type { MaterialInfo } from './keys.js';
import { KEY_SPECS, KEY_SPEC_INFO } from './specs.js';

/** One DER value at `at`, within `end`, read by der.ts's header reader (the DER walker's); undefined if none. */
function tlv(b: Uint8Array, at: number, end: number): DerHeader | undefined {
  if (at >= end) return undefined;
  const h = derHeader(b, at, end);
  return typeof h === 'string' ? undefined : h;
}

const SEQUENCE = 0x30;
const INTEGER = 0x02;
const OCTET_STRING = 0x04;
const NULL = 0x05;
const OBJECT_IDENTIFIER = 0x06;
/** rsaEncryption, 1.2.840.113549.1.1.1 (RFC 8017 §A.1), as DER content octets. */
const RSA_ENCRYPTION = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];

/**
 * PrivateKeyInfo ::= SEQUENCE {                                    -- RFC 5208 §5
 *   version              INTEGER (0),
 *   privateKeyAlgorithm  SEQUENCE { rsaEncryption, NULL },         -- RFC 8017 §A.1
 *   privateKey           OCTET STRING (RSAPrivateKey) }
 * RSAPrivateKey ::= SEQUENCE {                                     -- RFC 8017 §A.1.2
 *   version INTEGER (0), modulus, publicExponent, privateExponent,
 *   prime1, prime2, exponent1, exponent2, coefficient INTEGER }
 */
export function rsaPkcs8Shape(b: Uint8Array): MaterialInfo | undefined {
  const top = tlv(b, 0, b.length);
  if (!top || top.tag !== SEQUENCE || top.end !== b.length) return undefined;
  const version = tlv(b, top.start, top.end);
  if (!version || version.tag !== INTEGER || version.end - version.start !== 1 || b[version.start]! > 1) return undefined;
  const algorithm = tlv(b, version.end, top.end);
  if (!algorithm || algorithm.tag !== SEQUENCE) return undefined;
  const oid = tlv(b, algorithm.start, algorithm.end);
  if (!oid || oid.tag !== OBJECT_IDENTIFIER || oid.end - oid.start !== RSA_ENCRYPTION.length) return undefined;
  for (let i = 0; i < RSA_ENCRYPTION.length; i++) if (b[oid.start + i] !== RSA_ENCRYPTION[i]) return undefined;
  const params = tlv(b, oid.end, algorithm.end);
  if (!params || params.tag !== NULL || params.start !== params.end || params.end !== algorithm.end) return undefined;
  const privateKey = tlv(b, algorithm.end, top.end);
  if (!privateKey || privateKey.tag !== OCTET_STRING || privateKey.end !== top.end) return undefined;
  const rsa = tlv(b, privateKey.start, privateKey.end);
  if (!rsa || rsa.tag !== SEQUENCE || rsa.end !== privateKey.end) return undefined;
  let at = rsa.start;
  let modulus: Uint8Array | undefined;
  for (let i = 0; i < 9; i++) {
    const field = tlv(b, at, rsa.end);
    // Minimal INTEGERs only (X.690 §8.3.2), the rule der.ts's derProblem applies.
    if (!field || field.tag !== INTEGER || !isMinimalInteger(b, field.start, field.end)) return undefined;
    if (i === 0 && (field.end - field.start !== 1 || b[field.start] !== 0)) return undefined;
    if (i === 1) modulus = b.subarray(field.start, field.end);
    at = field.end;
  }
  if (at !== rsa.end || !modulus) return undefined;
  const bits = bitLength(modulus);
  const spec = KEY_SPECS.find((s) => KEY_SPEC_INFO[s].rsaBits === bits);
  if (!spec) return undefined;
  return { format: 'pkcs8-der', kind: 'rsa', keySpec: spec, candidates: [spec], length: b.length, rsaBits: bits };
}
