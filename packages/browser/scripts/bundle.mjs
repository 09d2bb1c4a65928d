#!/usr/bin/env node
/**
 * Builds, after `tsc -b`:
 *   dist/kms-wrap.browser.js  one self-contained ES module (src/index.ts and every installed
 *                             standard plugin and keygen, bundled; no bare imports left)
 *   dist/kms-wrap.html        the offline page: page/index.html with page/style.css and the
 *                             bundled page/page.ts inlined, and a CSP that forbids the network.
 *                             Key generation (@kms-wrap/keygen: pkijs, the curves) is a second,
 *                             inert script in the page, run only when the user asks to generate
 *                             (a file:// page cannot fetch a chunk, so it is inlined, not loaded)
 * and prints their sizes, gzipped, and what they are made of; and the size of the wrap path
 * alone (core, the two RSA plugins and the WebCrypto provider with KWP) against its budget,
 * failing (exit code 1) when it is over.
 */
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const SHARED = '__kmsWrapShared';
/** What an application that only wraps should pay, gzipped. */
const WRAP_PATH_BUDGET = 30 * 1024;
const KEYGEN_READY = '__kmsWrapKeygenReady';
const dist = join(root, 'dist');
const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));

/** Shared by both builds: browser platform, no Node polyfills, nothing left to resolve at run time. */
const common = {
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['es2022', 'chrome109', 'firefox115', 'safari16'],
  minify: true,
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
  absWorkingDir: root,
  // Conditions a browser bundler would use; our packages have only `default`.
  conditions: ['browser', 'module', 'import', 'default'],
};

const lib = await esbuild.build({
  ...common,
  entryPoints: [join(root, 'src/index.ts')],
  outfile: join(dist, 'kms-wrap.browser.js'),
  write: false,
});
const libJs = lib.outputFiles[0].text;
checkSelfContained('kms-wrap.browser.js', lib.metafile, libJs);
await writeFile(join(dist, 'kms-wrap.browser.js'), libJs);

// The keygen script: @kms-wrap/keygen and what only it uses (pkijs, asn1js, the curves). Core
// comes from the page (one copy: keygen reads the DER nodes core decodes, and throws core's
// KmsWrapError).
const shared = new Set();
const keygen = await esbuild.build({
  ...common,
  stdin: {
    contents: `import * as keygen from '@kms-wrap/keygen';\nglobalThis.${KEYGEN_READY}(keygen);\n`,
    resolveDir: root,
    sourcefile: 'keygen-script.js',
  },
  outfile: join(dist, 'keygen.js'),
  write: false,
  plugins: [fromPage(shared)],
});
const keygenJs = escapeForInlineScript(keygen.outputFiles[0].text);
checkSelfContained('kms-wrap.html keygen script', keygen.metafile, keygenJs);

const page = await esbuild.build({
  ...common,
  entryPoints: [join(root, 'page/page.ts')],
  outfile: join(dist, 'page.js'),
  write: false,
  plugins: [lazyKeygen([...shared].sort())],
  define: { __KMS_WRAP_VERSION__: JSON.stringify(pkg.version) },
});
const pageJs = escapeForInlineScript(page.outputFiles[0].text);
checkSelfContained('kms-wrap.html script', page.metafile, pageJs);
if (/\bpkijs\b/.test(Object.keys(page.metafile.inputs).join('\n')))
  throw new Error('the page script pulls in pkijs: keygen must stay in its own script');

// The wrap path alone, as an application that only wraps would bundle it.
const wrapPath = await esbuild.build({
  ...common,
  stdin: {
    contents: [
      "export { createWrapper } from '@kms-wrap/core';",
      "export { algorithms as rsaesOaep } from '@kms-wrap/rsaes-oaep';",
      "export { algorithms as rsaAesKeyWrap } from '@kms-wrap/rsa-aes-key-wrap';",
      "export { createWebCryptoProvider } from './src/webcrypto-provider.ts';",
    ].join('\n'),
    resolveDir: root,
    sourcefile: 'wrap-path.js',
  },
  outfile: join(dist, 'wrap-path.js'),
  write: false,
});

const css = (await esbuild.transform(await readFile(join(root, 'page/style.css'), 'utf8'), { loader: 'css', minify: true })).code.trim();
const template = await readFile(join(root, 'page/index.html'), 'utf8');

// The CSP allows exactly this script and this style (by hash) and nothing from anywhere:
// default-src 'none' covers connect, fetch, frames, fonts, media, workers, manifests.
const csp = [
  "default-src 'none'",
  `script-src '${sha256(pageJs)}' '${sha256(keygenJs)}'`,
  `style-src '${sha256(css)}'`,
  'img-src data:',
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

const fill = { CSP: csp, CSS: css, SCRIPT: pageJs, KEYGEN: keygenJs, VERSION: pkg.version };
// A function replacer: `$&` and friends in the minified scripts must stay as they are.
const html = template.replace(/\{\{(CSP|CSS|SCRIPT|KEYGEN|VERSION)\}\}/g, (_, name) => fill[name]);
if (/\{\{[A-Z]+\}\}/.test(html.replace(pageJs, '').replace(keygenJs, '')))
  throw new Error('page/index.html has a placeholder the build does not fill');
await writeFile(join(dist, 'kms-wrap.html'), html);

report('dist/kms-wrap.browser.js', libJs, lib.metafile);
report('dist/kms-wrap.html', html);
report('  its script, run on load', pageJs, page.metafile);
report('  its keygen script, run when the user generates', keygenJs, keygen.metafile);
const wrapJs = wrapPath.outputFiles[0].text;
report('the wrap path alone (core + RSA plugins + WebCrypto/KWP provider)', wrapJs, wrapPath.metafile);
const wrapGz = gzipSync(wrapJs, { level: 9 }).length;
console.log(
  `  wrap path budget: ${kb(WRAP_PATH_BUDGET)} gzipped — ${wrapGz <= WRAP_PATH_BUDGET ? 'within it' : `over by ${kb(wrapGz - WRAP_PATH_BUDGET)}`}`,
);
// The budget is a gate, not a figure: a build whose wrap path outgrew it fails.
if (wrapGz > WRAP_PATH_BUDGET) {
  console.error(`the wrap path is ${kb(wrapGz)} gzipped, over its budget of ${kb(WRAP_PATH_BUDGET)}: see what it contains above`);
  process.exitCode = 1;
}

// ---------------------------------------------------------------------------------------

/**
 * The keygen script's imports of core resolve to the page's copies, which the page hands over in
 * globalThis.__kmsWrapShared before it runs the script. Records what it takes.
 */
function fromPage(shared) {
  return {
    name: 'from-page',
    setup(build) {
      build.onResolve({ filter: /^@kms-wrap\/core(\/.*)?$/ }, (args) => {
        shared.add(args.path);
        return { path: args.path, namespace: 'from-page' };
      });
      build.onLoad({ filter: /.*/, namespace: 'from-page' }, (args) => ({
        contents: `module.exports = globalThis.${SHARED}[${JSON.stringify(args.path)}];`,
        loader: 'js',
      }));
    },
  };
}

/** The file `specifier` (core or one of its subpaths) is for this package. */
async function resolveShared(build, specifier) {
  const r = await build.resolve(specifier, { resolveDir: root, kind: 'import-statement' });
  if (r.errors.length > 0) throw new Error(`cannot resolve ${specifier}`);
  return r.path;
}

/**
 * In the page, `import('@kms-wrap/keygen')` (src/generate-key-material.ts) becomes: hand core
 * over, run the inert keygen script (allowed by its hash in the CSP), wait for it.
 */
function lazyKeygen(shared) {
  return {
    name: 'lazy-keygen',
    setup(build) {
      build.onResolve({ filter: /^@kms-wrap\/keygen$/ }, () => ({ path: 'lazy-keygen', namespace: 'lazy-keygen' }));
      build.onLoad({ filter: /.*/, namespace: 'lazy-keygen' }, async () => ({
        resolveDir: root,
        loader: 'js',
        contents: [
          ...(await Promise.all(shared.map((s) => resolveShared(build, s)))).map(
            (path, i) => `import * as shared${i} from ${JSON.stringify(path)};`,
          ),
          'let loading;',
          'function load() {',
          '  loading ??= new Promise((resolve, reject) => {',
          '    const source = document.getElementById("kms-wrap-keygen");',
          '    if (!source) throw new Error("the page lacks its keygen script");',
          `    globalThis.${SHARED} = { ${shared.map((s, i) => `${JSON.stringify(s)}: shared${i}`).join(', ')} };`,
          `    globalThis.${KEYGEN_READY} = resolve;`,
          '    document.addEventListener("securitypolicyviolation", (e) => reject(new Error(`the page\'s security policy blocked key generation (${e.violatedDirective})`)), { once: true });',
          '    const script = document.createElement("script");',
          '    script.type = "module";',
          '    script.textContent = source.textContent;',
          '    document.head.append(script);',
          '  });',
          '  return loading;',
          '}',
          'export function generateKeyMaterial(...args) {',
          '  return load().then((keygen) => keygen.generateKeyMaterial(...args));',
          '}',
        ].join('\n'),
      }));
    },
  };
}

function sha256(text) {
  return `sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}`;
}

/**
 * An inline <script> ends at the first `</script` and enters a different parsing state at
 * `<!--` (HTML §13.2.5.4). esbuild escapes `</script` in strings; make sure of both.
 */
function escapeForInlineScript(js) {
  const out = js.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
  if (/<\/script|<!--/i.test(out)) throw new Error('the page script cannot be inlined safely');
  return out;
}

/** No bare or node: import may survive: the bundle must load alone from any origin. */
function checkSelfContained(name, metafile, js) {
  for (const out of Object.values(metafile.outputs)) {
    const external = out.imports.filter((i) => i.external);
    if (external.length > 0) throw new Error(`${name} imports ${external.map((i) => i.path).join(', ')}: it must be self-contained`);
  }
  const inputs = Object.keys(metafile.inputs);
  const node = inputs.filter((p) => p.startsWith('node:') || /(^|\/)node_modules\/(buffer|process|crypto-browserify|util)\//.test(p));
  if (node.length > 0) throw new Error(`${name} pulls in Node modules or polyfills: ${node.join(', ')}`);
  if (/\bimport\s*\(\s*["'`][^./]/.test(js) || /\bfrom\s*["'][^./]/.test(js)) throw new Error(`${name} still has a bare import specifier`);
}

/** The package an input path belongs to ("pkijs", "@noble/curves", "@kms-wrap/core", "(this package)"). */
function packageOf(path) {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*node_modules\/)/.exec(path);
  if (m) return m[1];
  const ws = /^\.\.\/([^/]+)\/(?:dist|src)\//.exec(path);
  if (ws) return `@kms-wrap/${ws[1]}`;
  return '(this package)';
}

function kb(n) {
  return `${(n / 1024).toFixed(1)} kB`;
}

function report(name, text, metafile) {
  const bytes = Buffer.byteLength(text);
  const gz = gzipSync(text, { level: 9 }).length;
  console.log(`${name}: ${kb(bytes)} minified, ${kb(gz)} gzipped`);
  if (!metafile) return;
  const byPackage = new Map();
  for (const out of Object.values(metafile.outputs)) {
    for (const [path, { bytesInOutput }] of Object.entries(out.inputs)) {
      const p = packageOf(relative(root, join(root, path)));
      byPackage.set(p, (byPackage.get(p) ?? 0) + bytesInOutput);
    }
  }
  const parts = [...byPackage].sort((a, b) => b[1] - a[1]).map(([p, n]) => `${p} ${kb(n)}`);
  const pkijs = byPackage.get('pkijs');
  console.log(`  contains (minified bytes): ${parts.join(', ')}`);
  console.log(`  pkijs: ${pkijs ? `included, ${kb(pkijs)} minified` : 'not included'}`);
}
