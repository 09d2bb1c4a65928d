/**
 * Reads a private key in any form users have: PKCS#8, PKCS#1 or SEC1, as DER or PEM, or a JWK.
 * Everything else gets a one-line refusal that says what the input is and what to do; every
 * failure is a KmsWrapError. Buffers this module decodes are zeroed before it returns.
 */
import { ERROR_CODES, KmsWrapError, parseKeySpec, type CurveName } from '@kms-wrap/core';
import {
  CURVE_BY_OID,
  FOREIGN_KEY_TYPES,
  OID,
  UNIMPORTABLE_SPEC_BY_OID,
  bytesToText,
  decodeDer,
  isNull,
  isPem,
  isSequence,
  jsonTooDeep,
  looksLikeText,
  oidOf,
  parsePem,
  smallInteger,
  zeroize,
  type Asn1,
  type PemBlock,
} from '@kms-wrap/core/encoding';
import { checkRsaKey } from './check-rsa-key.js';
import { completeEcKey } from './ec-key.js';
import { isEcPrivateKey, readEcPrivateKey } from './ec-private-key.js';
import { DECRYPT_HINT, refuseForeignDer } from './foreign-der.js';
import { readJwk } from './jwk.js';
import type { PrivateKey } from './private-key.js';
import { readPrivateKeyInfo, type PrivateKeyInfoFields } from './private-key-info.js';
import { isRsaPrivateKey, readRsaPrivateKey, wipeRsaKey } from './rsa-private-key.js';

/** The form a private key came in. */
export type KeyFormat = 'pkcs8-der' | 'pkcs8-pem' | 'pkcs1-der' | 'pkcs1-pem' | 'sec1-der' | 'sec1-pem' | 'jwk';

export interface ReadKey {
  readonly from: KeyFormat;
  /** The key's numbers; the caller owns them and must wipe them (wipePrivateKey). */
  readonly key: PrivateKey;
}

const NAMED_CURVE_HINT = 'export it with a named curve: openssl ec -in KEY -param_enc named_curve';

function invalid(message: string): KmsWrapError {
  return new KmsWrapError(ERROR_CODES.MATERIAL_INVALID, message);
}

/**
 * A private key is a few kilobytes and a dozen nodes two levels deep; the bounds leave room for
 * certificates (so they are recognised and named) and stop hostile nesting or length fields.
 */
const MAX_LENGTH = 1 << 20;
const MAX_NODES = 2048;

/** One DER value spanning `bytes`, strict (core's decodeDer), as views into `bytes`. Throws MATERIAL_INVALID. */
function parseDer(bytes: Uint8Array, what: string): Asn1 {
  if (bytes.length > MAX_LENGTH) throw invalid(`${what} is ${bytes.length} bytes, too large to be a private key — check the file`);
  return decodeDer(bytes, what, ERROR_CODES.MATERIAL_INVALID, MAX_NODES);
}

/** The text of `bytes` when every byte is printable ASCII or white space (a UTF-8 BOM is skipped). */
function asciiText(bytes: Uint8Array): string | undefined {
  const body = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
  return body.length === 0 || looksLikeText(body, body.length) ? bytesToText(body) : undefined;
}

export function readPrivateKey(input: Uint8Array | string): ReadKey {
  try {
    return readAny(input);
  } catch (error) {
    if (error instanceof KmsWrapError) throw error;
    // A bug or an unexpected library failure: still one line, still no key material.
    throw new KmsWrapError(ERROR_CODES.MATERIAL_INVALID, 'the key could not be read — check that the file is a private key', {
      cause: error,
    });
  }
}

function readAny(input: Uint8Array | string): ReadKey {
  if (typeof input === 'string') return readText(input);
  if (!(input instanceof Uint8Array)) throw invalid('the key must be given as bytes or text — read the file first');
  if (input.length === 0) throw invalid('the key file is empty — check the file');
  const text = asciiText(input);
  if (input[0] === 0x30) {
    // A copy this module owns: core's DER nodes view into it, and it is zeroed whatever happens.
    // (new Uint8Array, not slice(): Node's Buffer#slice returns a view of the caller's bytes.)
    const work = new Uint8Array(input);
    try {
      const { kind, key } = readDer(work, 'the DER key');
      return { from: `${kind}-der`, key };
    } catch (error) {
      if (text === undefined) throw error;
    } finally {
      zeroize(work);
    }
  }
  if (text !== undefined) return readText(text);
  throw invalid('the file is neither DER nor PEM nor a JWK — give the private key as PKCS#8, PKCS#1 or SEC1 (DER or PEM) or as a JWK');
}

type DerKind = 'pkcs8' | 'pkcs1' | 'sec1';

function readText(text: string): ReadKey {
  const t = text.trim();
  if (t.length === 0) throw invalid('the key file is empty — check the file');
  if (t.startsWith('{')) {
    if (jsonTooDeep(t, 16)) throw invalid('the text starts like a JWK but nests far deeper than one — check the file');
    let json: unknown;
    try {
      json = JSON.parse(t);
    } catch {
      throw invalid('the text starts like a JWK but is not valid JSON — check the file');
    }
    return { from: 'jwk', key: readJwk(json) };
  }
  if (isPem(t)) return readPem(t);
  throw invalid('the text is neither PEM nor a JWK — if it is base64 or hex, decode it to a binary DER file first');
}

const PRIVATE_LABELS: Readonly<Record<string, DerKind>> = {
  'PRIVATE KEY': 'pkcs8',
  'RSA PRIVATE KEY': 'pkcs1',
  'EC PRIVATE KEY': 'sec1',
  // OpenSSL 3 `openssl ec` writes SEC1 SM2 keys under their own label.
  'SM2 PRIVATE KEY': 'sec1',
};

function readPem(text: string): ReadKey {
  const blocks = parsePem(text);
  try {
    const keys = blocks.filter((b) => b.label.endsWith('PRIVATE KEY'));
    if (keys.length === 0) refusePemLabel(blocks.find((b) => !b.label.endsWith('PARAMETERS')) ?? blocks[0]!);
    if (keys.length > 1) throw invalid(`the PEM file holds ${keys.length} private keys — give one key per file`);
    const block = keys[0]!;
    const kind = PRIVATE_LABELS[block.label];
    if (kind === undefined || block.headers.some((h) => /ENCRYPTED/i.test(h))) refusePemLabel(block);
    // OpenSSL's `ecparam -genkey` writes an EC (or SM2) PARAMETERS block first: ECParameters, RFC 5480 §2.1.1.
    const params = blocks.find((b) => b.label === 'EC PARAMETERS' || b.label === 'SM2 PARAMETERS');
    const fallbackCurve = params === undefined ? undefined : oidOf(parseDer(params.der, 'the EC PARAMETERS block'));
    const what = `the PEM ${block.label} block`;
    const key = readAs(parseDer(block.der, what), kind, what, fallbackCurve);
    return { from: `${kind}-pem`, key };
  } finally {
    for (const b of blocks) zeroize(b.der);
  }
}

function refusePemLabel(block: PemBlock): never {
  const label = block.label;
  if (label === 'ENCRYPTED PRIVATE KEY' || block.headers.some((h) => /ENCRYPTED/i.test(h))) {
    throw new KmsWrapError(ERROR_CODES.MATERIAL_ENCRYPTED, `the PEM key is encrypted and KMS needs the plaintext key — ${DECRYPT_HINT}`);
  }
  if (label === 'OPENSSH PRIVATE KEY') {
    throw new KmsWrapError(
      ERROR_CODES.MATERIAL_FORMAT,
      'the key is in OpenSSH format — convert it to PKCS#8 first: ssh-keygen -p -N "" -m PKCS8 -f KEY (on a copy)',
    );
  }
  if (label.endsWith('PRIVATE KEY')) {
    throw new KmsWrapError(
      ERROR_CODES.KEY_SPEC_UNSUPPORTED,
      `the PEM block is a ${label.replace(/ PRIVATE KEY$/, '')} private key, which KMS cannot import — import RSA, EC (P-256/384/521, secp256k1) or SM2 keys`,
    );
  }
  if (label.includes('PUBLIC KEY')) {
    throw invalid(`the PEM block is "${label}", not a private key — KMS imports the private key; use the private key file`);
  }
  if (label.includes('CERTIFICATE') || label.includes('CRL')) {
    throw invalid(`the PEM block is "${label}", not a private key — use the private key file, not the certificate`);
  }
  throw invalid(`the PEM holds "${label}" and no private key — use the private key file`);
}

/** Tells the three private key structures apart by shape; anything else is refused by what it is. */
function readDer(bytes: Uint8Array, what: string): { kind: DerKind; key: PrivateKey } {
  const node = parseDer(bytes, what);
  const kind: DerKind | undefined = readPrivateKeyInfo(node)
    ? 'pkcs8'
    : isRsaPrivateKey(node)
      ? 'pkcs1'
      : isEcPrivateKey(node)
        ? 'sec1'
        : undefined;
  if (kind === undefined) refuseForeignDer(node, what);
  return { kind, key: readAs(node, kind, what, undefined) };
}

function readAs(node: Asn1, kind: DerKind, what: string, fallbackCurve: string | undefined): PrivateKey {
  switch (kind) {
    case 'pkcs8': {
      const fields = readPrivateKeyInfo(node);
      if (fields === undefined) refuseForeignDer(node, what);
      return readPkcs8(fields, what);
    }
    case 'pkcs1':
      return readRsa(node, what);
    case 'sec1':
      return readSec1(node, what, fallbackCurve);
  }
}

function readRsa(node: Asn1, what: string): PrivateKey {
  const rsa = readRsaPrivateKey(node, what);
  try {
    checkRsaKey(rsa, what);
  } catch (error) {
    wipeRsaKey(rsa);
    throw error;
  }
  return { type: 'rsa', rsa };
}

function readSec1(node: Asn1, what: string, fallbackCurve: string | undefined): PrivateKey {
  const fields = readEcPrivateKey(node, what);
  if (fields.explicitParameters) throw invalid(`${what} uses explicit curve parameters — ${NAMED_CURVE_HINT}`);
  const oid = fields.curveOid ?? fallbackCurve;
  if (oid === undefined) throw invalid(`${what} does not name its curve — ${NAMED_CURVE_HINT}`);
  return { type: 'ec', ec: completeEcKey(curveFor(oid, what), fields.d, fields.point, what) };
}

function curveFor(oid: string, what: string): CurveName {
  const curve = CURVE_BY_OID[oid];
  if (curve === undefined) {
    throw new KmsWrapError(
      ERROR_CODES.KEY_SPEC_UNSUPPORTED,
      `${what} is an EC key on curve ${oid}, which KMS cannot import — use P-256, P-384, P-521, secp256k1 or SM2`,
    );
  }
  return curve;
}

function readPkcs8(fields: PrivateKeyInfoFields, what: string): PrivateKey {
  const version = smallInteger(fields.version);
  if (version !== 0 && version !== 1) throw invalid(`${what} has an unknown PKCS#8 version — export it again`);
  const { algorithm, parameters } = fields;
  if (algorithm === OID.rsaEncryption) {
    // RFC 8017 §A.1: the parameters field shall be NULL (absent is tolerated, as OpenSSL does).
    if (parameters !== undefined && !isNull(parameters))
      throw invalid(`${what} has rsaEncryption parameters other than NULL — export it again`);
    return readRsa(parseDer(fields.privateKey, `the RSA key inside ${what}`), what);
  }
  if (algorithm === OID.ecPublicKey || algorithm === OID.sm2) {
    const named = oidOf(parameters);
    if (algorithm === OID.ecPublicKey && named === undefined) {
      throw invalid(
        `${what} ${isSequence(parameters) ? 'uses explicit curve parameters' : 'does not name its curve'} — ${NAMED_CURVE_HINT}`,
      );
    }
    const curve = curveFor(named ?? OID.sm2, what);
    if (algorithm === OID.sm2 && curve !== 'sm2p256v1') throw invalid(`${what} is an SM2 key on another curve — export it again`);
    const inner = readEcPrivateKey(parseDer(fields.privateKey, `the EC key inside ${what}`), what);
    if (inner.curveOid !== undefined && CURVE_BY_OID[inner.curveOid] !== curve) {
      throw invalid(`${what} names two different curves — export it again`);
    }
    return { type: 'ec', ec: completeEcKey(curve, inner.d, inner.point, what) };
  }
  const unimportable = UNIMPORTABLE_SPEC_BY_OID[algorithm];
  if (unimportable !== undefined) parseKeySpec(unimportable); // throws KEY_SPEC_UNSUPPORTED with the reason
  const foreign = FOREIGN_KEY_TYPES[algorithm];
  throw new KmsWrapError(
    ERROR_CODES.KEY_SPEC_UNSUPPORTED,
    `${what} is ${foreign ?? 'a'} private key${foreign === undefined ? ` of algorithm ${algorithm}` : ''}, which KMS cannot import — import RSA, EC (P-256/384/521, secp256k1) or SM2 keys`,
  );
}
