/**
 * `kms-wrap convert`: private keys in the forms users hold them (PKCS#1, SEC1, PKCS#8 PEM, DER,
 * JWK) become exactly the bytes `openssl pkcs8 -topk8 -nocrypt -outform DER` prints.
 */
import { createPrivateKey } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Scratch,
  cli,
  expectRefusal,
  expectUnchanged,
  listing,
  modeOf,
  openssl,
  opensslPkcs8,
  parseOneJson,
  run,
  write,
} from './helpers.js';

const scratch = new Scratch();
let f = '';
const p: Record<string, string> = {};
/** OpenSSL's canonical PKCS#8 DER of each key. */
const canonical: Record<string, Buffer> = {};

beforeAll(async () => {
  f = join(await scratch.init('convert'), 'fixtures');
  await mkdir(f);
  const ossl = async (name: string, args: string[]) => {
    await openssl([...args, '-out', join(f, name)]);
    return (p[name] = join(f, name));
  };
  const jwk = async (name: string, from: string) => {
    p[name] = await write(join(f, name), JSON.stringify(createPrivateKey(await readFile(p[from]!)).export({ format: 'jwk' })));
  };
  const rsaKey = async () => {
    const pem = await ossl('rsa-pkcs8.pem', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048']);
    await Promise.all([
      ossl('rsa-pkcs1.pem', ['rsa', '-in', pem, '-traditional']),
      ossl('rsa-pkcs1.der', ['rsa', '-in', pem, '-traditional', '-outform', 'DER']),
      jwk('rsa.jwk', 'rsa-pkcs8.pem'),
      opensslPkcs8(pem).then((b) => (canonical['rsa'] = b)),
    ]);
  };
  const ecKey = async (name: string, curve: string) => {
    const sec1 = await ossl(`${name}-sec1.pem`, ['ecparam', '-name', curve, '-genkey', '-noout']);
    await Promise.all([
      ossl(`${name}-sec1.der`, ['ec', '-in', sec1, '-outform', 'DER']),
      ossl(`${name}-pkcs8.pem`, ['pkcs8', '-topk8', '-nocrypt', '-in', sec1]),
      jwk(`${name}.jwk`, `${name}-sec1.pem`),
      opensslPkcs8(sec1).then((b) => (canonical[name] = b)),
    ]);
  };
  await Promise.all([rsaKey(), ecKey('p256', 'prime256v1'), ecKey('p384', 'secp384r1'), ecKey('k256', 'secp256k1')]);
});

afterAll(() => scratch.dispose());

const FORMS = [
  ['PKCS#1 PEM (RSA PRIVATE KEY)', 'rsa-pkcs1.pem', 'rsa', 'pkcs1-pem', 'RSA_2048'],
  ['PKCS#1 DER', 'rsa-pkcs1.der', 'rsa', 'pkcs1-der', 'RSA_2048'],
  ['PKCS#8 PEM (RSA)', 'rsa-pkcs8.pem', 'rsa', 'pkcs8-pem', 'RSA_2048'],
  ['JWK (RSA)', 'rsa.jwk', 'rsa', 'jwk', 'RSA_2048'],
  ['SEC1 PEM (EC PRIVATE KEY, P-256)', 'p256-sec1.pem', 'p256', 'sec1-pem', 'ECC_NIST_P256'],
  ['SEC1 PEM (P-384)', 'p384-sec1.pem', 'p384', 'sec1-pem', 'ECC_NIST_P384'],
  ['SEC1 PEM (secp256k1)', 'k256-sec1.pem', 'k256', 'sec1-pem', 'ECC_SECG_P256K1'],
  ['SEC1 DER (P-256)', 'p256-sec1.der', 'p256', 'sec1-der', 'ECC_NIST_P256'],
  ['PKCS#8 PEM (P-384)', 'p384-pkcs8.pem', 'p384', 'pkcs8-pem', 'ECC_NIST_P384'],
  ['JWK (P-256)', 'p256.jwk', 'p256', 'jwk', 'ECC_NIST_P256'],
  ['JWK (secp256k1)', 'k256.jwk', 'k256', 'jwk', 'ECC_SECG_P256K1'],
] as const;

describe.concurrent('convert: the same bytes as openssl pkcs8 -topk8 -nocrypt -outform DER', () => {
  const cases = FORMS.map(
    ([name, file, key, from, spec], i) =>
      [`${name} [${i % 2 === 0 ? 'binary' : 'in-process'}]`, { file, key, from, spec, via: i % 2 === 0 ? cli : run }] as const,
  );
  it.each(cases)('%s', async (_, { file, key, from, spec, via }) => {
    const cwd = await scratch.fresh(file);
    const out = join(cwd, 'key.pkcs8.der');
    const r = await via(['convert', p[file]!, '-o', 'key.pkcs8.der'], cwd);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const der = await readFile(out);
    expect(der.equals(canonical[key]!)).toBe(true);
    expect(await modeOf(out)).toBe(0o600);
    expect(r.stdout).toBe(`wrote ${out} (${der.length} bytes): ${spec} private key, PKCS#8 DER, converted from ${from} (mode 0600)\n`);
  });

  it('default output name: IN with .der, or .pkcs8.der if IN ends in .der; --json', async () => {
    const cwd = await scratch.fresh('default-name');
    await write(join(cwd, 'server.pem'), await readFile(p['rsa-pkcs1.pem']!));
    const a = await cli(['convert', 'server.pem', '--json'], cwd);
    expect(a.code, a.stderr).toBe(0);
    expect(parseOneJson(a.stdout)).toMatchObject({
      ok: true,
      input: join(cwd, 'server.pem'),
      output: join(cwd, 'server.der'),
      from: 'pkcs1-pem',
      keySpec: 'RSA_2048',
      bytes: canonical['rsa']!.length,
    });
    await write(join(cwd, 'ec.der'), await readFile(p['p256-sec1.der']!));
    const b = await run(['convert', 'ec.der'], cwd);
    expect(b.code, b.stderr).toBe(0);
    expect(await listing(cwd)).toEqual(['ec.der', 'ec.pkcs8.der', 'server.der', 'server.pem']);
    expect((await readFile(join(cwd, 'ec.pkcs8.der'))).equals(canonical['p256']!)).toBe(true);
  });

  it('refuses to replace an existing output without --force; --force replaces it', async () => {
    const cwd = await scratch.fresh('exists');
    await write(join(cwd, 'key.der'), 'older');
    const r = await expectUnchanged([cwd, f], () => cli(['convert', p['p384-sec1.pem']!, '-o', 'key.der'], cwd));
    expectRefusal(r, { code: 'ERR_FILE_EXISTS', says: ['--force'] });
    const forced = await run(['convert', p['p384-sec1.pem']!, '-o', 'key.der', '--force'], cwd);
    expect(forced.code, forced.stderr).toBe(0);
    expect((await readFile(join(cwd, 'key.der'))).equals(canonical['p384']!)).toBe(true);
  });

  it('a public key is refused with the reason, and nothing is written', async () => {
    const cwd = await scratch.fresh('public');
    const pub = await write(join(cwd, 'pub.pem'), await openssl(['pkey', '-in', p['p256-sec1.pem']!, '-pubout']));
    const r = await expectUnchanged([cwd, f], () => cli(['convert', pub], cwd));
    expectRefusal(r, { code: 'ERR_MATERIAL_INVALID', says: ['"PUBLIC KEY", not a private key', 'use the private key file'] });
  });

  it('an encrypted key is refused with the openssl command that decrypts it', async () => {
    const cwd = await scratch.fresh('encrypted');
    const enc = await write(
      join(cwd, 'enc.pem'),
      await openssl(['pkcs8', '-topk8', '-in', p['p256-sec1.pem']!, '-passout', 'pass:secret']),
    );
    const r = await expectUnchanged([cwd, f], () => run(['convert', enc], cwd));
    expectRefusal(r, { code: 'ERR_MATERIAL_ENCRYPTED', says: ['openssl pkcs8 -topk8 -nocrypt'] });
  });

  it('a missing input is one line, exit 1', async () => {
    const cwd = await scratch.fresh('missing');
    const r = await expectUnchanged([cwd], () => run(['convert', 'nope.pem'], cwd));
    expectRefusal(r, { code: 'ERR_FILE_UNREADABLE', says: ['no such file'] });
  });
});
