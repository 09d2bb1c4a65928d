// node --test tools/check-cycles.test.mjs   (also run by `pnpm test`, tools/run-tests.mjs)
//
// tools/check-cycles.mjs on folders written here: one whose imports go round (through a .js
// specifier that names a .ts, a re-export and a dynamic import), one without a cycle (with a
// type-only import back, which tsc erases), and the repository itself, which must have none.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { findCycles, importGraph, importsOf, sourceFiles } from './check-cycles.mjs';

const SCRIPT = fileURLToPath(new URL('./check-cycles.mjs', import.meta.url));
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'kms-wrap-cycles-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** Writes `files` (path → text) under a fresh folder named `name`. */
function fixture(name, files) {
  const dir = join(scratch, name);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

const run = (...args) => spawnSync(process.execPath, [SCRIPT, ...args], { encoding: 'utf8', cwd: scratch });

describe('check-cycles', () => {
  it('finds a cycle through .js specifiers, a re-export and a dynamic import, names its files and exits 1', () => {
    const dir = fixture('cycle', {
      'src/main.ts': "import { VERSION } from './version.js';\nexport const COMMANDS = { wrap: () => import('./commands/wrap.js') };\n",
      'src/version.ts': "export const VERSION = '1.0.0';\n",
      'src/commands/wrap.ts': "import { helper } from './wrap-target.js';\nexport const run = helper;\n",
      'src/commands/wrap-target.ts': "import {\n  VERSION,\n} from '../main.js';\nexport const helper = () => VERSION;\n",
      'src/index.ts': "export * from './main.js';\n",
      'src/self.ts': "export { a } from './self.js';\nexport const b = 1;\n",
    });
    const r = run(dir);
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /2 import cycles/);
    const loop = r.stdout.split('\n').find((l) => l.includes('main.ts →'));
    assert.ok(loop, r.stdout);
    assert.equal(
      loop.trim(),
      'cycle/src/commands/wrap-target.ts → cycle/src/main.ts → cycle/src/commands/wrap.ts → cycle/src/commands/wrap-target.ts',
    );
    assert.match(r.stdout, /cycle\/src\/self\.ts → cycle\/src\/self\.ts/);
    // version.ts and index.ts import into the cycle or out of it, but are not part of it.
    assert.doesNotMatch(r.stdout, /version\.ts|index\.ts/);

    const cycles = findCycles(importGraph(sourceFiles(dir)));
    assert.deepEqual(
      cycles.map((c) => c.files.map((f) => f.slice(dir.length + 1))),
      [['src/commands/wrap-target.ts', 'src/commands/wrap.ts', 'src/main.ts'], ['src/self.ts']],
    );
  });

  it('passes a folder without a cycle (a type-only import back is not one), exit 0', () => {
    const dir = fixture('acyclic', {
      'src/main.ts':
        "import { VERSION } from './version.js';\nimport './side-effect.js';\nexport const load = () => import('./commands/wrap.js');\n",
      'src/version.ts': "export const VERSION = '1.0.0';\n",
      'src/side-effect.ts': 'globalThis.x = 1;\n',
      'src/commands/wrap.ts':
        "import type { Command } from '../main.js';\nexport type { Io } from '../main.js';\nimport { VERSION } from '../version.js';\nimport { parse } from 'node:util';\nimport * as core from '@kms-wrap/core';\n/**\n * import { load } from '../main.js';   (an example in a comment)\n */\nexport const v = VERSION;\n",
      'tools/a.mjs': "import { b } from './b.mjs';\nexport const a = b;\n",
      'tools/b.mjs': 'export const b = 1;\n',
    });
    const r = run(join(dir, 'src'), join(dir, 'tools'));
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /6 modules, 5 relative imports, no import cycle/);
  });

  it('reads every kind of relative import, and only relative ones', () => {
    const text = [
      "import { a } from './a.js';",
      "import b, { c } from '../b.js';",
      "export { d } from './d.js';",
      "export * as e from './e.js';",
      "import './f.js';",
      "const g = await import('./g.js');",
      "import type { H } from './h.js';",
      "export type { I } from './i.js';",
      "import { j } from '@kms-wrap/core';",
      "import { k } from 'node:fs';",
      " * import { l } from './l.js';",
    ].join('\n');
    assert.deepEqual(importsOf(text).sort(), ['../b.js', './a.js', './d.js', './e.js', './f.js', './g.js']);
  });

  it('the repository has no import cycle', () => {
    const r = spawnSync(process.execPath, [SCRIPT], { encoding: 'utf8', cwd: ROOT });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /no import cycle/);
  });
});
