/**
 * A local wrapping key pair, as KMS would make for GetParametersForImport: the "KMS side"
 * of `kms-wrap demo` and of tests. Never needed to wrap for a real import.
 */
import { generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';
import { WRAPPING_KEY_SPEC_INFO, type WrappingKeySpec } from '@kms-wrap/core';

const generateKeyPairAsync = promisify(generateKeyPair);

export interface WrappingKeyPair {
  readonly spec: WrappingKeySpec;
  /** DER SubjectPublicKeyInfo: what WrappingPublicKey.bin holds. */
  readonly publicKey: Uint8Array;
  /** PKCS#8 DER private key: what KMS keeps. */
  readonly privateKey: Uint8Array;
}

export async function createWrappingKeyPair(spec: WrappingKeySpec): Promise<WrappingKeyPair> {
  const info = WRAPPING_KEY_SPEC_INFO[spec];
  const { publicKey, privateKey } =
    info.type === 'rsa'
      ? await generateKeyPairAsync('rsa', { modulusLength: info.bits, publicExponent: 65537 })
      : await generateKeyPairAsync('ec', { namedCurve: 'SM2' });
  return {
    spec,
    publicKey: new Uint8Array(publicKey.export({ type: 'spki', format: 'der' })),
    privateKey: new Uint8Array(privateKey.export({ type: 'pkcs8', format: 'der' })),
  };
}
