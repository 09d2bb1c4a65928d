/**
 * The packages as users get them. Every publishable package is packed with `pnpm pack` (which
 * turns `workspace:` ranges into real ones), the tarballs are installed with npm into fresh
 * projects in os.tmpdir(), outside the workspace, third-party dependencies from the registry,
 * and used there:
 *
 *   three-packages  only @kms-wrap/core, @kms-wrap/rsaes-oaep and @kms-wrap/node (with node's
 *                   dependency @kms-wrap/aes-kwp-native): the service that needs
 *                   RSAES_OAEP_SHA_256 and nothing else; a plugin of its own.
 *   all-packages    every tarball (what `npm install @kms-wrap/cli` brings): the `kms-wrap` bin
 *                   through npx, checked by OpenSSL; bundles that must not pull unused plugins.
 *   broken-install  core, node, sm2pke and its @kms-wrap/sm2 with @noble/curves deleted: a plugin
 *                   that is installed but cannot load is reported as it is, not as "not installed".
 *
 * Set KMS_WRAP_KEEP_PACK_TEST=1 to keep the temporary directory and print where it is.
 */
import { constants, createPrivateKey, privateDecrypt } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, realpath, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ROOT, must, publicPackages, readmeExample, run, userEnv, type WorkspacePackage } from './helpers.js';

const packages = publicPackages();
const byName = new Map(packages.map((p) => [p.manifest.name as string, p]));
// @kms-wrap/node depends on @kms-wrap/aes-kwp-native and @kms-wrap/aws: their tarballs must be
// there too (npm would otherwise look for them in the registry).
const THREE = ['@kms-wrap/core', '@kms-wrap/rsaes-oaep', '@kms-wrap/node', '@kms-wrap/aes-kwp-native'];
/** What @kms-wrap/node needs installed beside it. */
const NODE_DEPENDENCIES = ['@kms-wrap/aws'];
/**
 * The packages that need nothing of core, with the dependencies they have instead: the AES addon
 * @kms-wrap/node loads, and the SM2 curve and SM3 that keygen and sm2pke share.
 */
const WITHOUT_CORE = new Map<string, readonly string[]>([
  ['@kms-wrap/aes-kwp-native', []],
  ['@kms-wrap/sm2', ['@noble/curves']],
]);
const aesNi = process.platform === 'linux' && process.arch === 'x64' && /^flags\s*:.*\baes\b/m.test(readFileSync('/proc/cpuinfo', 'utf8'));

let work: string;
/** Package name → the .tgz pnpm wrote. */
const tarballs = new Map<string, string>();
/** Package name → the tarball's entries, without the leading `package/`. */
const entries = new Map<string, string[]>();
/** Package name → the tarball unpacked (its `package/` directory). */
const unpacked = new Map<string, string>();
let three: string;
let all: string;
let broken: string;

async function pack(p: WorkspacePackage, into: string): Promise<void> {
  const name = p.manifest.name as string;
  const r = await must('pnpm', ['pack', '--json', '--pack-destination', into], join(ROOT, p.dir));
  const file = JSON.parse(r.stdout.slice(r.stdout.indexOf('{'))).filename as string;
  tarballs.set(name, file);
  const list = await must('tar', ['-tzf', file], into);
  entries.set(
    name,
    list.stdout
      .split('\n')
      .filter(Boolean)
      .map((e) => e.replace(/^package\//, '')),
  );
  const dir = join(work, 'unpacked', name.replace('/', '__'));
  await mkdir(dir, { recursive: true });
  await must('tar', ['-xzf', file, '-C', dir], into);
  unpacked.set(name, join(dir, 'package'));
}

/** A fresh project with these tarballs installed by one `npm install`. */
async function project(name: string, pkgs: readonly string[]): Promise<string> {
  const dir = join(work, name);
  await mkdir(dir);
  await writeFile(join(dir, 'package.json'), `${JSON.stringify({ name, private: true, type: 'module' }, null, 2)}\n`);
  await must('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...pkgs.map((n) => tarballs.get(n)!)], dir);
  return dir;
}

beforeAll(async () => {
  work = await realpath(await mkdtemp(join(tmpdir(), 'kms-wrap-pack-test-')));
  await mkdir(join(work, 'tarballs'));
  await Promise.all(packages.map((p) => pack(p, join(work, 'tarballs'))));
  [three, all, broken] = await Promise.all([
    project('three-packages', [...THREE, ...NODE_DEPENDENCIES]),
    project('all-packages', [...byName.keys()]),
    project('broken-install', [
      '@kms-wrap/core',
      '@kms-wrap/node',
      '@kms-wrap/aes-kwp-native',
      ...NODE_DEPENDENCIES,
      '@kms-wrap/sm2pke',
      '@kms-wrap/sm2',
    ]),
  ]);
  // A broken install: @kms-wrap/sm2pke is there, the @noble/curves its @kms-wrap/sm2 needs is not.
  await rm(join(broken, 'node_modules/@noble/curves'), { recursive: true });
});

afterAll(async () => {
  if (!work) return;
  if (process.env['KMS_WRAP_KEEP_PACK_TEST']) console.log(`pack test directory kept: ${work}`);
  else await rm(work, { recursive: true, force: true });
});

/** Writes a script into a project (in a directory of its own) and runs it with node. */
async function node(projectDir: string, name: string, source: string) {
  const dir = join(projectDir, name.replace(/\.mjs$/, ''));
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, name), source);
  return run(process.execPath, [name], dir);
}

/** Every installed copy of a package in a project (a nested second copy would show here). */
async function copiesOf(projectDir: string, pkg: string): Promise<string[]> {
  const found: string[] = [];
  async function walk(dir: string): Promise<void> {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      if (!e.isDirectory()) continue;
      const sub = join(dir, e.name);
      if (sub.endsWith(`/node_modules/${pkg}`) && existsSync(join(sub, 'package.json'))) found.push(sub);
      await walk(sub);
    }
  }
  await walk(join(projectDir, 'node_modules'));
  return found;
}

describe('tarballs', () => {
  test.each(packages.map((p) => [p.manifest.name as string]))('%s: files', async (name) => {
    const files = entries.get(name)!;
    for (const f of ['package.json', 'README.md', 'LICENSE', 'dist/index.js', 'dist/index.d.ts']) expect(files).toContain(f);
    // No tests, build state, source maps, sources or configuration: dist, README, LICENSE, package.json.
    const stray = files.filter(
      (f) =>
        /\.tsbuildinfo$|\.map$|(^|\/)(test|tests|__tests__|src|scripts|page)\/|\.(test|spec)\.[cm]?[jt]s$|(^|\/)(tsconfig|vitest)[^/]*$/.test(
          f,
        ) ||
        (/\.[cm]?ts$/.test(f) && !/\.d\.[cm]?ts$/.test(f)),
    );
    expect(stray).toEqual([]);
    expect(files.filter((f) => !/^(dist\/|package\.json$|README\.md$|LICENSE$)/.test(f))).toEqual([]);
    // The root LICENSE, byte for byte.
    expect(await readFile(join(unpacked.get(name)!, 'LICENSE'), 'utf8')).toBe(await readFile(join(ROOT, 'LICENSE'), 'utf8'));
  });

  test.each(packages.map((p) => [p.manifest.name as string]))('%s: manifest', async (name) => {
    const text = await readFile(join(unpacked.get(name)!, 'package.json'), 'utf8');
    const m = JSON.parse(text);
    const files = entries.get(name)!;
    expect(text).not.toContain('workspace:');
    expect(m.type).toBe('module');
    expect(m.license).toBe('Apache-2.0');
    expect(m.engines.node).toMatch(/^>=20/);
    expect(m.repository.directory).toBe(byName.get(name)!.dir);
    expect(m.publishConfig.access).toBe('public');
    expect(m.sideEffects === false || Array.isArray(m.sideEffects)).toBe(true);
    // Every export condition object starts with `types` (or nests `import`/`require` objects
    // that do: the addon's CommonJS loader), and points at packed files.
    const targets = (subpath: string, target: any): void => {
      if (typeof target === 'string') {
        expect(files, subpath).toContain(target.replace(/^\.\//, ''));
        return;
      }
      const keys = Object.keys(target);
      if (keys.includes('import') || keys.includes('require')) expect(keys.sort(), subpath).toEqual(['import', 'require']);
      else expect(keys[0], subpath).toBe('types');
      for (const [condition, t] of Object.entries<any>(target)) targets(`${subpath} ${condition}`, t);
    };
    for (const [subpath, target] of Object.entries<any>(m.exports)) targets(subpath, target);
    for (const bin of Object.values<string>(m.bin ?? {})) expect(files).toContain(bin.replace(/^\.\//, ''));
    // One core for everyone: core is a regular dependency with a caret range on the version
    // packed, never a peer, never bundled; other kms-wrap packages appear as peers only when optional.
    if (name !== '@kms-wrap/core' && !WITHOUT_CORE.has(name))
      expect(m.dependencies['@kms-wrap/core']).toBe(`^${byName.get('@kms-wrap/core')!.manifest.version}`);
    if (WITHOUT_CORE.has(name)) expect(Object.keys(m.dependencies ?? {})).toEqual(WITHOUT_CORE.get(name));
    expect(m.bundleDependencies ?? m.bundledDependencies).toBeUndefined();
    for (const peer of Object.keys(m.peerDependencies ?? {})) expect(m.peerDependenciesMeta?.[peer]?.optional, peer).toBe(true);
  });

  test('@kms-wrap/cli: one copy of what its commands share (a bundle each for wrap and batch, one for the rest)', async () => {
    const files = entries.get('@kms-wrap/cli')!;
    const dirs = new Set(
      files
        .filter((f) => f.startsWith('dist/bundle/'))
        .map((f) => f.split('/')[2])
        .filter((d) => !d!.includes('.')),
    );
    expect([...dirs].sort()).toEqual(['batch', 'commands', 'main', 'wrap']);
    // 2.5 MB with a bundle a command (core, keygen and pkijs eight times over); ~1.1 MB now.
    expect((await stat(tarballs.get('@kms-wrap/cli')!)).size).toBeLessThan(1.5 * 1024 * 1024);
  });

  test('README: each has an example that imports or runs its own package', async () => {
    for (const name of byName.keys()) {
      const readme = await readFile(join(unpacked.get(name)!, 'README.md'), 'utf8');
      const own = name === '@kms-wrap/cli' ? /npx @kms-wrap\/cli /.test(readme) : readme.includes(`from '${name}'`);
      expect(own, name).toBe(true);
    }
  });
});

describe('three packages: @kms-wrap/core, @kms-wrap/rsaes-oaep, @kms-wrap/node', () => {
  test('installed: those three, the dependencies of node (aes-kwp-native, aws) and their registry dependencies, one copy of core', async () => {
    expect((await readdir(join(three, 'node_modules/@kms-wrap'))).sort()).toEqual(['aes-kwp-native', 'aws', 'core', 'node', 'rsaes-oaep']);
    expect(await copiesOf(three, '@kms-wrap/core')).toHaveLength(1);
    expect(await copiesOf(all, '@kms-wrap/core')).toHaveLength(1);
  });

  test('RSAES_OAEP_SHA_256 through createWrapper and through wrapKeyMaterial; a missing plugin is named', async () => {
    const r = await node(
      three,
      'three-packages.mjs',
      `
import { constants, generateKeyPairSync, privateDecrypt, randomBytes } from 'node:crypto';
import { createWrapper, KmsWrapError } from '@kms-wrap/core';
import { createNodeCryptoProvider, loadInstalledAlgorithms, wrapKeyMaterial } from '@kms-wrap/node';
import { RSAES_OAEP_SHA_256 } from '@kms-wrap/rsaes-oaep';

const kms = generateKeyPairSync('rsa', { modulusLength: 2048 });
const wrappingPublicKey = kms.publicKey.export({ type: 'spki', format: 'der' });
const unwrap = (c) => privateDecrypt({ key: kms.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, c);
const material = randomBytes(32);
const out = {};

const wrapper = createWrapper({ algorithms: [RSAES_OAEP_SHA_256], crypto: createNodeCryptoProvider() });
const viaEngine = await wrapper.wrap({ material, wrappingPublicKey, algorithm: 'RSAES_OAEP_SHA_256', keySpec: 'SYMMETRIC_DEFAULT' });
out.createWrapper = { length: viaEngine.ciphertext.length, same: unwrap(viaEngine.ciphertext).equals(material) };

const viaOneCall = await wrapKeyMaterial({ material, wrappingPublicKey, algorithm: 'RSAES_OAEP_SHA_256', keySpec: 'SYMMETRIC_DEFAULT' });
out.wrapKeyMaterial = { length: viaOneCall.length, same: unwrap(viaOneCall).equals(material) };
out.installed = (await loadInstalledAlgorithms()).map((a) => a.id);

const ecc = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'der' });
async function refusal(request) {
  try {
    await wrapKeyMaterial(request);
    return { refused: false };
  } catch (e) {
    return { refused: true, coreClass: e instanceof KmsWrapError, code: e.code, message: e.message };
  }
}
out.rsaAesKeyWrap = await refusal({ material: ecc, wrappingPublicKey, algorithm: 'RSA_AES_KEY_WRAP_SHA_256' });
out.sm2pke = await refusal({ material: ecc, wrappingPublicKey, algorithm: 'SM2PKE', region: 'china' });
try {
  await import('@kms-wrap/core/dist/engine.js');
  out.deepImport = 'resolved';
} catch (e) {
  out.deepImport = e.code;
}
console.log(JSON.stringify(out));
`,
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.createWrapper).toEqual({ length: 256, same: true });
    expect(out.wrapKeyMaterial).toEqual({ length: 256, same: true });
    expect(out.installed).toEqual(['RSAES_OAEP_SHA_256', 'RSAES_OAEP_SHA_1']);
    // KmsWrapError from the user's own import of core: node and the user share one core.
    expect(out.rsaAesKeyWrap).toEqual({
      refused: true,
      coreClass: true,
      code: 'ERR_ALGORITHM_NOT_AVAILABLE',
      message:
        'RSA_AES_KEY_WRAP_SHA_256 is provided by @kms-wrap/rsa-aes-key-wrap, which is not installed — npm install @kms-wrap/rsa-aes-key-wrap',
    });
    expect(out.sm2pke).toMatchObject({ refused: true, coreClass: true, code: 'ERR_ALGORITHM_NOT_AVAILABLE' });
    expect(out.sm2pke.message).toContain('npm install @kms-wrap/sm2pke');
    expect(out.deepImport).toBe('ERR_PACKAGE_PATH_NOT_EXPORTED');
  });

  test('the README examples of core, rsaes-oaep and node run as printed', async () => {
    const example = async (pkg: string) => {
      const readme = await readFile(join(unpacked.get(pkg)!, 'README.md'), 'utf8');
      const r = await node(three, `${pkg.split('/')[1]}-readme.mjs`, readmeExample(readme));
      expect(r.stderr, pkg).toBe('');
      expect(r.code, pkg).toBe(0);
      return r.stdout.split('\n');
    };
    const [core, oaep, nodeOut] = (await Promise.all(THREE.map(example))) as [string[], string[], string[]];
    expect(core).toContain('RSAES_OAEP_SHA_256 accepted (plugin given)');
    expect(core).toContain('HMAC_256 RSA_2048 256');
    expect(core.some((l) => l.startsWith('ERR_ALGORITHM_DEPRECATED: RSAES_PKCS1_V1_5'))).toBe(true);
    expect(oaep.slice(0, 2)).toEqual(['256', 'true']);
    expect(oaep[2]).toMatch(
      /^ERR_CAPACITY_EXCEEDED: ECC_NIST_P521 material \(241 bytes\) does not fit RSAES_OAEP_SHA_256 under an RSA_2048 wrapping key/,
    );
    expect(nodeOut).toEqual([
      "[ 'RSAES_OAEP_SHA_256', 'RSAES_OAEP_SHA_1' ]",
      '256',
      'ERR_ALGORITHM_NOT_AVAILABLE: RSA_AES_KEY_WRAP_SHA_256 is provided by @kms-wrap/rsa-aes-key-wrap, which is not installed — npm install @kms-wrap/rsa-aes-key-wrap',
      '',
    ]);
    expect((await stat(join(three, 'node-readme/EncryptedKeyMaterial.bin'))).mode & 0o777).toBe(0o600);
  });

  test("a plugin written in the project itself, given to createWrapper, under the engine's checks", async () => {
    const dir = join(three, 'custom-plugin');
    await mkdir(dir);
    await writeFile(
      join(dir, 'my-rsaes-oaep-sha384.mjs'),
      `
import { constants, createPublicKey, publicEncrypt } from 'node:crypto';
import { WRAPPING_KEY_SPEC_INFO } from '@kms-wrap/core';

const k = (spec) => (WRAPPING_KEY_SPEC_INFO[spec].type === 'rsa' ? WRAPPING_KEY_SPEC_INFO[spec].bits / 8 : 0);
let calls = 0;
export const reached = () => calls;

/** RSA-OAEP with SHA-384 (RFC 8017 §7.1): an id AWS does not know, so it declares what it accepts. */
export const MY_RSAES_OAEP_SHA_384 = {
  id: 'MY_RSAES_OAEP_SHA_384',
  description: 'RSA-OAEP with SHA-384 and MGF1-SHA-384, empty label',
  packageName: 'my-kms-plugin',
  wrappingKeyType: 'rsa',
  accepts: { materials: ['symmetric', 'hmac', 'ecc'], wrappingKeySpecs: ['RSA_2048', 'RSA_3072', 'RSA_4096'], regions: ['standard'] },
  capacity: (spec) => Math.max(0, k(spec) - 2 * 48 - 2),
  outputLength: (spec) => k(spec),
  async wrap({ material, wrappingKey }) {
    calls++;
    const key = createPublicKey({ key: Buffer.from(wrappingKey.spki), format: 'der', type: 'spki' });
    return new Uint8Array(publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha384' }, material));
  },
};

/** A broken plugin: the right length, but the material in clear. */
export const FORGETFUL = {
  ...MY_RSAES_OAEP_SHA_384,
  id: 'MY_FORGETFUL',
  async wrap({ material, wrappingKey }) {
    calls++;
    const out = new Uint8Array(k(wrappingKey.spec));
    out.set(material, out.length - material.length);
    return out;
  },
};
`,
    );
    const r = await node(
      dir,
      'use-it.mjs',
      `
import { constants, generateKeyPairSync, privateDecrypt, randomBytes } from 'node:crypto';
import { createWrapper, isKmsWrapError } from '@kms-wrap/core';
import { createNodeCryptoProvider } from '@kms-wrap/node';
import { RSAES_OAEP_SHA_256 } from '@kms-wrap/rsaes-oaep';
import { FORGETFUL, MY_RSAES_OAEP_SHA_384, reached } from '../my-rsaes-oaep-sha384.mjs';

const kms = generateKeyPairSync('rsa', { modulusLength: 2048 });
const wrappingPublicKey = kms.publicKey.export({ type: 'spki', format: 'der' });
const wrapper = createWrapper({ algorithms: [MY_RSAES_OAEP_SHA_384, FORGETFUL, RSAES_OAEP_SHA_256], crypto: createNodeCryptoProvider() });
const codeOf = async (request) => {
  try {
    await wrapper.wrap(request);
    return 'wrapped';
  } catch (e) {
    if (!isKmsWrapError(e)) throw e;
    return e.code;
  }
};

const material = randomBytes(32);
const done = await wrapper.wrap({ material, wrappingPublicKey, algorithm: 'MY_RSAES_OAEP_SHA_384', keySpec: 'SYMMETRIC_DEFAULT' });
const back = privateDecrypt({ key: kms.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha384' }, done.ciphertext);
// P-384 material is 185 bytes; OAEP-SHA-384 under RSA_2048 takes 158 at most.
const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({ type: 'pkcs8', format: 'der' });
const out = {
  algorithm: done.algorithm,
  length: done.ciphertext.length,
  same: back.equals(material),
  tooLarge: await codeOf({ material: p384, wrappingPublicKey, algorithm: 'MY_RSAES_OAEP_SHA_384' }),
  forgetful: await codeOf({ material, wrappingPublicKey, algorithm: 'MY_FORGETFUL', keySpec: 'SYMMETRIC_DEFAULT' }),
  reached: reached(),
  offered: wrapper.options({ material, wrappingPublicKey, keySpec: 'SYMMETRIC_DEFAULT' }).filter((o) => o.accepted && o.available).map((o) => o.algorithm),
};
console.log(JSON.stringify(out));
`,
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      algorithm: 'MY_RSAES_OAEP_SHA_384',
      length: 256,
      same: true,
      tooLarge: 'ERR_CAPACITY_EXCEEDED', // refused before the plugin ran
      forgetful: 'ERR_OUTPUT_CHECK_FAILED', // caught after it ran
      reached: 2,
      offered: expect.arrayContaining(['MY_RSAES_OAEP_SHA_384', 'RSAES_OAEP_SHA_256']),
    });
  });
});

test('optional peers: an installed plugin that cannot load is not called "not installed"', async () => {
  const r = await node(
    broken,
    'broken.mjs',
    `
import { loadStandardAlgorithm } from '@kms-wrap/node';
const outcome = async (id) => {
  try {
    return { loaded: (await loadStandardAlgorithm(id)).id };
  } catch (e) {
    return { code: e.code, message: e.message };
  }
};
console.log(JSON.stringify({ sm2pke: await outcome('SM2PKE'), oaep: await outcome('RSAES_OAEP_SHA_256') }));
`,
  );
  expect(r.code, r.stderr).toBe(0);
  const out = JSON.parse(r.stdout);
  expect(out.sm2pke.code).toBe('ERR_MODULE_NOT_FOUND');
  expect(out.sm2pke.message).toContain("'@noble/curves'");
  expect(out.oaep).toEqual({
    code: 'ERR_ALGORITHM_NOT_AVAILABLE',
    message: 'RSAES_OAEP_SHA_256 is provided by @kms-wrap/rsaes-oaep, which is not installed — npm install @kms-wrap/rsaes-oaep',
  });
});

describe('@kms-wrap/aes-kwp-native as installed', () => {
  test.runIf(aesNi)(
    "carries the Linux x64 and arm64 binaries; the x64 one loads from node_modules and wraps to node:crypto's bytes (import and require)",
    async () => {
      expect(entries.get('@kms-wrap/aes-kwp-native')).toEqual(
        expect.arrayContaining(['dist/aes_kwp-linux-x64.node', 'dist/aes_kwp-linux-arm64.node']),
      );
      const r = await node(
        three,
        'aes-kwp-native.mjs',
        `
import { createCipheriv, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { status, wrap } from '@kms-wrap/aes-kwp-native';
const required = createRequire(import.meta.url)('@kms-wrap/aes-kwp-native');
const kek = randomBytes(32);
const material = randomBytes(2375);
const c = createCipheriv('id-aes256-wrap-pad', kek, Buffer.from('a65959a6', 'hex'));
const expected = Buffer.concat([c.update(material), c.final()]);
console.log(JSON.stringify({ status, same: required.wrap === wrap, equal: wrap(kek, material).equals(expected) }));
`,
      );
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual({ status: 'AES-NI', same: true, equal: true });
    },
  );
});

describe('every package (what @kms-wrap/cli brings)', () => {
  test('npx kms-wrap: --help, --version, keygen, wrap; OpenSSL unwraps what it wrote', async () => {
    const dir = join(all, 'cli');
    await mkdir(dir);
    // As a user types it; npx may never fetch a package from the registry instead.
    const env = { ...userEnv(), npm_config_yes: 'false' };
    const kmsWrap = (...args: string[]) => run('npx', ['kms-wrap', ...args], dir, env);
    const openssl = (...args: string[]) => must('openssl', args, dir);
    // npx runs the project's own bin, the packed one.
    expect(await realpath(join(all, 'node_modules/.bin/kms-wrap'))).toBe(
      join(all, 'node_modules/@kms-wrap/cli', byName.get('@kms-wrap/cli')!.manifest.bin['kms-wrap']),
    );

    const [help, version] = await Promise.all([
      kmsWrap('--help'),
      kmsWrap('--version'),
      openssl('genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', 'kms-side.pem'),
    ]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: kms-wrap COMMAND');
    expect(version.code).toBe(0);
    expect(version.stdout).toContain(byName.get('@kms-wrap/cli')!.manifest.version);
    await openssl('pkey', '-in', 'kms-side.pem', '-pubout', '-outform', 'DER', '-out', 'WrappingPublicKey.bin');

    // Symmetric material, RSAES_OAEP_SHA_256.
    const [keygen, keygenEcc] = await Promise.all([kmsWrap('keygen', 'SYMMETRIC_DEFAULT'), kmsWrap('keygen', 'ECC_NIST_P256')]);
    expect(keygen.code, keygen.stderr).toBe(0);
    expect(keygenEcc.code, keygenEcc.stderr).toBe(0);
    const material = await readFile(join(dir, 'PlaintextKeyMaterial.bin'));
    expect(material).toHaveLength(32);
    expect((await stat(join(dir, 'PlaintextKeyMaterial.bin'))).mode & 0o777).toBe(0o600);
    const wrap = await kmsWrap(
      'wrap',
      '--material',
      'PlaintextKeyMaterial.bin',
      '--key-spec',
      'SYMMETRIC_DEFAULT',
      '--public-key',
      'WrappingPublicKey.bin',
      '--algorithm',
      'RSAES_OAEP_SHA_256',
    );
    expect(wrap.code, wrap.stderr).toBe(0);
    expect(wrap.stdout).toContain('aws kms import-key-material');
    await openssl(
      'pkeyutl',
      '-decrypt',
      '-inkey',
      'kms-side.pem',
      '-in',
      'EncryptedKeyMaterial.bin',
      '-out',
      'check.bin',
      '-pkeyopt',
      'rsa_padding_mode:oaep',
      '-pkeyopt',
      'rsa_oaep_md:sha256',
      '-pkeyopt',
      'rsa_mgf1_md:sha256',
    );
    expect(await readFile(join(dir, 'check.bin'))).toEqual(material);

    // ECC private key material, RSA_AES_KEY_WRAP_SHA_256: the RSA part (256 bytes), then RFC 5649 KWP.
    const ecc = await readFile(join(dir, 'ECC_NIST_P256_PrivateKey.der'));
    const wrapEcc = await kmsWrap(
      'wrap',
      '--material',
      'ECC_NIST_P256_PrivateKey.der',
      '--public-key',
      'WrappingPublicKey.bin',
      '--algorithm',
      'RSA_AES_KEY_WRAP_SHA_256',
      '-o',
      'ecc.bin',
    );
    expect(wrapEcc.code, wrapEcc.stderr).toBe(0);
    const wrapped = await readFile(join(dir, 'ecc.bin'));
    const key = createPrivateKey(await readFile(join(dir, 'kms-side.pem')));
    const aesKey = privateDecrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, wrapped.subarray(0, 256));
    await writeFile(join(dir, 'kwp.bin'), wrapped.subarray(256));
    await openssl(
      'enc',
      '-d',
      '-id-aes256-wrap-pad',
      '-K',
      aesKey.toString('hex'),
      '-iv',
      'A65959A6',
      '-in',
      'kwp.bin',
      '-out',
      'ecc-check.der',
    );
    expect(await readFile(join(dir, 'ecc-check.der'))).toEqual(ecc);

    // A refusal: exit 1, one line on stderr, nothing written.
    const refused = await kmsWrap(
      'wrap',
      '--material',
      'PlaintextKeyMaterial.bin',
      '--public-key',
      'WrappingPublicKey.bin',
      '--algorithm',
      'RSAES_PKCS1_V1_5',
      '-o',
      'never.bin',
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^kms-wrap: ERR_ALGORITHM_DEPRECATED: /);
    expect(existsSync(join(dir, 'never.bin'))).toBe(false);
  });

  test('the README example of aws runs as printed: a dry run of the import, no call made', async () => {
    const readme = await readFile(join(unpacked.get('@kms-wrap/aws')!, 'README.md'), 'utf8');
    const r = await node(all, 'aws-readme.mjs', readmeExample(readme));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').slice(0, 2)).toEqual(['DescribeKey GetParametersForImport ImportKeyMaterial', '512 RSA_4096']);
  });

  test('the README examples of rsa-aes-key-wrap and keygen run as printed', async () => {
    const example = async (pkg: string) => {
      const readme = await readFile(join(unpacked.get(pkg)!, 'README.md'), 'utf8');
      const r = await node(all, `${pkg.split('/')[1]}-readme.mjs`, readmeExample(readme));
      expect(r.stderr, pkg).toBe('');
      expect(r.code, pkg).toBe(0);
      return r.stdout.split('\n');
    };
    const [kw, keygen] = (await Promise.all(['@kms-wrap/rsa-aes-key-wrap', '@kms-wrap/keygen'].map(example))) as [string[], string[]];
    expect(kw.slice(0, 2)).toEqual(['RSA_2048 true', 'true']);
    expect(keygen[0]).toBe('32 16 ECC_NIST_P256 sm2p256v1');
  });

  /**
   * Code of one plugin that no other package holds (core's rule table names every algorithm id
   * and package, so ids and package names are no evidence): function names, messages, SM2 curve
   * parameters.
   */
  const MARKERS: Record<string, readonly string[]> = {
    '@kms-wrap/rsaes-oaep': ['oaepCapacity'],
    '@kms-wrap/rsa-aes-key-wrap': ['rsaPartLengths', 'is not RSA_AES_KEY_WRAP output'],
    '@kms-wrap/sm2pke': ['sm2Encrypt', 'SM2 decryption failed'],
    '@kms-wrap/sm2': [
      'fffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffff',
      '28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93',
    ],
  };

  async function bundle(entry: string, platform: 'node' | 'browser') {
    const file = join(all, `entry-${platform}.mjs`);
    await writeFile(file, entry);
    const r = await esbuild.build({
      entryPoints: [file],
      absWorkingDir: all,
      bundle: true,
      write: false,
      format: 'esm',
      platform,
      metafile: true,
      logLevel: 'silent',
    });
    const text = r.outputFiles[0]!.text.toLowerCase();
    // What went into the output: metafile.inputs also lists every module esbuild parsed and then
    // shook off (re-exports nobody uses, and the dynamic imports inside them).
    const used = Object.values(r.metafile.outputs).flatMap((o) => Object.keys(o.inputs));
    const packagesIn = new Set(used.map((p) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(p)?.[1] ?? p));
    return { text, packagesIn };
  }

  test('tree shaking: core and one plugin bundle without the other plugins', async () => {
    // The markers are real: each is in its own package's code.
    for (const [pkg, markers] of Object.entries(MARKERS)) {
      const dist = join(all, 'node_modules', pkg, 'dist');
      const code = (await Promise.all((await readdir(dist)).filter((f) => f.endsWith('.js')).map((f) => readFile(join(dist, f), 'utf8'))))
        .join('\n')
        .toLowerCase();
      for (const m of markers) expect(code, `${m} in ${pkg}`).toContain(m.toLowerCase());
    }
    const entry = `
import { createWrapper } from '@kms-wrap/core';
import { RSAES_OAEP_SHA_256 } from '@kms-wrap/rsaes-oaep';
export const make = (crypto) => createWrapper({ algorithms: [RSAES_OAEP_SHA_256], crypto });
`;
    for (const platform of ['node', 'browser'] as const) {
      const { text, packagesIn } = await bundle(entry, platform);
      expect([...packagesIn].sort(), platform).toEqual(expect.arrayContaining(['@kms-wrap/core', '@kms-wrap/rsaes-oaep']));
      for (const other of [
        '@kms-wrap/rsa-aes-key-wrap',
        '@kms-wrap/sm2pke',
        '@kms-wrap/sm2',
        '@kms-wrap/keygen',
        '@kms-wrap/node',
        '@kms-wrap/browser',
        'pkijs',
        '@noble/curves',
      ]) {
        expect(packagesIn.has(other), `${other} in the ${platform} bundle`).toBe(false);
      }
      // core and the plugin import no runtime
      expect(
        [...packagesIn].filter((p) => p.startsWith('node:')),
        platform,
      ).toEqual([]);
      expect(text).toContain('oaepcapacity');
      for (const pkg of ['@kms-wrap/rsa-aes-key-wrap', '@kms-wrap/sm2pke', '@kms-wrap/sm2']) {
        for (const m of MARKERS[pkg]!) expect(text.includes(m.toLowerCase()), `${m} (${pkg}) in the ${platform} bundle`).toBe(false);
      }
    }
  });

  test('tree shaking: the WebCrypto provider of @kms-wrap/browser brings no plugin of its own', async () => {
    const { text, packagesIn } = await bundle(
      `
import { createWrapper } from '@kms-wrap/core';
import { RSAES_OAEP_SHA_256 } from '@kms-wrap/rsaes-oaep';
import { createWebCryptoProvider } from '@kms-wrap/browser';
export const wrapper = createWrapper({ algorithms: [RSAES_OAEP_SHA_256], crypto: createWebCryptoProvider() });
`,
      'browser',
    );
    expect(packagesIn.has('@kms-wrap/browser')).toBe(true);
    for (const other of ['@kms-wrap/rsa-aes-key-wrap', '@kms-wrap/sm2pke', '@kms-wrap/sm2', '@kms-wrap/keygen', 'pkijs', '@noble/curves']) {
      expect(packagesIn.has(other), `${other} in the bundle`).toBe(false);
    }
    for (const pkg of ['@kms-wrap/rsa-aes-key-wrap', '@kms-wrap/sm2pke', '@kms-wrap/sm2']) {
      for (const m of MARKERS[pkg]!) expect(text.includes(m.toLowerCase()), `${m} (${pkg})`).toBe(false);
    }
  });
});
