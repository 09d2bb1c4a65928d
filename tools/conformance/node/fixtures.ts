/**
 * Wrapping key pairs and key material of every standard key spec, from node:crypto: what the
 * conformance suite is given. Generated once per test file, in parallel.
 */
import { generateKeyPair, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import type { ConformanceKey, ConformanceMaterial } from '../src/index.js';

const generate = promisify(generateKeyPair);

const bytes = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

async function rsa(bits: number) {
  const { publicKey, privateKey } = await generate('rsa', { modulusLength: bits, publicExponent: 65537 });
  return {
    spki: bytes(publicKey.export({ type: 'spki', format: 'der' })),
    pkcs8: bytes(privateKey.export({ type: 'pkcs8', format: 'der' })),
  };
}

async function ec(namedCurve: string): Promise<Uint8Array> {
  const { privateKey } = await generate('ec', { namedCurve });
  return bytes(privateKey.export({ type: 'pkcs8', format: 'der' }));
}

export interface Fixtures {
  readonly keys: readonly ConformanceKey[];
  readonly materials: readonly ConformanceMaterial[];
}

export async function fixtures(): Promise<Fixtures> {
  const [w2048, w3072, w4096, m2048, m3072, m4096, p256, p384, p521, k256] = await Promise.all([
    rsa(2048),
    rsa(3072),
    rsa(4096),
    rsa(2048),
    rsa(3072),
    rsa(4096),
    ec('prime256v1'),
    ec('secp384r1'),
    ec('secp521r1'),
    ec('secp256k1'),
  ]);
  const key = (spec: ConformanceKey['spec'], k: { spki: Uint8Array; pkcs8: Uint8Array }): ConformanceKey => ({
    spec,
    publicKeySpki: k.spki,
    privateKeyPkcs8: k.pkcs8,
  });
  return {
    keys: [key('RSA_2048', w2048), key('RSA_3072', w3072), key('RSA_4096', w4096)],
    materials: [
      { keySpec: 'SYMMETRIC_DEFAULT', bytes: bytes(randomBytes(32)) },
      { keySpec: 'HMAC_224', bytes: bytes(randomBytes(28)) },
      { keySpec: 'HMAC_256', bytes: bytes(randomBytes(32)) },
      { keySpec: 'HMAC_384', bytes: bytes(randomBytes(48)) },
      { keySpec: 'HMAC_512', bytes: bytes(randomBytes(64)) },
      { keySpec: 'RSA_2048', bytes: m2048.pkcs8 },
      { keySpec: 'RSA_3072', bytes: m3072.pkcs8 },
      { keySpec: 'RSA_4096', bytes: m4096.pkcs8 },
      { keySpec: 'ECC_NIST_P256', bytes: p256 },
      { keySpec: 'ECC_NIST_P384', bytes: p384 },
      { keySpec: 'ECC_NIST_P521', bytes: p521 },
      { keySpec: 'ECC_SECG_P256K1', bytes: k256 },
    ],
  };
}
