/** The KMS key spec of a private key: from the RSA modulus size or the curve. */
import { KEY_SPECS, KEY_SPEC_INFO, type KeySpec } from '@kms-wrap/core';
import { bitLength } from '@kms-wrap/core/encoding';
import type { PrivateKey } from './private-key.js';

/** Undefined for RSA sizes KMS has no key spec for (RSA_1024, RSA_1536, ...). */
export function keySpecOf(key: PrivateKey): KeySpec | undefined {
  if (key.type === 'rsa') {
    const bits = bitLength(key.rsa.n);
    return KEY_SPECS.find((s) => KEY_SPEC_INFO[s].rsaBits === bits);
  }
  return KEY_SPECS.find((s) => KEY_SPEC_INFO[s].curve === key.ec.curve);
}
