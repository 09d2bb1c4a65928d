/** The OpenSSL 3 CLI as the independent peer: asynchronous calls, a temp dir, key and material generation. */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** Runs a command; resolves to stdout, rejects with stderr in the message. */
export async function run(file: string, args: readonly string[]): Promise<Buffer> {
  try {
    const { stdout } = await execFileAsync(file, args, { encoding: 'buffer', maxBuffer: 16 << 20 });
    return stdout;
  } catch (e) {
    const err = e as { stderr?: Buffer; message: string };
    throw new Error(`${file} ${args.join(' ')} failed: ${err.stderr?.toString().trim() || err.message}`);
  }
}

export const openssl = (...args: string[]): Promise<Buffer> => run('openssl', args);

/** At most `limit` of the tasks at once. */
export async function pool<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await task(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export interface TempDir {
  readonly path: string;
  file(name: string): string;
  write(name: string, bytes: Uint8Array): Promise<string>;
  read(name: string): Promise<Uint8Array>;
  remove(): Promise<void>;
}

export async function tempDir(prefix: string): Promise<TempDir> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return {
    path,
    file: (name) => join(path, name),
    async write(name, bytes) {
      await writeFile(join(path, name), bytes);
      return join(path, name);
    },
    async read(name) {
      return new Uint8Array(await readFile(join(path, name)));
    },
    remove: () => rm(path, { recursive: true, force: true }),
  };
}

export interface OpensslKeyPair {
  /** Private key, PEM (what `openssl genpkey` writes). */
  readonly pem: string;
  /** Public key, DER SubjectPublicKeyInfo: WrappingPublicKey.bin. */
  readonly spkiDer: string;
  /** Private key, PKCS#8 DER, for our unwrap. */
  readonly pkcs8Der: string;
}

/** An RSA wrapping key pair as KMS would hold it, made by OpenSSL. */
export async function rsaKeyPair(dir: TempDir, bits: number, name: string): Promise<OpensslKeyPair> {
  const pem = dir.file(`${name}.pem`);
  await openssl('genpkey', '-algorithm', 'RSA', '-pkeyopt', `rsa_keygen_bits:${bits}`, '-out', pem);
  const spkiDer = dir.file(`${name}.pub.der`);
  const pkcs8Der = dir.file(`${name}.key.der`);
  await Promise.all([
    openssl('pkey', '-in', pem, '-pubout', '-outform', 'DER', '-out', spkiDer),
    openssl('pkcs8', '-topk8', '-nocrypt', '-in', pem, '-outform', 'DER', '-out', pkcs8Der),
  ]);
  return { pem, spkiDer, pkcs8Der };
}

/** `openssl genpkey ... | openssl pkcs8 -topk8 -nocrypt -outform DER`: the seed's recipe for private key material. */
export async function pkcs8Material(dir: TempDir, genpkeyArgs: readonly string[], name: string): Promise<Uint8Array> {
  const out = dir.file(name);
  const quoted = genpkeyArgs.map((a) => `'${a}'`).join(' ');
  await run('bash', ['-o', 'pipefail', '-c', `openssl genpkey ${quoted} | openssl pkcs8 -topk8 -nocrypt -outform DER -out '${out}'`]);
  return new Uint8Array(await readFile(out));
}

export const OAEP_DIGEST: Readonly<Record<string, 'sha1' | 'sha256'>> = {
  RSAES_OAEP_SHA_1: 'sha1',
  RSAES_OAEP_SHA_256: 'sha256',
  RSA_AES_KEY_WRAP_SHA_1: 'sha1',
  RSA_AES_KEY_WRAP_SHA_256: 'sha256',
};

const oaepOptions = (md: string) => ['-pkeyopt', 'rsa_padding_mode:oaep', '-pkeyopt', `rsa_oaep_md:${md}`, '-pkeyopt', `rsa_mgf1_md:${md}`];

/**
 * KMS's side with OpenSSL: RSAES_OAEP_* is one `pkeyutl -decrypt`; RSA_AES_KEY_WRAP_* is split
 * at k, the first part `pkeyutl -decrypt`ed to the AES key, the rest `enc -d -id-aes256-wrap-pad`.
 */
export async function opensslUnwrap(
  dir: TempDir,
  name: string,
  algorithm: string,
  ciphertext: Uint8Array,
  key: OpensslKeyPair,
  k: number,
): Promise<Uint8Array> {
  const md = OAEP_DIGEST[algorithm]!;
  const pt = dir.file(`${name}.pt`);
  if (algorithm.startsWith('RSAES_OAEP_')) {
    const ct = await dir.write(`${name}.ct`, ciphertext);
    await openssl('pkeyutl', '-decrypt', '-inkey', key.pem, '-in', ct, '-out', pt, ...oaepOptions(md));
  } else {
    const part1 = await dir.write(`${name}.rsa`, ciphertext.subarray(0, k));
    const part2 = await dir.write(`${name}.kwp`, ciphertext.subarray(k));
    const aesKey = dir.file(`${name}.aeskey`);
    await openssl('pkeyutl', '-decrypt', '-inkey', key.pem, '-in', part1, '-out', aesKey, ...oaepOptions(md));
    const hex = Buffer.from(await readFile(aesKey)).toString('hex');
    await openssl('enc', '-d', '-id-aes256-wrap-pad', '-K', hex, '-iv', 'A65959A6', '-in', part2, '-out', pt);
  }
  return new Uint8Array(await readFile(pt));
}

/**
 * shared/anchors/openssl-recipe.sh re-implemented, line for line, for a checkout without
 * shared/ beside it: pkeyutl -encrypt for RSAES_OAEP_*; rand 32, enc -id-aes256-wrap-pad,
 * pkeyutl -encrypt of the AES key, then cat for RSA_AES_KEY_WRAP_*.
 */
export async function recipeInTypeScript(
  dir: TempDir,
  name: string,
  material: string,
  publicKeyDer: string,
  algorithm: string,
): Promise<Uint8Array> {
  const md = OAEP_DIGEST[algorithm]!;
  const oaep = (input: string, output: string) =>
    openssl('pkeyutl', '-encrypt', '-in', input, '-out', output, '-inkey', publicKeyDer, '-keyform', 'DER', '-pubin', ...oaepOptions(md));
  const out = dir.file(`${name}.recipe-ts.out`);
  if (algorithm.startsWith('RSAES_OAEP_')) {
    await oaep(material, out);
    return new Uint8Array(await readFile(out));
  }
  const aesKey = dir.file(`${name}.recipe-ts.aeskey`);
  await openssl('rand', '-out', aesKey, '32');
  const hex = Buffer.from(await readFile(aesKey)).toString('hex');
  const wrappedMaterial = dir.file(`${name}.recipe-ts.kwp`);
  await openssl('enc', '-id-aes256-wrap-pad', '-K', hex, '-iv', 'A65959A6', '-in', material, '-out', wrappedMaterial);
  const wrappedKey = dir.file(`${name}.recipe-ts.rsa`);
  await oaep(aesKey, wrappedKey);
  return new Uint8Array(Buffer.concat([await readFile(wrappedKey), await readFile(wrappedMaterial)]));
}
