/**
 * A library call with arguments of the wrong type (from JavaScript, or cast) is refused with a
 * coded KmsWrapError that names the member, before anything reads it: never a TypeError from
 * inside, and never the value itself in the message (it may be key material).
 */
import { describe, expect, it } from 'vitest';
import { createWrapper, ERROR_CODES, KmsWrapError, type Wrapper } from '../src/index.js';

// No plugin runs: every request below is refused before one would.
const wrapper: Wrapper = createWrapper({ algorithms: [], crypto: {} as never });
const material = new Uint8Array(32).fill(1);
const key = 'not used: refused first';

async function refusal(request: unknown, call: 'wrap' | 'options' = 'wrap'): Promise<KmsWrapError> {
  try {
    if (call === 'wrap') await wrapper.wrap(request as never);
    else wrapper.options(request as never);
  } catch (e) {
    expect(e).toBeInstanceOf(KmsWrapError);
    expect((e as KmsWrapError).code).toBe(ERROR_CODES.ARGUMENT_INVALID);
    return e as KmsWrapError;
  }
  throw new Error('not refused');
}

describe('wrong argument types are coded refusals', () => {
  it.each([
    [
      'material as a string',
      { material: 'c2VjcmV0LWtleS1tYXRlcmlhbA==', wrappingPublicKey: key, algorithm: 'RSAES_OAEP_SHA_256' },
      'material must be a Uint8Array',
      'not a string',
    ],
    [
      'material as an array of numbers',
      { material: [1, 2, 3], wrappingPublicKey: key, algorithm: 'RSAES_OAEP_SHA_256' },
      'material must be a Uint8Array',
      'not an array',
    ],
    [
      'material as an ArrayBuffer',
      { material: new ArrayBuffer(32), wrappingPublicKey: key, algorithm: 'RSAES_OAEP_SHA_256' },
      'material must be a Uint8Array',
      'not an ArrayBuffer',
    ],
    ['no material', { wrappingPublicKey: key, algorithm: 'RSAES_OAEP_SHA_256' }, 'material must be a Uint8Array', 'not undefined'],
    [
      'a number as the wrapping key',
      { material, wrappingPublicKey: 42, algorithm: 'RSAES_OAEP_SHA_256' },
      'wrappingPublicKey must be',
      'not a number',
    ],
    ['no algorithm', { material, wrappingPublicKey: key }, 'algorithm must be', 'not undefined'],
    ['an algorithm that is not a string', { material, wrappingPublicKey: key, algorithm: 1 }, 'algorithm must be', 'not a number'],
    [
      'a region that is not a string',
      { material, wrappingPublicKey: key, algorithm: 'RSAES_OAEP_SHA_256', region: true },
      'region must be a string',
      'not a boolean',
    ],
    [
      'a key spec that is not a string',
      { material, wrappingPublicKey: key, algorithm: 'RSAES_OAEP_SHA_256', keySpec: {} },
      'keySpec must be a string',
      'not an object',
    ],
    ['no request', undefined, 'wrap() takes a request object', 'not undefined'],
    ['null', null, 'wrap() takes a request object', 'not null'],
  ])('%s', async (_, request, says, kind) => {
    const e = await refusal(request);
    expect(e.message).toContain(says);
    expect(e.message).toContain(kind);
    expect(e.message).not.toContain('c2VjcmV0');
  });

  it('options() checks the same, without an algorithm', async () => {
    const e = await refusal({ material: 'abc', wrappingPublicKey: key }, 'options');
    expect(e.message).toContain('material must be a Uint8Array');
  });
});
