/**
 * The three things kms-wrap does with a key in a PKCS#11 token, each in one session: wrap it for
 * an import (core's engine judges the key's spec and length first, and checks the output's length
 * after: Wrapper.wrapSealed), generate it, and describe it.
 */
import {
  ERROR_CODES,
  KEY_SPECS,
  KmsWrapError,
  parseKeySpec,
  type KeySpec,
  type Region,
  type SealedMaterial,
  type WrapPlan,
  type WrapRequest,
  type WrapResult,
  type Wrapper,
  type WrappingPublicKey,
} from '@kms-wrap/core';
import { generateInToken } from './keygen.js';
import { findKey, type TokenKey } from './object.js';
import { tokenRefusal } from './token-limits.js';
import { openToken, type OpenOptions, type TokenInfo, type TokenSession } from './token.js';
import { formatPkcs11Uri, parsePkcs11Uri, type Pkcs11Uri } from './uri.js';
import { wrapInToken } from './wrap.js';

/** What kms-wrap tells of a key in a token: never its value. */
export interface TokenKeyInfo extends Pick<
  TokenKey,
  'class' | 'keyType' | 'label' | 'problem' | 'extractable' | 'sensitive' | 'wrapWithTrusted' | 'neverExtractable' | 'local'
> {
  readonly uri: string;
  readonly token: TokenInfo;
  /** CKA_ID, hex. */
  readonly id: string;
  readonly keySpec: string | undefined;
  /** Its length as wrapped: exact for raw keys, [least, most] for a private key's PKCS#8. */
  readonly length: number | readonly [number, number] | undefined;
}

export interface TokenWrapOptions extends OpenOptions, Omit<WrapRequest, 'material' | 'wrappingPublicKey'> {
  /** The key: an RFC 7512 URI (pkcs11:token=...;object=...). */
  readonly uri: string | Pkcs11Uri;
  readonly wrappingPublicKey: Uint8Array | string | WrappingPublicKey;
  /** The engine (createWrapper / standardWrapper): its rules and plugins judge the request. */
  readonly wrapper: Wrapper;
}

/** Wraps a key inside its token: the engine's checks, the token's limits, the token's wrap, the output checked. */
export async function wrapTokenKey(options: TokenWrapOptions): Promise<WrapResult & { readonly key: TokenKeyInfo }> {
  const key = await openTokenKey(options);
  try {
    const result = await options.wrapper.wrapSealed(
      {
        material: key.material,
        wrappingPublicKey: options.wrappingPublicKey,
        algorithm: options.algorithm,
        ...(options.region !== undefined ? { region: options.region } : {}),
        ...(options.keySpec !== undefined ? { keySpec: options.keySpec } : {}),
      },
      (plan) => key.seal(plan, options.wrapper),
    );
    return { ...result, key: key.key };
  } finally {
    key.close();
  }
}

/**
 * A key in a token, held open for a wrap later in a flow (an import: DescribeKey and
 * GetParametersForImport come between): what the engine judges (`material`), and the token's wrap
 * for a plan the engine made (`seal`, for Wrapper.wrapSealed). Close it when done.
 */
export interface TokenKeyHandle {
  readonly key: TokenKeyInfo;
  readonly material: SealedMaterial;
  /** The token's wrap for the plan: its limits checked first (named as `wrapper`'s target names algorithms). */
  seal(plan: WrapPlan, wrapper?: Pick<Wrapper, 'rules'>): Promise<Uint8Array>;
  close(): void;
}

/** Opens the token, finds the key the URI names and describes it; refuses a key of no KMS key spec. */
export async function openTokenKey(options: OpenOptions & { readonly uri: string | Pkcs11Uri }): Promise<TokenKeyHandle> {
  const uri = typeof options.uri === 'string' ? parsePkcs11Uri(options.uri, options) : options.uri;
  const t = await openToken(uri, options);
  try {
    const key = findKey(t, uri);
    const material = settledMaterial(key, t);
    return {
      key: keyInfo(t, uri, key),
      material,
      async seal(plan, wrapper) {
        const named = wrapper ? targetName(wrapper) : (c: string) => c;
        const refusal = tokenRefusal(t, key, plan.algorithm.id, (c) => named(c, plan.wrappingKey.spec));
        if (refusal) throw refusal;
        return wrapInToken(t, key, plan);
      },
      close: () => t.close(),
    };
  } catch (e) {
    t.close();
    throw e;
  }
}

export interface TokenKeygenOptions extends OpenOptions {
  readonly uri: string | Pkcs11Uri;
  readonly keySpec: KeySpec | string;
  readonly region?: Region | string;
}

/** Generates material of a key spec inside the token (sensitive, extractable only by wrapping). */
export async function generateTokenKey(options: TokenKeygenOptions): Promise<TokenKeyInfo> {
  const uri = typeof options.uri === 'string' ? parsePkcs11Uri(options.uri, options) : options.uri;
  const spec = parseKeySpec(String(options.keySpec));
  return withToken(uri, options, async (t) => {
    const key = generateInToken(t, uri, spec, options.region === undefined ? {} : { region: options.region });
    return keyInfo(t, { ...uri, id: key.id, type: key.class }, key);
  });
}

export interface TokenInspection {
  readonly key: TokenKeyInfo;
  /** Per construction (RSAES_OAEP_SHA_1, RSA_AES_KEY_WRAP_SHA_256...): undefined if the token can make it, else why not. */
  readonly token: Readonly<Record<string, string | undefined>>;
}

/** Describes a key in a token and what the token can wrap it with. */
export async function inspectTokenKey(options: OpenOptions & { readonly uri: string | Pkcs11Uri }): Promise<TokenInspection> {
  const uri = typeof options.uri === 'string' ? parsePkcs11Uri(options.uri, options) : options.uri;
  return withToken(uri, options, async (t) => {
    const key = findKey(t, uri);
    const token: Record<string, string | undefined> = {};
    for (const c of ['RSAES_OAEP_SHA_256', 'RSAES_OAEP_SHA_1', 'RSA_AES_KEY_WRAP_SHA_256', 'RSA_AES_KEY_WRAP_SHA_1']) {
      token[c] = tokenRefusal(t, key, c)?.message;
    }
    return { key: keyInfo(t, uri, key), token };
  });
}

async function withToken<T>(uri: Pkcs11Uri, options: OpenOptions, f: (t: TokenSession) => Promise<T>): Promise<T> {
  const t = await openToken(uri, options);
  try {
    return await f(t);
  } finally {
    t.close();
  }
}

function settledMaterial(key: TokenKey, t: TokenSession) {
  if (key.material) return key.material;
  throw new KmsWrapError(
    ERROR_CODES.KEY_SPEC_UNSUPPORTED,
    `'${key.label}' in token '${t.info.label}' is ${key.problem ?? 'no KMS key material'} — name a key of a KMS key spec (${KEY_SPECS.slice(0, 4).join(', ')}...)`,
  );
}

/** A construction as the wrapper's target names it, for a wrapping key spec (Cloud KMS: RSA_OAEP_3072_SHA1_AES_256). */
function targetName(wrapper: Pick<Wrapper, 'rules'>): (construction: string, wrappingKeySpec: string) => string {
  return (construction, spec) => {
    if (wrapper.rules.algorithms[construction]) return construction;
    const ids = Object.entries(wrapper.rules.algorithms).filter(([, r]) => r.construction === construction);
    return (ids.find(([, r]) => (r.wrappingKeySpecs as readonly string[]).includes(spec)) ?? ids[0])?.[0] ?? construction;
  };
}

function keyInfo(t: TokenSession, uri: Pkcs11Uri, key: TokenKey): TokenKeyInfo {
  const { handle: _handle, material, id, ...rest } = key;
  return {
    ...rest,
    uri: formatPkcs11Uri({
      token: { label: t.info.label },
      ...(uri.object !== undefined || key.label ? { object: uri.object ?? key.label } : {}),
      ...(uri.id !== undefined ? { id: uri.id } : {}),
      type: key.class,
    }),
    token: t.info,
    id: Buffer.from(id).toString('hex'),
    keySpec: key.keySpec,
    length: material?.length,
  };
}
