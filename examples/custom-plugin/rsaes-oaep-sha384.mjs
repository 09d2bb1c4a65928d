// @ts-check
/**
 * An example third-party wrapping algorithm: RSAES-OAEP with SHA-384 and MGF1-SHA-384, empty
 * label (RFC 8017 §7.1), under the new id RSAES_OAEP_SHA_384_EXAMPLE. AWS KMS does not accept
 * it; it shows how a plugin for another target plugs into kms-wrap with no change to core:
 *
 *   - the id is one the AWS rule set does not know, so the plugin declares `accepts`;
 *   - `capacity` is computed from the construction (k − 2·hLen − 2), never special-cased,
 *     so the engine refuses material that does not fit before `wrap` runs;
 *   - `outputLength` is exact (k bytes), so the engine checks the output after `wrap`.
 *
 * The CryptoProvider offers RSA-OAEP with SHA-1 and SHA-256 only, so this plugin brings its
 * own primitive: WebCrypto (`globalThis.crypto.subtle`), which Node >= 19 and every browser
 * have. A plugin for a primitive WebCrypto lacks would use small, spec-cited code or an
 * audited pure-JS library instead (see docs/writing-a-plugin.md).
 */
import { ERROR_CODES, KmsWrapError, WRAPPING_KEY_SPEC_INFO } from '@kms-wrap/core';

/** @typedef {import('@kms-wrap/core').WrappingAlgorithm} WrappingAlgorithm */
/** @typedef {import('@kms-wrap/core').WrappingKeySpec} WrappingKeySpec */

const ID = 'RSAES_OAEP_SHA_384_EXAMPLE';
const HASH = 'SHA-384';
/** hLen of SHA-384, in bytes. */
const H_LEN = 48;

/**
 * k, the modulus length in bytes (RFC 8017 §2); 0 for key specs that are not RSA.
 * @param {WrappingKeySpec} spec
 */
function modulusBytes(spec) {
  const info = WRAPPING_KEY_SPEC_INFO[spec];
  return info.type === 'rsa' ? info.bits / 8 : 0;
}

/** @param {Uint8Array} bytes */
const exact = (bytes) => new Uint8Array(bytes); // a copy WebCrypto can take as a BufferSource

function subtle() {
  const s = globalThis.crypto?.subtle;
  if (!s)
    throw new KmsWrapError(
      ERROR_CODES.PROVIDER_UNSUPPORTED,
      `${ID} needs WebCrypto (crypto.subtle) — run it on Node 19 or later, or in a browser`,
    );
  return s;
}

/** @type {WrappingAlgorithm} */
export const RSAES_OAEP_SHA_384_EXAMPLE = {
  id: ID,
  description: 'RSA-OAEP with SHA-384 and MGF1-SHA-384, empty label (RFC 8017 §7.1): an example third-party plugin',
  packageName: '@kms-wrap/example-custom-plugin',
  wrappingKeyType: 'rsa',
  // What this id is for: the engine judges requests by this, as it judges AWS ids by its rules.
  accepts: {
    materials: ['symmetric', 'hmac', 'ecc'],
    wrappingKeySpecs: ['RSA_2048', 'RSA_3072', 'RSA_4096'],
    regions: ['standard'],
  },
  // RFC 8017 §7.1.1 step 1b: mLen <= k - 2hLen - 2 (158, 286, 414 bytes).
  capacity: (spec) => Math.max(0, modulusBytes(spec) - 2 * H_LEN - 2),
  // RFC 8017 §7.1.1 step 4: the ciphertext is k octets.
  outputLength: (spec) => modulusBytes(spec),

  async wrap({ material, wrappingKey }) {
    const key = await subtle().importKey('spki', exact(wrappingKey.spki), { name: 'RSA-OAEP', hash: HASH }, false, ['encrypt']);
    return new Uint8Array(await subtle().encrypt({ name: 'RSA-OAEP' }, key, exact(material)));
  },

  async unwrap({ ciphertext, privateKey }) {
    const key = await subtle().importKey('pkcs8', exact(privateKey), { name: 'RSA-OAEP', hash: HASH }, false, ['decrypt']);
    return new Uint8Array(await subtle().decrypt({ name: 'RSA-OAEP' }, key, exact(ciphertext)));
  },
};

/** Every algorithm of this package, for `createWrapper({ algorithms: [...algorithms] })`. */
export const algorithms = [RSAES_OAEP_SHA_384_EXAMPLE];
