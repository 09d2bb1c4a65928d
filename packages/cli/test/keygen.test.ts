/**
 * `kms-wrap keygen`: the AWS guide's file names, mode 0600, the right length or key type (checked
 * by OpenSSL), canonical PKCS#8 DER, refusals with the reason, --count, and no overwriting.
 */
import { readFile } from 'node:fs/promises';
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
  opensslText,
  parseOneJson,
  run,
  write,
} from './helpers.js';
import { main } from '../src/main.js';

const scratch = new Scratch();
beforeAll(() => scratch.init('keygen'));
afterAll(() => scratch.dispose());

interface Spec {
  readonly spec: string;
  readonly file: string;
  readonly china?: boolean;
  /** Raw material: its length. */
  readonly length?: number;
  /** Private keys: what `openssl pkey -text` must say. */
  readonly text?: readonly RegExp[];
}

const SPECS: readonly Spec[] = [
  { spec: 'SYMMETRIC_DEFAULT', file: 'PlaintextKeyMaterial.bin', length: 32 },
  { spec: 'SYMMETRIC_DEFAULT', file: 'PlaintextKeyMaterial.bin', length: 16, china: true },
  { spec: 'HMAC_224', file: 'HMAC_224_PlaintextKey.bin', length: 28 },
  { spec: 'HMAC_256', file: 'HMAC_256_PlaintextKey.bin', length: 32 },
  { spec: 'HMAC_384', file: 'HMAC_384_PlaintextKey.bin', length: 48 },
  { spec: 'HMAC_512', file: 'HMAC_512_PlaintextKey.bin', length: 64 },
  { spec: 'RSA_2048', file: 'RSA_2048_PrivateKey.der', text: [/Private-Key: \(2048 bit/, /publicExponent: 65537/] },
  { spec: 'RSA_3072', file: 'RSA_3072_PrivateKey.der', text: [/Private-Key: \(3072 bit/] },
  { spec: 'RSA_4096', file: 'RSA_4096_PrivateKey.der', text: [/Private-Key: \(4096 bit/] },
  {
    spec: 'ECC_NIST_P256',
    file: 'ECC_NIST_P256_PrivateKey.der',
    text: [/Private-Key: \(256 bit\)/, /ASN1 OID: prime256v1/, /NIST CURVE: P-256/],
  },
  { spec: 'ECC_NIST_P384', file: 'ECC_NIST_P384_PrivateKey.der', text: [/Private-Key: \(384 bit\)/, /ASN1 OID: secp384r1/] },
  { spec: 'ECC_NIST_P521', file: 'ECC_NIST_P521_PrivateKey.der', text: [/Private-Key: \(521 bit\)/, /ASN1 OID: secp521r1/] },
  { spec: 'ECC_SECG_P256K1', file: 'ECC_SECG_P256K1_PrivateKey.der', text: [/Private-Key: \(256 bit\)/, /ASN1 OID: secp256k1/] },
  { spec: 'SM2', file: 'SM2_PrivateKey.der', china: true, text: [/Private-Key: \(256 bit\)/, /ASN1 OID: SM2/] },
];

describe.concurrent('keygen: every key spec', () => {
  // The slow RSA ones through the binary, the rest in-process as well as through it.
  it.each(
    SPECS.map(
      (s, i) =>
        [`${s.spec}${s.china ? ' --region china' : ''} → ${s.file}`, s, i % 2 === 0 || s.spec.startsWith('RSA') ? cli : run] as const,
    ),
  )('%s', async (_, s, via) => {
    const cwd = await scratch.fresh(`${s.spec}${s.china ? '-china' : ''}`);
    const r = await via(['keygen', s.spec, ...(s.china ? ['--region', 'china'] : [])], cwd);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(await listing(cwd)).toEqual([s.file]);
    const path = join(cwd, s.file);
    expect(await modeOf(path)).toBe(0o600);
    expect(r.stdout).toBe(
      `wrote ${path}: ${s.spec} key material, ${s.length ? `${s.length} random bytes` : 'an unencrypted PKCS#8 DER private key'} (mode 0600)\n`,
    );
    const bytes = await readFile(path);
    if (s.length !== undefined) {
      expect(bytes.length).toBe(s.length);
      expect(bytes.equals(Buffer.alloc(s.length))).toBe(false);
      return;
    }
    // OpenSSL reads it as an unencrypted private key of the right type and size...
    const text = await opensslText(['pkey', '-inform', 'DER', '-in', path, '-noout', '-text']);
    for (const re of s.text!) expect(text).toMatch(re);
    // ...and re-encodes it to the same bytes: canonical PKCS#8 DER.
    const canonical = await openssl(['pkcs8', '-topk8', '-nocrypt', '-inform', 'DER', '-in', path, '-outform', 'DER']);
    expect(canonical.equals(bytes)).toBe(true);
  });

  it('--json reports the files and the size', async () => {
    const cwd = await scratch.fresh('json');
    const r = await run(['keygen', 'HMAC_384', '--json'], cwd);
    expect(r.code, r.stderr).toBe(0);
    expect(parseOneJson(r.stdout)).toMatchObject({
      ok: true,
      keySpec: 'HMAC_384',
      region: 'standard',
      files: [join(cwd, 'HMAC_384_PlaintextKey.bin')],
      bytes: 48,
    });
  });

  it('-o names the file', async () => {
    const cwd = await scratch.fresh('output');
    const r = await run(['keygen', 'ECC_NIST_P384', '-o', 'my-key.der'], cwd);
    expect(r.code, r.stderr).toBe(0);
    expect(await listing(cwd)).toEqual(['my-key.der']);
    expect(await modeOf(join(cwd, 'my-key.der'))).toBe(0o600);
  });

  it('takes a key spec in lower case', async () => {
    const cwd = await scratch.fresh('lower');
    const r = await run(['keygen', 'hmac_256'], cwd);
    expect(r.code, r.stderr).toBe(0);
    expect(await listing(cwd)).toEqual(['HMAC_256_PlaintextKey.bin']);
  });
});

describe.concurrent('keygen: refusals', () => {
  const cases = [
    {
      name: 'SM2 without --region china',
      args: ['SM2'],
      code: 'ERR_REGION_MISMATCH',
      says: ['SM2 key material can be imported only in the AWS China Regions', '— pass --region china'],
    },
    {
      name: 'ML_DSA_65',
      args: ['ML_DSA_65'],
      code: 'ERR_KEY_SPEC_UNSUPPORTED',
      says: ['ML_DSA_65 cannot be imported', 'KMS cannot import ML-DSA key material', 'create the ML-DSA key in KMS instead'],
    },
    {
      name: 'RSA_1024',
      args: ['RSA_1024'],
      code: 'ERR_KEY_SPEC_UNSUPPORTED',
      says: ['RSA_1024 cannot be imported', 'use RSA_2048, RSA_3072 or RSA_4096'],
    },
    {
      name: 'an unknown key spec',
      args: ['AES_256'],
      code: 'ERR_UNKNOWN_NAME',
      exit: 2,
      says: ["'AES_256' is not a KMS key spec", 'SYMMETRIC_DEFAULT'],
    },
    { name: 'no key spec', args: [], code: 'ERR_USAGE', exit: 2, says: ['kms-wrap keygen needs an argument'] },
    {
      name: '--count 0',
      args: ['HMAC_256', '--count', '0'],
      code: 'ERR_USAGE',
      exit: 2,
      says: ['--count takes a whole number from 1 to 100000'],
    },
    { name: '--count abc', args: ['HMAC_256', '--count', 'abc'], code: 'ERR_USAGE', exit: 2, says: ["not 'abc'"] },
    { name: 'an unknown option', args: ['HMAC_256', '--bits', '256'], code: 'ERR_USAGE', exit: 2, says: ["Unknown option '--bits'"] },
    {
      name: 'an unknown region',
      args: ['HMAC_256', '--region', 'moon'],
      code: 'ERR_UNKNOWN_NAME',
      exit: 2,
      says: ["'moon' is not a region"],
    },
  ];
  it.each(cases.map((c, i) => [`${c.name} [${i % 2 === 0 ? 'binary' : 'in-process'}]`, c, i % 2 === 0 ? cli : run] as const))(
    '%s',
    async (_, c, via) => {
      const cwd = await scratch.fresh(c.name);
      const r = await expectUnchanged([cwd], () => via(['keygen', ...c.args], cwd));
      expectRefusal(r, { code: c.code, exit: c.exit ?? 1, says: c.says });
      expect(r.stdout).toBe('');
      expect(await listing(cwd)).toEqual([]);
    },
  );
});

describe.concurrent('keygen: --count and existing files', () => {
  it('--count 4 writes four numbered files, mode 0600, all different', async () => {
    const cwd = await scratch.fresh('count');
    const r = await cli(['keygen', 'HMAC_256', '--count', '4'], cwd);
    expect(r.code, r.stderr).toBe(0);
    const names = [
      'HMAC_256_PlaintextKey-1.bin',
      'HMAC_256_PlaintextKey-2.bin',
      'HMAC_256_PlaintextKey-3.bin',
      'HMAC_256_PlaintextKey-4.bin',
    ];
    expect(await listing(cwd)).toEqual(names);
    const contents = await Promise.all(names.map((n) => readFile(join(cwd, n))));
    for (const c of contents) expect(c.length).toBe(32);
    expect(new Set(contents.map((c) => c.toString('hex'))).size).toBe(4);
    for (const n of names) expect(await modeOf(join(cwd, n))).toBe(0o600);
    expect(r.stdout).toContain('wrote 4 files');
  });

  it('--count 4 of ECC_NIST_P256 private keys with -o: four distinct keys OpenSSL reads', async () => {
    const cwd = await scratch.fresh('count-ec');
    const r = await run(['keygen', 'ECC_NIST_P256', '--count', '4', '-o', 'p256.der', '--json'], cwd);
    expect(r.code, r.stderr).toBe(0);
    const names = ['p256-1.der', 'p256-2.der', 'p256-3.der', 'p256-4.der'];
    expect(parseOneJson(r.stdout)).toMatchObject({ ok: true, files: names.map((n) => join(cwd, n)) });
    const contents = await Promise.all(names.map((n) => readFile(join(cwd, n))));
    expect(new Set(contents.map((c) => c.toString('hex'))).size).toBe(4);
    for (const n of names)
      expect(await opensslText(['pkey', '-inform', 'DER', '-in', join(cwd, n), '-noout', '-text'])).toMatch(/prime256v1/);
  });

  it('refuses to overwrite without --force (ERR_FILE_EXISTS), the file unchanged; --force replaces it', async () => {
    const cwd = await scratch.fresh('exists');
    const path = await write(join(cwd, 'PlaintextKeyMaterial.bin'), Buffer.alloc(32, 0xab), 0o600);
    const r = await expectUnchanged([cwd], () => cli(['keygen', 'SYMMETRIC_DEFAULT'], cwd));
    expectRefusal(r, { code: 'ERR_FILE_EXISTS', says: [`${path} exists`, 'pass --force to replace it'] });
    expect((await readFile(path)).equals(Buffer.alloc(32, 0xab))).toBe(true);
    const forced = await cli(['keygen', 'SYMMETRIC_DEFAULT', '--force'], cwd);
    expect(forced.code, forced.stderr).toBe(0);
    const replaced = await readFile(path);
    expect(replaced.length).toBe(32);
    expect(replaced.equals(Buffer.alloc(32, 0xab))).toBe(false);
    expect(await modeOf(path)).toBe(0o600);
  });

  it('--count refuses all when one numbered file exists, and writes none', async () => {
    const cwd = await scratch.fresh('count-exists');
    await write(join(cwd, 'HMAC_512_PlaintextKey-3.bin'), 'mine');
    const r = await expectUnchanged([cwd], () => run(['keygen', 'HMAC_512', '--count', '4'], cwd));
    expectRefusal(r, { code: 'ERR_FILE_EXISTS', says: ['HMAC_512_PlaintextKey-3.bin exists'] });
    expect(await listing(cwd)).toEqual(['HMAC_512_PlaintextKey-3.bin']);
  });
});

describe('progress on a terminal', () => {
  /** Runs keygen in this process with stderr claiming to be a terminal (or not). */
  async function keygenOn(tty: boolean, args: string[]) {
    const cwd = await progressScratch.fresh('progress');
    let stdout = '';
    let stderr = '';
    const code = await main(['keygen', ...args], {
      stdout: { write: (s: string) => (stdout += s) },
      stderr: { write: (s: string) => (stderr += s), isTTY: tty },
      cwd,
    });
    return { code, stdout, stderr };
  }
  const progressScratch = new Scratch();
  beforeAll(() => progressScratch.init('keygen-progress'));
  afterAll(() => progressScratch.dispose());

  it('--count on a terminal: keys done out of all, redrawn in place and cleared at the end', async () => {
    const r = await keygenOn(true, ['HMAC_256', '--count', '3', '-o', 'k.bin']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('\r\x1b[2Kgenerating HMAC_256: 0/3');
    expect(r.stderr).toMatch(/generating HMAC_256: 3\/3, [\d.]+ s each/);
    expect(r.stderr.endsWith('\r\x1b[2K')).toBe(true);
    expect(r.stdout).toContain('wrote 3 files');
  });

  it('an RSA key on a terminal says it is working; nothing when stderr is not a terminal, or with --quiet', async () => {
    expect((await keygenOn(true, ['RSA_2048', '-o', 'r.der'])).stderr).toContain('generating RSA_2048: 0/1');
    expect((await keygenOn(false, ['HMAC_256', '--count', '3', '-o', 'p.bin'])).stderr).toBe('');
    expect((await keygenOn(true, ['HMAC_256', '--count', '3', '-o', 'q.bin', '--quiet'])).stderr).toBe('');
  });
});
