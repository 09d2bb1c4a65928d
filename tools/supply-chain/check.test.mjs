// node --test tools/supply-chain/   (also run by `pnpm test`, tools/run-tests.mjs)
//
// The supply chain, checked against the working tree and what is installed:
//   - pnpm-lock.yaml is committed, and every workspace project's dependencies are in it with the
//     specifiers package.json names (what `pnpm install --frozen-lockfile` in CI insists on);
//   - no package runs an install script (preinstall, install, postinstall, or a binding.gyp that
//     pnpm would build) unless pnpm-workspace.yaml's allowBuilds allows it by name; no blanket
//     permission (dangerouslyAllowAllBuilds, neverBuiltDependencies...) is set; pnpm recorded no
//     ignored or pending builds; no workspace project has lifecycle scripts of its own.
// pnpm 12's lockfile (v9) marks no build requirement (requiresBuild is gone), so the scripts
// are read from the installed packages' own package.json files.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const root = new URL('../..', import.meta.url).pathname;
const read = (p) => readFileSync(join(root, p), 'utf8');
const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall'];

/** allowBuilds of pnpm-workspace.yaml: name → true/false (a flat map of plain keys). */
function workspaceSettings() {
  const text = read('pnpm-workspace.yaml');
  const allow = new Map();
  const top = new Set();
  let section = '';
  for (const line of text.split('\n')) {
    if (/^\S/.test(line)) {
      section = line.replace(/:.*$/, '').trim();
      top.add(section);
      continue;
    }
    const m = /^\s+['"]?([^'":]+)['"]?:\s*(\S+)/.exec(line);
    if (section === 'allowBuilds' && m) allow.set(m[1].trim(), m[2] === 'true');
  }
  const packages = [...text.matchAll(/^\s+-\s+['"]?([^'"\n]+)['"]?$/gm)].map((m) => m[1].trim());
  return { allow, top, packages, text };
}

/** The importers of pnpm-lock.yaml: path → { dependencies: name → specifier, ... }. */
function lockImporters() {
  const lines = read('pnpm-lock.yaml').split('\n');
  const importers = new Map();
  let inImporters = false;
  let importer;
  let kind;
  let dep;
  for (const line of lines) {
    if (/^\S/.test(line)) {
      inImporters = line.startsWith('importers:');
      continue;
    }
    if (!inImporters || line.trim() === '') continue;
    const indent = line.length - line.trimStart().length;
    // A project without dependencies is written `  packages/name: {}`.
    const key = line
      .trim()
      .replace(/: \{\}$/, '')
      .replace(/:$/, '')
      .replace(/^'(.*)'$/, '$1');
    if (indent === 2) importers.set((importer = key), {});
    else if (indent === 4) importers.get(importer)[(kind = key)] = {};
    else if (indent === 6) importers.get(importer)[kind][(dep = key)] = undefined;
    else if (indent === 8 && key.startsWith('specifier:'))
      importers.get(importer)[kind][dep] = key
        .slice('specifier:'.length)
        .trim()
        .replace(/^'(.*)'$/, '$1');
  }
  return importers;
}

/** The workspace projects: '.' and every folder a packages glob names that has a package.json. */
function projects(globs) {
  const out = ['.'];
  for (const g of globs) {
    const base = g.replace(/\/\*$/, '');
    if (!existsSync(join(root, base))) continue;
    for (const d of readdirSync(join(root, base), { withFileTypes: true })) {
      if (d.isDirectory() && existsSync(join(root, base, d.name, 'package.json'))) out.push(`${base}/${d.name}`);
    }
  }
  return out;
}

/** Every installed package in node_modules/.pnpm: { name, version, dir, scripts, gyp }. */
function installed() {
  const store = join(root, 'node_modules', '.pnpm');
  const out = [];
  for (const entry of readdirSync(store)) {
    const nm = join(store, entry, 'node_modules');
    if (!existsSync(nm)) continue;
    for (const name of readdirSync(nm)) {
      const names = name.startsWith('@') ? readdirSync(join(nm, name)).map((n) => `${name}/${n}`) : [name];
      for (const n of names) {
        const dir = join(nm, n);
        const file = join(dir, 'package.json');
        if (!existsSync(file)) continue;
        const pkg = JSON.parse(readFileSync(file, 'utf8'));
        // Each store entry holds its own package and links to its dependencies: count the package where it lives.
        if (!entry.startsWith(`${n.replace('/', '+')}@`)) continue;
        out.push({ name: pkg.name ?? n, version: pkg.version, dir, scripts: pkg.scripts ?? {}, gyp: existsSync(join(dir, 'binding.gyp')) });
      }
    }
  }
  return out;
}

describe('supply chain', () => {
  const settings = workspaceSettings();

  it('pnpm-lock.yaml is committed', () => {
    assert.doesNotThrow(
      () => execFileSync('git', ['ls-files', '--error-unmatch', 'pnpm-lock.yaml'], { cwd: root, stdio: 'pipe' }),
      'pnpm-lock.yaml is not in git',
    );
  });

  it('CI installs with --frozen-lockfile', () => {
    const ci = read('.ci/run');
    assert.match(ci, /pnpm install --frozen-lockfile/);
    assert.doesNotMatch(ci, /--no-frozen-lockfile|dangerously/);
  });

  it("the lockfile has every workspace project's dependencies with package.json's specifiers (frozen installs agree)", () => {
    const importers = lockImporters();
    const problems = [];
    for (const project of projects(settings.packages)) {
      const pkg = JSON.parse(read(join(project, 'package.json')));
      const locked = importers.get(project);
      if (!locked) {
        problems.push(`${project}: not in the lockfile's importers`);
        continue;
      }
      for (const kind of ['dependencies', 'devDependencies', 'optionalDependencies']) {
        for (const [name, spec] of Object.entries(pkg[kind] ?? {})) {
          const have = locked[kind]?.[name];
          if (have !== spec) problems.push(`${project}: ${kind} ${name} is ${spec} in package.json, ${have ?? 'absent'} in the lockfile`);
        }
        for (const [name, spec] of Object.entries(locked[kind] ?? {})) {
          // autoInstallPeers: a peer dependency is locked among the dependencies, with its own specifier.
          const peer = kind === 'dependencies' && pkg.peerDependencies?.[name] === spec;
          if (!(name in (pkg[kind] ?? {})) && !peer) problems.push(`${project}: ${kind} ${name} is locked but not in package.json`);
        }
      }
    }
    assert.deepEqual(problems, [], 'run pnpm install and commit pnpm-lock.yaml');
  });

  it('builds are allowed by name only: no blanket setting, allowBuilds lists build tools that exist', () => {
    for (const blanket of ['dangerouslyAllowAllBuilds', 'neverBuiltDependencies', 'onlyBuiltDependenciesFile', 'ignoreScripts']) {
      assert.ok(!settings.text.includes(blanket), `pnpm-workspace.yaml sets ${blanket}`);
    }
    if (existsSync(join(root, '.npmrc')))
      assert.doesNotMatch(read('.npmrc'), /dangerously-allow-all-builds|unsafe-perm|ignore-scripts\s*=\s*false/);
    assert.deepEqual(
      [...settings.allow.entries()].sort(),
      [
        ['esbuild', true],
        ['nx', true],
        ['pkcs11js', true],
      ],
      'allowBuilds changed: review the new entry, then update this test and SECURITY.md',
    );
  });

  it('no installed package has an install script or a native build unless allowed by name', () => {
    const all = installed();
    assert.ok(all.length > 100, `only ${all.length} packages found under node_modules/.pnpm — run pnpm install first`);
    const building = all.filter((p) => INSTALL_SCRIPTS.some((s) => p.scripts[s]) || p.gyp);
    const refused = building.filter((p) => settings.allow.get(p.name) !== true);
    assert.deepEqual(
      refused.map(
        (p) =>
          `${p.name}@${p.version}: ${
            INSTALL_SCRIPTS.filter((s) => p.scripts[s])
              .map((s) => `${s}: ${p.scripts[s]}`)
              .join('; ') || 'binding.gyp'
          }`,
      ),
      [],
      'a dependency runs code at install time: allow it by name in pnpm-workspace.yaml (allowBuilds) after review, or avoid it',
    );
    // The allowed ones are there and are what they say (no stale permission).
    for (const name of settings.allow.keys())
      assert.ok(
        building.some((p) => p.name === name),
        `allowBuilds names ${name}, which has no install script`,
      );
  });

  it('pnpm recorded no ignored or pending builds', () => {
    const state = join(root, 'node_modules', '.modules.yaml');
    assert.ok(existsSync(state), 'no node_modules/.modules.yaml — run pnpm install first');
    const text = readFileSync(state, 'utf8');
    const list = (key) => {
      const m = new RegExp(`"?${key}"?:\\s*\\[([^\\]]*)\\]`).exec(text);
      return m
        ? m[1]
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : [];
    };
    assert.deepEqual(list('ignoredBuilds'), []);
    assert.deepEqual(list('pendingBuilds'), []);
  });

  it('no workspace project has lifecycle scripts that run on install', () => {
    const problems = [];
    for (const project of projects(settings.packages)) {
      const scripts = JSON.parse(read(join(project, 'package.json'))).scripts ?? {};
      for (const s of [...INSTALL_SCRIPTS, 'prepare', 'prepublish', 'preprepare', 'postprepare'])
        if (scripts[s]) problems.push(`${project}: ${s}: ${scripts[s]}`);
    }
    assert.deepEqual(problems, []);
  });
});

// nx runs the packages' tests in parallel, and tools/pack-test packs every package's dist/ while
// the others run: a test that rebuilds a build output in place races with it (a tarball once
// lacked dist/bundle/ this way). A test may run a build script only into a directory of its own.
describe('tests and build outputs', () => {
  it("no test runs a build script that writes into a package's dist/", () => {
    const problems = [];
    const walk = (dir) =>
      readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) =>
        e.name === 'node_modules'
          ? []
          : e.isDirectory()
            ? walk(join(dir, e.name))
            : /\.test\.[cm]?[jt]s$/.test(e.name)
              ? [join(dir, e.name)]
              : [],
      );
    for (const group of ['packages', 'tools']) {
      for (const project of readdirSync(join(root, group))) {
        if (!existsSync(join(root, group, project, 'test'))) continue;
        for (const file of walk(join(group, project, 'test'))) {
          const text = read(file);
          // scripts/bundle.mjs always writes dist/bundle; scripts/build.mjs only with an out directory given.
          if (/scripts['"]?,\s*['"]bundle\.mjs|scripts\/bundle\.mjs/.test(text)) problems.push(`${file}: runs scripts/bundle.mjs`);
          if (/scripts\/build\.mjs/.test(text) && !/KMS_WRAP_NATIVE_OUT/.test(text))
            problems.push(`${file}: runs scripts/build.mjs without KMS_WRAP_NATIVE_OUT`);
        }
      }
    }
    assert.deepEqual(problems, []);
  });
});
