/** Test helpers: the OpenSSL 3 CLI as the peer, a counting CryptoProvider, an SPKI reader. */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseWrappingPublicKey, type CryptoProvider, type WrappingPublicKey } from '@kms-wrap/core';

export function openssl(args: readonly string[], input?: Uint8Array): Buffer {
  return execFileSync('openssl', args, { input, stdio: ['pipe', 'pipe', 'pipe'] });
}

export interface TempDir {
  readonly path: string;
  file(name: string): string;
  write(name: string, bytes: Uint8Array): string;
  read(name: string): Buffer;
  remove(): void;
}

export function tempDir(): TempDir {
  const path = mkdtempSync(join(tmpdir(), 'sm2pke-'));
  return {
    path,
    file: (name) => join(path, name),
    write(name, bytes) {
      writeFileSync(join(path, name), bytes);
      return join(path, name);
    },
    read: (name) => readFileSync(join(path, name)),
    remove: () => rmSync(path, { recursive: true, force: true }),
  };
}

/** The SM2 wrapping key of an SM2 SubjectPublicKeyInfo (RFC 5480 §2), as core's inspection reads it. */
export function sm2WrappingKeyFromSpki(spki: Uint8Array): WrappingPublicKey {
  const key = parseWrappingPublicKey(spki);
  if (key.spec !== 'SM2' || key.ec?.curve !== 'sm2p256v1') throw new Error('bad SPKI: not id-ecPublicKey on sm2p256v1');
  return key;
}

export interface Sm2KeyPair {
  /** PEM private key file, for `openssl pkeyutl -decrypt -inkey`. */
  readonly privatePem: string;
  /** PEM public key file, for `openssl pkeyutl -encrypt -pubin -inkey`. */
  readonly publicPem: string;
  readonly spki: Uint8Array;
  readonly pkcs8: Uint8Array;
  readonly wrappingKey: WrappingPublicKey;
}

/** A fresh SM2 key pair from OpenSSL, as KMS would hold it. */
export function opensslSm2KeyPair(dir: TempDir, name = 'sm2'): Sm2KeyPair {
  const privatePem = dir.file(`${name}.pem`);
  const publicPem = dir.file(`${name}.pub.pem`);
  openssl(['genpkey', '-algorithm', 'ec', '-pkeyopt', 'ec_paramgen_curve:sm2', '-out', privatePem]);
  openssl(['pkey', '-in', privatePem, '-pubout', '-out', publicPem]);
  const spki = openssl(['pkey', '-in', privatePem, '-pubout', '-outform', 'DER']);
  const pkcs8 = openssl(['pkcs8', '-topk8', '-nocrypt', '-in', privatePem, '-outform', 'DER']);
  return { privatePem, publicPem, spki, pkcs8, wrappingKey: sm2WrappingKeyFromSpki(spki) };
}

/** PKCS#8 DER private key material of another kind, as the seed recipe makes it. */
export function opensslPkcs8(dir: TempDir, genpkeyArgs: readonly string[], name: string): Buffer {
  const pem = dir.file(`${name}.pem`);
  openssl(['genpkey', ...genpkeyArgs, '-out', pem]);
  return openssl(['pkcs8', '-topk8', '-nocrypt', '-in', pem, '-outform', 'DER']);
}

/** `openssl pkeyutl -decrypt` of `ciphertext` with the key pair's private key. */
export function opensslDecrypt(dir: TempDir, keys: Sm2KeyPair, ciphertext: Uint8Array): Buffer {
  const ct = dir.write('ct.bin', ciphertext);
  const pt = dir.file('pt.bin');
  openssl(['pkeyutl', '-decrypt', '-inkey', keys.privatePem, '-in', ct, '-out', pt]);
  return dir.read('pt.bin');
}

/** `openssl pkeyutl -encrypt` of `plaintext` to the key pair's public key. */
export function opensslEncrypt(dir: TempDir, keys: Sm2KeyPair, plaintext: Uint8Array): Buffer {
  const m = dir.write('m.bin', plaintext);
  const ct = dir.file('ct.bin');
  openssl(['pkeyutl', '-encrypt', '-pubin', '-inkey', keys.publicPem, '-in', m, '-out', ct]);
  return dir.read('ct.bin');
}

export interface CountingProvider extends CryptoProvider {
  readonly calls: number[];
}

/** A CryptoProvider with node:crypto randomBytes (or `source`) that records every request. */
export function countingProvider(source: (length: number) => Uint8Array = (n) => randomBytes(n)): CountingProvider {
  const calls: number[] = [];
  const unused = (): never => {
    throw new Error('unused');
  };
  return {
    name: 'test:node-crypto',
    calls,
    randomBytes(length) {
      calls.push(length);
      return source(length);
    },
    rsaOaepEncrypt: async () => unused(),
    aesKwpWrap: async () => unused(),
  };
}

/**
 * A random source whose first draw makes sm2Encrypt use exactly `k`: it reduces 40 bytes c
 * to (c mod (n−1)) + 1, so c = k − 1 gives k.
 */
export function fixedK(k: bigint): (length: number) => Uint8Array {
  return (length) => {
    const out = new Uint8Array(length);
    let v = k - 1n;
    for (let i = length - 1; i >= 0; i--, v >>= 8n) out[i] = Number(v & 0xffn);
    return out;
  };
}

export const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
