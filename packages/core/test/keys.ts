/**
 * Keys in every form the tests need, from node:crypto and the OpenSSL CLI (SM2, certificates).
 * Generated once per test run (global-setup.ts) and handed to every test file.
 */
import { execFileSync } from 'node:child_process';
import { createPrivateKey, createPublicKey, generateKeyPair, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { inject } from 'vitest';

const generate = promisify(generateKeyPair);
export const der = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
export const text = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'utf8'));

export interface Pair {
  readonly publicKey: KeyObject;
  readonly privateKey: KeyObject;
  readonly spki: Uint8Array;
  readonly pkcs8: Uint8Array;
}

function pairOf(publicKey: KeyObject, privateKey: KeyObject): Pair {
  return {
    publicKey,
    privateKey,
    spki: der(publicKey.export({ type: 'spki', format: 'der' })),
    pkcs8: der(privateKey.export({ type: 'pkcs8', format: 'der' })),
  };
}

async function rsa(bits: number): Promise<Pair> {
  const { publicKey, privateKey } = await generate('rsa', { modulusLength: bits, publicExponent: 65537 });
  return pairOf(publicKey, privateKey);
}

async function ec(namedCurve: string): Promise<Pair> {
  const { publicKey, privateKey } = await generate('ec', { namedCurve });
  return pairOf(publicKey, privateKey);
}

function openssl(args: readonly string[]): Buffer {
  return execFileSync('openssl', args, { stdio: ['pipe', 'pipe', 'pipe'] });
}

/** An SM2 key pair the way the design's tests name it: openssl genpkey -algorithm ec -pkeyopt ec_paramgen_curve:sm2. */
function sm2FromOpenssl(dir: string): { spki: Uint8Array; pkcs8: Uint8Array } {
  const pem = join(dir, 'sm2.pem');
  openssl(['genpkey', '-algorithm', 'ec', '-pkeyopt', 'ec_paramgen_curve:sm2', '-out', pem]);
  return {
    spki: der(openssl(['pkey', '-in', pem, '-pubout', '-outform', 'DER'])),
    pkcs8: der(openssl(['pkcs8', '-topk8', '-nocrypt', '-in', pem, '-outform', 'DER'])),
  };
}

/** A self-signed X.509 certificate, DER and PEM. */
function certificate(dir: string): { der: Uint8Array; pem: string } {
  const key = join(dir, 'cert.key');
  const crt = join(dir, 'cert.der');
  openssl([
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    key,
    '-subj',
    '/CN=kms-wrap test',
    '-days',
    '1',
    '-outform',
    'DER',
    '-out',
    crt,
  ]);
  const bytes = new Uint8Array(readFileSync(crt));
  const pem = `-----BEGIN CERTIFICATE-----\n${Buffer.from(bytes).toString('base64').replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE-----\n`;
  return { der: bytes, pem };
}

export interface Keys {
  readonly rsa1024: Pair;
  readonly rsa2048: Pair;
  readonly rsa3072: Pair;
  readonly rsa4096: Pair;
  readonly p256: Pair;
  readonly p384: Pair;
  readonly p521: Pair;
  readonly secp256k1: Pair;
  readonly p224: Pair;
  readonly ed25519: Pair;
  readonly sm2: { readonly spki: Uint8Array; readonly pkcs8: Uint8Array };
  readonly certificate: { readonly der: Uint8Array; readonly pem: string };
}

/** Generates every key the core tests use; run once per test run by global-setup.ts. */
export async function generateKeys(): Promise<Keys> {
  const dir = mkdtempSync(join(tmpdir(), 'kms-wrap-core-'));
  try {
    const [rsa1024, rsa2048, rsa3072, rsa4096, p256, p384, p521, secp256k1, p224] = await Promise.all([
      rsa(1024),
      rsa(2048),
      rsa(3072),
      rsa(4096),
      ec('prime256v1'),
      ec('secp384r1'),
      ec('secp521r1'),
      ec('secp256k1'),
      ec('secp224r1'),
    ]);
    const ed = generateKeyPairSync('ed25519');
    return {
      rsa1024,
      rsa2048,
      rsa3072,
      rsa4096,
      p256,
      p384,
      p521,
      secp256k1,
      p224,
      ed25519: pairOf(ed.publicKey, ed.privateKey),
      sm2: sm2FromOpenssl(dir),
      certificate: certificate(dir),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const PAIRS = ['rsa1024', 'rsa2048', 'rsa3072', 'rsa4096', 'p256', 'p384', 'p521', 'secp256k1', 'p224', 'ed25519'] as const;

/** Keys as base64 DER, to hand from the global setup to the test files (vitest provide/inject). */
export type SerializedKeys = Record<string, string>;

export function serializeKeys(k: Keys): SerializedKeys {
  const out: SerializedKeys = {};
  const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');
  for (const name of PAIRS) {
    out[`${name}.spki`] = b64(k[name].spki);
    out[`${name}.pkcs8`] = b64(k[name].pkcs8);
  }
  out['sm2.spki'] = b64(k.sm2.spki);
  out['sm2.pkcs8'] = b64(k.sm2.pkcs8);
  out['certificate.der'] = b64(k.certificate.der);
  out['certificate.pem'] = k.certificate.pem;
  return out;
}

function deserializeKeys(s: SerializedKeys): Keys {
  const bytes = (name: string) => {
    const v = s[name];
    if (v === undefined) throw new Error(`the global setup provided no ${name}`);
    return new Uint8Array(Buffer.from(v, 'base64'));
  };
  const pair = (name: (typeof PAIRS)[number]): Pair => {
    const spki = bytes(`${name}.spki`);
    const pkcs8 = bytes(`${name}.pkcs8`);
    return {
      spki,
      pkcs8,
      publicKey: createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' }),
      privateKey: createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' }),
    };
  };
  const pairs = Object.fromEntries(PAIRS.map((n) => [n, pair(n)])) as Record<(typeof PAIRS)[number], Pair>;
  return {
    ...pairs,
    sm2: { spki: bytes('sm2.spki'), pkcs8: bytes('sm2.pkcs8') },
    certificate: { der: bytes('certificate.der'), pem: s['certificate.pem']! },
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    coreKeys: SerializedKeys;
  }
}

let cached: Keys | undefined;

/** The keys generated once for this test run (see global-setup.ts). */
export async function keys(): Promise<Keys> {
  cached ??= deserializeKeys(inject('coreKeys'));
  return cached;
}

/** PEM text of DER bytes (RFC 7468). */
export function pem(label: string, bytes: Uint8Array): string {
  return `-----BEGIN ${label}-----\n${Buffer.from(bytes).toString('base64').replace(/.{64}/g, '$&\n')}\n-----END ${label}-----\n`;
}
