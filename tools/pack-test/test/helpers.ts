/**
 * Shared by the pack tests: the workspace's layout, child processes with an environment that
 * carries nothing of the workspace (no pnpm/npm script variables, no workspace bin on PATH),
 * and the runnable example of a README.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The workspace root, with a trailing separator removed. */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url)).replace(/\/$/, '');

export interface WorkspacePackage {
  /** Relative to ROOT: packages/core, tools/pack-test, ... */
  readonly dir: string;
  readonly manifest: Record<string, any>;
}

/** Every workspace package (packages/*, tools/*, examples/*), as its package.json is now. */
export function workspacePackages(): WorkspacePackage[] {
  return ['packages', 'tools', 'examples'].flatMap((group) =>
    readdirSync(join(ROOT, group), { withFileTypes: true })
      .filter((e) => e.isDirectory() && existsSync(join(ROOT, group, e.name, 'package.json')))
      .map((e) => {
        const dir = `${group}/${e.name}`;
        return { dir, manifest: JSON.parse(readFileSync(join(ROOT, dir, 'package.json'), 'utf8')) };
      }),
  );
}

/** The packages users install from npm. */
export function publicPackages(): WorkspacePackage[] {
  return workspacePackages().filter((p) => p.manifest.private !== true);
}

/**
 * The environment of a user's shell: without the variables pnpm, npm, nx and vitest set for
 * scripts (npm would read npm_config_* as its own configuration; nx sets FORCE_COLOR) and
 * without the workspace's node_modules/.bin directories on PATH.
 */
export function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(npm_|pnpm_|nx_|vitest|node_options$|node_path$|init_cwd$|force_color$|no_color$)/i.test(k)) continue;
    env[k] = v;
  }
  env['PATH'] = (process.env['PATH'] ?? '')
    .split(delimiter)
    .filter((d) => d !== '' && !d.startsWith(`${ROOT}/`))
    .join(delimiter);
  return env;
}

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to its end; never throws for a non-zero exit (the caller checks `code`). */
export function run(cmd: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = userEnv()): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd, env, maxBuffer: 64 << 20, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') return reject(error);
      resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
    });
  });
}

/** Runs a command that must succeed; the error says what it printed. */
export async function must(cmd: string, args: readonly string[], cwd: string, env?: NodeJS.ProcessEnv): Promise<Run> {
  const r = await run(cmd, args, cwd, env);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r;
}

/** The first ```js block under a README's "## Example" heading: the example users are told to run. */
export function readmeExample(readme: string): string {
  const at = readme.indexOf('\n## Example');
  if (at < 0) throw new Error('the README has no "## Example" section');
  const m = /```js\n([\s\S]*?)```/.exec(readme.slice(at));
  if (!m) throw new Error('the README\'s "## Example" section has no ```js block');
  return m[1]!;
}

/** major.minor.patch + the bump changesets applies. */
export function bump(version: string, type: 'major' | 'minor' | 'patch'): string {
  const [major, minor, patch] = version.split('.').map(Number) as [number, number, number];
  if (type === 'major') return `${major + 1}.0.0`;
  if (type === 'minor') return `${major}.${minor + 1}.0`;
  return `${major}.${minor}.${patch + 1}`;
}
