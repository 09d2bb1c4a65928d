/**
 * wrapKeyMaterial called from JavaScript (or with a cast) with an option of the wrong type: a
 * KmsWrapError ERR_ARGUMENT_INVALID that names the option — never a TypeError from inside (the
 * algorithm's `.trim`, the target's `.toLowerCase`), and never the value itself.
 */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, KmsWrapError } from '@kms-wrap/core';
import { wrapKeyMaterial } from '../src/index.js';

const pem = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
const material = new Uint8Array(32).fill(7);

async function refusal(options: unknown): Promise<KmsWrapError> {
  const e = await wrapKeyMaterial(options as never).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(KmsWrapError);
  expect((e as KmsWrapError).code).toBe(ERROR_CODES.ARGUMENT_INVALID);
  return e as KmsWrapError;
}

describe('wrapKeyMaterial: every option of the wrong type is a coded refusal', () => {
  it.each([
    ['algorithm: 1', { material, wrappingPublicKey: pem, algorithm: 1 }, /^algorithm must be .*not a number/],
    ['material as text', { material: 'abc', wrappingPublicKey: pem, algorithm: 'RSAES_OAEP_SHA_256' }, /^material must be a Uint8Array/],
    ['the wrapping key as a number', { material, wrappingPublicKey: 5, algorithm: 'RSAES_OAEP_SHA_256' }, /^wrappingPublicKey must be/],
    ['keySpec: 32', { material, wrappingPublicKey: pem, algorithm: 'RSAES_OAEP_SHA_256', keySpec: 32 }, /^keySpec must be a string/],
    ['region: true', { material, wrappingPublicKey: pem, algorithm: 'RSAES_OAEP_SHA_256', region: true }, /^region must be a string/],
    ['target: 3', { material, wrappingPublicKey: pem, algorithm: 'RSAES_OAEP_SHA_256', target: 3 }, /^target must be .*not a number/],
    ['target: null', { material, wrappingPublicKey: pem, algorithm: 'RSAES_OAEP_SHA_256', target: null }, /^target must be .*not null/],
    ['envelope as text', { material, wrappingPublicKey: pem, target: 'vault', envelope: 'x' }, /^envelope must be an object/],
    [
      'envelope.options as an array',
      { material, wrappingPublicKey: pem, target: 'vault', envelope: { options: [] } },
      /^envelope\.options/,
    ],
    ['envelope.fileName: 1', { material, wrappingPublicKey: pem, target: 'vault', envelope: { fileName: 1 } }, /^envelope\.fileName/],
  ])('%s', async (_name, options, says) => {
    const e = await refusal(options);
    expect(e.message).toMatch(says);
    expect(e.message).not.toMatch(/TypeError|is not a function/);
  });

  it('no options object at all', async () => {
    expect((await refusal(undefined)).message).toMatch(/takes a request object/);
  });

  it("the algorithm may still be left out where the target has a default (Azure's one mechanism)", async () => {
    const kekId = 'https://contoso-hsm.managedhsm.azure.net/keys/KEK/0123';
    const out = await wrapKeyMaterial({ material, wrappingPublicKey: pem, target: 'azure', envelope: { options: { kekId } } });
    expect(JSON.parse(Buffer.from(out).toString('utf8')).header.kid).toBe(kekId);
  });
});
