/**
 * Material inspection: which key spec and which format a blob of key material is, from its
 * bytes alone. Raw symmetric/HMAC material is known by its length; private keys by their
 * PKCS#8 structure. Everything KMS would not take as is gets a reason and a way out.
 */
import {
  OID,
  assertDer,
  bitLength,
  children,
  decodeBer,
  decodeDer,
  integerBytes,
  looksLikeDerSequence,
  octetsOf,
  oidOf,
  rsaParametersProblem,
  smallInteger,
} from './der.js';
import { bytesToText, looksLikeText, parsePem } from './encoding.js';
import { ERROR_CODES, KmsWrapError } from './errors.js';
import { CURVE_BY_OID, DER_KIND_NAMES, FOREIGN_KEY_TYPES, identifyDer } from './identify-der.js';
import type { MaterialInfo } from './keys.js';
import { sayPass, type Surface } from './surface.js';
import { rsaPkcs8Shape } from './rsa-pkcs8-shape.js';
import {
  KEY_SPECS,
  KEY_SPEC_INFO,
  MATERIAL_SPEC_INFO,
  parseMaterialSpec,
  rawLengthOf,
  type KeySpec,
  type MaterialSpec,
  type Region,
} from './specs.js';

export interface InspectOptions {
  /** The key spec the user named; checked against the material. */
  readonly keySpec?: MaterialSpec | string;
  readonly region?: Region;
  /**
   * The material specs the caller's target imports (a Target's rules.keySpecs); AWS KMS's key
   * specs by default. Only material of a spec outside AWS's (ED25519) depends on it: it is
   * recognised when listed here, and refused as AWS KMS refuses it otherwise.
   */
  readonly keySpecs?: readonly MaterialSpec[];
  /** Where a refusal is read, for the words of its remedy (surface.ts): the library's by default. */
  readonly surface?: Surface;
}

const CONVERT_HINT = 'convert it to binary PKCS#8 DER first (`kms-wrap convert FILE`, or toPkcs8 from @kms-wrap/keygen)';
const DECRYPT_HINT = 'decrypt it first: openssl pkcs8 -topk8 -nocrypt -in KEY -outform DER -out KEY.der';

/** Inspects material and settles its key spec. Throws a KmsWrapError that says why if it cannot. */
export function inspectMaterial(
  material: Uint8Array,
  options?: InspectOptions & { readonly keySpecs?: undefined; readonly keySpec?: KeySpec | string },
): MaterialInfo<KeySpec>;
export function inspectMaterial(material: Uint8Array, options?: InspectOptions): MaterialInfo;
export function inspectMaterial(material: Uint8Array, options: InspectOptions = {}): MaterialInfo {
  const region = options.region ?? 'standard';
  const allowed = options.keySpecs ?? KEY_SPECS;
  const named = options.keySpec === undefined ? undefined : parseMaterialSpec(options.keySpec, allowed);
  const found = identifyMaterial(material, region, named, allowed, options.surface);
  if (named === undefined) return found;
  if (!found.candidates.includes(named)) {
    throw new KmsWrapError(ERROR_CODES.KEY_SPEC_MISMATCH, mismatchMessage(found, named, region));
  }
  return { ...found, keySpec: named, kind: MATERIAL_SPEC_INFO[named].kind, candidates: [named] };
}

function mismatchMessage(found: MaterialInfo, named: MaterialSpec, region: Region): string {
  const is = found.candidates.join(' or ');
  const want = MATERIAL_SPEC_INFO[named];
  if (found.format === 'raw' && want.rawLength) {
    const expected = want.rawLength[region];
    const where = region === 'china' ? ' in the China Regions' : '';
    return `${named} material is ${expected} bytes${where}, but this is ${found.length} bytes (${is}) — use material of the right length or the matching key spec`;
  }
  return `the material is ${is} (${describeFound(found)}), not ${named} — create the KMS key with key spec ${found.candidates[0]}, or import the matching material`;
}

function describeFound(m: MaterialInfo): string {
  if (m.format === 'raw') return `${m.length} raw bytes`;
  if (m.rsaBits) return `PKCS#8 RSA ${m.rsaBits}-bit private key`;
  if (m.kind === 'ed25519') return 'PKCS#8 Ed25519 private key';
  return `PKCS#8 ${m.curve} private key`;
}

function identifyMaterial(
  bytes: Uint8Array,
  region: Region,
  named: MaterialSpec | undefined,
  allowed: readonly MaterialSpec[],
  surface: Surface | undefined,
): MaterialInfo {
  if (bytes.length === 0) {
    throw new KmsWrapError(
      ERROR_CODES.MATERIAL_INVALID,
      'the key material is empty — check the file (KMS needs the binary key, never an empty file)',
    );
  }
  // A SEQUENCE with an indefinite length (BER) is looked at too, so that it is refused as not DER.
  if (looksLikeDerSequence(bytes) || (bytes.length > 4 && bytes[0] === 0x30 && bytes[1] === 0x80)) {
    const der = tryPkcs8(bytes, allowed);
    if (der) return der;
  }
  const raw = rawCandidates(bytes.length, region);
  // Random key bytes are practically never all printable: text of a raw length (64 hex digits
  // of a 32-byte key look like HMAC_512) is taken only when its key spec is named.
  const text = looksLikeText(bytes);
  if (raw.length > 0 && (!text || (named !== undefined && (raw as readonly MaterialSpec[]).includes(named)))) {
    return rawInfo(raw, bytes.length);
  }
  if (text) refuseText(bytesToText(bytes), raw);
  if (raw.length === 0) {
    refuseBrokenDer(bytes);
    refuseRawLength(bytes.length, region, surface);
  }
  return rawInfo(raw, bytes.length);
}

function rawInfo(candidates: KeySpec[], length: number): MaterialInfo {
  const only = candidates.length === 1 ? candidates[0] : undefined;
  return { format: 'raw', kind: KEY_SPEC_INFO[candidates[0]!].kind, keySpec: only, candidates, length };
}

function rawCandidates(length: number, region: Region): KeySpec[] {
  return KEY_SPECS.filter((s) => rawLengthOf(s, region) === length);
}

function refuseRawLength(length: number, region: Region, surface: Surface | undefined): never {
  const other: Region = region === 'china' ? 'standard' : 'china';
  const elsewhere = rawCandidates(length, other);
  if (elsewhere.length > 0) {
    const hint =
      other === 'china'
        ? `${length}-byte symmetric keys (SM4) exist only in the AWS China Regions — ${sayPass(surface, 'region', 'china')} if the KMS key is there, or use 32 bytes`
        : `in the China Regions symmetric key material is 16 bytes (SM4-128) — use 16 bytes, or ${sayPass(surface, 'region', 'standard')} if the key is elsewhere`;
    throw new KmsWrapError(
      ERROR_CODES.REGION_MISMATCH,
      `${length} raw bytes are not ${elsewhere.join(' or ')} material in this region: ${hint}`,
    );
  }
  const lengths = KEY_SPECS.filter((s) => rawLengthOf(s, region) !== undefined)
    .map((s) => `${s} ${rawLengthOf(s, region)}`)
    .join(', ');
  throw new KmsWrapError(
    ERROR_CODES.MATERIAL_INVALID,
    `the material is ${length} bytes, which is no KMS key spec (raw lengths: ${lengths}; private keys as PKCS#8 DER) — check the file`,
  );
}

/** A DER SEQUENCE header that promises more bytes than there are, or DER of no key kind: say so. */
function refuseBrokenDer(bytes: Uint8Array): void {
  if (bytes[0] !== 0x30 || bytes.length < 2) return;
  const first = bytes[1]!;
  const n = first < 0x80 ? 0 : first & 0x7f;
  if (n > 4 || bytes.length < 2 + n) return;
  let len = first;
  if (n > 0) {
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + bytes[2 + i]!;
  }
  const total = 2 + n + len;
  if (total > bytes.length) {
    throw new KmsWrapError(
      ERROR_CODES.MATERIAL_INVALID,
      `the material starts like DER (a ${total}-byte SEQUENCE) but has only ${bytes.length} bytes: it is truncated — copy the whole file, or regenerate it`,
    );
  }
  if (total === bytes.length) {
    throw new KmsWrapError(
      ERROR_CODES.MATERIAL_INVALID,
      'the material is a DER SEQUENCE that is corrupt or not a private key — check the file; KMS takes private keys as unencrypted PKCS#8 DER',
    );
  }
}

function refuseText(text: string, rawFits: readonly KeySpec[]): never {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('-----BEGIN')) {
    const blocks = parsePem(text);
    const label = blocks.find((b) => !b.label.endsWith('PARAMETERS'))?.label ?? blocks[0]?.label ?? 'unknown';
    if (label === 'ENCRYPTED PRIVATE KEY' || blocks.some((b) => b.headers.some((h) => /ENCRYPTED/.test(h)))) {
      throw new KmsWrapError(
        ERROR_CODES.MATERIAL_ENCRYPTED,
        `the material is an encrypted private key (PEM) and KMS needs the plaintext key — ${DECRYPT_HINT}`,
      );
    }
    if (/PUBLIC KEY|CERTIFICATE/.test(label)) {
      throw new KmsWrapError(
        ERROR_CODES.MATERIAL_INVALID,
        `the material is a ${label.toLowerCase()} (PEM); KMS imports the private key — use the private key file`,
      );
    }
    throw new KmsWrapError(
      ERROR_CODES.MATERIAL_FORMAT,
      `the material is PEM text (${label}) and KMS takes binary PKCS#8 DER — ${CONVERT_HINT}`,
    );
  }
  if (trimmed.startsWith('{')) {
    throw new KmsWrapError(
      ERROR_CODES.MATERIAL_FORMAT,
      `the material is JSON (a JWK?) and KMS takes binary key material — ${CONVERT_HINT}`,
    );
  }
  throw new KmsWrapError(
    ERROR_CODES.MATERIAL_FORMAT,
    rawFits.length > 0
      ? `the material is ${text.length} characters of text (base64 or hex?) and KMS takes binary key material — decode it to a binary file first (e.g. base64 -d, xxd -r -p), or name its key spec (${rawFits.join(' or ')}) if these characters are the key itself`
      : 'the material is text (base64 or hex?) and KMS takes binary key material — decode it to a binary file first (e.g. base64 -d, xxd -r -p)',
  );
}

/**
 * Identifies DER that parses; returns undefined for bytes that are not DER at all. A PKCS#8 key
 * in BER that is not DER (indefinite or non-minimal lengths...) is refused, as wrapping keys are:
 * KMS may reject it after upload.
 */
function tryPkcs8(bytes: Uint8Array, allowed: readonly MaterialSpec[]): MaterialInfo | undefined {
  // The common shape first, without the general parser (same answer, a fraction of the cost).
  const rsa = rsaPkcs8Shape(bytes);
  if (rsa) return rsa;
  let node;
  try {
    node = decodeBer(bytes, 'the key material', ERROR_CODES.MATERIAL_INVALID);
  } catch {
    return undefined;
  }
  const kind = identifyDer(node);
  switch (kind) {
    case 'pkcs8':
      assertDer(bytes, 'the PKCS#8 key material', ERROR_CODES.MATERIAL_INVALID);
      return pkcs8Info(children(node), bytes.length, allowed);
    case 'encrypted-pkcs8':
      throw new KmsWrapError(
        ERROR_CODES.MATERIAL_ENCRYPTED,
        `the material is an encrypted PKCS#8 private key and KMS needs the plaintext key — ${DECRYPT_HINT}`,
      );
    case 'pkcs1-private':
    case 'sec1-private':
      throw new KmsWrapError(ERROR_CODES.MATERIAL_FORMAT, `the material is ${DER_KIND_NAMES[kind]} and KMS takes PKCS#8 — ${CONVERT_HINT}`);
    case 'spki':
    case 'pkcs1-public':
    case 'certificate':
      throw new KmsWrapError(
        ERROR_CODES.MATERIAL_INVALID,
        `the material is ${DER_KIND_NAMES[kind]}; KMS imports the private key — use the private key file`,
      );
    case 'unknown':
      return undefined;
  }
}

/**
 * PrivateKeyInfo ::= SEQUENCE {
 *   version                   Version,
 *   privateKeyAlgorithm       AlgorithmIdentifier {{PrivateKeyAlgorithms}},
 *   privateKey                OCTET STRING,
 *   attributes            [0] Attributes OPTIONAL }               -- RFC 5208 §5
 */
function pkcs8Info(c: ReturnType<typeof children>, length: number, allowed: readonly MaterialSpec[]): MaterialInfo {
  const version = smallInteger(c[0]);
  if (version !== 0 && version !== 1) {
    throw new KmsWrapError(
      ERROR_CODES.MATERIAL_INVALID,
      `the PKCS#8 key has version ${version ?? '?'} (expected 0) — re-export it with openssl pkcs8 -topk8 -nocrypt -outform DER`,
    );
  }
  const alg = children(c[1]);
  const algOid = oidOf(alg[0]);
  const inner = octetsOf(c[2])!;
  if (algOid === OID.rsaEncryption) {
    const problem = rsaParametersProblem(alg);
    if (problem !== undefined) {
      throw new KmsWrapError(
        ERROR_CODES.MATERIAL_INVALID,
        `the PKCS#8 RSA key's algorithm has ${problem} (RFC 8017 §A.1) — re-export it with openssl pkcs8 -topk8 -nocrypt -outform DER`,
      );
    }
    // RSAPrivateKey ::= SEQUENCE { version, modulus INTEGER, ... }   -- RFC 8017 §A.1.2
    const rsa = children(decodeDer(inner, 'the RSA private key inside the PKCS#8', ERROR_CODES.MATERIAL_INVALID));
    const modulus = integerBytes(rsa[1]);
    if (rsa.length < 9 || modulus === undefined) {
      throw new KmsWrapError(ERROR_CODES.MATERIAL_INVALID, 'the PKCS#8 RSA key is malformed (no RSAPrivateKey inside) — re-export it');
    }
    const bits = bitLength(modulus);
    const spec = KEY_SPECS.find((s) => KEY_SPEC_INFO[s].rsaBits === bits);
    if (!spec) {
      throw new KmsWrapError(
        ERROR_CODES.KEY_SPEC_UNSUPPORTED,
        `the material is a ${bits}-bit RSA key and KMS imports RSA_2048, RSA_3072 or RSA_4096 — use a key of one of those sizes`,
      );
    }
    return { format: 'pkcs8-der', kind: 'rsa', keySpec: spec, candidates: [spec], length, rsaBits: bits };
  }
  if (algOid === OID.ecPublicKey || algOid === OID.sm2) {
    // ECParameters ::= CHOICE { namedCurve OBJECT IDENTIFIER, ... }  -- RFC 5480 §2.1.1
    const curveOid = algOid === OID.sm2 ? OID.sm2 : oidOf(alg[1]);
    const curve = curveOid === undefined ? undefined : CURVE_BY_OID[curveOid];
    if (!curve) {
      throw new KmsWrapError(
        ERROR_CODES.KEY_SPEC_UNSUPPORTED,
        `the material is an EC key on ${curveOid ? `curve ${curveOid}` : 'explicit (unnamed) curve parameters'} — KMS imports P-256, P-384, P-521, secp256k1 and SM2 keys with a named curve`,
      );
    }
    const spec = KEY_SPECS.find((s) => KEY_SPEC_INFO[s].curve === curve)!;
    return { format: 'pkcs8-der', kind: KEY_SPEC_INFO[spec].kind, keySpec: spec, candidates: [spec], length, curve };
  }
  if (algOid === OID.ed25519 && allowed.includes('ED25519')) return ed25519Info(alg, inner, length);
  const foreign = algOid === undefined ? undefined : FOREIGN_KEY_TYPES[algOid];
  throw new KmsWrapError(
    ERROR_CODES.KEY_SPEC_UNSUPPORTED,
    `the material is ${foreign ? `${foreign} private key` : `a private key of algorithm ${algOid ?? '?'}`}, which AWS KMS cannot import — import RSA, ECC (P-256/384/521, secp256k1) or SM2 keys, or symmetric/HMAC bytes`,
  );
}

/**
 * Ed25519 in PKCS#8, RFC 8410 §7:
 *   AlgorithmIdentifier ::= SEQUENCE { algorithm id-Ed25519 }     -- parameters absent (§3)
 *   CurvePrivateKey ::= OCTET STRING                             -- the 32-byte seed, inside privateKey
 */
function ed25519Info(alg: ReturnType<typeof children>, inner: Uint8Array, length: number): MaterialInfo {
  let seed: Uint8Array | undefined;
  try {
    seed = octetsOf(decodeDer(inner, 'the Ed25519 private key inside the PKCS#8', ERROR_CODES.MATERIAL_INVALID));
  } catch {
    seed = undefined;
  }
  if (alg.length !== 1 || seed?.length !== 32) {
    throw new KmsWrapError(
      ERROR_CODES.MATERIAL_INVALID,
      'the PKCS#8 Ed25519 key is malformed (RFC 8410: no parameters, a 32-byte CurvePrivateKey) — re-export it with openssl pkcs8 -topk8 -nocrypt -outform DER',
    );
  }
  return { format: 'pkcs8-der', kind: 'ed25519', keySpec: 'ED25519', candidates: ['ED25519'], length };
}
