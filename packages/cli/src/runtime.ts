/** The wrapper the commands share: every installed standard plugin over node:crypto. */
import { createWrapper, type Wrapper } from '@kms-wrap/core';
import { createNodeCryptoProvider, loadInstalledAlgorithms } from '@kms-wrap/node';

let wrapper: Promise<Wrapper> | undefined;

export function standardWrapper(): Promise<Wrapper> {
  wrapper ??= loadInstalledAlgorithms().then((algorithms) => createWrapper({ algorithms, crypto: createNodeCryptoProvider() }));
  return wrapper;
}
