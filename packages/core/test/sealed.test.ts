/**
 * Sealed material (known by key spec and length, not by bytes: a key inside a PKCS#11 token):
 * the same rules and capacity as bytes, before the token's wrap runs, and its output's length after.
 */
import { describe, expect, it, vi } from 'vitest';
import { createWrapper, GCP_KMS, type SealedWrapRequest, type WrapPlan } from '../src/index.js';
import { keys } from './keys.js';
import { STAND_INS, randomOnlyProvider } from './plugins.js';

const k = await keys();
const wrapper = createWrapper({ algorithms: STAND_INS, crypto: randomOnlyProvider });
const req = (over: Partial<SealedWrapRequest>): SealedWrapRequest => ({
  material: { keySpec: 'SYMMETRIC_DEFAULT', length: 32 },
  wrappingPublicKey: k.rsa2048.spki,
  algorithm: 'RSAES_OAEP_SHA_1',
  ...over,
});

describe('wrapSealed', () => {
  it('runs the seal with the plan once every check passed, and checks the output length', async () => {
    const seal = vi.fn(async (_plan: WrapPlan) => new Uint8Array(256));
    const r = await wrapper.wrapSealed(req({}), seal);
    expect(seal).toHaveBeenCalledOnce();
    expect(seal.mock.calls[0]![0]).toMatchObject({
      algorithm: { id: 'RSAES_OAEP_SHA_1' },
      material: { keySpec: 'SYMMETRIC_DEFAULT', length: 32 },
    });
    expect(r).toMatchObject({
      keySpec: 'SYMMETRIC_DEFAULT',
      materialFormat: 'raw',
      wrappingKeySpec: 'RSA_2048',
      construction: 'RSAES_OAEP_SHA_1',
    });
    await expect(wrapper.wrapSealed(req({}), async () => new Uint8Array(255))).rejects.toMatchObject({ code: 'ERR_OUTPUT_CHECK_FAILED' });
  });

  it('the rules refuse before the seal runs: a combination KMS rejects, capacity on the most bytes, a region', async () => {
    const seal = vi.fn(async () => new Uint8Array(256));
    await expect(wrapper.wrapSealed(req({ algorithm: 'RSA_AES_KEY_WRAP_SHA_1' }), seal)).rejects.toMatchObject({
      code: 'ERR_COMBINATION_REJECTED',
    });
    await expect(
      wrapper.wrapSealed(req({ material: { keySpec: 'ECC_NIST_P521', length: [220, 250] }, algorithm: 'RSAES_OAEP_SHA_1' }), seal),
    ).rejects.toMatchObject({ code: 'ERR_CAPACITY_EXCEEDED' });
    await expect(wrapper.wrapSealed(req({ material: { keySpec: 'SM2', length: 138 } }), seal)).rejects.toMatchObject({
      code: 'ERR_REGION_MISMATCH',
    });
    expect(seal).not.toHaveBeenCalled();
  });

  it('a raw length that is not the spec’s, a contradicting --key-spec, no spec at all', () => {
    expect(() => wrapper.checkSealed(req({ material: { keySpec: 'HMAC_256', length: 28 } }))).toThrow(
      expect.objectContaining({ code: 'ERR_MATERIAL_INVALID', message: expect.stringMatching(/HMAC_256 material is 32 bytes/) }),
    );
    expect(() => wrapper.checkSealed(req({ keySpec: 'HMAC_256' }))).toThrow(expect.objectContaining({ code: 'ERR_KEY_SPEC_MISMATCH' }));
    expect(() => wrapper.checkSealed(req({ material: { keySpec: 'AES', length: 32 } }))).toThrow(
      expect.objectContaining({ code: 'ERR_UNKNOWN_NAME' }),
    );
    expect(() => wrapper.checkSealed(req({ material: { keySpec: 'RSA_2048', length: [10, 5] } }))).toThrow(
      expect.objectContaining({ code: 'ERR_ARGUMENT_INVALID' }),
    );
  });

  it("another target's rules and names (Cloud KMS's construction ids)", () => {
    const gcp = createWrapper({ algorithms: STAND_INS, crypto: randomOnlyProvider, target: GCP_KMS });
    const plan = gcp.checkSealed(req({ wrappingPublicKey: k.rsa3072.spki, algorithm: 'RSA_OAEP_3072_SHA1_AES_256' }));
    expect(plan.algorithm.id).toBe('RSA_AES_KEY_WRAP_SHA_1');
  });
});
