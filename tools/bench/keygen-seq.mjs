#!/usr/bin/env node
// The sequential reference for `kms-wrap keygen --count N`: the same library calls, one key
// after another in one thread, each written atomically.
//   node keygen-seq.mjs KEY_SPEC COUNT OUT_DIR
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { pkg } from './lib.mjs';

const [spec, count, outDir] = process.argv.slice(2);
const { generateKeyMaterial } = await import(pathToFileURL(pkg('keygen')).href);
const { createNodeCryptoProvider, writeFileAtomic } = await import(pathToFileURL(pkg('node')).href);
const crypto = createNodeCryptoProvider();
for (let i = 1; i <= Number(count); i++) {
  const material = await generateKeyMaterial(spec, { crypto });
  await writeFileAtomic(join(outDir, `seq-${i}.der`), material, { force: true });
  material.fill(0);
}
