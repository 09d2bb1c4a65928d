// @ts-check
/**
 * The example plugin used through the engine, playing both sides:
 *
 *   pnpm build && node examples/custom-plugin/demo.mjs
 *
 * It makes an RSA_3072 wrapping key pair (as a key service would), wraps 32 bytes of
 * SYMMETRIC_DEFAULT material with RSAES_OAEP_SHA_384_EXAMPLE, unwraps them on the "service
 * side", and shows the engine refusing what the plugin's `accepts` and `capacity` rule out.
 */
import { pathToFileURL } from 'node:url';
import { createWrapper, isKmsWrapError } from '@kms-wrap/core';
import { createNodeCryptoProvider } from '@kms-wrap/node';
import { RSAES_OAEP_SHA_384_EXAMPLE } from './rsaes-oaep-sha384.mjs';

/**
 * @param {{ log?: (line: string) => void }} [options]
 */
export async function main({ log = console.log } = {}) {
  const subtle = globalThis.crypto.subtle;
  // The service side: a wrapping key pair. Its public half (DER SubjectPublicKeyInfo) is what
  // the service hands out; the private half stays there.
  const pair = await subtle.generateKey(
    { name: 'RSA-OAEP', modulusLength: 3072, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-384' },
    true,
    ['encrypt', 'decrypt'],
  );
  const wrappingPublicKey = new Uint8Array(await subtle.exportKey('spki', pair.publicKey));
  const privateKey = new Uint8Array(await subtle.exportKey('pkcs8', pair.privateKey));

  // Our side: the engine is given the plugin. Nothing is registered anywhere.
  const crypto = createNodeCryptoProvider();
  const wrapper = createWrapper({ algorithms: [RSAES_OAEP_SHA_384_EXAMPLE], crypto });
  const algorithm = RSAES_OAEP_SHA_384_EXAMPLE.id;

  const material = crypto.randomBytes(32);
  const wrapped = await wrapper.wrap({ material, wrappingPublicKey, algorithm, keySpec: 'SYMMETRIC_DEFAULT' });
  log(
    `wrapped ${wrapped.keySpec} (32 bytes) with ${wrapped.algorithm} under ${wrapped.wrappingKeySpec}: ${wrapped.ciphertext.length} bytes`,
  );

  const unwrapped = await wrapper.unwrap({ ciphertext: wrapped.ciphertext, algorithm, privateKey });
  const verified = unwrapped.length === material.length && unwrapped.every((b, i) => b === material[i]);
  log(`unwrapped on the service side: ${verified ? 'the same 32 bytes' : 'DIFFERENT BYTES'}`);

  // What the engine refuses before the plugin runs: a Region the plugin's `accepts` leaves out.
  const refusals = [];
  try {
    await wrapper.wrap({ material, wrappingPublicKey, algorithm, keySpec: 'HMAC_256', region: 'china' });
  } catch (e) {
    if (!isKmsWrapError(e)) throw e;
    refusals.push(e);
    log(`refused: ${e.toLine()}`);
  }

  return { ciphertext: wrapped.ciphertext, material, unwrapped, verified, refusals, wrappingPublicKey, privateKey };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { verified } = await main();
  process.exitCode = verified ? 0 : 1;
}
