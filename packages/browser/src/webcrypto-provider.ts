/**
 * The WebCrypto CryptoProvider: RSA-OAEP from crypto.subtle (wrapping public keys imported
 * once per parsed key, in a WeakMap), randomness from crypto.getRandomValues, and AES key
 * wrap with padding (RFC 5649), which WebCrypto lacks (it has only RFC 3394 AES-KW), from
 * @noble/ciphers.
 */
import { aeskwp } from '@noble/ciphers/aes.js';
import {
  ERROR_CODES,
  KmsWrapError,
  type CryptoProvider,
  type EcPrivateJwk,
  type OaepHash,
  type RsaPrivateJwk,
  type WrappingPublicKey,
} from '@kms-wrap/core';
import { checkWrappingKeyExponent } from '@kms-wrap/core/internal';

/** crypto.getRandomValues fills at most 65536 bytes per call (WebCrypto §10.1.1). */
const _RANDOM_CHUNK = 65536;
/** RFC 8017 §A.1.1: KMS wrapping keys use e = 65537. */
const _E_65537 = new Uint8Array([1, 0, 1]);

function _subtle(): SubtleCrypto {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) {
    throw new KmsWrapError(
      ERROR_CODES.PROVIDER_UNSUPPORTED,
      'crypto.subtle is not available: WebCrypto needs a secure context — open the page from https://, http://localhost or a local file',
    );
  }
  return subtle;
}

/**
 * The bytes as a view WebCrypto takes (an ArrayBuffer, not a SharedArrayBuffer). Copies only
 * when it must; `copied` tells the caller to zero the copy.
 */
function _buffer(bytes: Uint8Array): { view: Uint8Array<ArrayBuffer>; copied: boolean } {
  if (bytes.buffer instanceof ArrayBuffer) return { view: bytes as Uint8Array<ArrayBuffer>, copied: false };
  const view = new Uint8Array(bytes.length);
  view.set(bytes);
  return { view, copied: true };
}

function _kek(kek: Uint8Array): Uint8Array {
  // RFC 5649 §4: the KEK is an AES key, 128, 192 or 256 bits.
  if (kek.length !== 16 && kek.length !== 24 && kek.length !== 32) {
    throw new RangeError(`AES-KWP needs a 16, 24 or 32-byte key, not ${kek.length}`);
  }
  return kek;
}

function _cause(e: unknown): string {
  return e instanceof Error && e.name ? e.name : 'unknown error';
}

/** The members RFC 7518 §6.3.2 defines for an RSA private key, and nothing else (no key_ops, ext, alg). */
function _rsaJwk(jwk: JsonWebKey): RsaPrivateJwk {
  const { n, e, d, p, q, dp, dq, qi } = jwk;
  if (jwk.kty !== 'RSA' || !n || !e || !d || !p || !q || !dp || !dq || !qi) {
    throw new KmsWrapError(
      ERROR_CODES.PROVIDER_UNSUPPORTED,
      'WebCrypto exported an RSA key without its CRT members — use another browser or the Node runtime',
    );
  }
  return { kty: 'RSA', n, e, d, p, q, dp, dq, qi };
}

/** RFC 7518 §6.2: kty, crv, x, y, d. */
function _ecJwk(jwk: JsonWebKey, crv: EcPrivateJwk['crv']): EcPrivateJwk {
  const { x, y, d } = jwk;
  if (jwk.kty !== 'EC' || jwk.crv !== crv || !x || !y || !d) {
    throw new KmsWrapError(
      ERROR_CODES.PROVIDER_UNSUPPORTED,
      `WebCrypto exported an incomplete ${crv} key — use another browser or the Node runtime`,
    );
  }
  return { kty: 'EC', crv, x, y, d };
}

export function createWebCryptoProvider(): CryptoProvider {
  const publicKeys = new WeakMap<WrappingPublicKey, Map<OaepHash, Promise<CryptoKey>>>();

  function importPublicKey(key: WrappingPublicKey, hash: OaepHash): Promise<CryptoKey> {
    let byHash = publicKeys.get(key);
    if (!byHash) {
      byHash = new Map();
      publicKeys.set(key, byHash);
    }
    let k = byHash.get(hash);
    if (!k) {
      const cache = byHash;
      k = _subtle()
        .importKey('spki', _buffer(key.spki).view, { name: 'RSA-OAEP', hash }, false, ['encrypt'])
        .catch((cause: unknown) => {
          cache.delete(hash);
          throw new KmsWrapError(
            ERROR_CODES.PUBLIC_KEY_INVALID,
            `WebCrypto cannot use the ${key.spec} wrapping public key for RSA-OAEP (${_cause(cause)}) — use the PublicKey from GetParametersForImport, unmodified`,
            { cause },
          );
        })
        // The backstop: 65537, read off the key WebCrypto imported (not the parsed object's fields).
        .then((cryptoKey) => {
          checkWrappingKeyExponent((cryptoKey.algorithm as RsaHashedKeyAlgorithm).publicExponent);
          return cryptoKey;
        });
      byHash.set(hash, k);
    }
    return k;
  }

  return {
    name: 'webcrypto',

    randomBytes(length) {
      const out = new Uint8Array(length);
      for (let i = 0; i < length; i += _RANDOM_CHUNK) {
        globalThis.crypto.getRandomValues(out.subarray(i, Math.min(length, i + _RANDOM_CHUNK)));
      }
      return out;
    },

    // RFC 8017 §7.1.1; WebCrypto RSA-OAEP uses MGF1 with the same hash, and an empty label when none is given.
    async rsaOaepEncrypt(key, hash, plaintext) {
      const cryptoKey = await importPublicKey(key, hash);
      const { view, copied } = _buffer(plaintext);
      try {
        return new Uint8Array(await _subtle().encrypt({ name: 'RSA-OAEP' }, cryptoKey, view));
      } finally {
        if (copied) view.fill(0);
      }
    },

    // RFC 5649 §4.1, AIV A65959A6 || MLI. One cipher instance per call: noble's are single-use.
    async aesKwpWrap(kek, plaintext) {
      return aeskwp(_kek(kek)).encrypt(plaintext);
    },

    // RFC 8017 §7.1.2.
    async rsaOaepDecrypt(privateKeyPkcs8, hash, ciphertext) {
      const { view, copied } = _buffer(privateKeyPkcs8);
      let key: CryptoKey;
      try {
        key = await _subtle().importKey('pkcs8', view, { name: 'RSA-OAEP', hash }, false, ['decrypt']);
      } finally {
        if (copied) view.fill(0);
      }
      return new Uint8Array(await _subtle().decrypt({ name: 'RSA-OAEP' }, key, _buffer(ciphertext).view));
    },

    // RFC 5649 §4.2: throws when the AIV or the padding does not check out.
    async aesKwpUnwrap(kek, ciphertext) {
      return aeskwp(_kek(kek)).decrypt(ciphertext);
    },

    async generateRsaKey(bits) {
      // Any RSA algorithm name gives the same key; RSA-PSS keeps the key's usages to signing.
      const pair = await _subtle().generateKey({ name: 'RSA-PSS', modulusLength: bits, publicExponent: _E_65537, hash: 'SHA-256' }, true, [
        'sign',
        'verify',
      ]);
      return _rsaJwk(await _subtle().exportKey('jwk', pair.privateKey));
    },

    async generateEcKey(curve) {
      const pair = await _subtle().generateKey({ name: 'ECDSA', namedCurve: curve }, true, ['sign', 'verify']);
      return _ecJwk(await _subtle().exportKey('jwk', pair.privateKey), curve);
    },
  };
}
