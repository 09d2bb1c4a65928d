import { describe, expect, it } from 'vitest';
import { KEY_SPECS, parseKeySpec, parseWrappingKeySpec } from '../src/index.js';
import { closestName, didYouMean } from '../src/internal.js';

describe('closestName: the name meant, when one is close', () => {
  it.each([
    ['wrpa', ['wrap', 'batch', 'import'], 'wrap'],
    ['RSA2048', KEY_SPECS, 'RSA_2048'],
    ['hmac-384', KEY_SPECS, 'HMAC_384'],
    ['ECC_NIST_P265', KEY_SPECS, 'ECC_NIST_P256'],
    ['public-kye', ['public-key', 'parameters', 'material'], 'public-key'],
  ] as const)('%s → %s', (typed, known, meant) => {
    expect(closestName(typed, known)).toBe(meant);
  });

  it('says nothing when nothing is close, or two names are equally close', () => {
    expect(closestName('AES_256', KEY_SPECS)).toBeUndefined();
    expect(closestName('HMAC_000', KEY_SPECS)).toBeUndefined();
    expect(closestName('', KEY_SPECS)).toBeUndefined();
    expect(closestName('RSAES_OAEP_SHA_512', ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'], 1)).toBeUndefined();
  });

  it('puts the suggestion before the list in the refusal', () => {
    expect(didYouMean('RSA2048', KEY_SPECS)).toBe('did you mean RSA_2048? Otherwise ');
    expect(() => parseKeySpec('RSA2048')).toThrow(
      "'RSA2048' is not a KMS key spec — did you mean RSA_2048? Otherwise use one of SYMMETRIC_DEFAULT",
    );
    expect(() => parseWrappingKeySpec('RSA4096')).toThrow('did you mean RSA_4096? Otherwise use one of RSA_2048');
  });
});
