#!/usr/bin/env node
// Bundles the kms-wrap command after `tsc -b` (the package's build script), so that a cold start
// reads a handful of files instead of resolving ~80 modules: dist/bundle/kms-wrap.js, the
// package's `bin`, with its commands split into lazily loaded chunks beside it, and
// dist/bundle/batch-worker.js, the worker thread wrapBatch starts next to the file that holds
// its code. tsc's own output (dist/bin.js, dist/index.js: the library entry and what the tests
// run) is left as it is, so a `tsc -b` alone never leaves a stale mix behind.
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist', 'bundle');
const nodePackage = dirname(createRequire(join(root, 'package.json')).resolve('@kms-wrap/node/package.json'));

rmSync(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: { 'kms-wrap': 'src/bin.ts', 'batch-worker': join(nodePackage, 'dist/batch-worker.js') },
  outdir,
  bundle: true,
  splitting: true,
  chunkNames: 'chunk-[name]-[hash]',
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Optional, installed by the user when wanted: resolved at run time, never bundled.
  external: ['@aws-sdk/*'],
  legalComments: 'none',
  logLevel: 'warning',
});
