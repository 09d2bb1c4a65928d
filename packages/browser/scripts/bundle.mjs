#!/usr/bin/env node
/**
 * Builds, after `tsc -b`:
 *   dist/kms-wrap.browser.js  one self-contained ES module (src/index.ts and every installed
 *                             standard plugin and keygen, bundled; no bare imports left)
 *   dist/kms-wrap.html        the offline page: page/index.html with page/style.css and the
 *                             bundled page/page.ts inlined, and a CSP that forbids the network
 * and prints their sizes, gzipped, and what the bundle is made of.
 */
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
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

const page = await esbuild.build({
  ...common,
  entryPoints: [join(root, 'page/page.ts')],
  outfile: join(dist, 'page.js'),
  write: false,
});
const pageJs = escapeForInlineScript(page.outputFiles[0].text);
checkSelfContained('kms-wrap.html script', page.metafile, pageJs);

const css = (await esbuild.transform(await readFile(join(root, 'page/style.css'), 'utf8'), { loader: 'css', minify: true })).code.trim();
const template = await readFile(join(root, 'page/index.html'), 'utf8');

// The CSP allows exactly this script and this style (by hash) and nothing from anywhere:
// default-src 'none' covers connect, fetch, frames, fonts, media, workers, manifests.
const csp = [
  "default-src 'none'",
  `script-src '${sha256(pageJs)}'`,
  `style-src '${sha256(css)}'`,
  'img-src data:',
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

const fill = { CSP: csp, CSS: css, SCRIPT: pageJs, VERSION: pkg.version };
// A function replacer: `$&` and friends in the minified script must stay as they are.
const html = template.replace(/\{\{(CSP|CSS|SCRIPT|VERSION)\}\}/g, (_, name) => fill[name]);
if (/\{\{[A-Z]+\}\}/.test(html.replace(pageJs, ''))) throw new Error('page/index.html has a placeholder the build does not fill');
await writeFile(join(dist, 'kms-wrap.html'), html);

report('dist/kms-wrap.browser.js', libJs, lib.metafile);
report('dist/kms-wrap.html', html, page.metafile);

// ---------------------------------------------------------------------------------------

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
  const byPackage = new Map();
  for (const out of Object.values(metafile.outputs)) {
    for (const [path, { bytesInOutput }] of Object.entries(out.inputs)) {
      const p = packageOf(relative(root, join(root, path)));
      byPackage.set(p, (byPackage.get(p) ?? 0) + bytesInOutput);
    }
  }
  const parts = [...byPackage].sort((a, b) => b[1] - a[1]).map(([p, n]) => `${p} ${kb(n)}`);
  const pkijs = byPackage.get('pkijs');
  console.log(`${name}: ${kb(bytes)} minified, ${kb(gz)} gzipped`);
  console.log(`  contains (minified bytes): ${parts.join(', ')}`);
  console.log(`  pkijs: ${pkijs ? `included, ${kb(pkijs)} minified` : 'not included'}`);
}
