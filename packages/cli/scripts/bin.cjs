#!/usr/bin/env node
'use strict';
// The kms-wrap bin (dist/bundle/kms-wrap.js), copied there by scripts/bundle.mjs with the command
// bundles filled in. CommonJS, and as small as it can be: it runs the main.js of the command's
// bundle (main/main.js for help, --version and anything else) and, when they are first required, the
// chunk-*.js files beside it, each compiled with the V8 code cache built beside it
// (FILE.js.v8cache), so that a cold start neither parses nor compiles the code it runs. A cache
// V8 refuses (another Node version, other V8 flags) is ignored: the file is compiled from its
// source, only slower.
const { readFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { dirname, join } = require('node:path');
const { fileURLToPath } = require('node:url');
const vm = require('node:vm');

/** For each command, the directory of its bundle: its own (wrap, batch), or the one of the others. */
const COMMANDS = /* COMMANDS */ {};
/** Every file run, by path: each runs once; `script` is what makes its code cache. */
const loaded = new Map();

/** The bundle that runs `kms-wrap NAME ...`. */
function bundleFile(name) {
  return join(__dirname, Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : 'main', 'main.js');
}

/** Runs a file of dist/bundle/ (once) as `require` would, and returns its exports. */
function load(file) {
  const done = loaded.get(file);
  if (done) return done.module.exports;
  let cachedData;
  try {
    cachedData = readFileSync(`${file}.v8cache`);
  } catch {
    // no cache: compiled from the source
  }
  // The file is CommonJS's function wrapper around the code (scripts/bundle.mjs), and ASCII
  // (checked when built): read as one-byte text, no UTF-8 decoding, and compiled as it is.
  const script = new vm.Script(readFileSync(file, 'latin1'), { filename: file, cachedData });
  const module = { exports: {}, filename: file, id: file, loaded: false };
  loaded.set(file, { module, script });
  const dir = dirname(file);
  const nodeRequire = createRequire(file);
  // './chunk-....js': another file of the bundle, run here; a file: URL (what import() took): its path.
  const requireHere = (id) => (id.startsWith('./') ? load(join(dir, id)) : nodeRequire(id.startsWith('file:') ? fileURLToPath(id) : id));
  try {
    script
      .runInThisContext()
      .call(module.exports, module.exports, Object.assign(requireHere, { resolve: nodeRequire.resolve }), module, file, dir);
  } catch (e) {
    loaded.delete(file);
    throw e;
  }
  module.loaded = true;
  return module.exports;
}

if (require.main === module) {
  load(bundleFile(process.argv[2])).runCommandLine();
} else {
  module.exports = { COMMANDS, bundleFile, load, loaded };
}
