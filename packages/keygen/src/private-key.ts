/**
 * A private key of a type KMS imports, decoded into its numbers, and its one canonical
 * encoding: PKCS#8 PrivateKeyInfo v1 with no attributes, as `openssl pkcs8 -topk8 -nocrypt
 * -outform DER` prints it.
 */
import * as asn1js from 'asn1js';
import { OID, OID_BY_CURVE, zeroize } from '@kms-wrap/core/encoding';
import { encodeEcPrivateKey } from './ec-private-key.js';
import type { EcKeyParts } from './ec-key.js';
import { encodePrivateKeyInfo } from './private-key-info.js';
import { encodeRsaPrivateKey, wipeRsaKey, type RsaKeyParts } from './rsa-private-key.js';

export type PrivateKey = { readonly type: 'rsa'; readonly rsa: RsaKeyParts } | { readonly type: 'ec'; readonly ec: EcKeyParts };

export function wipePrivateKey(key: PrivateKey): void {
  if (key.type === 'rsa') wipeRsaKey(key.rsa);
  else zeroize(key.ec.d);
}

/** The canonical PKCS#8 DER of `key`. Intermediate encodings are zeroed; `key` is not. */
export function encodePrivateKey(key: PrivateKey): Uint8Array {
  if (key.type === 'rsa') {
    // RFC 8017 §A.1: rsaEncryption, parameters NULL.
    const inner = encodeRsaPrivateKey(key.rsa);
    try {
      return encodePrivateKeyInfo(OID.rsaEncryption, new asn1js.Null(), inner);
    } finally {
      zeroize(inner);
    }
  }
  // RFC 5480 §2.1.1: id-ecPublicKey, parameters namedCurve.
  const inner = encodeEcPrivateKey(key.ec.d, key.ec.point);
  try {
    return encodePrivateKeyInfo(OID.ecPublicKey, new asn1js.ObjectIdentifier({ value: OID_BY_CURVE[key.ec.curve] }), inner);
  } finally {
    zeroize(inner);
  }
}
