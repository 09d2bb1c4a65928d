/**
 * Test harness for the kms-wrap command: the real binary (`node dist/bin.js`, a fresh temporary
 * working directory per test), the same `main(argv, io)` in-process, and the OpenSSL 3 CLI as
 * the independent peer that makes wrapping key pairs and unwraps what kms-wrap wraps.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { main } from '../src/main.js';

export const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
export const BIN = join(PACKAGE_DIR, 'dist', 'bin.js');

/** What a command did: exit code and both streams. */
export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `node dist/bin.js ...args` in `cwd`; never rejects on a non-zero exit. */
/**
 * The environment of a child that talks to the fake KMS endpoint: dummy credentials, and no
 * instance metadata, config or credentials file of the machine's (those under `cwd` do not exist).
 */
export function fakeAwsEnv(cwd: string): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: 'AKIDKMSWRAPFAKE',
    AWS_SECRET_ACCESS_KEY: 'kms-wrap-fake-secret',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: join(cwd, 'no-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(cwd, 'no-credentials'),
  };
}

export function cli(args: readonly string[], cwd: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd, encoding: 'utf8', maxBuffer: 16 << 20, env: { ...process.env, NO_COLOR: '1' } },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') {
          reject(error);
          return;
        }
        resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
      },
    );
  });
}

/** What a command wrote when stdout carries data (`-o -`): stdout as bytes. */
export interface BinaryRun {
  readonly code: number;
  readonly stdout: Buffer;
  readonly stderr: string;
}

/** Runs `node dist/bin.js ...args` in `cwd` with `input` piped to its standard input (empty when absent); stdout as bytes. */
export function cliPiped(args: readonly string[], cwd: string, input?: Uint8Array | string): Promise<BinaryRun> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      [BIN, ...args],
      { cwd, encoding: 'buffer', maxBuffer: 16 << 20, env: { ...process.env, NO_COLOR: '1' } },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') {
          reject(error);
          return;
        }
        resolve({ code: error ? (error.code as number) : 0, stdout, stderr: stderr.toString('utf8') });
      },
    );
    child.stdin!.on('error', () => {}); // a command that refuses before reading closes its end
    child.stdin!.end(input === undefined ? undefined : Buffer.from(input));
  });
}

/** Runs `main(argv, io)` in this process with captured streams, `cwd` and optionally a fixed "now". */
export async function run(args: readonly string[], cwd: string, options: { now?: number } = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await main([...args], {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    cwd,
    ...(options.now === undefined ? {} : { now: () => options.now! }),
  });
  return { code, stdout, stderr };
}

/** A temporary root for one test file, removed in afterAll; `fresh()` makes a new empty directory in it. */
export class Scratch {
  private root: string | undefined;
  private n = 0;

  async init(name: string): Promise<string> {
    this.root = await mkdtemp(join(tmpdir(), `kms-wrap-cli-${name}-`));
    return this.root;
  }

  get dir(): string {
    if (!this.root) throw new Error('Scratch.init() was not awaited');
    return this.root;
  }

  async fresh(label = 'case'): Promise<string> {
    const d = join(this.dir, `${++this.n}-${label.replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, 40)}`);
    await mkdir(d);
    return d;
  }

  async dispose(): Promise<void> {
    if (this.root) await rm(this.root, { recursive: true, force: true });
  }
}

/** Names in a directory (hidden ones included), sorted. */
export async function listing(dir: string): Promise<string[]> {
  return (await readdir(dir)).sort();
}

/** A map of name → mode and SHA-256 of a directory's entries, to show nothing was created, changed or left. */
export async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of await listing(dir)) {
    const p = join(dir, name);
    const s = await stat(p);
    const mode = (s.mode & 0o777).toString(8);
    out[name] = s.isDirectory()
      ? `dir ${mode}`
      : `${mode} ${createHash('sha256')
          .update(await readFile(p))
          .digest('hex')}`;
  }
  return out;
}

export async function bytesOf(path: string): Promise<Buffer> {
  return readFile(path);
}

export async function modeOf(path: string): Promise<number> {
  return (await stat(path)).mode & 0o777;
}

export async function write(path: string, data: Uint8Array | string, mode = 0o600): Promise<string> {
  await writeFile(path, data, { mode });
  return path;
}

// ---------------------------------------------------------------------------------------------
// OpenSSL, the peer

/** Runs openssl; resolves with stdout bytes, rejects with stderr on a non-zero exit. */
export function openssl(args: readonly string[], input?: Uint8Array): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = execFile('openssl', [...args], { encoding: 'buffer', maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`openssl ${args.join(' ')} failed: ${stderr.toString('utf8')}`));
      else resolve(stdout);
    });
    child.stdin!.on('error', () => {}); // openssl may exit before reading: its exit status is the result
    if (input) child.stdin!.end(Buffer.from(input));
    else child.stdin!.end();
  });
}

export async function opensslText(args: readonly string[], input?: Uint8Array): Promise<string> {
  return (await openssl(args, input)).toString('utf8');
}

/** A wrapping key pair made by OpenSSL, as KMS would make it: private key PEM, public key DER. */
export interface WrappingKey {
  readonly bits: number;
  /** PKCS#8 PEM private key (the "KMS side"). */
  readonly privatePem: string;
  /** DER SubjectPublicKeyInfo: what GetParametersForImport returns as PublicKey / WrappingPublicKey.bin. */
  readonly publicDer: string;
  readonly publicPem: string;
  readonly publicBase64: string;
  readonly spki: Buffer;
}

export async function opensslWrappingKey(dir: string, type: 'RSA' | 'SM2', bits = 2048): Promise<WrappingKey> {
  const name = type === 'RSA' ? `rsa${bits}` : 'sm2';
  const privatePem = join(dir, `${name}-wrapping.pem`);
  if (type === 'RSA') await openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', `rsa_keygen_bits:${bits}`, '-out', privatePem]);
  else await openssl(['genpkey', '-algorithm', 'SM2', '-out', privatePem]);
  const publicDer = join(dir, `${name}-WrappingPublicKey.bin`);
  const publicPem = join(dir, `${name}-wrapping-public.pem`);
  const publicBase64 = join(dir, `${name}-wrapping-public.b64`);
  await openssl(['pkey', '-in', privatePem, '-pubout', '-outform', 'DER', '-out', publicDer]);
  await openssl(['pkey', '-in', privatePem, '-pubout', '-out', publicPem]);
  const spki = await readFile(publicDer);
  await writeFile(publicBase64, `${spki.toString('base64')}\n`);
  return { bits: type === 'RSA' ? bits : 256, privatePem, publicDer, publicPem, publicBase64, spki };
}

const MD: Readonly<Record<string, string>> = { SHA_1: 'sha1', SHA_256: 'sha256' };

function oaepOptions(hash: string): string[] {
  const md = MD[hash]!;
  return ['-pkeyopt', 'rsa_padding_mode:oaep', '-pkeyopt', `rsa_oaep_md:${md}`, '-pkeyopt', `rsa_mgf1_md:${md}`];
}

/**
 * Unwraps as KMS would, with the OpenSSL CLI only: RSAES_OAEP_* with pkeyutl -decrypt;
 * RSA_AES_KEY_WRAP_* split at k, the AES key by pkeyutl, the rest by enc -d -id-aes256-wrap-pad;
 * SM2PKE with pkeyutl -decrypt on the SM2 key.
 */
export async function opensslUnwrap(ciphertext: Uint8Array, algorithm: string, key: WrappingKey): Promise<Buffer> {
  if (algorithm === 'SM2PKE') return openssl(['pkeyutl', '-decrypt', '-inkey', key.privatePem], ciphertext);
  const oaep = /^RSAES_OAEP_(SHA_1|SHA_256)$/.exec(algorithm);
  if (oaep) return openssl(['pkeyutl', '-decrypt', '-inkey', key.privatePem, ...oaepOptions(oaep[1]!)], ciphertext);
  const kw = /^RSA_AES_KEY_WRAP_(SHA_1|SHA_256)$/.exec(algorithm);
  if (!kw) throw new Error(`no OpenSSL unwrap for ${algorithm}`);
  const k = key.bits / 8;
  const aesKey = await openssl(['pkeyutl', '-decrypt', '-inkey', key.privatePem, ...oaepOptions(kw[1]!)], ciphertext.subarray(0, k));
  expect(aesKey.length).toBe(32);
  return openssl(['enc', '-d', '-id-aes256-wrap-pad', '-K', aesKey.toString('hex'), '-iv', 'A65959A6'], ciphertext.subarray(k));
}

/** `openssl pkcs8 -topk8 -nocrypt -outform DER` of a key file: the canonical PKCS#8 DER. */
export function opensslPkcs8(path: string, inform: 'PEM' | 'DER' = 'PEM'): Promise<Buffer> {
  return openssl(['pkcs8', '-topk8', '-nocrypt', '-inform', inform, '-in', path, '-outform', 'DER']);
}

// ---------------------------------------------------------------------------------------------
// Assertions

/** The one error line the contract promises: `kms-wrap: <CODE>: what is wrong — what to do`. */
export const ERROR_LINE = /^kms-wrap: ERR_[A-Z_]+: .+ — .+$/;

/** Lines of a stream, without the final empty one. */
export function lines(text: string): string[] {
  return text.split('\n').filter((l, i, all) => !(l === '' && i === all.length - 1));
}

/** No stack trace: no "    at ..." frame lines, no "Error:" dumps from Node. */
export function expectNoStack(r: Run): void {
  for (const stream of [r.stdout, r.stderr]) {
    expect(stream).not.toMatch(/^\s+at .+/m);
    expect(stream).not.toMatch(/node:internal|Unhandled|UnhandledPromiseRejection/);
  }
}

export interface RefusalExpectation {
  readonly code: string;
  /** 1 (refused) by default; 2 for usage errors. */
  readonly exit?: number;
  /** Substrings the message must contain (the rule and the way out). */
  readonly says?: readonly (string | RegExp)[];
}

/** A refusal: the exit code, exactly one well-formed line on stderr with the code, no stack. */
export function expectRefusal(r: Run, e: RefusalExpectation): string {
  const errLines = lines(r.stderr);
  expect(errLines, `stderr: ${r.stderr}`).toHaveLength(1);
  const line = errLines[0]!;
  expect(line).toMatch(ERROR_LINE);
  expect(line.startsWith(`kms-wrap: ${e.code}: `), line).toBe(true);
  expect(r.code, line).toBe(e.exit ?? 1);
  for (const s of e.says ?? []) {
    if (typeof s === 'string') expect(line).toContain(s);
    else expect(line).toMatch(s);
  }
  expectNoStack(r);
  return line;
}

/** No temporary files (`.NAME.xxxx.tmp`) left by an atomic write. */
export async function expectNoTempFiles(dir: string): Promise<void> {
  expect((await listing(dir)).filter((n) => /^\..*\.tmp$/.test(n))).toEqual([]);
}

/** Runs `fn` and checks the directories are byte for byte as before (no file created, changed or left behind). */
export async function expectUnchanged<T>(dirs: readonly string[], fn: () => Promise<T>): Promise<T> {
  const before = await Promise.all(dirs.map(snapshot));
  const result = await fn();
  const after = await Promise.all(dirs.map(snapshot));
  expect(after).toEqual(before);
  for (const d of dirs) await expectNoTempFiles(d);
  return result;
}

/** The last JSON value printed on stdout must be the whole of stdout: one object. */
export function parseOneJson(stdout: string): Record<string, unknown> {
  const text = stdout.trim();
  expect(text.startsWith('{') && text.endsWith('}'), stdout).toBe(true);
  const value = JSON.parse(text) as unknown;
  expect(typeof value === 'object' && value !== null && !Array.isArray(value)).toBe(true);
  return value as Record<string, unknown>;
}

/** GetParametersForImport JSON as `aws kms get-parameters-for-import` prints it (epoch seconds with ".0", or ISO 8601). */
export function parametersJson(options: { keyId: string; importToken: Uint8Array; spki: Uint8Array; validTo: string }): string {
  return [
    '{',
    `    "KeyId": ${JSON.stringify(options.keyId)},`,
    `    "ImportToken": ${JSON.stringify(Buffer.from(options.importToken).toString('base64'))},`,
    `    "PublicKey": ${JSON.stringify(Buffer.from(options.spki).toString('base64'))},`,
    `    "ParametersValidTo": ${options.validTo}`,
    '}',
    '',
  ].join('\n');
}

/** Epoch seconds as the AWS CLI v1 prints them: `1568290320.0`. */
export function epochSeconds(ms: number): string {
  return `${Math.floor(ms / 1000)}.0`;
}

/** ISO 8601 as the AWS CLI v2 prints it: `2019-09-12T12:12:00.000000+00:00`, quoted for JSON. */
export function isoJson(ms: number): string {
  return JSON.stringify(new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000+00:00'));
}

export const KEY_ARN = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
