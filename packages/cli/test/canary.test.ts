/**
 * The canary: commands that fail with known key material in play (a 32-byte key of known bytes,
 * an RSA private key) must not print that material in any encoding — hex (either case), base64,
 * base64url, whole or in part — on stdout or stderr, with or without --json.
 */
import { createHash, createPrivateKey } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  KEY_ARN,
  Scratch,
  cli,
  epochSeconds,
  expectNoStack,
  openssl,
  opensslWrappingKey,
  parametersJson,
  run,
  write,
  type Run,
  type WrappingKey,
} from './helpers.js';

const scratch = new Scratch();
let f = '';
let rsa: WrappingKey;
let weak = '';
let sm2: WrappingKey;
const p: Record<string, string> = {};
/** The secrets: the 32 bytes, and the RSA key's private parts (d, p, q, dp, dq, qi). */
const secrets: Buffer[] = [];

/** The known 32 bytes. */
const KNOWN = createHash('sha256').update('kms-wrap canary').digest();

beforeAll(async () => {
  f = join(await scratch.init('canary'), 'fixtures');
  await mkdir(f);
  const ossl = async (name: string, args: string[]) => {
    await openssl([...args, '-out', join(f, name)]);
    return (p[name] = join(f, name));
  };
  const rsaMaterial = async () => {
    const pem = await ossl('rsa.pem', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048']);
    await Promise.all([
      ossl('rsa.der', ['pkcs8', '-topk8', '-nocrypt', '-in', pem, '-outform', 'DER']),
      ossl('rsa-pkcs1.pem', ['rsa', '-in', pem, '-traditional']),
    ]);
    const jwk = createPrivateKey(await readFile(pem)).export({ format: 'jwk' });
    for (const part of [jwk.d, jwk.p, jwk.q, jwk.dp, jwk.dq, jwk.qi]) secrets.push(Buffer.from(part!, 'base64url'));
    const der = await readFile(p['rsa.der']!);
    p['rsa-truncated.der'] = await write(join(f, 'rsa-truncated.der'), der.subarray(0, der.length - 1));
    p['rsa-params.json'] = await write(
      join(f, 'rsa-params.json'),
      parametersJson({ keyId: KEY_ARN, importToken: KNOWN, spki: der, validTo: epochSeconds(Date.now() + 86_400_000) }),
    );
    p['rsa.b64'] = await write(join(f, 'rsa.b64'), `${der.toString('base64')}\n`);
  };
  const weakKey = async () => {
    const pem = await ossl('rsa1024.pem', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024']);
    weak = await ossl('rsa1024.der', ['pkey', '-in', pem, '-pubout', '-outform', 'DER']);
  };
  secrets.push(KNOWN);
  [rsa, sm2] = await Promise.all([opensslWrappingKey(f, 'RSA', 2048), opensslWrappingKey(f, 'SM2'), rsaMaterial(), weakKey()]);
  p['known.bin'] = await write(join(f, 'known.bin'), KNOWN);
  p['known.hex'] = await write(join(f, 'known.hex'), `${KNOWN.toString('hex')}\n`);
  p['known.b64'] = await write(join(f, 'known.b64'), `${KNOWN.toString('base64')}\n`);
  p['known-33.bin'] = await write(join(f, 'known-33.bin'), Buffer.concat([KNOWN, Buffer.from([0])]));
  p['known-params.json'] = await write(
    join(f, 'known-params.json'),
    parametersJson({ keyId: KEY_ARN, importToken: KNOWN, spki: KNOWN, validTo: epochSeconds(Date.now() + 86_400_000) }),
  );
});

afterAll(() => scratch.dispose());

/** Substrings any encoding of a secret would contain: 12-byte windows in hex, 16-character aligned windows in base64/base64url. */
function needles(secret: Buffer): string[] {
  const out = new Set<string>();
  const W = 12;
  for (let i = 0; i + W <= secret.length; i++) {
    const hex = secret.subarray(i, i + W).toString('hex');
    out.add(hex);
    out.add(hex.toUpperCase());
  }
  for (let shift = 0; shift < 3; shift++) {
    const b64 = secret.subarray(shift).toString('base64');
    const whole = Math.floor((secret.length - shift) / 3) * 4; // characters that encode full 3-byte groups only
    for (let i = 0; i + 16 <= whole; i += 4) {
      const w = b64.slice(i, i + 16);
      out.add(w);
      out.add(w.replace(/\+/g, '-').replace(/\//g, '_'));
    }
  }
  return [...out];
}

const wrap = (material: string, publicKey: string, algorithm: string, ...extra: string[]) => [
  'wrap',
  '--material',
  material,
  '--public-key',
  publicKey,
  '--algorithm',
  algorithm,
  ...extra,
];

/** Commands that fail with the material in play. */
function failing(): { name: string; args: string[]; presetOutput?: boolean }[] {
  const k = p['known.bin']!;
  const r = p['rsa.der']!;
  return [
    { name: 'symmetric with RSA_AES_KEY_WRAP', args: wrap(k, rsa.publicDer, 'RSA_AES_KEY_WRAP_SHA_256') },
    { name: 'symmetric with a contradicting --key-spec', args: wrap(k, rsa.publicDer, 'RSAES_OAEP_SHA_256', '--key-spec', 'HMAC_384') },
    {
      name: '32 bytes as SYMMETRIC_DEFAULT in China',
      args: wrap(k, rsa.publicDer, 'RSAES_OAEP_SHA_256', '--key-spec', 'SYMMETRIC_DEFAULT', '--region', 'china'),
    },
    { name: 'symmetric with SM2PKE', args: wrap(k, sm2.publicDer, 'SM2PKE', '--region', 'china') },
    { name: 'RSAES_PKCS1_V1_5', args: wrap(k, rsa.publicDer, 'RSAES_PKCS1_V1_5') },
    { name: 'a weak wrapping key', args: wrap(k, weak, 'RSAES_OAEP_SHA_256') },
    { name: 'the material as the public key', args: wrap(k, k, 'RSAES_OAEP_SHA_256') },
    { name: 'the material as hex text', args: wrap(p['known.hex']!, rsa.publicDer, 'RSAES_OAEP_SHA_256') },
    { name: 'the material as base64 text', args: wrap(p['known.b64']!, rsa.publicDer, 'RSAES_OAEP_SHA_256') },
    { name: 'the material plus one byte', args: wrap(p['known-33.bin']!, rsa.publicDer, 'RSAES_OAEP_SHA_256') },
    { name: 'the material as --parameters', args: ['wrap', '--material', k, '--parameters', k, '--algorithm', 'RSAES_OAEP_SHA_256'] },
    {
      name: 'parameters whose PublicKey is the material',
      args: ['wrap', '--material', k, '--parameters', p['known-params.json']!, '--algorithm', 'RSAES_OAEP_SHA_256'],
    },
    { name: 'an existing output', args: wrap(k, rsa.publicDer, 'RSAES_OAEP_SHA_256'), presetOutput: true },
    { name: 'convert raw material', args: ['convert', k, '-o', 'out.der'] },
    { name: 'keygen over the material', args: ['keygen', 'SYMMETRIC_DEFAULT', '-o', k] },
    { name: 'RSA key with RSAES_OAEP', args: wrap(r, rsa.publicDer, 'RSAES_OAEP_SHA_256') },
    { name: 'RSA key (DER) as the public key', args: wrap(k, r, 'RSAES_OAEP_SHA_256') },
    { name: 'RSA key (PEM) as the public key', args: wrap(k, p['rsa.pem']!, 'RSAES_OAEP_SHA_256') },
    { name: 'RSA key (base64 DER) as the public key', args: wrap(k, p['rsa.b64']!, 'RSAES_OAEP_SHA_256') },
    { name: 'RSA key with a contradicting --key-spec', args: wrap(r, rsa.publicDer, 'RSA_AES_KEY_WRAP_SHA_256', '--key-spec', 'RSA_4096') },
    { name: 'RSA key, truncated by one byte', args: wrap(p['rsa-truncated.der']!, rsa.publicDer, 'RSA_AES_KEY_WRAP_SHA_256') },
    { name: 'RSA key (PKCS#1 PEM, converted) with RSAES_OAEP', args: wrap(p['rsa-pkcs1.pem']!, rsa.publicDer, 'RSAES_OAEP_SHA_1') },
    { name: 'RSA key with RSA_AES_KEY_WRAP in China', args: wrap(r, rsa.publicDer, 'RSA_AES_KEY_WRAP_SHA_256', '--region', 'china') },
    {
      name: 'parameters whose PublicKey is the RSA private key',
      args: ['wrap', '--material', r, '--parameters', p['rsa-params.json']!, '--algorithm', 'RSA_AES_KEY_WRAP_SHA_256'],
    },
    { name: "RSA key as an unknown command's argument", args: ['wrapp', '--material', r] },
  ];
}

describe('canary: no encoding of the material in any output', () => {
  it('the needles find the material when it is there (the check itself works)', () => {
    const all = secrets.flatMap(needles);
    const leak = (text: string) => all.some((n) => text.includes(n));
    expect(leak(KNOWN.toString('hex'))).toBe(true);
    expect(leak(KNOWN.toString('base64'))).toBe(true);
    expect(leak(`xx${KNOWN.subarray(1).toString('base64url')}`)).toBe(true);
    expect(leak(secrets[0]!.subarray(7, 40).toString('base64'))).toBe(true);
    expect(leak(secrets[1]!.subarray(20, 40).toString('hex').toUpperCase())).toBe(true);
    expect(leak('kms-wrap: ERR_X: nothing secret here — fine')).toBe(false);
  });

  it.concurrent.each([false, true])('failing commands print none of it (--json: %s)', async (withJson) => {
    const all = secrets.flatMap(needles);
    const cases = failing();
    const results = await Promise.all(
      cases.map(async (c, i) => {
        const cwd = await scratch.fresh(`${withJson ? 'json' : 'text'}-${c.name}`);
        if (c.presetOutput) await write(join(cwd, 'EncryptedKeyMaterial.bin'), 'earlier');
        const args = withJson ? [...c.args, '--json'] : c.args;
        // Every fifth through the binary, the rest through the same main in-process.
        const r: Run = await (i % 5 === 0 ? cli : run)(args, cwd);
        return { c, r };
      }),
    );
    for (const { c, r } of results) {
      expect(r.code, `${c.name} should fail: ${r.stdout}${r.stderr}`).not.toBe(0);
      expectNoStack(r);
      const text = `${r.stdout}\n${r.stderr}`;
      const found = all.find((n) => text.includes(n));
      expect(found, `${c.name} printed part of the key material: ${text}`).toBeUndefined();
    }
  });

  it('inspect of the material in every form prints none of it either', async () => {
    const all = secrets.flatMap(needles);
    const cwd = await scratch.fresh('inspect');
    const files = ['known.bin', 'known.hex', 'known.b64', 'rsa.der', 'rsa.pem', 'rsa-pkcs1.pem', 'rsa.b64', 'rsa-params.json'];
    for (const [i, file] of files.entries()) {
      for (const r of await Promise.all([
        (i % 4 === 0 ? cli : run)(['inspect', p[file]!], cwd),
        run(['inspect', p[file]!, '--json'], cwd),
      ])) {
        expect(r.code, r.stderr).toBe(0);
        const text = `${r.stdout}\n${r.stderr}`;
        expect(
          all.find((n) => text.includes(n)),
          `inspect ${file}: ${text}`,
        ).toBeUndefined();
      }
    }
  });
});
