#!/usr/bin/env node
// Bundles the kms-wrap command after `tsc -b` (the package's build script), for a cold start that
// reads a few files instead of resolving ~80 modules, and compiles next to nothing:
// - dist/bundle/kms-wrap.js, the package's `bin` (scripts/bin.cjs): a few lines of CommonJS that
//   run the bundle of the command named on the command line;
// - dist/bundle/wrap/ and dist/bundle/batch/ (OWN_BUNDLE: one wrap's cold start is measured,
//   batch starts workers), dist/bundle/commands/ for every other command, and dist/bundle/main/
//   (help, --version, anything else): src/run.ts with those commands alone (the others left
//   out), so that a command loads only the modules and node builtins it uses. main.js holds what
//   runs every time (see eagerImports); what is imported only on occasion (@kms-wrap/keygen, to
//   convert a PEM, PKCS#1 or JWK key for `wrap`; in commands/, each command) is in chunk-*.js
//   files beside it, loaded when first imported; in commands/, what the commands share (core,
//   keygen, the plugins) is in chunks of their own, one copy for all (a bundle a command made the
//   package ~2.5× larger). esbuild splits them as ES modules, then each file is made a
//   CommonJS-style script in CommonJS's function wrapper (import() becomes a require() of the
//   file, or of the AWS SDK), which the bin compiles and runs without Node's ES module loader.
//   The version in them is the one package.json has when they are built (see versionAtBuild);
// - FILE.js.v8cache beside each: V8's code cache of what typical runs of the command compile
//   (scripts/code-cache.mjs makes them by running each bundle), which the bin hands to V8;
// - dist/bundle/batch/batch-worker.js, the worker thread wrapBatch starts next to the file that
//   holds its code (import.meta.url is the file's own URL), run by Node's own loader;
// - dist/bundle/package.json, {"type": "commonjs"}: these .js files are CommonJS, in a package
//   that is "type": "module".
// tsc's own output (dist/bin.js, dist/index.js: the library entry and what the tests run) is left
// as it is, so a `tsc -b` alone never leaves a stale mix behind.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, transform } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist', 'bundle');
const batchPackage = dirname(createRequire(join(root, 'package.json')).resolve('@kms-wrap/batch/package.json'));
const mainModule = join(root, 'src', 'main.ts');
const NO_COMMAND = 'main';
/** The commands with a bundle of their own: one wrap's cold start is measured (pnpm bench), batch starts workers. */
const OWN_BUNDLE = new Set(['wrap', 'batch']);
/** The bundle of the other commands. */
const SHARED = 'commands';
/** The bundle directory that runs command `name`. */
const bundleDir = (name) => (OWN_BUNDLE.has(name) ? name : SHARED);
// CommonJS's function wrapper, around each file the bin runs (it compiles the file as it is).
const WRAPPER = ['(function (exports, require, module, __filename, __dirname) { ', '\n});'];

/**
 * src/main.ts's `import('./commands/NAME.js')`, for the commands of bundle `dir` (none in main/);
 * the others are left out (external), never run: the bin runs the bundle of the command named.
 */
function onlyCommand(dir, seen) {
  return {
    name: 'only-command',
    setup(b) {
      b.onResolve({ filter: /^\.\/commands\/[\w-]+\.js$/ }, (args) => {
        if (args.importer !== mainModule) return undefined;
        const name = basename(args.path, '.js');
        seen?.add(name);
        return bundleDir(name) === dir ? undefined : { path: `../${bundleDir(name)}/main.js`, external: true };
      });
    },
  };
}

/**
 * src/version.ts with the version of package.json (the one changesets bumps) written in when the
 * bundle is built: what it would read at run time, without looking for the file at every start.
 */
function versionAtBuild() {
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  return {
    name: 'version-at-build',
    setup(b) {
      b.onLoad({ filter: /[\\/]src[\\/]version\.ts$/ }, (args) =>
        args.path === join(root, 'src', 'version.ts')
          ? { contents: `export const VERSION: string = ${JSON.stringify(version)};`, loader: 'ts' }
          : undefined,
      );
    },
  };
}

// Less to read and hash at start-up. Identifiers are kept: error class names are printed.
const minify = { minifyWhitespace: true, minifySyntax: true, charset: 'ascii', legalComments: 'none' };

/**
 * The command's own import()s made static, so that what it runs every time is in its main.js,
 * one file: the command itself, the algorithm plugins (standardWrapper loads every one),
 * `wrap --target`'s other targets (small). Left behind import(): the other commands (see
 * onlyCommand), the AWS SDK and @kms-wrap/pkcs11 (not bundled), and @kms-wrap/keygen where it is needed on occasion
 * only (to convert a key file), which makes it a chunk of its own (chunk-*.js, with a chunk of
 * what it shares with main.js).
 */
const KEYGEN_ON_OCCASION = new Set(['wrap', 'batch', 'import', 'inspect']);
const OUR_CODE = /[\\/]packages[\\/][^\\/]+[\\/](src|dist)[\\/].*\.(ts|js)$/;

function eagerImports(keep) {
  const lazy = (spec, importer) =>
    spec.startsWith('@aws-sdk/') ||
    spec === '@kms-wrap/pkcs11' ||
    (spec === '@kms-wrap/keygen' && (keep === undefined || KEYGEN_ON_OCCASION.has(keep))) ||
    (importer === mainModule && spec !== `./commands/${keep}.js`);
  return {
    name: 'eager-imports',
    setup(b) {
      b.onLoad({ filter: OUR_CODE }, (args) => {
        // The workspace's packages, by their real paths: never a dependency in node_modules.
        if (args.path.includes('node_modules')) return undefined;
        const text = readFileSync(args.path, 'utf8');
        const statics = [];
        const code = text.replace(/\bimport\((['"])([^'"]+)\1\)/g, (all, _q, spec) => {
          if (lazy(spec, args.path)) return all;
          statics.push(`import * as __eager${statics.length} from '${spec}';`);
          return `Promise.resolve(__eager${statics.length - 1})`;
        });
        return statics.length === 0
          ? undefined
          : { contents: `${statics.join('')}${code}`, loader: args.path.endsWith('.ts') ? 'ts' : 'js' };
      });
    },
  };
}

/**
 * Bundles src/run.ts with the commands of `dir` into dist/bundle/DIR/, as CommonJS-style scripts;
 * `name` is the one command of an own bundle (its imports are made eager), undefined otherwise.
 */
async function bundleCommand(dir, name, seen) {
  const result = await build({
    absWorkingDir: root,
    entryPoints: { main: 'src/run.ts' },
    outdir: join(outdir, dir),
    bundle: true,
    splitting: true,
    chunkNames: 'chunk-[name]-[hash]',
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // Optional, installed by the user when wanted: resolved at run time, never bundled (the
    // AWS SDK; @kms-wrap/pkcs11, whose pkcs11js is a native addon).
    external: ['@aws-sdk/*', '@kms-wrap/pkcs11'],
    plugins: [onlyCommand(dir, seen), versionAtBuild(), eagerImports(name)],
    write: false,
    logLevel: 'warning',
  });
  for (const { path, text } of result.outputFiles) {
    const { code } = await transform(text, {
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      // import('./chunk-NAME.js') and import('@aws-sdk/client-kms'): require() through the bin's loader.
      supported: { 'dynamic-import': false },
      // version.ts and batch-pool.ts find files next to the file holding their code.
      define: { 'import.meta.url': '__kmsWrapModuleUrl' },
      banner: `"use strict";${text.includes('import.meta') ? 'var __kmsWrapModuleUrl=require("node:url").pathToFileURL(__filename).href;' : ''}`,
      sourcefile: relative(outdir, path),
      logLevel: 'warning',
      ...minify,
    });
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, `${WRAPPER[0]}${code}${WRAPPER[1]}`);
  }
}

rmSync(outdir, { recursive: true, force: true });
const commands = new Set();
await bundleCommand(NO_COMMAND, undefined, commands);
if ([...OWN_BUNDLE].some((name) => !commands.has(name)) || commands.has(NO_COMMAND))
  throw new Error(`src/main.ts's commands were not found right (${[...commands].join(', ') || 'none'})`);
await Promise.all([
  ...[...OWN_BUNDLE].map((name) => bundleCommand(name, name)),
  bundleCommand(SHARED, undefined),
  // Started as a worker thread by Node's own loader, as CommonJS: one file.
  build({
    absWorkingDir: root,
    entryPoints: { 'batch-worker': join(batchPackage, 'dist/batch-worker.js') },
    outdir: join(outdir, 'batch'),
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    define: { 'import.meta.url': '__kmsWrapModuleUrl' },
    banner: { js: '"use strict";var __kmsWrapModuleUrl=require("node:url").pathToFileURL(__filename).href;' },
    logLevel: 'warning',
    ...minify,
  }),
]);
writeFileSync(join(outdir, 'package.json'), `${JSON.stringify({ type: 'commonjs' }, null, 2)}\n`);
const bin = readFileSync(join(root, 'scripts', 'bin.cjs'), 'utf8');
if (!bin.includes('/* COMMANDS */ {}')) throw new Error('scripts/bin.cjs has no /* COMMANDS */ {} to fill in');
const byCommand = Object.fromEntries([...commands].sort().map((name) => [name, bundleDir(name)]));
writeFileSync(join(outdir, 'kms-wrap.js'), bin.replace('/* COMMANDS */ {}', JSON.stringify(byCommand)), { mode: 0o755 });

// The code caches, made by a plain `node` (V8 refuses a cache made under other V8 flags). It
// also checks that every file is ASCII, as the bin reads them (latin1, one byte a character).
const { NODE_OPTIONS: _, ...env } = process.env;
execFileSync(process.execPath, [join(root, 'scripts', 'code-cache.mjs'), outdir, ...commands], {
  env,
  stdio: ['ignore', 'inherit', 'inherit'],
});
