/**
 * The deep canary: no key material in any message, anywhere. Known material — a 32-byte
 * pattern file, an RSA private key and an EC (P-256) private key, in the forms users have
 * (raw, PKCS#8 and SEC1/PKCS#1 DER and PEM, JWK, hex, base64, a decimal byte list, corrupted
 * copies, encrypted) — is pushed through every error path:
 *   - the command (node dist/bin.js): wrap, keygen, convert, inspect and batch with bad inputs,
 *     refused combinations and existing outputs, with and without --json;
 *   - the APIs: core inspectMaterial / parseWrappingPublicKey / createWrapper().wrap refusals,
 *     keygen toPkcs8 / describeKeyFile / encodePkcs8 refusals, node wrapKeyMaterial and unwrap.
 * No encoding of the secrets — the pattern, the RSA private exponent d and primes/CRT values,
 * the EC scalar d — may appear: hex (lower or upper case), base64, base64url, or a decimal byte
 * list ("1,2,3" / "1, 2, 3"), in stdout, stderr, JSON output, error messages, or anywhere in the
 * error's cause chain: causes that are not KmsWrapError included, their messages, stacks and
 * every property (byte arrays among them searched for the raw bytes).
 * (canary.test.ts checks the command's main refusals against the pattern and an RSA key; this
 * file adds the EC key, decimal lists, batch, the API error objects and their causes.)
 */
import { spawn } from 'node:child_process';
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWrapper, inspectMaterial, parseImportParameters, parseWrappingPublicKey } from '@kms-wrap/core';
import { describeKeyFile, encodePkcs8, toPkcs8, type PrivateKeyJwk } from '@kms-wrap/keygen';
import { createNodeCryptoProvider, loadInstalledAlgorithms, readInputFile, wrapKeyMaterial, writeFileAtomic } from '@kms-wrap/node';
import { main } from '../src/main.js';

const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const b = (x: Buffer) => new Uint8Array(x.buffer, x.byteOffset, x.byteLength);

// The secrets.
const PATTERN = Uint8Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 0xff);
const wrapping = generateKeyPairSync('rsa', { modulusLength: 2048 });
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const rsaJwk = rsa.privateKey.export({ format: 'jwk' }) as Record<string, string>;
const ecJwk = ec.privateKey.export({ format: 'jwk' }) as Record<string, string>;
const SECRETS: { name: string; bytes: Uint8Array }[] = [
  { name: 'the 32-byte pattern', bytes: PATTERN },
  ...['d', 'p', 'q', 'dp', 'dq', 'qi'].map((m) => ({ name: `the RSA key's ${m}`, bytes: b(Buffer.from(rsaJwk[m]!, 'base64url')) })),
  { name: "the EC key's scalar d", bytes: b(Buffer.from(ecJwk['d']!, 'base64url')) },
];

/** Every encoding of every window of every secret: 8-byte windows in hex, 12-character base64/base64url windows at each alignment, 6-byte decimal lists. */
function needles(): { needle: string; what: string }[] {
  const out = new Map<string, string>();
  for (const { name, bytes } of SECRETS) {
    const buf = Buffer.from(bytes);
    for (let i = 0; i + 8 <= buf.length; i++) {
      const hex = buf.subarray(i, i + 8).toString('hex');
      out.set(hex, `${name} (hex)`);
      out.set(hex.toUpperCase(), `${name} (HEX)`);
    }
    for (let shift = 0; shift < 3; shift++) {
      const whole = Math.floor((buf.length - shift) / 3) * 4;
      const b64 = buf.subarray(shift).toString('base64');
      for (let i = 0; i + 12 <= whole; i += 4) {
        out.set(b64.slice(i, i + 12), `${name} (base64)`);
        out.set(
          b64
            .slice(i, i + 12)
            .replace(/\+/g, '-')
            .replace(/\//g, '_'),
          `${name} (base64url)`,
        );
      }
    }
    for (let i = 0; i + 6 <= buf.length; i++) {
      const list = [...buf.subarray(i, i + 6)];
      out.set(list.join(','), `${name} (decimal list)`);
      out.set(list.join(', '), `${name} (decimal list)`);
    }
  }
  return [...out].map(([needle, what]) => ({ needle, what }));
}
const NEEDLES = needles();

function leakIn(text: string): string | undefined {
  const hit = NEEDLES.find((n) => text.includes(n.needle));
  return hit && `${hit.what}: …${hit.needle}…`;
}

/** Raw secret bytes (8-byte windows) inside a byte array found in an error's properties. */
function rawLeakIn(bytes: Uint8Array): string | undefined {
  const hay = Buffer.from(bytes);
  for (const { name, bytes: s } of SECRETS) {
    for (let i = 0; i + 8 <= s.length; i += 4)
      if (hay.includes(Buffer.from(s.subarray(i, i + 8)))) return `${name} (raw bytes in a property)`;
  }
  return undefined;
}

/** Everything an error carries, down its cause chain: messages, names, stacks, every own property (non-KmsWrapError causes too). */
function errorLeak(error: unknown, path = 'error', seen = new Set<unknown>()): string | undefined {
  if (error === null || error === undefined || seen.has(error) || seen.size > 200) return undefined;
  if (typeof error === 'string') return leakIn(error) && `${path}: ${leakIn(error)}`;
  if (error instanceof Uint8Array) return rawLeakIn(error) && `${path}: ${rawLeakIn(error)}`;
  if (typeof error !== 'object') return leakIn(String(error)) && `${path}: ${leakIn(String(error))}`;
  seen.add(error);
  if (error instanceof Error) {
    for (const [k, v] of [
      ['message', error.message],
      ['name', error.name],
      ['stack', error.stack ?? ''],
    ] as const) {
      const l = leakIn(String(v));
      if (l) return `${path}.${k}: ${l}`;
    }
  }
  for (const key of Reflect.ownKeys(error)) {
    const value = (error as Record<string | symbol, unknown>)[key];
    const l = errorLeak(value, `${path}.${String(key)}`, seen) ?? leakIn(String(key));
    if (l) return l;
  }
  try {
    const json = JSON.stringify(error);
    if (json && leakIn(json)) return `${path} as JSON: ${leakIn(json)}`;
  } catch {
    // circular: the properties were walked above
  }
  return undefined;
}

let dir: string;
const f: Record<string, string> = {};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kms-wrap-secret-canary-'));
  const rsaPkcs8 = rsa.privateKey.export({ type: 'pkcs8', format: 'der' });
  const ecPkcs8 = ec.privateKey.export({ type: 'pkcs8', format: 'der' });
  const ecSec1Pem = ec.privateKey.export({ type: 'sec1', format: 'pem' }) as string;
  const corrupt = (der: Buffer, at: number) => Buffer.from(der.map((v, i) => (i === at ? v ^ 0x01 : v)));
  // The EC scalar sits 7 bytes into the inner ECPrivateKey: flip a bit of it, and the public key no longer matches.
  const scalarAt = ecPkcs8.indexOf(Buffer.from(ecJwk['d']!, 'base64url'));
  const dAt = rsaPkcs8.indexOf(Buffer.from(rsaJwk['d']!, 'base64url'));
  const files: Record<string, string | Buffer | Uint8Array> = {
    'wrapping.der': wrapping.publicKey.export({ type: 'spki', format: 'der' }),
    'pattern.bin': PATTERN,
    'pattern-33.bin': Buffer.concat([PATTERN, Buffer.of(0)]),
    'pattern.hex': `${Buffer.from(PATTERN).toString('hex')}\n`,
    'pattern.HEX': `${Buffer.from(PATTERN).toString('hex').toUpperCase()}\n`,
    'pattern.b64': `${Buffer.from(PATTERN).toString('base64')}\n`,
    'pattern.b64url': `${Buffer.from(PATTERN).toString('base64url')}\n`,
    'pattern.decimal': `${[...PATTERN].join(',')}\n`,
    'pattern-params.json': JSON.stringify({
      KeyId: 'k',
      ImportToken: 'AAAA',
      PublicKey: Buffer.from(PATTERN).toString('base64'),
      ParametersValidTo: 2e9,
    }),
    'rsa.der': rsaPkcs8,
    'rsa.pem': rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }),
    'rsa-pkcs1.pem': rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }),
    'rsa.jwk': JSON.stringify(rsaJwk),
    'rsa-bad-d.der': corrupt(rsaPkcs8, dAt + 10),
    'rsa-bad-d.jwk': JSON.stringify({
      ...rsaJwk,
      d: Buffer.from(corrupt(Buffer.from(rsaJwk['d']!, 'base64url'), 5)).toString('base64url'),
    }),
    'rsa-truncated.der': rsaPkcs8.subarray(0, rsaPkcs8.length - 1),
    'rsa.b64': `${rsaPkcs8.toString('base64')}\n`,
    'ec.der': ecPkcs8,
    'ec-sec1.pem': ecSec1Pem,
    'ec-sec1.der': ec.privateKey.export({ type: 'sec1', format: 'der' }),
    'ec.jwk': JSON.stringify(ecJwk),
    'ec-bad-scalar.der': corrupt(ecPkcs8, scalarAt + 3),
    'ec-bad-x.jwk': JSON.stringify({ ...ecJwk, x: ecJwk['y'] }),
    'ec-encrypted.pem': ec.privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-128-cbc', passphrase: 'canary' }),
    'ec-truncated.der': ecPkcs8.subarray(0, ecPkcs8.length - 3),
    'ec.hex': `${ecPkcs8.toString('hex')}\n`,
    'existing.bin': 'an earlier output',
  };
  for (const [name, data] of Object.entries(files)) await writeFile((f[name] = join(dir, name)), data, { mode: 0o600 });
  // A batch manifest whose every line is refused, each with key material in play.
  const line = (o: Record<string, string>) => JSON.stringify({ algorithm: 'RSAES_OAEP_SHA_256', publicKey: f['wrapping.der']!, ...o });
  await writeFile(
    (f['manifest.jsonl'] = join(dir, 'manifest.jsonl')),
    [
      line({ material: f['pattern.bin']!, algorithm: 'RSA_AES_KEY_WRAP_SHA_256', output: join(dir, 'b1.bin') }),
      line({ material: f['pattern.bin']!, keySpec: 'HMAC_384', output: join(dir, 'b2.bin') }),
      line({ material: f['pattern.bin']!, publicKey: f['rsa.der']!, output: join(dir, 'b3.bin') }),
      line({ material: f['pattern.bin']!, publicKey: f['ec.der']!, output: join(dir, 'b4.bin') }),
      line({ material: f['ec-encrypted.pem']!, output: join(dir, 'b5.bin') }),
      line({ material: f['rsa.der']!, output: join(dir, 'b6.bin') }),
      line({ material: f['pattern.hex']!, output: join(dir, 'b7.bin') }),
      line({ material: f['pattern.bin']!, keySpec: 'SYMMETRIC_DEFAULT', output: f['existing.bin']! }),
      JSON.stringify({ ...ecJwk }),
      Buffer.from(PATTERN).toString('hex'),
    ].join('\n'),
  );
  f['manifest-is-a-key.jsonl'] = f['ec-sec1.pem']!;
  f['manifest-is-a-jwk.jsonl'] = f['ec.jwk']!;
  await mkdir(join(dir, 'cwd'));
}, 60_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

function cli(args: readonly string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: join(dir, 'cwd'), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

const wrap = (material: string, algorithm: string, ...extra: string[]) => [
  'wrap',
  '--material',
  f[material]!,
  '--public-key',
  f['wrapping.der']!,
  '--algorithm',
  algorithm,
  '-o',
  join(dir, 'cwd', 'never.bin'),
  ...extra,
];

/** Command lines that must fail, each with key material in play. */
const FAILING: [string, () => string[]][] = [
  ['the pattern with RSA_AES_KEY_WRAP (symmetric material)', () => wrap('pattern.bin', 'RSA_AES_KEY_WRAP_SHA_256')],
  ['the pattern with a contradicting --key-spec', () => wrap('pattern.bin', 'RSAES_OAEP_SHA_256', '--key-spec', 'HMAC_512')],
  ['the pattern plus one byte', () => wrap('pattern-33.bin', 'RSAES_OAEP_SHA_256')],
  ['the pattern as hex, HEX, base64, base64url and decimal text', () => wrap('pattern.hex', 'RSAES_OAEP_SHA_256')],
  ['… HEX', () => wrap('pattern.HEX', 'RSAES_OAEP_SHA_256')],
  ['… base64', () => wrap('pattern.b64', 'RSAES_OAEP_SHA_256')],
  ['… base64url', () => wrap('pattern.b64url', 'RSAES_OAEP_SHA_256')],
  ['… decimal', () => wrap('pattern.decimal', 'RSAES_OAEP_SHA_256')],
  [
    'the pattern as the wrapping public key',
    () => ['wrap', '--material', f['pattern.bin']!, '--public-key', f['pattern.bin']!, '--algorithm', 'RSAES_OAEP_SHA_256'],
  ],
  [
    'the pattern as --parameters',
    () => ['wrap', '--material', f['pattern.bin']!, '--parameters', f['pattern.bin']!, '--algorithm', 'RSAES_OAEP_SHA_256'],
  ],
  [
    'parameters whose PublicKey is the pattern',
    () => ['wrap', '--material', f['pattern.bin']!, '--parameters', f['pattern-params.json']!, '--algorithm', 'RSAES_OAEP_SHA_256'],
  ],
  [
    'the pattern onto an existing output',
    () => [...wrap('pattern.bin', 'RSAES_OAEP_SHA_256', '--key-spec', 'SYMMETRIC_DEFAULT').slice(0, -2), '-o', f['existing.bin']!],
  ],
  [
    'the pattern into a missing directory',
    () => [
      ...wrap('pattern.bin', 'RSAES_OAEP_SHA_256', '--key-spec', 'SYMMETRIC_DEFAULT').slice(0, -2),
      '-o',
      join(dir, 'missing', 'x.bin'),
    ],
  ],
  ['RSA key with RSAES_OAEP (too large)', () => wrap('rsa.der', 'RSAES_OAEP_SHA_256')],
  [
    'RSA key (DER, PEM, PKCS#1 PEM, base64, JWK) as the public key',
    () => ['wrap', '--material', f['pattern.bin']!, '--public-key', f['rsa.der']!, '--algorithm', 'RSAES_OAEP_SHA_256'],
  ],
  ['… PEM', () => ['wrap', '--material', f['pattern.bin']!, '--public-key', f['rsa.pem']!, '--algorithm', 'RSAES_OAEP_SHA_256']],
  [
    '… PKCS#1 PEM',
    () => ['wrap', '--material', f['pattern.bin']!, '--public-key', f['rsa-pkcs1.pem']!, '--algorithm', 'RSAES_OAEP_SHA_256'],
  ],
  ['… base64', () => ['wrap', '--material', f['pattern.bin']!, '--public-key', f['rsa.b64']!, '--algorithm', 'RSAES_OAEP_SHA_256']],
  ['… JWK', () => ['wrap', '--material', f['pattern.bin']!, '--public-key', f['rsa.jwk']!, '--algorithm', 'RSAES_OAEP_SHA_256']],
  [
    'EC key (DER, SEC1 PEM) as the public key',
    () => ['wrap', '--material', f['pattern.bin']!, '--public-key', f['ec.der']!, '--algorithm', 'RSAES_OAEP_SHA_256'],
  ],
  ['… SEC1 PEM', () => ['wrap', '--material', f['pattern.bin']!, '--public-key', f['ec-sec1.pem']!, '--algorithm', 'RSAES_OAEP_SHA_256']],
  // (A PKCS#8 DER key with a corrupt d or scalar is wrapped as it is: only its structure is checked on that path; convert refuses it, below.)
  ['RSA JWK with a corrupt d (converted on the fly)', () => wrap('rsa-bad-d.jwk', 'RSA_AES_KEY_WRAP_SHA_256')],
  ['RSA key truncated', () => wrap('rsa-truncated.der', 'RSA_AES_KEY_WRAP_SHA_256')],
  ['RSA key with RSA_AES_KEY_WRAP in China', () => wrap('rsa.der', 'RSA_AES_KEY_WRAP_SHA_256', '--region', 'china')],
  ['EC JWK whose x is wrong', () => wrap('ec-bad-x.jwk', 'RSA_AES_KEY_WRAP_SHA_256')],
  ['EC key encrypted', () => wrap('ec-encrypted.pem', 'RSA_AES_KEY_WRAP_SHA_256')],
  ['EC key truncated', () => wrap('ec-truncated.der', 'RSA_AES_KEY_WRAP_SHA_256')],
  ['EC key as hex text', () => wrap('ec.hex', 'RSA_AES_KEY_WRAP_SHA_256')],
  ['EC key with a contradicting --key-spec', () => wrap('ec.der', 'RSA_AES_KEY_WRAP_SHA_256', '--key-spec', 'ECC_NIST_P384')],
  ['EC key with SM2PKE outside China', () => wrap('ec-sec1.pem', 'SM2PKE')],
  ['keygen over the pattern file', () => ['keygen', 'SYMMETRIC_DEFAULT', '-o', f['pattern.bin']!]],
  ['keygen over the EC key', () => ['keygen', 'ECC_NIST_P256', '-o', f['ec.der']!]],
  ['convert the pattern', () => ['convert', f['pattern.bin']!, '-o', join(dir, 'cwd', 'c1.der')]],
  ['convert the corrupt EC key', () => ['convert', f['ec-bad-scalar.der']!, '-o', join(dir, 'cwd', 'c2.der')]],
  ['convert the corrupt RSA JWK', () => ['convert', f['rsa-bad-d.jwk']!, '-o', join(dir, 'cwd', 'c3.der')]],
  ['convert the RSA PKCS#8 with a corrupt d', () => ['convert', f['rsa-bad-d.der']!, '-o', join(dir, 'cwd', 'c5.der')]],
  ['convert the encrypted EC key', () => ['convert', f['ec-encrypted.pem']!, '-o', join(dir, 'cwd', 'c4.der')]],
  ['convert the EC key onto the RSA key', () => ['convert', f['ec-sec1.pem']!, '-o', f['rsa.der']!]],
  ['batch: every line refused', () => ['batch', f['manifest.jsonl']!]],
  ['batch --check', () => ['batch', f['manifest.jsonl']!, '--check']],
  ['batch: the manifest is a PEM private key', () => ['batch', f['manifest-is-a-key.jsonl']!]],
  ['batch: the manifest is a JWK', () => ['batch', f['manifest-is-a-jwk.jsonl']!]],
  ['an unknown command with the key as its argument', () => ['wrapp', f['ec.der']!]],
];

async function pool<T, R>(items: readonly T[], width: number, f: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await f(items[i]!);
      }
    }),
  );
  return out;
}

describe('secret canary: the command', () => {
  it('the needles find each secret in each encoding (the check works)', () => {
    const ecD = SECRETS[SECRETS.length - 1]!.bytes;
    expect(leakIn(`x ${Buffer.from(PATTERN).toString('hex').toUpperCase()} y`)).toMatch(/pattern \(HEX\)/);
    expect(leakIn(Buffer.from(ecD).subarray(1).toString('base64url'))).toMatch(/scalar d/);
    expect(leakIn(`[${[...ecD.subarray(3, 12)].join(', ')}]`)).toMatch(/decimal list/);
    expect(leakIn(Buffer.from(SECRETS[1]!.bytes).toString('base64').slice(40, 80))).toMatch(/RSA key's d/);
    expect(rawLeakIn(Buffer.concat([Buffer.of(1, 2), Buffer.from(ecD)]))).toMatch(/scalar d/);
    expect(errorLeak(new Error('outer', { cause: { data: Buffer.from(PATTERN) } }))).toMatch(/error\.cause\.data/);
    expect(errorLeak(new Error('outer', { cause: new Error(`inner ${Buffer.from(PATTERN).toString('hex')}`) }))).toMatch(/error\.cause/);
    expect(leakIn('kms-wrap: ERR_X: the material is 33 bytes, which is no KMS key spec — check the file')).toBeUndefined();
  });

  it(
    `${FAILING.length} failing command lines, spawned, and again with --json: no secret on stdout, stderr or in the JSON`,
    { timeout: 180_000 },
    async () => {
      // Through the binary as written; with --json through the same main in-process (half the spawns on a shared machine).
      const inProcess = async (args: string[]) => {
        let out = '';
        const code = await main(args, {
          stdout: { write: (t: string) => (out += t) },
          stderr: { write: (t: string) => (out += t) },
          cwd: join(dir, 'cwd'),
        });
        return { code, out };
      };
      const spawned = await pool(FAILING, 4, async ([name, args]) => ({ name, ...(await cli(args())) }));
      const json = [];
      for (const [name, args] of FAILING) json.push({ name: `${name} --json`, ...(await inProcess([...args(), '--json'])) });
      const results = [...spawned, ...json];
      for (const r of results) {
        expect(r.code, `${r.name} should fail: ${r.out}`).not.toBe(0);
        expect(leakIn(r.out), `${r.name}: ${r.out}`).toBeUndefined();
        expect(r.out).toMatch(/ERR_[A-Z_]+/);
      }
    },
  );

  it(
    'inspect of every file, text and --json: no secret either (these succeed, describing the file; in-process, the same main)',
    { timeout: 120_000 },
    async () => {
      for (const n of Object.keys(f).filter((x) => !x.startsWith('manifest'))) {
        for (const json of [false, true]) {
          let out = '';
          const io = { stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (out += t) }, cwd: join(dir, 'cwd') };
          await main(['inspect', f[n]!, ...(json ? ['--json'] : [])], io);
          expect(leakIn(out), `inspect ${n}: ${out}`).toBeUndefined();
        }
      }
    },
  );
});

describe('secret canary: the APIs and their error objects, cause chains included', () => {
  const read = (name: string) => readInputFile(f[name]!, 'the file');

  /** Calls `fn`, which must throw (or reject); returns where a secret showed, if anywhere. */
  async function refusalLeak(label: string, fn: () => unknown): Promise<void> {
    let error: unknown;
    try {
      await fn();
    } catch (e) {
      error = e;
    }
    expect(error, `${label} did not fail`).toBeDefined();
    expect(errorLeak(error), label).toBeUndefined();
  }

  it('core: inspectMaterial, parseWrappingPublicKey, parseImportParameters, createWrapper().wrap', async () => {
    const wrapper = createWrapper({ algorithms: await loadInstalledAlgorithms(), crypto: createNodeCryptoProvider() });
    const spki = await read('wrapping.der');
    const materials = [
      'pattern.bin',
      'pattern-33.bin',
      'pattern.hex',
      'pattern.HEX',
      'pattern.b64',
      'pattern.b64url',
      'pattern.decimal',
      'rsa.pem',
      'rsa-pkcs1.pem',
      'rsa.jwk',
      'rsa-truncated.der',
      'ec-sec1.pem',
      'ec-sec1.der',
      'ec.jwk',
      'ec-encrypted.pem',
      'ec-truncated.der',
      'ec.hex',
    ];
    for (const name of materials) {
      const bytes = await read(name);
      await refusalLeak(`inspectMaterial(${name}, HMAC_512)`, () => inspectMaterial(bytes, { keySpec: 'HMAC_512' }));
      await refusalLeak(`parseWrappingPublicKey(${name})`, () => parseWrappingPublicKey(bytes));
      await refusalLeak(`parseWrappingPublicKey(${name} as text)`, () => parseWrappingPublicKey(Buffer.from(bytes).toString('latin1')));
      await refusalLeak(`parseImportParameters(${name})`, () => parseImportParameters(Buffer.from(bytes).toString('utf8')));
      await refusalLeak(`wrap(${name}, RSA_AES_KEY_WRAP in China)`, () =>
        wrapper.wrap({ material: bytes, wrappingPublicKey: spki, algorithm: 'RSA_AES_KEY_WRAP_SHA_256', region: 'china' }),
      );
    }
    for (const [material, algorithm] of [
      ['rsa.der', 'RSAES_OAEP_SHA_256'],
      ['ec.der', 'SM2PKE'],
      ['pattern.bin', 'RSA_AES_KEY_WRAP_SHA_1'],
      ['ec.der', 'RSAES_PKCS1_V1_5'],
    ] as const) {
      const bytes = await read(material);
      await refusalLeak(`wrap(${material}, ${algorithm})`, () => wrapper.wrap({ material: bytes, wrappingPublicKey: spki, algorithm }));
    }
    for (const key of ['rsa.der', 'rsa.pem', 'ec.der', 'ec-sec1.pem', 'ec.jwk', 'pattern.bin']) {
      const bytes = await read(key);
      await refusalLeak(`wrap with ${key} as the wrapping key`, () =>
        wrapper.wrap({ material: PATTERN, wrappingPublicKey: bytes, algorithm: 'RSAES_OAEP_SHA_256', keySpec: 'SYMMETRIC_DEFAULT' }),
      );
    }
  });

  it('keygen: toPkcs8, describeKeyFile, encodePkcs8', async () => {
    for (const name of [
      'pattern.bin',
      'pattern.hex',
      'pattern-33.bin',
      'rsa-bad-d.der',
      'rsa-bad-d.jwk',
      'rsa-truncated.der',
      'ec-bad-scalar.der',
      'ec-bad-x.jwk',
      'ec-encrypted.pem',
      'ec-truncated.der',
      'ec.hex',
      'wrapping.der',
    ]) {
      const bytes = await read(name);
      await refusalLeak(`toPkcs8(${name})`, () => toPkcs8(bytes));
      await refusalLeak(`toPkcs8(${name} as text)`, () => toPkcs8(Buffer.from(bytes).toString('utf8')));
      if (name !== 'pattern.bin') await refusalLeak(`describeKeyFile(${name})`, () => describeKeyFile(bytes));
    }
    const bad: Record<string, unknown>[] = [
      { ...ecJwk, x: ecJwk['y'] },
      { ...ecJwk, d: Buffer.alloc(40, 7).toString('base64url') },
      { ...ecJwk, crv: 'P-384' },
      { ...rsaJwk, qi: rsaJwk['dp'] },
      { ...rsaJwk, d: 'not base64url!' },
      { ...rsaJwk, p: undefined },
      { ...rsaJwk, kty: 'OKP' },
    ];
    for (const [i, jwk] of bad.entries())
      await refusalLeak(`encodePkcs8(bad JWK ${i})`, () => encodePkcs8(jwk as unknown as PrivateKeyJwk));
  });

  it('node: wrapKeyMaterial refusals, file errors with their errno causes, and unwrap with the wrong key', async () => {
    const spki = await read('wrapping.der');
    for (const [material, algorithm, keySpec] of [
      ['pattern.bin', 'RSA_AES_KEY_WRAP_SHA_256', undefined],
      ['pattern.bin', 'RSAES_OAEP_SHA_256', 'ECC_NIST_P256'],
      ['rsa.der', 'RSAES_OAEP_SHA_1', undefined],
      ['ec-sec1.pem', 'RSAES_OAEP_SHA_256', 'ECC_NIST_P384'],
      ['ec-encrypted.pem', 'RSA_AES_KEY_WRAP_SHA_256', undefined],
      ['rsa-bad-d.jwk', 'RSA_AES_KEY_WRAP_SHA_256', undefined],
    ] as const) {
      const bytes = await read(material);
      await refusalLeak(`wrapKeyMaterial(${material}, ${algorithm})`, () =>
        wrapKeyMaterial({ material: bytes, wrappingPublicKey: spki, algorithm, ...(keySpec ? { keySpec } : {}) }),
      );
    }
    await refusalLeak('wrapKeyMaterial with the EC key as the wrapping key', async () =>
      wrapKeyMaterial({
        material: PATTERN,
        wrappingPublicKey: await read('ec.der'),
        algorithm: 'RSAES_OAEP_SHA_256',
        keySpec: 'SYMMETRIC_DEFAULT',
      }),
    );
    await refusalLeak('writeFileAtomic of the pattern onto an existing file', () => writeFileAtomic(f['existing.bin']!, PATTERN));
    await refusalLeak('writeFileAtomic of the EC key into a missing folder (an ENOENT cause)', async () =>
      writeFileAtomic(join(dir, 'missing', 'k.der'), await read('ec.der')),
    );
    await refusalLeak('readInputFile of a folder', () => readInputFile(dir, 'the key material'));
    // The KMS side: the wrong private key gives a VERIFY_FAILED whose cause is OpenSSL's error.
    const wrapper = createWrapper({ algorithms: await loadInstalledAlgorithms(), crypto: createNodeCryptoProvider() });
    const { ciphertext } = await wrapper.wrap({
      material: await read('ec.der'),
      wrappingPublicKey: spki,
      algorithm: 'RSA_AES_KEY_WRAP_SHA_256',
    });
    const wrongKey = b(createPrivateKey(await read('rsa.pem').then((x) => Buffer.from(x))).export({ type: 'pkcs8', format: 'der' }));
    let error: unknown;
    try {
      await wrapper.unwrap({ ciphertext, algorithm: 'RSA_AES_KEY_WRAP_SHA_256', privateKey: wrongKey });
    } catch (e) {
      error = e;
    }
    expect((error as { code?: string })?.code).toBe('ERR_VERIFY_FAILED');
    expect((error as Error).cause, 'the cause (OpenSSL’s error) is kept').toBeDefined();
    expect(errorLeak(error)).toBeUndefined();
  });
});
