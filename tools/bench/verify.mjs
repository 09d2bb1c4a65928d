#!/usr/bin/env node
// Verifies wraps on the "KMS side": each output unwraps, with kms-wrap's own unwrap (RSA-OAEP
// decrypt of the AES key, then RFC 5649 unwrap with its integrity check), to its material.
//   node verify.mjs MANIFEST PRIVATE_KEY_DER FROM TO [OUT_DIR]
// OUT_DIR: read outputs as OUT_DIR/basename(output) (the baselines' copies).
import { readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { pkg } from './lib.mjs';

const [manifest, privateKeyPath, from, to, outDir] = process.argv.slice(2);
const { createWrapper, equalBytes } = await import(pathToFileURL(pkg('core')).href);
const { createNodeCryptoProvider } = await import(pathToFileURL(pkg('node')).href);
const kw = await import(pathToFileURL(pkg('rsa-aes-key-wrap')).href);
const oaep = await import(pathToFileURL(pkg('rsaes-oaep')).href);
const wrapper = createWrapper({ algorithms: [...kw.algorithms, ...oaep.algorithms], crypto: createNodeCryptoProvider() });
const privateKey = new Uint8Array(readFileSync(privateKeyPath));
const base = dirname(resolve(manifest));
const lines = readFileSync(manifest, 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .slice(Number(from), Number(to));
let ok = 0;
const bad = [];
for (const l of lines) {
  const e = JSON.parse(l);
  const out = outDir ? join(outDir, basename(e.output)) : join(base, e.output);
  try {
    const material = await wrapper.unwrap({ ciphertext: new Uint8Array(readFileSync(out)), algorithm: e.algorithm, privateKey });
    if (equalBytes(material, new Uint8Array(readFileSync(join(base, e.material))))) ok++;
    else bad.push(`${out}: unwraps to other bytes`);
  } catch (err) {
    bad.push(`${out}: ${err.code ?? err.name}: ${err.message}`);
  }
}
console.log(JSON.stringify({ ok, bad }));
process.exit(bad.length === 0 ? 0 : 1);
