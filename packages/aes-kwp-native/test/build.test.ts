/**
 * The build as nx and a release see it: the toolchain fingerprint nx hashes changes when a
 * compiler appears (so a build made before the cross compiler was installed is not restored from
 * the cache afterwards), a release build without the cross compiler fails where a development
 * build only warns, and `pnpm pack` (prepack) refuses a dist/ without both binaries. Every build
 * here goes to a temporary directory: dist/ is read by other packages' tests running meanwhile.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const workspace = join(pkg, '..', '..');
const tmp = mkdtempSync(join(tmpdir(), 'kms-wrap-native-build-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// A PATH of one directory with node in it, and optionally a stand-in cross compiler; and the same
// with the system's directories after it (a build needs cc).
function onlyPath(name: string, crossCompiler: boolean): string {
  const bin = join(tmp, name);
  mkdirSync(bin, { recursive: true });
  if (!existsSync(join(bin, 'node'))) symlinkSync(process.execPath, join(bin, 'node'));
  if (crossCompiler) {
    const other = process.arch === 'x64' ? 'aarch64-linux-gnu-gcc' : 'x86_64-linux-gnu-gcc';
    writeFileSync(join(bin, other), '#!/bin/sh\nexit 0\n');
    chmodSync(join(bin, other), 0o755);
  }
  return bin;
}
const pathWith = (name: string, crossCompiler: boolean) => [onlyPath(name, crossCompiler), '/usr/bin', '/bin'].join(':');
const crossName = process.arch === 'x64' ? 'aarch64-linux-gnu-gcc' : 'x86_64-linux-gnu-gcc';
const crossVariable = process.arch === 'x64' ? 'CC_ARM64' : 'CC_X64';
const linux = process.platform === 'linux' && (process.arch === 'x64' || process.arch === 'arm64');

describe('the toolchain nx hashes', () => {
  const manifest = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8'));
  const runtime: string = manifest.nx.targets.build.inputs.find((i: unknown) => typeof i === 'object' && i && 'runtime' in i).runtime;
  // nx runs a runtime input with sh (dash on Debian) from the workspace root.
  const fingerprint = (PATH: string, env: Record<string, string> = {}) =>
    spawnSync('/bin/sh', ['-c', runtime], { cwd: workspace, env: { PATH, ...env }, encoding: 'utf8' });

  it('changes when the cross compiler appears on PATH', () => {
    const without = fingerprint(onlyPath('bare', false));
    const withCross = fingerprint(onlyPath('cross', true));
    expect(without.status).toBe(0);
    expect(withCross.status).toBe(0);
    expect(withCross.stdout).toContain(join(tmp, 'cross', crossName));
    expect(withCross.stdout).not.toBe(without.stdout);
  });

  it('names every compiler the build uses, and the release flag', () => {
    const r = fingerprint(pathWith('cross', true));
    expect(r.stdout).toMatch(/^x64: .+$/m);
    expect(r.stdout).toMatch(/^arm64: .+$/m);
    expect(r.stdout).toMatch(/^release: false$/m);
    expect(fingerprint(pathWith('cross', true), { KMS_WRAP_RELEASE: '1' }).stdout).toMatch(/^release: true$/m);
    // $CC_ARM64 / $CC_X64 choose the compiler, so they are part of the fingerprint too.
    const chosen = process.arch === 'x64' ? 'CC_ARM64' : 'CC_X64';
    expect(fingerprint(pathWith('cross', true), { [chosen]: '/usr/bin/true' }).stdout).toContain('/usr/bin/true');
  });
});

describe.runIf(linux)('a build without the cross compiler', () => {
  const build = (out: string, env: Record<string, string>) =>
    spawnSync(process.execPath, [join(pkg, 'scripts/build.mjs')], {
      // The cross compiler named by its variable, as one that is not installed (cc needs /usr/bin's as and ld).
      env: { PATH: process.env.PATH!, [crossVariable]: crossName.replace('gcc', 'kms-wrap-absent-gcc'), KMS_WRAP_NATIVE_OUT: out, ...env },
      encoding: 'utf8',
    });

  it('warns in development and leaves that addon out', () => {
    const out = join(tmp, 'dev');
    const r = build(out, {});
    expect(r.status).toBe(0);
    expect(r.stderr).toContain(`no ${crossName.replace('gcc', 'kms-wrap-absent-gcc')} here`);
    expect(r.stderr).toContain('a release build refuses this');
    expect(readdirSync(out)).toContain(`aes_kwp-linux-${process.arch}.node`);
    expect(readdirSync(out).filter((f) => f.endsWith('.node'))).toHaveLength(1);
  });

  it('fails a release build (KMS_WRAP_RELEASE=1) with what to install', () => {
    const r = build(join(tmp, 'release'), { KMS_WRAP_RELEASE: '1' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/a release must carry it \(install gcc-[a-z0-9-]+, then build again\)/);
  });

  it('cannot be packed: prepack refuses a dist without both binaries', () => {
    const manifest = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8'));
    expect(manifest.scripts.prepack).toBe('node scripts/check-pack.mjs');
    const check = (out: string) =>
      spawnSync(process.execPath, [join(pkg, 'scripts/check-pack.mjs')], {
        env: { PATH: process.env.PATH!, KMS_WRAP_NATIVE_OUT: out },
        encoding: 'utf8',
      });
    const other = process.arch === 'x64' ? 'arm64' : 'x64';
    const refused = check(join(tmp, 'dev'));
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain(`not packing without aes_kwp-linux-${other}.node`);
    writeFileSync(join(tmp, 'dev', `aes_kwp-linux-${other}.node`), '');
    expect(check(join(tmp, 'dev')).status).toBe(0);
  });
});
