/**
 * Key material generated inside the token, for a KMS key spec: a token object that is sensitive
 * (CKA_SENSITIVE: its value never leaves in plaintext) and extractable only by wrapping
 * (CKA_EXTRACTABLE true). CKA_WRAP_WITH_TRUSTED is false: the KMS wrapping key is imported as an
 * ordinary session object, and only the token's security officer could mark it CKA_TRUSTED.
 */
import { ERROR_CODES, KEY_SPEC_INFO, KmsWrapError, isKmsWrapError, parseRegion, type KeySpec, type Region } from '@kms-wrap/core';
import { specRegionRefusal } from '@kms-wrap/core/internal';
import type * as Pkcs11js from 'pkcs11js';
import { describeKey, ecParamsOf, type TokenKey } from './object.js';
import { ckr, failed, type TokenSession } from './token.js';
import type { Pkcs11Uri } from './uri.js';

export interface GenerateOptions {
  readonly region?: Region | string;
}

/** Generates `spec` material in the token under the URI's object label (and id, if given). */
export function generateInToken(t: TokenSession, uri: Pkcs11Uri, spec: KeySpec, options: GenerateOptions = {}): TokenKey {
  const { pkcs11: P, lib, session } = t;
  const region = parseRegion(options.region ?? 'standard');
  const info = KEY_SPEC_INFO[spec];
  if (uri.object === undefined) {
    throw new KmsWrapError(ERROR_CODES.TOKEN_URI_INVALID, "the new key's URI names no label — add object=LABEL");
  }
  const outside = specRegionRefusal(spec, region, t.surface);
  if (outside) throw outside;
  const label = uri.object;
  if (existing(t, label) > 0) {
    throw new KmsWrapError(
      ERROR_CODES.FILE_EXISTS,
      `token '${t.info.label}' already holds a key labelled '${label}' — choose another object= label (kms-wrap never replaces a key in a token)`,
    );
  }
  const id = Buffer.from(uri.id ?? crypto.getRandomValues(new Uint8Array(8)));
  const common: Pkcs11js.Template = [
    { type: P.CKA_TOKEN, value: true },
    { type: P.CKA_PRIVATE, value: true },
    { type: P.CKA_LABEL, value: label },
    { type: P.CKA_ID, value: id },
    { type: P.CKA_SENSITIVE, value: true },
    { type: P.CKA_EXTRACTABLE, value: true },
    { type: P.CKA_WRAP_WITH_TRUSTED, value: false },
  ];
  const need = (mechanism: number, name: string) => {
    if (!t.mechanisms.has(mechanism)) {
      throw new KmsWrapError(
        ERROR_CODES.TOKEN_UNSUPPORTED,
        `token '${t.info.label}' (${t.info.library.manufacturer} ${t.info.library.version}) lacks ${name}, so it cannot generate ${spec} material — generate it with another token, or with kms-wrap keygen ${spec} into a file`,
      );
    }
  };
  try {
    if (info.kind === 'symmetric' || info.kind === 'hmac') {
      const length = info.rawLength?.[region];
      if (length === undefined) throw new KmsWrapError(ERROR_CODES.REGION_MISMATCH, `${spec} has no raw length in this region`);
      const aes = info.kind === 'symmetric';
      need(aes ? P.CKM_AES_KEY_GEN : P.CKM_GENERIC_SECRET_KEY_GEN, aes ? 'CKM_AES_KEY_GEN' : 'CKM_GENERIC_SECRET_KEY_GEN');
      const handle = lib.C_GenerateKey(session, { mechanism: aes ? P.CKM_AES_KEY_GEN : P.CKM_GENERIC_SECRET_KEY_GEN }, [
        ...common,
        { type: P.CKA_CLASS, value: P.CKO_SECRET_KEY },
        { type: P.CKA_KEY_TYPE, value: aes ? P.CKK_AES : P.CKK_GENERIC_SECRET },
        { type: P.CKA_VALUE_LEN, value: length },
        ...(aes
          ? [
              { type: P.CKA_ENCRYPT, value: true },
              { type: P.CKA_DECRYPT, value: true },
            ]
          : [
              { type: P.CKA_SIGN, value: true },
              { type: P.CKA_VERIFY, value: true },
            ]),
      ]);
      return describeKey(t, handle);
    }
    const publicCommon: Pkcs11js.Template = [
      { type: P.CKA_TOKEN, value: true },
      { type: P.CKA_LABEL, value: label },
      { type: P.CKA_ID, value: id },
    ];
    if (info.kind === 'rsa') {
      need(P.CKM_RSA_PKCS_KEY_PAIR_GEN, 'CKM_RSA_PKCS_KEY_PAIR_GEN');
      const keys = lib.C_GenerateKeyPair(
        session,
        { mechanism: P.CKM_RSA_PKCS_KEY_PAIR_GEN },
        [
          ...publicCommon,
          { type: P.CKA_MODULUS_BITS, value: info.rsaBits! },
          { type: P.CKA_PUBLIC_EXPONENT, value: Buffer.from([1, 0, 1]) },
          { type: P.CKA_VERIFY, value: true },
        ],
        [...common, { type: P.CKA_SIGN, value: true }],
      );
      return describeKey(t, keys.privateKey);
    }
    need(P.CKM_EC_KEY_PAIR_GEN, 'CKM_EC_KEY_PAIR_GEN');
    const keys = lib.C_GenerateKeyPair(
      session,
      { mechanism: P.CKM_EC_KEY_PAIR_GEN },
      [...publicCommon, { type: P.CKA_EC_PARAMS, value: ecParamsOf(spec)! }, { type: P.CKA_VERIFY, value: true }],
      [...common, { type: P.CKA_SIGN, value: true }],
    );
    return describeKey(t, keys.privateKey);
  } catch (e) {
    if (isKmsWrapError(e)) throw e;
    const code = ckr(e);
    if (
      code === 'CKR_CURVE_NOT_SUPPORTED' ||
      code === 'CKR_DOMAIN_PARAMS_INVALID' ||
      code === 'CKR_TEMPLATE_INCONSISTENT' ||
      code === 'CKR_ATTRIBUTE_VALUE_INVALID'
    ) {
      throw new KmsWrapError(
        ERROR_CODES.TOKEN_UNSUPPORTED,
        `token '${t.info.label}' (${t.info.library.manufacturer} ${t.info.library.version}) cannot generate ${spec} material (${code}) — generate it with another token, or with kms-wrap keygen ${spec} into a file`,
        { cause: e },
      );
    }
    throw failed(e, `generating ${spec} material`);
  }
}

function existing(t: TokenSession, label: string): number {
  const { pkcs11: P, lib, session } = t;
  let n = 0;
  for (const cls of [P.CKO_SECRET_KEY, P.CKO_PRIVATE_KEY]) {
    lib.C_FindObjectsInit(session, [
      { type: P.CKA_LABEL, value: label },
      { type: P.CKA_CLASS, value: cls },
    ]);
    try {
      n += lib.C_FindObjects(session, 1).length;
    } finally {
      lib.C_FindObjectsFinal(session);
    }
  }
  return n;
}
