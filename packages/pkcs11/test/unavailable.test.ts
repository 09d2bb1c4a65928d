/**
 * Without pkcs11js, or with it installed but its addon not built (node-gyp failed at install),
 * the package still loads, and a call says what is missing: never a bare "Cannot find module".
 */
import { afterEach, describe, expect, it, vi } from 'vitest';

afterEach(() => {
  vi.doUnmock('pkcs11js');
  vi.resetModules();
});

describe('pkcs11js missing', () => {
  it('its addon not built: ERR_TOKEN_UNAVAILABLE with the rebuild command', async () => {
    vi.doMock('pkcs11js', () => {
      throw new Error("Cannot find module './build/Release/pkcs11.node'");
    });
    const { wrapTokenKey } = await import('../src/index.js');
    await expect(
      wrapTokenKey({
        uri: 'pkcs11:token=t;object=k',
        wrapper: {} as never,
        wrappingPublicKey: new Uint8Array(0),
        algorithm: 'RSAES_OAEP_SHA_1',
      }),
    ).rejects.toMatchObject({
      code: 'ERR_TOKEN_UNAVAILABLE',
      message: expect.stringMatching(/addon was not built.*npm_config_nodedir=\/usr pnpm rebuild pkcs11js/),
    });
  });

  it('not installed: ERR_TOKEN_UNAVAILABLE naming the package to install', async () => {
    vi.doMock('pkcs11js', () => {
      throw Object.assign(new Error("Cannot find package 'pkcs11js'"), { code: 'ERR_MODULE_NOT_FOUND' });
    });
    const { generateTokenKey } = await import('../src/index.js');
    await expect(generateTokenKey({ uri: 'pkcs11:token=t;object=k', keySpec: 'HMAC_256' })).rejects.toMatchObject({
      code: 'ERR_TOKEN_UNAVAILABLE',
      message: expect.stringMatching(/needs pkcs11js, which is not installed — install it/),
    });
  });
});
