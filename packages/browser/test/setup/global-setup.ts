/** Node side, before the browser tests: OpenSSL makes every key pair they use. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProvidedContext } from 'vitest';
import type { TestProject } from 'vitest/node';
import type { ProvidedKey } from './context.js';
import {
  OPENSSL_MATERIAL_SPECS,
  WRAPPING_KEY_NAMES,
  generateKey,
  removeDir,
  tempDir,
  type OpensslMaterialSpec,
  type WrappingKeyName,
} from './openssl.js';

/** Where the commands find the private keys (same process as the commands). */
export const KEYS_DIR_ENV = 'KMS_WRAP_BROWSER_TEST_KEYS';

type Provided = Pick<ProvidedContext, 'wrappingKeys' | 'opensslMaterials'>;

function makeKeys(dir: string): Provided {
  const wrappingKeys = {} as Record<WrappingKeyName, ProvidedKey>;
  for (const name of WRAPPING_KEY_NAMES) {
    const k = generateKey(dir, `wrap-${name}`, name);
    wrappingKeys[name] = { spki: k.spki.toString('base64'), pkcs8: k.pkcs8.toString('base64') };
  }
  const opensslMaterials = {} as Record<OpensslMaterialSpec, string>;
  for (const spec of OPENSSL_MATERIAL_SPECS) opensslMaterials[spec] = generateKey(dir, `material-${spec}`, spec).pkcs8.toString('base64');
  return { wrappingKeys, opensslMaterials };
}

/**
 * Vitest runs a global setup once for the project and once for each browser instance, in
 * one process: the keys are made once and every run provides the same ones.
 */
export default function setup(project: TestProject): () => void {
  let dir = process.env[KEYS_DIR_ENV];
  let provided: Provided;
  if (dir && existsSync(join(dir, 'provided.json'))) {
    provided = JSON.parse(readFileSync(join(dir, 'provided.json'), 'utf8')) as Provided;
  } else {
    dir = tempDir();
    provided = makeKeys(dir);
    writeFileSync(join(dir, 'provided.json'), JSON.stringify(provided));
    process.env[KEYS_DIR_ENV] = dir;
  }
  project.provide('wrappingKeys', provided.wrappingKeys);
  project.provide('opensslMaterials', provided.opensslMaterials);
  const made = dir;
  return () => {
    removeDir(made);
    delete process.env[KEYS_DIR_ENV];
  };
}
