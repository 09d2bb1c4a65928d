/**
 * The OpenSSL 3 CLI as the independent peer: key pairs as KMS would make them, and the
 * "KMS side" unwrap of what the browser wrapped. Node only (global setup, browser commands,
 * the page test).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type WrappingKeyName = 'RSA_2048' | 'RSA_3072' | 'RSA_4096' | 'SM2';
export const WRAPPING_KEY_NAMES: readonly WrappingKeyName[] = ['RSA_2048', 'RSA_3072', 'RSA_4096', 'SM2'];

/** Material specs OpenSSL makes, as keys a user already has. */
export const OPENSSL_MATERIAL_SPECS = ['RSA_2048', 'ECC_NIST_P256', 'ECC_NIST_P384', 'ECC_NIST_P521', 'ECC_SECG_P256K1', 'SM2'] as const;
export type OpensslMaterialSpec = (typeof OPENSSL_MATERIAL_SPECS)[number];

const GENPKEY_ARGS: Readonly<Record<WrappingKeyName | OpensslMaterialSpec, string[]>> = {
  RSA_2048: ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'],
  RSA_3072: ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:3072'],
  RSA_4096: ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:4096'],
  SM2: ['-algorithm', 'SM2'],
  ECC_NIST_P256: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'],
  ECC_NIST_P384: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384'],
  ECC_NIST_P521: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-521'],
  ECC_SECG_P256K1: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:secp256k1'],
};

export function openssl(args: readonly string[], input?: Uint8Array): Buffer {
  return execFileSync('openssl', args, { input, stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 1 << 20 });
}

export function tempDir(prefix = 'kms-wrap-browser-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export interface GeneratedKey {
  /** PEM private key file, for pkeyutl. */
  readonly pem: string;
  /** DER SubjectPublicKeyInfo: what WrappingPublicKey.bin holds. */
  readonly spki: Buffer;
  /** PKCS#8 DER, as `openssl pkcs8 -topk8 -nocrypt -outform DER` prints it. */
  readonly pkcs8: Buffer;
}

/** A fresh key pair in `dir`, files named `<name>.pem`, `<name>.spki.der`, `<name>.pkcs8.der`. */
export function generateKey(dir: string, name: string, spec: WrappingKeyName | OpensslMaterialSpec): GeneratedKey {
  const pem = join(dir, `${name}.pem`);
  openssl(['genpkey', ...GENPKEY_ARGS[spec], '-out', pem]);
  const spki = openssl(['pkey', '-in', pem, '-pubout', '-outform', 'DER']);
  const pkcs8 = openssl(['pkcs8', '-topk8', '-nocrypt', '-in', pem, '-outform', 'DER']);
  writeFileSync(join(dir, `${name}.spki.der`), spki);
  writeFileSync(join(dir, `${name}.pkcs8.der`), pkcs8);
  return { pem, spki, pkcs8 };
}

const KWP_KEY_BYTES = 32;

/**
 * The KMS side, by OpenSSL alone: RSA-OAEP with `pkeyutl -decrypt` (MGF1 and OAEP digest both
 * the named hash), RSA_AES_KEY_WRAP as OAEP of the AES key then `enc -d -id-aes256-wrap-pad`,
 * SM2PKE with `pkeyutl -decrypt` on the SM2 key.
 */
export function opensslUnwrap(dir: string, algorithm: string, keyPem: string, ciphertext: Uint8Array): Buffer {
  const ct = join(dir, `ct-${process.pid}-${Math.random().toString(36).slice(2)}.bin`);
  try {
    switch (algorithm) {
      case 'RSAES_OAEP_SHA_1':
      case 'RSAES_OAEP_SHA_256':
        writeFileSync(ct, ciphertext);
        return oaepDecrypt(keyPem, algorithm.endsWith('256') ? 'sha256' : 'sha1', ct);
      case 'RSA_AES_KEY_WRAP_SHA_1':
      case 'RSA_AES_KEY_WRAP_SHA_256': {
        const k = rsaModulusBytes(keyPem);
        writeFileSync(ct, ciphertext.subarray(0, k));
        const aesKey = oaepDecrypt(keyPem, algorithm.endsWith('256') ? 'sha256' : 'sha1', ct);
        if (aesKey.length !== KWP_KEY_BYTES) throw new Error(`the RSA part held ${aesKey.length} bytes, not a 32-byte AES key`);
        writeFileSync(ct, ciphertext.subarray(k));
        // RFC 5649 §3: the IV given here is the AIV's constant half; OpenSSL appends the length.
        const out = openssl(['enc', '-d', '-id-aes256-wrap-pad', '-K', aesKey.toString('hex'), '-iv', 'A65959A6', '-in', ct]);
        aesKey.fill(0);
        return out;
      }
      case 'SM2PKE':
        writeFileSync(ct, ciphertext);
        return openssl(['pkeyutl', '-decrypt', '-inkey', keyPem, '-in', ct]);
      default:
        throw new Error(`no OpenSSL recipe for ${algorithm}`);
    }
  } finally {
    rmSync(ct, { force: true });
  }
}

function oaepDecrypt(keyPem: string, md: 'sha1' | 'sha256', file: string): Buffer {
  return openssl([
    'pkeyutl',
    '-decrypt',
    '-inkey',
    keyPem,
    '-in',
    file,
    '-pkeyopt',
    'rsa_padding_mode:oaep',
    '-pkeyopt',
    `rsa_oaep_md:${md}`,
    '-pkeyopt',
    `rsa_mgf1_md:${md}`,
  ]);
}

function rsaModulusBytes(keyPem: string): number {
  const text = openssl(['rsa', '-in', keyPem, '-noout', '-text']).toString();
  const m = /Private-Key: \((\d+) bit/.exec(text);
  if (!m) throw new Error(`cannot read the RSA key size of ${keyPem}`);
  return Number(m[1]) / 8;
}

/** `openssl pkcs8 -topk8 -nocrypt -inform DER -outform DER` of the bytes: canonical PKCS#8 re-encoding. */
export function opensslReencodePkcs8(dir: string, der: Uint8Array): Buffer {
  const file = join(dir, `p8-${process.pid}-${Math.random().toString(36).slice(2)}.der`);
  writeFileSync(file, der);
  try {
    return openssl(['pkcs8', '-topk8', '-nocrypt', '-inform', 'DER', '-outform', 'DER', '-in', file]);
  } finally {
    rmSync(file, { force: true });
  }
}

export function readBytes(path: string): Buffer {
  return readFileSync(path);
}
