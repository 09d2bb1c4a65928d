/**
 * A wrapping key object is trusted only if core's parser made it. Anything else with `spki` and
 * `spec` (a forged object, one that lost its identity crossing a thread) is parsed again from its
 * spki bytes, so the RSA checks run: an RSA_4096 key with e = 1 given as an object is refused
 * exactly as it is given as bytes.
 */
import * as asn1js from 'asn1js';
import { describe, expect, it } from 'vitest';
import {
  ERROR_CODES,
  KmsWrapError,
  createWrapper,
  parseWrappingPublicKey,
  type CryptoProvider,
  type WrappingPublicKey,
} from '../src/index.js';
import { isParsedWrappingPublicKey, toWrappingPublicKey } from '../src/internal.js';
import { keys } from './keys.js';
import { STAND_INS } from './plugins.js';

const k = await keys();

const calls: string[] = [];
const recording: CryptoProvider = {
  name: 'recording',
  randomBytes: (n) => (calls.push('randomBytes'), new Uint8Array(n)),
  rsaOaepEncrypt: async (key) => (calls.push('rsaOaepEncrypt'), new Uint8Array(key.rsa!.bits / 8)),
  aesKwpWrap: async () => (calls.push('aesKwpWrap'), new Uint8Array(40)),
};
const wrapper = createWrapper({ algorithms: STAND_INS.filter((a) => a.id !== 'SM2PKE'), crypto: recording });
const material = Uint8Array.from({ length: 32 }, (_, i) => i + 1);

/** An RSA_4096 SubjectPublicKeyInfo with the genuine key's modulus and e = 1. */
function spkiWithExponent(genuine: Uint8Array, e: Uint8Array): Uint8Array {
  const n = parseWrappingPublicKey(genuine).rsa!.modulus;
  const inner = new asn1js.Sequence({
    value: [new asn1js.Integer({ valueHex: Uint8Array.from([0, ...n]) }), new asn1js.Integer({ valueHex: e })],
  });
  const spki = new asn1js.Sequence({
    value: [
      new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: '1.2.840.113549.1.1.1' }), new asn1js.Null()] }),
      new asn1js.BitString({ valueHex: inner.toBER() }),
    ],
  });
  return new Uint8Array(spki.toBER());
}

async function refusal(wrappingPublicKey: WrappingPublicKey | Uint8Array): Promise<KmsWrapError> {
  calls.length = 0;
  const e = await wrapper.wrap({ material, keySpec: 'SYMMETRIC_DEFAULT', algorithm: 'RSAES_OAEP_SHA_256', wrappingPublicKey }).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e, 'the wrap was not refused').toBeInstanceOf(KmsWrapError);
  expect(calls, 'the provider was used before the refusal').toEqual([]);
  return e as KmsWrapError;
}

describe('a wrapping key object is trusted only if core parsed it', () => {
  const weak = spkiWithExponent(k.rsa4096.spki, Uint8Array.of(1));

  it('RSA_4096 with e = 1 as bytes → ERR_PUBLIC_KEY_WEAK', async () => {
    expect((await refusal(weak)).code).toBe(ERROR_CODES.PUBLIC_KEY_WEAK);
  });

  it('the same key as a hand-made { spec, type, spki } object → refused the same way, the provider never called', async () => {
    const forged = { spec: 'RSA_4096', type: 'rsa', spki: weak } as WrappingPublicKey;
    const e = await refusal(forged);
    expect(e.code).toBe(ERROR_CODES.PUBLIC_KEY_WEAK);
    expect(e.message).toContain('public exponent');
  });

  it('a forged object with believable rsa fields (e = 65537 claimed) is still judged by its spki', async () => {
    const genuine = parseWrappingPublicKey(k.rsa4096.spki);
    const forged = { ...genuine, spki: weak } as WrappingPublicKey;
    expect(isParsedWrappingPublicKey(forged)).toBe(false);
    expect((await refusal(forged)).code).toBe(ERROR_CODES.PUBLIC_KEY_WEAK);
  });

  it("an object with a spec that lies about its spki gets the spki's spec", () => {
    const lying = { spec: 'RSA_4096', type: 'rsa', spki: k.rsa2048.spki } as WrappingPublicKey;
    expect(toWrappingPublicKey(lying).spec).toBe('RSA_2048');
  });

  it('an object without spki bytes → ERR_PUBLIC_KEY_INVALID', async () => {
    const e = await refusal({ spec: 'RSA_4096', type: 'rsa' } as unknown as WrappingPublicKey);
    expect(e.code).toBe(ERROR_CODES.PUBLIC_KEY_INVALID);
    expect(e.message).toMatch(/\S — \S/);
  });

  it('a genuine parsed key is used as is', () => {
    const key = parseWrappingPublicKey(k.rsa4096.spki);
    expect(isParsedWrappingPublicKey(key)).toBe(true);
    expect(toWrappingPublicKey(key)).toBe(key);
    const plan = wrapper.check({ material, keySpec: 'SYMMETRIC_DEFAULT', algorithm: 'RSAES_OAEP_SHA_256', wrappingPublicKey: key });
    expect(plan.wrappingKey).toBe(key);
    expect(plan.wrappingKey.spec).toBe('RSA_4096');
  });

  it("a parsed key is frozen and owns its bytes: changing the caller's buffer later changes nothing", () => {
    const bytes = k.rsa2048.spki.slice();
    const key = parseWrappingPublicKey(bytes);
    expect(Object.isFrozen(key)).toBe(true);
    bytes.fill(0);
    expect(key.spki).toEqual(k.rsa2048.spki);
  });
});
