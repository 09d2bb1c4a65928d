/** Node's second place to look for @aws-sdk/client-kms: a directory (the CLI's working directory). */
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { importFrom } from '../src/kms-sdk.js';
import { loadKmsSdk } from '../src/index.js';

describe('loadKmsSdk({ from })', () => {
  it('imports the SDK as a directory resolves it, and nothing where it is not installed', async () => {
    const here = fileURLToPath(new URL('..', import.meta.url));
    const mod = (await importFrom(here)) as Record<string, unknown>;
    expect(typeof mod['ImportKeyMaterialCommand']).toBe('function');
    // (Whether an empty directory resolves it depends on NODE_PATH, which pnpm's bin shims set.)
    expect(await importFrom('not/an/absolute/dir')).toBeUndefined();
  });

  it('loads the command classes', async () => {
    const sdk = await loadKmsSdk({ from: tmpdir() });
    expect(typeof sdk.KMSClient).toBe('function');
    expect(typeof sdk.DescribeKeyCommand).toBe('function');
  });
});
