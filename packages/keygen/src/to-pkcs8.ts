/** toPkcs8: a private key in any form users have, to the canonical PKCS#8 DER that KMS imports. */
import { ERROR_CODES, KmsWrapError } from '@kms-wrap/core';
import { bitLength, equalBytes } from '@kms-wrap/core/encoding';
import { keySpecOf } from './key-spec-of.js';
import { encodePrivateKey, wipePrivateKey } from './private-key.js';
import { readPrivateKey, type KeyFormat } from './read-private-key.js';

export interface Pkcs8Result {
  /** Canonical PKCS#8 DER: what `openssl pkcs8 -topk8 -nocrypt -outform DER` prints. */
  readonly der: Uint8Array;
  /** The form the input was in. */
  readonly from: KeyFormat;
  /** False only when the input already was these exact bytes. */
  readonly converted: boolean;
}

/**
 * Converts a private key to canonical PKCS#8 DER. Takes bytes or text: PKCS#8, PKCS#1
 * ("RSA PRIVATE KEY") or SEC1 ("EC PRIVATE KEY", with or without OpenSSL's EC PARAMETERS
 * block), as DER or PEM, or a private JWK as JSON text. RSA CRT values are kept as given; an
 * EC public key that is missing or compressed is written uncompressed, derived from d.
 *
 * Refuses, with a one-line KmsWrapError: encrypted keys (MATERIAL_ENCRYPTED, naming the
 * openssl command that decrypts them), public keys, certificates and anything malformed
 * (MATERIAL_INVALID), key types and sizes KMS cannot import (KEY_SPEC_UNSUPPORTED).
 */
export function toPkcs8(input: Uint8Array | string): Pkcs8Result {
  const { from, key } = readPrivateKey(input);
  try {
    if (keySpecOf(key) === undefined && key.type === 'rsa') {
      throw new KmsWrapError(
        ERROR_CODES.KEY_SPEC_UNSUPPORTED,
        `the key is a ${bitLength(key.rsa.n)}-bit RSA key and KMS imports RSA_2048, RSA_3072 or RSA_4096 — use a key of one of those sizes`,
      );
    }
    const der = encodePrivateKey(key);
    const converted = !(from === 'pkcs8-der' && input instanceof Uint8Array && equalBytes(der, input));
    return { der, from, converted };
  } catch (error) {
    if (error instanceof KmsWrapError) throw error;
    throw new KmsWrapError(ERROR_CODES.MATERIAL_INVALID, 'the key could not be converted — check that the file is a private key', {
      cause: error,
    });
  } finally {
    wipePrivateKey(key);
  }
}
