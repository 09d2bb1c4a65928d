/**
 * The OpenSSL 3 CLI as the independent peer: it re-encodes, checks, signs and verifies what
 * keygen writes, and generates the keys keygen must read.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'kms-wrap-keygen-'));
let counter = 0;
// The directory holds test keys: removed when the test file that imported this module ends.
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A fresh path in the test's temporary directory. */
export function tempPath(name = 'file'): string {
  return join(dir, `${++counter}-${name}`);
}

export function writeTemp(bytes: Uint8Array | string, name?: string): string {
  const path = tempPath(name);
  writeFileSync(path, bytes, { mode: 0o600 });
  return path;
}

export function readBytes(path: string): Uint8Array {
  return new Uint8Array(readFileSync(path));
}

/** Runs openssl; returns stdout as bytes. Throws with stderr on a non-zero exit. */
export function openssl(args: readonly string[], input?: Uint8Array | string): Uint8Array {
  return new Uint8Array(execFileSync('openssl', args, { input, stdio: ['pipe', 'pipe', 'pipe'] }));
}

export function opensslText(args: readonly string[], input?: Uint8Array | string): string {
  return Buffer.from(openssl(args, input)).toString('utf8');
}

/** `openssl pkcs8 -topk8 -nocrypt -inform DER -outform DER` of DER bytes: OpenSSL's canonical PKCS#8. */
export function opensslPkcs8FromDer(der: Uint8Array): Uint8Array {
  const path = writeTemp(der, 'in.der');
  return openssl(['pkcs8', '-topk8', '-nocrypt', '-inform', 'DER', '-in', path, '-outform', 'DER']);
}

/** OpenSSL's canonical PKCS#8 DER of a key file in any form OpenSSL reads (PEM, or DER with -inform). */
export function opensslPkcs8(path: string, inform: 'PEM' | 'DER' = 'PEM'): Uint8Array {
  return openssl(['pkcs8', '-topk8', '-nocrypt', '-inform', inform, '-in', path, '-outform', 'DER']);
}

/** Signs a message with the PKCS#8 DER key and verifies it with the derived public key, both by OpenSSL. */
export function opensslSignVerify(der: Uint8Array, kind: 'rsa' | 'ec' | 'sm2'): boolean {
  const key = writeTemp(der, 'key.der');
  const msg = writeTemp('kms-wrap keygen interop\n', 'msg.txt');
  const pub = tempPath('pub.pem');
  const sig = tempPath('sig.bin');
  openssl(['pkey', '-inform', 'DER', '-in', key, '-pubout', '-out', pub]);
  if (kind === 'sm2') {
    // SM2 signature with SM3 and the default distinguishing id (GM/T 0003.2 §5.5).
    openssl(['pkeyutl', '-sign', '-inkey', key, '-keyform', 'DER', '-rawin', '-digest', 'sm3', '-in', msg, '-out', sig]);
    return opensslText(['pkeyutl', '-verify', '-pubin', '-inkey', pub, '-rawin', '-digest', 'sm3', '-in', msg, '-sigfile', sig]).includes(
      'Verified Successfully',
    );
  }
  openssl(['dgst', '-sha256', '-sign', key, '-keyform', 'DER', '-out', sig, msg]);
  return opensslText(['dgst', '-sha256', '-verify', pub, '-signature', sig, msg]).includes('Verified OK');
}

/** `openssl pkey -check`: the private key is consistent (EC: the point belongs to d; RSA: p, q, d, CRT). */
export function opensslCheck(der: Uint8Array): boolean {
  const key = writeTemp(der, 'key.der');
  return opensslText(['pkey', '-inform', 'DER', '-in', key, '-check', '-noout']).includes('valid');
}

/** OpenSSL's `-text` dump of a key, as lines (for key type, bits, curve). */
export function opensslDescribe(der: Uint8Array): string {
  const key = writeTemp(der, 'key.der');
  return opensslText(['pkey', '-inform', 'DER', '-in', key, '-text', '-noout']);
}

export function opensslAsn1(der: Uint8Array, strparse?: number): string {
  const path = writeTemp(der, 'asn1.der');
  return opensslText(['asn1parse', '-inform', 'DER', '-in', path, ...(strparse === undefined ? [] : ['-strparse', String(strparse)])]);
}
