/**
 * The wrap done by the token, for the construction core's engine chose (plan.algorithm.id):
 *   RSAES_OAEP_SHA_1 / _256:  C_WrapKey CKM_RSA_PKCS_OAEP (hash and MGF1 as named, empty label:
 *     RFC 8017 §7.1) of the key under the KMS wrapping public key, imported as a session object.
 *   RSA_AES_KEY_WRAP_SHA_1 / _256: the CKM_RSA_AES_KEY_WRAP construction (PKCS#11 2.40 §2.1.21)
 *     done step by step in the token — an ephemeral AES-256 session key generated there,
 *     C_WrapKey CKM_RSA_PKCS_OAEP of it under the wrapping key, C_WrapKey CKM_AES_KEY_WRAP_PAD
 *     (RFC 5649) of the key under it, the ephemeral key destroyed — output = RSA part || KWP part.
 *     pkcs11js cannot pass CK_RSA_AES_KEY_WRAP_PARAMS (a struct holding a pointer), so the
 *     one-call mechanism is not used even where a token lists it: the composite's output is the same.
 * Before anything is wrapped, what the token is known to get wrong is refused (token-limits.ts).
 */
import { ERROR_CODES, KmsWrapError, type WrapPlan } from '@kms-wrap/core';
import type { TokenKey } from './object.js';
import { checkTokenCan, hashOf } from './token-limits.js';
import { ckr, failed, sayTokenKeygen, type TokenSession } from './token.js';

const CKZ_DATA_SPECIFIED = 1;

/** Wraps the key in the token as the plan says; the caller (core's wrapSealed) checks the output. */
export async function wrapInToken(t: TokenSession, key: TokenKey, plan: WrapPlan): Promise<Uint8Array> {
  const construction = plan.algorithm.id;
  checkTokenCan(t, key, construction);
  const { pkcs11: P, lib, session } = t;
  const rsa = plan.wrappingKey.rsa;
  if (!rsa) throw new KmsWrapError(ERROR_CODES.PUBLIC_KEY_TYPE, `${construction} in a token needs an RSA wrapping key`);
  const hash = hashOf(construction);
  const oaep = {
    mechanism: P.CKM_RSA_PKCS_OAEP,
    parameter: {
      type: P.CK_PARAMS_RSA_OAEP,
      hashAlg: hash === 'SHA_1' ? P.CKM_SHA_1 : P.CKM_SHA256,
      mgf: hash === 'SHA_1' ? P.CKG_MGF1_SHA1 : P.CKG_MGF1_SHA256,
      source: CKZ_DATA_SPECIFIED,
    },
  };
  const k = Math.ceil(rsa.bits / 8);
  const handles: Buffer[] = [];
  try {
    // The KMS wrapping public key as a session object (CKA_TOKEN false): gone with the session.
    const wrappingKey = lib.C_CreateObject(session, [
      { type: P.CKA_CLASS, value: P.CKO_PUBLIC_KEY },
      { type: P.CKA_KEY_TYPE, value: P.CKK_RSA },
      { type: P.CKA_TOKEN, value: false },
      { type: P.CKA_WRAP, value: true },
      { type: P.CKA_ENCRYPT, value: true },
      { type: P.CKA_LABEL, value: 'kms-wrap wrapping key' },
      { type: P.CKA_MODULUS, value: Buffer.from(rsa.modulus) },
      { type: P.CKA_PUBLIC_EXPONENT, value: Buffer.from(rsa.publicExponent) },
    ]);
    handles.push(wrappingKey);
    if (construction.startsWith('RSAES_OAEP_')) {
      return new Uint8Array(wrap(t, oaep, wrappingKey, key.handle, k, construction));
    }
    // The ephemeral AES-256 key: a session object, never extractable but by wrapping, destroyed below.
    const ephemeral = lib.C_GenerateKey(session, { mechanism: P.CKM_AES_KEY_GEN }, [
      { type: P.CKA_CLASS, value: P.CKO_SECRET_KEY },
      { type: P.CKA_KEY_TYPE, value: P.CKK_AES },
      { type: P.CKA_VALUE_LEN, value: 32 },
      { type: P.CKA_TOKEN, value: false },
      { type: P.CKA_WRAP, value: true },
      { type: P.CKA_SENSITIVE, value: true },
      { type: P.CKA_EXTRACTABLE, value: true },
    ]);
    handles.push(ephemeral);
    const rsaPart = wrap(t, oaep, wrappingKey, ephemeral, k, construction);
    const kwpPart = wrap(t, { mechanism: P.CKM_AES_KEY_WRAP_PAD }, ephemeral, key.handle, k + 64, construction);
    return new Uint8Array(Buffer.concat([rsaPart, kwpPart]));
  } catch (e) {
    throw failed(e, `wrapping '${key.label}' with ${construction}`);
  } finally {
    for (const h of handles.reverse()) {
      try {
        lib.C_DestroyObject(session, h);
      } catch {
        // a session object ends with the session anyway
      }
    }
  }
}

function wrap(
  t: TokenSession,
  mechanism: Parameters<TokenSession['lib']['C_WrapKey']>[1],
  wrapping: Buffer,
  key: Buffer,
  room: number,
  construction: string,
): Buffer {
  try {
    return t.lib.C_WrapKey(t.session, mechanism, wrapping, key, Buffer.alloc(room + 4096));
  } catch (e) {
    const code = ckr(e);
    if (code === 'CKR_KEY_UNEXTRACTABLE' || code === 'CKR_KEY_NOT_WRAPPABLE') {
      throw new KmsWrapError(
        ERROR_CODES.TOKEN_NOT_EXTRACTABLE,
        `token '${t.info.label}' refused to wrap the key with ${construction} (${code}) — the key may leave the token only as the token allows; generate material that may with ${sayTokenKeygen(t.surface)}`,
        { cause: e },
      );
    }
    if (code === 'CKR_MECHANISM_PARAM_INVALID' || code === 'CKR_ARGUMENTS_BAD' || code === 'CKR_MECHANISM_INVALID') {
      throw new KmsWrapError(
        ERROR_CODES.TOKEN_UNSUPPORTED,
        `token '${t.info.label}' (${t.info.library.manufacturer} ${t.info.library.version}) refused ${construction}'s mechanism or hash (${code}) — try the SHA_1 variant of the algorithm (request import parameters for it)`,
        { cause: e },
      );
    }
    throw e;
  }
}
