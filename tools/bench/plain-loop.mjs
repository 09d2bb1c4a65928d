#!/usr/bin/env node
// The baseline: the same wraps as a user would write them with node:crypto, in one thread —
// read the material, a fresh AES key, createCipheriv('id-aes256-wrap-pad') (RFC 5649),
// publicEncrypt with RSA-OAEP-SHA-256, write RSA part || KWP part with writeFileSync.
//   node plain-loop.mjs MANIFEST OUT_DIR [--key-object]
// The wrapping key file is read once; publicEncrypt is given its bytes, as the node:crypto docs
// show it (node imports the key on every call). --key-object: a careful user's variant that
// imports it once into a KeyObject.
import { constants, createCipheriv, createPublicKey, publicEncrypt, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

const [manifest, outDir, flag] = process.argv.slice(2);
const keyObject = flag === '--key-object';
const base = dirname(resolve(manifest));
const lines = readFileSync(manifest, 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '');
const keys = new Map();
const aiv = Buffer.from('a65959a6', 'hex');
for (const l of lines) {
  const e = JSON.parse(l);
  let key = keys.get(e.publicKey);
  if (!key) {
    const der = readFileSync(join(base, e.publicKey));
    key = keyObject ? createPublicKey({ key: der, format: 'der', type: 'spki' }) : { key: der, format: 'der', type: 'spki' };
    keys.set(e.publicKey, key);
  }
  const material = readFileSync(join(base, e.material));
  const aesKey = randomBytes(32);
  const kwp = createCipheriv('id-aes256-wrap-pad', aesKey, aiv);
  const wrapped = Buffer.concat([kwp.update(material), kwp.final()]);
  const rsa = publicEncrypt(
    keyObject
      ? { key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }
      : { ...key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
    aesKey,
  );
  writeFileSync(join(outDir, basename(e.output)), Buffer.concat([rsa, wrapped]), { mode: 0o600 });
}
