/**
 * A real PKCS#11 token for the tests: SoftHSM2 (Debian's softhsm2, installed by
 * tools/ensure-system-deps.mjs), one token initialised per test run in a temporary directory
 * (SOFTHSM2_CONF names a config whose tokendir is that directory). Keys with known values are
 * put in it with C_CreateObject, so that what the token wraps can be unwrapped by OpenSSL and compared.
 */
import { execFile } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as pkcs11js from 'pkcs11js';

const run = promisify(execFile);

export const SOFTHSM_MODULE = ['/usr/lib/softhsm/libsofthsm2.so', '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so'].find(existsSync)!;

export interface SoftHsm {
  readonly dir: string;
  readonly conf: string;
  readonly module: string;
  readonly label: string;
  readonly pin: string;
  /** The environment a child process needs to see the token. */
  readonly env: NodeJS.ProcessEnv;
  /** Runs f in a logged-in RW session (pkcs11js directly: the test's own access to the token). */
  session<T>(f: (lib: pkcs11js.PKCS11, session: Buffer) => T): T;
  /** A secret key with a known value: AES (SYMMETRIC_DEFAULT) or generic secret (HMAC). */
  createSecret(label: string, value: Uint8Array, options?: { aes?: boolean; extractable?: boolean; wrapWithTrusted?: boolean }): void;
  /** A private key from its PKCS#8 DER (RSA or EC, via Node's JWK export of it). */
  createPrivateKey(label: string, pkcs8: Uint8Array): void;
  cleanup(): Promise<void>;
}

export async function createSoftHsm(label = 'kms-wrap-test', pin = '86131459'): Promise<SoftHsm> {
  if (!SOFTHSM_MODULE)
    throw new Error('SoftHSM2 is not installed: apt-get install softhsm2 (tools/ensure-system-deps.mjs does it as root)');
  const dir = await mkdtemp(join(tmpdir(), 'kms-wrap-softhsm-'));
  const tokens = join(dir, 'tokens');
  await mkdir(tokens);
  const conf = join(dir, 'softhsm2.conf');
  await writeFile(conf, `directories.tokendir = ${tokens}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`);
  process.env['SOFTHSM2_CONF'] = conf;
  const env = { ...process.env, SOFTHSM2_CONF: conf };
  await run('softhsm2-util', ['--init-token', '--free', '--label', label, '--so-pin', '0123456789', '--pin', pin], { env });

  const session = <T>(f: (lib: pkcs11js.PKCS11, s: Buffer) => T): T => {
    const lib = new pkcs11js.PKCS11();
    lib.load(SOFTHSM_MODULE);
    lib.C_Initialize();
    try {
      const slot = lib.C_GetSlotList(true).find((s) => lib.C_GetTokenInfo(s).label.trim() === label)!;
      const s = lib.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
      lib.C_Login(s, pkcs11js.CKU_USER, pin);
      try {
        return f(lib, s);
      } finally {
        lib.C_Logout(s);
        lib.C_CloseSession(s);
      }
    } finally {
      lib.C_Finalize();
      lib.close();
    }
  };
  const P = pkcs11js;
  return {
    dir,
    conf,
    module: SOFTHSM_MODULE,
    label,
    pin,
    env,
    session,
    createSecret(name, value, options = {}) {
      session((lib, s) =>
        lib.C_CreateObject(s, [
          { type: P.CKA_CLASS, value: P.CKO_SECRET_KEY },
          { type: P.CKA_KEY_TYPE, value: options.aes === false ? P.CKK_GENERIC_SECRET : P.CKK_AES },
          { type: P.CKA_TOKEN, value: true },
          { type: P.CKA_PRIVATE, value: true },
          { type: P.CKA_LABEL, value: name },
          { type: P.CKA_VALUE, value: Buffer.from(value) },
          { type: P.CKA_SENSITIVE, value: true },
          { type: P.CKA_EXTRACTABLE, value: options.extractable ?? true },
          { type: P.CKA_WRAP_WITH_TRUSTED, value: options.wrapWithTrusted ?? false },
        ]),
      );
    },
    createPrivateKey(name, pkcs8) {
      // Node reads the PKCS#8 and gives its components; the token gets them as attributes.
      const jwk = createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' }).export({ format: 'jwk' });
      const b = (s: string | undefined) => Buffer.from(s!, 'base64url');
      const template: pkcs11js.Template =
        jwk.kty === 'RSA'
          ? [
              { type: P.CKA_KEY_TYPE, value: P.CKK_RSA },
              { type: P.CKA_MODULUS, value: b(jwk.n) },
              { type: P.CKA_PUBLIC_EXPONENT, value: b(jwk.e) },
              { type: P.CKA_PRIVATE_EXPONENT, value: b(jwk.d) },
              { type: P.CKA_PRIME_1, value: b(jwk.p) },
              { type: P.CKA_PRIME_2, value: b(jwk.q) },
              { type: P.CKA_EXPONENT_1, value: b(jwk.dp) },
              { type: P.CKA_EXPONENT_2, value: b(jwk.dq) },
              { type: P.CKA_COEFFICIENT, value: b(jwk.qi) },
            ]
          : [
              { type: P.CKA_KEY_TYPE, value: P.CKK_EC },
              { type: P.CKA_EC_PARAMS, value: Buffer.from('06082a8648ce3d030107', 'hex') },
              { type: P.CKA_VALUE, value: b(jwk.d) },
            ];
      session((lib, s) =>
        lib.C_CreateObject(s, [
          { type: P.CKA_CLASS, value: P.CKO_PRIVATE_KEY },
          { type: P.CKA_TOKEN, value: true },
          { type: P.CKA_PRIVATE, value: true },
          { type: P.CKA_LABEL, value: name },
          { type: P.CKA_SENSITIVE, value: true },
          { type: P.CKA_EXTRACTABLE, value: true },
          ...template,
        ]),
      );
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Every file under dir, read whole (to check that no file written holds the PIN). */
export async function filesHold(dir: string, needle: string): Promise<string[]> {
  const { readdir } = await import('node:fs/promises');
  const hits: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    const path = join(e.parentPath, e.name);
    if ((await readFile(path)).includes(needle)) hits.push(path);
  }
  return hits;
}

// ---------------------------------------------------------------------------------------------
// The KMS side, played by the OpenSSL 3 CLI.

export async function openssl(args: string[], input?: Uint8Array): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = execFile('openssl', args, { encoding: 'buffer', maxBuffer: 1 << 24 }, (err, stdout, stderr) =>
      err ? reject(new Error(`openssl ${args[0]}: ${stderr.toString()}`)) : resolve(stdout),
    );
    // A command that reads no input may exit before the write: its EPIPE is not the result (the exit is).
    child.stdin!.on('error', () => undefined);
    child.stdin!.end(input ?? Buffer.alloc(0));
  });
}

export interface OpensslKey {
  readonly bits: number;
  readonly privatePem: string;
  readonly spki: Buffer;
}

export async function wrappingKeyPair(dir: string, bits = 2048): Promise<OpensslKey> {
  const privatePem = join(dir, `rsa${bits}-wrapping.pem`);
  await openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', `rsa_keygen_bits:${bits}`, '-out', privatePem]);
  const spki = await openssl(['pkey', '-in', privatePem, '-pubout', '-outform', 'DER']);
  return { bits, privatePem, spki };
}

function oaep(hash: string): string[] {
  const md = hash === 'SHA_1' ? 'sha1' : 'sha256';
  return ['-pkeyopt', 'rsa_padding_mode:oaep', '-pkeyopt', `rsa_oaep_md:${md}`, '-pkeyopt', `rsa_mgf1_md:${md}`];
}

/** What KMS would do with the wrapped material: OpenSSL's pkeyutl -decrypt, and enc -d -id-aes256-wrap-pad for the KWP part. */
export async function opensslUnwrap(ciphertext: Uint8Array, construction: string, key: OpensslKey): Promise<Buffer> {
  const hash = construction.endsWith('SHA_1') ? 'SHA_1' : 'SHA_256';
  if (construction.startsWith('RSAES_OAEP_')) return openssl(['pkeyutl', '-decrypt', '-inkey', key.privatePem, ...oaep(hash)], ciphertext);
  const k = key.bits / 8;
  const aesKey = await openssl(['pkeyutl', '-decrypt', '-inkey', key.privatePem, ...oaep(hash)], ciphertext.subarray(0, k));
  if (aesKey.length !== 32) throw new Error(`the RSA part holds ${aesKey.length} bytes, not an AES-256 key`);
  return openssl(['enc', '-d', '-id-aes256-wrap-pad', '-K', aesKey.toString('hex'), '-iv', 'A65959A6'], ciphertext.subarray(k));
}
