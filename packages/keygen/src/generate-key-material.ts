/**
 * generateKeyMaterial: fresh key material of any KMS key spec, in the form KMS imports —
 * raw random bytes for symmetric and HMAC keys, canonical PKCS#8 DER for private keys. All
 * randomness and prime generation come from the CryptoProvider; noble only maps provider
 * randomness to a scalar and multiplies the base point (secp256k1, SM2, and NIST curves when
 * the provider cannot generate EC keys itself).
 */
import {
  ERROR_CODES,
  KEY_SPEC_INFO,
  KmsWrapError,
  parseKeySpec,
  parseRegion,
  rawLengthOf,
  type CryptoProvider,
  type CurveName,
  type KeySpec,
  type Region,
  type Surface,
} from '@kms-wrap/core';
import { zeroize } from '@kms-wrap/core/encoding';
import { sayPass } from '@kms-wrap/core/internal';
import { curveOf } from './curves.js';
import { keySpecOf } from './key-spec-of.js';
import { readJwk } from './jwk.js';
import { encodePrivateKey, wipePrivateKey, type PrivateKey } from './private-key.js';

export interface GenerateOptions {
  /** 'china' for the AWS China Regions (16-byte symmetric keys; SM2). Default 'standard'. */
  readonly region?: Region;
  /** randomBytes always; generateRsaKey for RSA specs; generateEcKey is used for NIST curves if present. */
  readonly crypto: CryptoProvider;
  /** Where refusals are read: how a remedy names an option (the library's words by default). */
  readonly surface?: Surface;
}

/**
 * Generates key material for `keySpec` (a KeySpec, or a name parseKeySpec accepts).
 * SYMMETRIC_DEFAULT: 32 random bytes (16 in the China Regions); HMAC_224/256/384/512: 28/32/48/64;
 * RSA_2048/3072/4096 (e = 65537), ECC_NIST_P256/P384/P521, ECC_SECG_P256K1 and SM2 (China only):
 * PKCS#8 DER. Refuses unknown and unimportable specs (ML_DSA_65, RSA_1024) and SM2 outside China.
 */
export async function generateKeyMaterial(keySpec: KeySpec | string, options: GenerateOptions): Promise<Uint8Array> {
  const spec = parseKeySpec(keySpec);
  const region = parseRegion(options?.region ?? 'standard');
  const crypto = options?.crypto;
  if (typeof crypto?.randomBytes !== 'function') {
    throw new KmsWrapError(
      ERROR_CODES.PROVIDER_UNSUPPORTED,
      'no crypto provider was given — pass { crypto } from @kms-wrap/node or @kms-wrap/browser',
    );
  }
  const info = KEY_SPEC_INFO[spec];
  if (!info.regions.includes(region)) {
    throw new KmsWrapError(
      ERROR_CODES.REGION_MISMATCH,
      `${spec} key material can be imported only in the AWS China Regions — ${sayPass(options.surface, 'region', 'china')}`,
    );
  }
  switch (info.kind) {
    case 'symmetric':
    case 'hmac':
      return randomBytes(crypto, rawLengthOf(spec, region)!);
    case 'rsa':
      return encodeChecked(spec, await rsaKey(crypto, info.rsaBits as 2048 | 3072 | 4096));
    case 'ecc':
    case 'sm2':
      return encodeChecked(spec, await ecKey(crypto, info.curve!));
  }
}

function randomBytes(crypto: CryptoProvider, length: number): Uint8Array {
  const bytes = crypto.randomBytes(length);
  if (!(bytes instanceof Uint8Array) || bytes.length !== length) {
    throw new KmsWrapError(
      ERROR_CODES.OUTPUT_CHECK_FAILED,
      `the crypto provider '${crypto.name}' returned the wrong number of random bytes — fix the provider`,
    );
  }
  return bytes;
}

/** Encodes `key` after checking it is of `spec` (a provider could return another size). */
function encodeChecked(spec: KeySpec, key: PrivateKey): Uint8Array {
  try {
    if (keySpecOf(key) !== spec) {
      throw new KmsWrapError(ERROR_CODES.OUTPUT_CHECK_FAILED, `the crypto provider returned a key that is not ${spec} — fix the provider`);
    }
    return encodePrivateKey(key);
  } finally {
    wipePrivateKey(key);
  }
}

async function fromProvider<T>(crypto: CryptoProvider, what: string, make: () => Promise<T>): Promise<T> {
  try {
    return await make();
  } catch (cause) {
    if (cause instanceof KmsWrapError) throw cause;
    throw new KmsWrapError(
      ERROR_CODES.PROVIDER_UNSUPPORTED,
      `the crypto provider '${crypto.name}' failed to generate ${what} — check the runtime's crypto support`,
      { cause },
    );
  }
}

async function rsaKey(crypto: CryptoProvider, bits: 2048 | 3072 | 4096): Promise<PrivateKey> {
  const generate = crypto.generateRsaKey;
  if (generate === undefined) {
    throw new KmsWrapError(
      ERROR_CODES.PROVIDER_UNSUPPORTED,
      `the crypto provider '${crypto.name}' cannot generate RSA keys — use the provider of @kms-wrap/node or @kms-wrap/browser`,
    );
  }
  const jwk = await fromProvider(crypto, `an RSA ${bits} key`, () => generate.call(crypto, bits));
  // RFC 8017 §3.1; KMS expects the usual public exponent 65537 ("AQAB").
  if (jwk?.e !== 'AQAB') {
    throw new KmsWrapError(
      ERROR_CODES.OUTPUT_CHECK_FAILED,
      `the crypto provider '${crypto.name}' returned an RSA key whose exponent is not 65537 — fix the provider`,
    );
  }
  return readJwk(jwk);
}

async function ecKey(crypto: CryptoProvider, curveName: CurveName): Promise<PrivateKey> {
  const generate = crypto.generateEcKey;
  if (generate !== undefined && (curveName === 'P-256' || curveName === 'P-384' || curveName === 'P-521')) {
    const jwk = await fromProvider(crypto, `a ${curveName} key`, () => generate.call(crypto, curveName));
    if (jwk?.crv !== curveName) {
      throw new KmsWrapError(
        ERROR_CODES.OUTPUT_CHECK_FAILED,
        `the crypto provider '${crypto.name}' returned a key on another curve than ${curveName} — fix the provider`,
      );
    }
    return readJwk(jwk); // checks that x, y belong to d
  }
  // Noble maps provider randomness to a scalar in 1..n-1 with negligible bias (FIPS 186-5
  // §A.2.1: at least 64 extra bits, here via mapHashToField) and derives the public point.
  const curve = curveOf(curveName);
  const seed = randomBytes(crypto, curve.ecdh.lengths.seed ?? curve.size + 16);
  let d: Uint8Array | undefined;
  try {
    d = curve.ecdh.utils.randomSecretKey(seed);
    const point = curve.ecdh.getPublicKey(d, false);
    return { type: 'ec', ec: { curve: curveName, d: d.slice(), point } };
  } finally {
    zeroize(seed, d);
  }
}
