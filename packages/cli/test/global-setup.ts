/**
 * Builds the command (the package's own `build` script: tsc -b over the referenced packages,
 * then whatever else it does to dist/) so that `node dist/bin.js` is the code under test.
 * A failed build is reported loudly; the tests then run against the last build.
 * KMS_WRAP_TEST_SKIP_BUILD=1 skips it (when the build already ran, e.g. nx's dependsOn).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  if (process.env['KMS_WRAP_TEST_SKIP_BUILD'] === '1') return;
  const dir = fileURLToPath(new URL('..', import.meta.url));
  let build = spawnSync('pnpm', ['run', '--silent', 'build'], { cwd: dir, encoding: 'utf8' });
  if (build.error) {
    // No pnpm on PATH: at least the TypeScript build.
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    build = spawnSync(process.execPath, [tsc, '-b'], { cwd: dir, encoding: 'utf8' });
  }
  if (build.status !== 0) {
    const output = `${build.stdout}${build.stderr}`.trim();
    if (!existsSync(join(dir, 'dist', 'bin.js'))) throw new Error(`the build failed and there is no dist/bin.js to test:\n${output}`);
    console.warn(`\n[kms-wrap cli tests] the build failed; testing the last build in dist/:\n${output}\n`);
  }
}
