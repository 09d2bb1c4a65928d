/**
 * What `changeset version` does with this repository's packages and .changeset/config.json,
 * run on a copy (the root manifest, pnpm-workspace.yaml, the config, every workspace
 * package.json) in os.tmpdir(), never on the working tree: a changeset bumps exactly the
 * packages it names, as named, and their dependents by a patch (they re-publish the new range,
 * and @kms-wrap/cli and @kms-wrap/browser bundle the plugins), never a private package, and
 * never a major nobody asked for.
 */
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { ROOT, bump, must, workspacePackages, type WorkspacePackage } from './helpers.js';

type BumpType = 'major' | 'minor' | 'patch';
const RANK: Record<BumpType, number> = { patch: 1, minor: 2, major: 3 };
const CHANGESET_CLI = join(ROOT, 'node_modules/@changesets/cli/bin.js');

const packages = workspacePackages();
const publicNames = packages.filter((p) => p.manifest.private !== true).map((p) => p.manifest.name as string);
const temporary: string[] = [];

afterAll(async () => {
  await Promise.all(temporary.map((d) => rm(d, { recursive: true, force: true })));
});

interface Outcome {
  readonly dir: string;
  /** Workspace dir → the package.json text after `changeset version`. */
  readonly after: Map<string, string>;
}

/** Copies what changesets reads into a fresh directory, adds the changesets, runs `changeset version`. */
async function version(changesets: Record<string, string>): Promise<Outcome> {
  const dir = await mkdtemp(join(tmpdir(), 'kms-wrap-changeset-'));
  temporary.push(dir);
  for (const f of ['package.json', 'pnpm-workspace.yaml']) await copyFile(join(ROOT, f), join(dir, f));
  await mkdir(join(dir, '.changeset'));
  await copyFile(join(ROOT, '.changeset/config.json'), join(dir, '.changeset/config.json'));
  for (const p of packages) {
    await mkdir(join(dir, p.dir), { recursive: true });
    await copyFile(join(ROOT, p.dir, 'package.json'), join(dir, p.dir, 'package.json'));
  }
  // The config names its changelog generator as a module (@changesets/cli/changelog).
  await symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  for (const [name, text] of Object.entries(changesets)) await writeFile(join(dir, '.changeset', name), text);
  await must(process.execPath, [CHANGESET_CLI, 'version'], dir);
  const after = new Map<string, string>();
  for (const p of packages) after.set(p.dir, await readFile(join(dir, p.dir, 'package.json'), 'utf8'));
  return { dir, after };
}

/** The public packages that depend on `name` at run time (dependencies, peer, optional), transitively. */
function dependentsOf(name: string): Set<string> {
  const out = new Set<string>();
  const queue = [name];
  while (queue.length > 0) {
    const dep = queue.shift()!;
    for (const p of packages) {
      if (p.manifest.private === true || out.has(p.manifest.name)) continue;
      const m = p.manifest;
      if ([m.dependencies, m.peerDependencies, m.optionalDependencies].some((d) => d?.[dep] !== undefined)) {
        out.add(m.name);
        queue.push(m.name);
      }
    }
  }
  out.delete(name);
  return out;
}

/** `"@kms-wrap/x": minor` lines of a changeset's front matter. */
function named(text: string): Map<string, BumpType> {
  const front = /^---\n([\s\S]*?)\n---/.exec(text)?.[1] ?? '';
  return new Map([...front.matchAll(/^\s*["']?([^"':]+)["']?\s*:\s*(major|minor|patch)\s*$/gm)].map((m) => [m[1]!, m[2] as BumpType]));
}

/** The checks every run shares; `expected` is the bump of each package that must change. */
async function expectBumps(outcome: Outcome, expected: Map<string, BumpType>): Promise<void> {
  const changed: string[] = [];
  for (const p of packages as WorkspacePackage[]) {
    const before = await readFile(join(ROOT, p.dir, 'package.json'), 'utf8');
    const afterText = outcome.after.get(p.dir)!;
    const after = JSON.parse(afterText);
    const name = p.manifest.name as string;
    const changelog = join(outcome.dir, p.dir, 'CHANGELOG.md');
    const type = expected.get(name);
    if (type === undefined) {
      expect(afterText, `${name} is untouched`).toBe(before);
      expect(existsSync(changelog), `${name} has no CHANGELOG.md`).toBe(false);
      continue;
    }
    changed.push(name);
    const next = bump(p.manifest.version, type);
    expect(after.version, `${name}: ${type}`).toBe(next);
    const log = await readFile(changelog, 'utf8');
    expect(log).toContain(`## ${next}`);
    // Internal ranges stay on the workspace protocol; pnpm writes the real range at publish.
    for (const field of ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies']) {
      for (const [dep, range] of Object.entries<string>(after[field] ?? {})) {
        if (dep.startsWith('@kms-wrap/')) expect(range, `${name} ${field} ${dep}`).toMatch(/^workspace:/);
      }
    }
  }
  expect(changed.sort()).toEqual([...expected.keys()].sort());
  for (const p of packages.filter((q) => q.manifest.private === true)) expect(changed).not.toContain(p.manifest.name);
}

describe('changeset version, on a copy of the repository', () => {
  test('a minor of @kms-wrap/rsaes-oaep: it gets the minor, its dependents a patch, nothing else changes', async () => {
    const dependents = dependentsOf('@kms-wrap/rsaes-oaep');
    // The CLI bundles the plugin into its bin: it must re-publish.
    expect(dependents).toContain('@kms-wrap/cli');
    const outcome = await version({
      'sample-rsaes-oaep.md': '---\n"@kms-wrap/rsaes-oaep": minor\n---\n\nSample: a change to the RSAES_OAEP plugins.\n',
    });
    await expectBumps(
      outcome,
      new Map<string, BumpType>([['@kms-wrap/rsaes-oaep', 'minor'], ...[...dependents].map((d) => [d, 'patch'] as [string, BumpType])]),
    );
    const own = await readFile(join(outcome.dir, 'packages/rsaes-oaep/CHANGELOG.md'), 'utf8');
    expect(own).toContain('### Minor Changes');
    expect(own).toContain('Sample: a change to the RSAES_OAEP plugins.');
    // A dependent through `dependencies` lists the new version. (One through an optional peer
    // range, 0.x, gets a patch with no line: its range did not change.)
    const cli = await readFile(join(outcome.dir, 'packages/cli/CHANGELOG.md'), 'utf8');
    const next = bump(packages.find((p) => p.manifest.name === '@kms-wrap/rsaes-oaep')!.manifest.version, 'minor');
    expect(cli).toMatch(/### Patch Changes[\s\S]*Updated dependencies/);
    expect(cli).toContain(`@kms-wrap/rsaes-oaep@${next}`);
  });

  test('a minor of @kms-wrap/core: every other public package a patch, no major, no private package', async () => {
    const dependents = dependentsOf('@kms-wrap/core');
    // All but core itself, the AES-NI addon and the SM2 curve package (which use nothing of core).
    expect([...dependents].sort()).toEqual(
      publicNames.filter((n) => !['@kms-wrap/core', '@kms-wrap/aes-kwp-native', '@kms-wrap/sm2'].includes(n)).sort(),
    );
    const outcome = await version({ 'sample-core.md': '---\n"@kms-wrap/core": minor\n---\n\nSample: a change to core.\n' });
    await expectBumps(
      outcome,
      new Map<string, BumpType>([['@kms-wrap/core', 'minor'], ...[...dependents].map((d) => [d, 'patch'] as [string, BumpType])]),
    );
  });

  test("the repository's pending changesets: each package gets what its changesets name, dependents a patch, no unasked major", async () => {
    const files = (await readdir(join(ROOT, '.changeset'))).filter((f) => f.endsWith('.md') && f !== 'README.md');
    const pending: Record<string, string> = {};
    const asked = new Map<string, BumpType>();
    for (const f of files) {
      pending[f] = await readFile(join(ROOT, '.changeset', f), 'utf8');
      for (const [name, type] of named(pending[f]!))
        if (RANK[type] > RANK[asked.get(name) ?? 'patch'] || !asked.has(name)) asked.set(name, type);
    }
    const expected = new Map(asked);
    for (const name of asked.keys()) for (const d of dependentsOf(name)) if (!expected.has(d)) expected.set(d, 'patch');
    const outcome = await version(pending);
    await expectBumps(outcome, expected);
  });
});
