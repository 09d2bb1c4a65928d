/**
 * The shared conformance suite, in Chromium, for every standard plugin with the WebCrypto
 * provider: RSA ones under OpenSSL's RSA_2048/3072/4096 wrapping keys (standard and China
 * Regions), SM2PKE under OpenSSL's SM2 key (China Regions).
 */
import { describeConformance, type ConformanceKey, type ConformanceMaterial } from '@kms-wrap/conformance';
import { type KeySpec, type Region, type WrappingKeySpec } from '@kms-wrap/core';
import { fromBase64 } from '@kms-wrap/core/encoding';
import { algorithms as rsaAesKeyWrap } from '@kms-wrap/rsa-aes-key-wrap';
import { algorithms as rsaesOaep } from '@kms-wrap/rsaes-oaep';
import { algorithms as sm2pke } from '@kms-wrap/sm2pke';
import { inject } from 'vitest';
import { createWebCryptoProvider } from '../../src/index.js';

const provider = createWebCryptoProvider();
const wrappingKeys = inject('wrappingKeys');
const opensslMaterials = inject('opensslMaterials');

function keys(specs: readonly WrappingKeySpec[]): () => Promise<ConformanceKey[]> {
  return async () =>
    specs.map((spec) => ({
      spec,
      publicKeySpki: fromBase64(wrappingKeys[spec].spki)!,
      privateKeyPkcs8: fromBase64(wrappingKeys[spec].pkcs8)!,
    }));
}

/** Raw material from the CSPRNG, and private keys OpenSSL made (PKCS#8 DER). */
function materials(region: Region): ConformanceMaterial[] {
  const raw: [KeySpec, number][] = [
    ['SYMMETRIC_DEFAULT', region === 'china' ? 16 : 32],
    ['HMAC_224', 28],
    ['HMAC_256', 32],
    ['HMAC_384', 48],
    ['HMAC_512', 64],
  ];
  const keysMade = Object.entries(opensslMaterials).filter(([spec]) => spec !== 'SM2' || region === 'china');
  return [
    ...raw.map(([keySpec, n]) => ({ keySpec, bytes: provider.randomBytes(n) })),
    ...keysMade.map(([keySpec, der]) => ({ keySpec: keySpec as KeySpec, bytes: fromBase64(der)! })),
  ];
}

const RSA: readonly WrappingKeySpec[] = ['RSA_2048', 'RSA_3072', 'RSA_4096'];

for (const plugin of [...rsaesOaep, ...rsaAesKeyWrap]) {
  describeConformance(plugin, { provider, keys: keys(RSA), materials: materials('standard'), region: 'standard' });
}
for (const plugin of rsaesOaep) {
  describeConformance(plugin, { provider, keys: keys(RSA), materials: materials('china'), region: 'china' });
}
for (const plugin of sm2pke) {
  describeConformance(plugin, { provider, keys: keys(['SM2', 'RSA_2048']), materials: materials('china'), region: 'china' });
}
