/**
 * What a token can wrap, decided before it is asked: the key's own flags, the mechanisms the
 * token lists, and what is known of particular tokens. SoftHSM 2.6.1 (read in its sources, tags
 * 2.6.1 and 2.7.0, and checked here): CKM_RSA_PKCS_OAEP wraps only with SHA-1 (SHA-256 parameters
 * give CKR_ARGUMENTS_BAD); it pads every key with zeros to a multiple of 8 bytes before any
 * symmetric wrap, CKM_AES_KEY_WRAP_PAD included (fixed in 2.7.0); it refuses CKM_RSA_PKCS_OAEP
 * for private keys (CKR_KEY_NOT_WRAPPABLE). A padded blob is never handed to KMS: refused here.
 */
import { ERROR_CODES, KmsWrapError } from '@kms-wrap/core';
import type { TokenKey } from './object.js';
import { sayFileWrap, sayTokenKeygen, type TokenSession } from './token.js';

export type Hash = 'SHA_1' | 'SHA_256';

export function hashOf(construction: string): Hash {
  return construction.endsWith('SHA_1') ? 'SHA_1' : 'SHA_256';
}

/** The same construction with SHA-1 (what a SHA-1-only token can do). */
export function sha1Variant(construction: string): string {
  return construction.replace(/SHA_256$/, 'SHA_1');
}

/** SoftHSM before 2.7 (C_GetInfo: manufacturer "SoftHSM", library version 2.x with x < 7). */
export function isSoftHsmBefore27(t: Pick<TokenSession, 'info'>): boolean {
  const { manufacturer, version } = t.info.library;
  const [major, minor] = version.split('.').map(Number) as [number, number];
  return /^SoftHSM/i.test(manufacturer) && (major < 2 || (major === 2 && minor < 7));
}

/**
 * The refusal of `construction` for this key on this token, or undefined. `named` turns a
 * construction into the algorithm id the caller's target uses (RSA_OAEP_3072_SHA1_AES_256 for
 * Cloud KMS), for the way out.
 */
export function tokenRefusal(
  t: Pick<TokenSession, 'info' | 'mechanisms' | 'pkcs11' | 'surface'>,
  key: TokenKey,
  construction: string,
  named: (construction: string) => string = (c) => c,
): KmsWrapError | undefined {
  const P = t.pkcs11;
  const where = `token '${t.info.label}'`;
  const product = `${t.info.library.manufacturer} ${t.info.library.version}`;
  if (!key.extractable) {
    return new KmsWrapError(
      ERROR_CODES.TOKEN_NOT_EXTRACTABLE,
      `'${key.label}' in ${where} is not extractable (CKA_EXTRACTABLE false): no token wraps such a key, by design — generate material that may leave wrapped with ${sayTokenKeygen(t.surface)}`,
    );
  }
  if (key.wrapWithTrusted) {
    return new KmsWrapError(
      ERROR_CODES.TOKEN_NOT_EXTRACTABLE,
      `'${key.label}' in ${where} may be wrapped only under a trusted key (CKA_WRAP_WITH_TRUSTED), and the KMS wrapping key is not one (only the token's security officer can mark a key CKA_TRUSTED) — use a key without CKA_WRAP_WITH_TRUSTED, e.g. one made by ${sayTokenKeygen(t.surface)}`,
    );
  }
  const composite = construction.startsWith('RSA_AES_KEY_WRAP_');
  const needs: [number, string][] = [[P.CKM_RSA_PKCS_OAEP, 'CKM_RSA_PKCS_OAEP']];
  if (composite) needs.push([P.CKM_AES_KEY_GEN, 'CKM_AES_KEY_GEN'], [P.CKM_AES_KEY_WRAP_PAD, 'CKM_AES_KEY_WRAP_PAD']);
  const lacking = needs.filter(([m]) => !t.mechanisms.has(m)).map(([, name]) => name);
  if (lacking.length > 0) {
    const other =
      composite && t.mechanisms.has(P.CKM_RSA_PKCS_OAEP)
        ? ` — use ${named(construction.replace('RSA_AES_KEY_WRAP_', 'RSAES_OAEP_'))} if the material takes it`
        : ' — wrap with another token';
    return new KmsWrapError(
      ERROR_CODES.TOKEN_UNSUPPORTED,
      `${where} (${product}) lacks ${lacking.join(' and ')}, which ${named(construction)} needs${other}`,
    );
  }
  if (isSoftHsmBefore27(t)) {
    if (key.class === 'private') {
      return new KmsWrapError(
        ERROR_CODES.TOKEN_UNSUPPORTED,
        `${where} is ${product}, which cannot wrap a private key for KMS: it pads every key with zero bytes to a multiple of 8 before CKM_AES_KEY_WRAP_PAD (fixed in SoftHSM 2.7.0), so the PKCS#8 would reach KMS followed by zeros, and it refuses CKM_RSA_PKCS_OAEP for private keys — wrap '${key.label}' on SoftHSM 2.7 or later or on an HSM, or wrap a private key from a file with ${sayFileWrap(t.surface)}`,
      );
    }
    if (hashOf(construction) === 'SHA_256') {
      return new KmsWrapError(
        ERROR_CODES.TOKEN_UNSUPPORTED,
        `${where} is ${product}, whose CKM_RSA_PKCS_OAEP wraps only with SHA-1 (SHA-256 parameters give CKR_ARGUMENTS_BAD), so it cannot make ${named(construction)} — use ${named(sha1Variant(construction))}: request import parameters for it`,
      );
    }
    const length = typeof key.material?.length === 'number' ? key.material.length : 0;
    if (composite && length % 8 !== 0) {
      return new KmsWrapError(
        ERROR_CODES.TOKEN_UNSUPPORTED,
        `${where} is ${product}, which pads every key with zero bytes to a multiple of 8 before CKM_AES_KEY_WRAP_PAD (fixed in SoftHSM 2.7.0): ${key.keySpec} material (${length} bytes) would arrive ${Math.ceil(length / 8) * 8} bytes long — use ${named(construction.replace('RSA_AES_KEY_WRAP_', 'RSAES_OAEP_'))}`,
      );
    }
  }
  return undefined;
}

export function checkTokenCan(t: TokenSession, key: TokenKey, construction: string, named?: (construction: string) => string): void {
  const refusal = tokenRefusal(t, key, construction, named);
  if (refusal) throw refusal;
}
