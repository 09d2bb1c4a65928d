/**
 * A small CryptoProvider over node:crypto, for keygen's tests only (the real Node provider
 * lives in @kms-wrap/node). Keys come from Node's own generators, exported as JWK.
 */
import { generateKeyPair, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import type { CryptoProvider, EcPrivateJwk, RsaPrivateJwk } from '@kms-wrap/core';

const generate = promisify(generateKeyPair);

function notHere(): never {
  throw new Error('not implemented by the keygen test provider');
}

export function nodeTestProvider(overrides: Partial<CryptoProvider> = {}): CryptoProvider {
  return {
    name: 'node:crypto (keygen tests)',
    randomBytes: (length) => new Uint8Array(randomBytes(length)),
    rsaOaepEncrypt: async () => notHere(),
    aesKwpWrap: async () => notHere(),
    async generateRsaKey(bits) {
      const { privateKey } = await generate('rsa', { modulusLength: bits, publicExponent: 65537 });
      return privateKey.export({ format: 'jwk' }) as unknown as RsaPrivateJwk;
    },
    async generateEcKey(crv) {
      const { privateKey } = await generate('ec', { namedCurve: crv });
      return privateKey.export({ format: 'jwk' }) as unknown as EcPrivateJwk;
    },
    ...overrides,
  };
}

/** The same provider without key generation: a wrap-only runtime. */
export function randomOnlyProvider(): CryptoProvider {
  const { generateRsaKey: _r, generateEcKey: _e, ...rest } = nodeTestProvider();
  return rest;
}
