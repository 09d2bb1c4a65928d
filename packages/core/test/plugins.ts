/**
 * Stand-ins for the standard plugins (core cannot depend on the algorithm packages): the same
 * ids, key types and capacities, and a wrap that must never run in the refusal tests.
 */
import { randomBytes } from 'node:crypto';
import type { CryptoProvider, WrappingAlgorithm, WrappingKeySpec } from '../src/index.js';

const K: Record<WrappingKeySpec, number> = { RSA_2048: 256, RSA_3072: 384, RSA_4096: 512, SM2: 0 };

function stub(
  id: string,
  wrappingKeyType: 'rsa' | 'sm2',
  capacity: (spec: WrappingKeySpec) => number,
  packageName: string,
): WrappingAlgorithm {
  return {
    id,
    description: `stand-in for ${id}`,
    packageName,
    wrappingKeyType,
    capacity,
    outputLength: (spec, n) => (wrappingKeyType === 'sm2' ? 97 + n + 10 : K[spec]),
    wrap: async () => {
      throw new Error(`the stand-in for ${id} was asked to wrap`);
    },
  };
}

const oaep = (hLen: number) => (spec: WrappingKeySpec) => Math.max(0, K[spec] - 2 * hLen - 2);
const kwp = (spec: WrappingKeySpec) => (K[spec] > 0 ? 0xffffffff : 0);

export const STAND_INS: readonly WrappingAlgorithm[] = [
  stub('RSA_AES_KEY_WRAP_SHA_256', 'rsa', kwp, '@kms-wrap/rsa-aes-key-wrap'),
  stub('RSA_AES_KEY_WRAP_SHA_1', 'rsa', kwp, '@kms-wrap/rsa-aes-key-wrap'),
  stub('RSAES_OAEP_SHA_256', 'rsa', oaep(32), '@kms-wrap/rsaes-oaep'),
  stub('RSAES_OAEP_SHA_1', 'rsa', oaep(20), '@kms-wrap/rsaes-oaep'),
  stub('SM2PKE', 'sm2', (spec) => (spec === 'SM2' ? 65536 : 0), '@kms-wrap/sm2pke'),
];

/** A provider with node:crypto's CSPRNG and nothing else: what a plugin that needs only randomness sees. */
export const randomOnlyProvider: CryptoProvider = {
  name: 'test (random only)',
  randomBytes: (n) => new Uint8Array(randomBytes(n)),
  rsaOaepEncrypt: async () => {
    throw new Error('not in this provider');
  },
  aesKwpWrap: async () => {
    throw new Error('not in this provider');
  },
};
