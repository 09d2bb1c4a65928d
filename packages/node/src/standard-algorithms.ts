/**
 * The standard algorithm packages, found when installed (optional peer dependencies).
 * Each is imported on first use only, so a service with one plugin installed loads one
 * (@kms-wrap/core's standardAlgorithms; here, what "not installed" looks like in Node).
 */
import { standardAlgorithms, type AlgorithmModule } from '@kms-wrap/core';

/** The package's import, or undefined when the package itself is not installed. */
const optional = (pkg: string, load: () => Promise<AlgorithmModule>) => (): Promise<AlgorithmModule | undefined> =>
  load().catch((e: unknown) => {
    const { code, message } = (e ?? {}) as NodeJS.ErrnoException;
    // Not installed only when the package itself is missing ("Cannot find package '<pkg>'
    // imported from ..."). A dependency of it that is missing is a broken install: reported as is.
    if ((code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && typeof message === 'string' && message.includes(`'${pkg}'`)) return undefined;
    throw e;
  });

export const { loadStandardAlgorithm, loadInstalledAlgorithms } = /* @__PURE__ */ standardAlgorithms({
  '@kms-wrap/rsaes-oaep': optional('@kms-wrap/rsaes-oaep', () => import('@kms-wrap/rsaes-oaep')),
  '@kms-wrap/rsa-aes-key-wrap': optional('@kms-wrap/rsa-aes-key-wrap', () => import('@kms-wrap/rsa-aes-key-wrap')),
  '@kms-wrap/sm2pke': optional('@kms-wrap/sm2pke', () => import('@kms-wrap/sm2pke')),
});
