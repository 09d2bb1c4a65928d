/**
 * The key object a URI names, and what it is as key material: the key spec from its attributes
 * (CKA_KEY_TYPE, CKA_VALUE_LEN, CKA_MODULUS_BITS / CKA_MODULUS, CKA_EC_PARAMS), its length as
 * wrapped (raw bytes; a private key's PKCS#8 DER within bounds, since only the token encodes it),
 * and whether it may leave the token wrapped. No key byte is read.
 */
import { ERROR_CODES, KmsWrapError, type MaterialSpec, type SealedMaterial } from '@kms-wrap/core';
import type * as Pkcs11js from 'pkcs11js';
import { failed, type TokenSession } from './token.js';
import type { ObjectType, Pkcs11Uri } from './uri.js';

export interface TokenKey {
  readonly handle: Buffer;
  readonly class: 'secret-key' | 'private';
  /** CKK_AES, CKK_GENERIC_SECRET, CKK_RSA, CKK_EC... */
  readonly keyType: string;
  readonly label: string;
  readonly id: Uint8Array;
  /** Undefined when the attributes name no key spec kms-wrap knows (then `problem` says why). */
  readonly keySpec: MaterialSpec | undefined;
  readonly material: SealedMaterial | undefined;
  readonly problem?: string;
  readonly extractable: boolean;
  readonly sensitive: boolean;
  readonly wrapWithTrusted: boolean;
  readonly neverExtractable: boolean;
  /** CKA_LOCAL: generated in the token. */
  readonly local: boolean;
}

const CURVES: Readonly<Record<string, { spec: MaterialSpec; field: number }>> = {
  // CKA_EC_PARAMS is the DER of the curve's OID (RFC 5480 §2.1.1.1 namedCurve).
  '06082a8648ce3d030107': { spec: 'ECC_NIST_P256', field: 32 },
  '06052b81040022': { spec: 'ECC_NIST_P384', field: 48 },
  '06052b81040023': { spec: 'ECC_NIST_P521', field: 66 },
  '06052b8104000a': { spec: 'ECC_SECG_P256K1', field: 32 },
  '06082a811ccf5501822d': { spec: 'SM2', field: 32 },
};

/** CKA_EC_PARAMS for a key spec's curve (keygen). */
export function ecParamsOf(spec: MaterialSpec): Buffer | undefined {
  const hex = Object.entries(CURVES).find(([, c]) => c.spec === spec)?.[0];
  return hex === undefined ? undefined : Buffer.from(hex, 'hex');
}

const HMAC_BY_LENGTH: Readonly<Record<number, MaterialSpec>> = { 28: 'HMAC_224', 32: 'HMAC_256', 48: 'HMAC_384', 64: 'HMAC_512' };

/** Finds the one key object the URI names (a secret key or a private key). */
export function findKey(t: TokenSession, uri: Pkcs11Uri): TokenKey {
  const { pkcs11: P, lib, session } = t;
  if (uri.object === undefined && uri.id === undefined) {
    throw new KmsWrapError(
      ERROR_CODES.TOKEN_URI_INVALID,
      'the URI names a token but no object — add object=LABEL (or id=%..), and type=secret-key or type=private',
    );
  }
  if (uri.type !== undefined && uri.type !== 'secret-key' && uri.type !== 'private') {
    throw new KmsWrapError(
      ERROR_CODES.TOKEN_URI_INVALID,
      `type=${uri.type} is not key material — KMS imports secret keys (type=secret-key) and private keys (type=private)`,
    );
  }
  const template: Pkcs11js.Template = [];
  if (uri.object !== undefined) template.push({ type: P.CKA_LABEL, value: uri.object });
  if (uri.id !== undefined) template.push({ type: P.CKA_ID, value: Buffer.from(uri.id) });
  const classes =
    uri.type === 'secret-key' ? [P.CKO_SECRET_KEY] : uri.type === 'private' ? [P.CKO_PRIVATE_KEY] : [P.CKO_SECRET_KEY, P.CKO_PRIVATE_KEY];
  const found: Buffer[] = [];
  try {
    for (const cls of classes) {
      lib.C_FindObjectsInit(session, [...template, { type: P.CKA_CLASS, value: cls }]);
      try {
        found.push(...lib.C_FindObjects(session, 16));
      } finally {
        lib.C_FindObjectsFinal(session);
      }
    }
  } catch (e) {
    throw failed(e, 'looking for the object');
  }
  const what = describeWanted(uri);
  if (found.length === 0) {
    throw new KmsWrapError(
      ERROR_CODES.TOKEN_NOT_FOUND,
      `token '${t.info.label}' holds no ${what} — check object=, id= and type= (pkcs11-tool --module ${t.modulePath} --list-objects --login lists them)`,
    );
  }
  if (found.length > 1) {
    throw new KmsWrapError(
      ERROR_CODES.TOKEN_AMBIGUOUS,
      `token '${t.info.label}' holds ${found.length} objects that match ${what} — add id=%.. or type= to the URI to name one`,
    );
  }
  return describeKey(t, found[0]!);
}

function describeWanted(uri: Pkcs11Uri): string {
  const parts = [
    uri.type === 'private' ? 'private key' : uri.type === 'secret-key' ? 'secret key' : 'secret or private key',
    uri.object !== undefined ? `labelled '${uri.object}'` : undefined,
    uri.id !== undefined ? `with id ${Buffer.from(uri.id).toString('hex')}` : undefined,
  ];
  return parts.filter(Boolean).join(' ');
}

/** Reads a key object's attributes (never CKA_VALUE or a private component). */
export function describeKey(t: TokenSession, handle: Buffer): TokenKey {
  const { pkcs11: P, lib, session } = t;
  const get = (type: number): Buffer | undefined => {
    try {
      const [a] = lib.C_GetAttributeValue(session, handle, [{ type }]);
      return a?.value instanceof Buffer ? a.value : undefined;
    } catch {
      return undefined; // CKR_ATTRIBUTE_TYPE_INVALID / _SENSITIVE: the token does not tell
    }
  };
  const ulong = (type: number) => {
    const b = get(type);
    return b && b.length > 0 ? Number(b.length >= 8 ? b.readBigUInt64LE(0) : b.readUInt32LE(0)) : undefined;
  };
  const bool = (type: number) => {
    const b = get(type);
    return b !== undefined && b.length > 0 && b[0] !== 0;
  };
  const cls = ulong(P.CKA_CLASS);
  const keyType = ulong(P.CKA_KEY_TYPE);
  const base = {
    handle,
    class: cls === P.CKO_PRIVATE_KEY ? ('private' as const) : ('secret-key' as const),
    keyType: keyTypeName(P, keyType),
    label: get(P.CKA_LABEL)?.toString('utf8') ?? '',
    id: new Uint8Array(get(P.CKA_ID) ?? []),
    extractable: bool(P.CKA_EXTRACTABLE),
    sensitive: bool(P.CKA_SENSITIVE),
    wrapWithTrusted: bool(P.CKA_WRAP_WITH_TRUSTED),
    neverExtractable: bool(P.CKA_NEVER_EXTRACTABLE),
    local: bool(P.CKA_LOCAL),
  };
  const none = (problem: string): TokenKey => ({ ...base, keySpec: undefined, material: undefined, problem });
  if (cls === P.CKO_SECRET_KEY) {
    const length = ulong(P.CKA_VALUE_LEN);
    if (length === undefined) return none('the token does not tell the key length (CKA_VALUE_LEN)');
    const spec = keyType === P.CKK_AES ? (length === 32 || length === 16 ? 'SYMMETRIC_DEFAULT' : undefined) : HMAC_BY_LENGTH[length];
    if (spec === undefined) {
      return none(
        keyType === P.CKK_AES
          ? `an AES key of ${length} bytes is no KMS key spec (SYMMETRIC_DEFAULT is 32 bytes; 16 in the China Regions)`
          : `a ${base.keyType} key of ${length} bytes is no KMS key spec (HMAC keys are 28, 32, 48 or 64 bytes; symmetric keys are AES)`,
      );
    }
    return { ...base, keySpec: spec, material: { keySpec: spec, length } };
  }
  if (cls === P.CKO_PRIVATE_KEY && keyType === P.CKK_RSA) {
    const bits = ulong(P.CKA_MODULUS_BITS) ?? (get(P.CKA_MODULUS)?.length ?? 0) * 8;
    const spec = ({ 2048: 'RSA_2048', 3072: 'RSA_3072', 4096: 'RSA_4096' } as const)[bits as 2048];
    if (spec === undefined) return none(`an RSA key of ${bits || 'unknown'} bits is no KMS key spec (RSA_2048, RSA_3072, RSA_4096)`);
    return { ...base, keySpec: spec, material: { keySpec: spec, length: rsaPkcs8Bounds(bits / 8) } };
  }
  if (cls === P.CKO_PRIVATE_KEY && keyType === P.CKK_EC) {
    const params = get(P.CKA_EC_PARAMS)?.toString('hex') ?? '';
    const curve = CURVES[params];
    if (curve === undefined) return none('its curve (CKA_EC_PARAMS) is none KMS imports (P-256, P-384, P-521, secp256k1, SM2)');
    return { ...base, keySpec: curve.spec, material: { keySpec: curve.spec, length: ecPkcs8Bounds(curve.field, params.length / 2) } };
  }
  return none(`a ${cls === P.CKO_PRIVATE_KEY ? 'private' : 'secret'} key of type ${base.keyType} is no KMS key material`);
}

/**
 * An RSA private key's PKCS#8 DER length for a k-byte modulus (RFC 8017 A.1.2 RSAPrivateKey in
 * RFC 5208 PrivateKeyInfo): n and d about k bytes, p, q, dP, dQ, qInv about k/2, headers; the
 * token's encoding is not known here, so a range.
 */
function rsaPkcs8Bounds(k: number): [number, number] {
  return [Math.floor(4.5 * k), Math.floor(4.5 * k) + 80];
}

/**
 * An EC private key's PKCS#8 DER length (RFC 5915 ECPrivateKey in PrivateKeyInfo): the least
 * without the optional parameters and public key, the most with both (OpenSSL writes the public key).
 */
function ecPkcs8Bounds(field: number, oidDer: number): [number, number] {
  const len = (n: number) => (n < 128 ? 2 : n < 256 ? 3 : 4) + n; // a DER TLV of n content bytes
  const ecPrivate = (extra: number) => len(3 + len(field) + extra);
  const algorithm = len(len(7) + oidDer); // id-ecPublicKey and the curve
  const pkcs8 = (extra: number) => len(3 + algorithm + len(ecPrivate(extra)));
  const publicKey = len(len(2 + 2 * field)); // [1] { BIT STRING 00 04 X Y }
  return [pkcs8(0), pkcs8(len(oidDer) + publicKey)];
}

function keyTypeName(P: typeof Pkcs11js, keyType: number | undefined): string {
  const names: Record<number, string> = {
    [P.CKK_AES]: 'CKK_AES',
    [P.CKK_GENERIC_SECRET]: 'CKK_GENERIC_SECRET',
    [P.CKK_RSA]: 'CKK_RSA',
    [P.CKK_EC]: 'CKK_EC',
    [P.CKK_SHA256_HMAC]: 'CKK_SHA256_HMAC',
    [P.CKK_SHA384_HMAC]: 'CKK_SHA384_HMAC',
    [P.CKK_SHA512_HMAC]: 'CKK_SHA512_HMAC',
    [P.CKK_SHA224_HMAC]: 'CKK_SHA224_HMAC',
    [P.CKK_DES3]: 'CKK_DES3',
  };
  return keyType === undefined ? 'unknown' : (names[keyType] ?? `0x${keyType.toString(16)}`);
}

export type { ObjectType };
