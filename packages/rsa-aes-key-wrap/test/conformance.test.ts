/** RSA_AES_KEY_WRAP_SHA_1 and _SHA_256 run the shared conformance suite with the node:crypto provider. */
import { describeConformance } from '@kms-wrap/conformance';
import { createNodeCryptoProvider } from '@kms-wrap/node';
import { RSA_AES_KEY_WRAP_SHA_1, RSA_AES_KEY_WRAP_SHA_256 } from '../src/index.js';
import { fixtures } from '@kms-wrap/conformance/node-fixtures';

const { keys, materials } = await fixtures();
const provider = createNodeCryptoProvider();

for (const plugin of [RSA_AES_KEY_WRAP_SHA_256, RSA_AES_KEY_WRAP_SHA_1]) {
  describeConformance(plugin, { provider, keys: async () => keys, materials });
}
