#!/usr/bin/env node
// node tools/check-cycles.mjs [DIR...]   (run first by `pnpm lint`)
//
// Import cycles between the repository's own modules: every relative import of the sources
// (packages/*/src and tools/, or the folders named) — `import … from './x.js'`,
// `export … from './x.js'`, `import './x.js'` and `import('./x.js')` — with `.js` taken for the
// `.ts` beside it, as tsc resolves it. Type-only imports (`import type`, `export type`) are left
// out: tsc erases them, so they load nothing. Every cycle is reported with its files (each
// strongly connected group of modules, and one loop through it), and the exit code is 1 if
// there is any. No dependency: a cycle is found by reading the files, not by running them.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SOURCE = /\.(?:ts|mts|cts|mjs|cjs|js)$/;
const SKIP = new Set(['node_modules', 'dist', 'test-output', 'test-results', '.nx', '.git']);

/** The folders checked by default: each package's src, and tools. */
export function defaultDirs(root = ROOT) {
  const packages = join(root, 'packages');
  const dirs = existsSync(packages)
    ? readdirSync(packages, { withFileTypes: true })
        .filter((e) => e.isDirectory() && existsSync(join(packages, e.name, 'src')))
        .map((e) => join(packages, e.name, 'src'))
    : [];
  return [...dirs, join(root, 'tools')];
}

/** The source files under `dir`, recursively (not node_modules, dist, test output; not .d.ts). */
export function sourceFiles(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (SKIP.has(e.name)) continue;
    const path = join(dir, e.name);
    if (e.isDirectory()) out.push(...sourceFiles(path));
    else if (e.isFile() && SOURCE.test(e.name) && !/\.d\.[cm]?ts$/.test(e.name)) out.push(path);
  }
  return out;
}

// A static import or re-export, possibly over several lines: `import {\n a,\n b\n} from './x.js'`.
// Anchored at a line's start, so that an example in a doc comment (` * import …`) is not one.
const STATIC = /^[ \t]*(import|export)\s+(type\s+)?([^;'"]*?)\s*from\s*['"]([^'"\n]+)['"]/gm;
const BARE = /^[ \t]*import\s*['"]([^'"\n]+)['"]/gm;
const DYNAMIC = /\bimport\(\s*['"]([^'"\n]+)['"]\s*\)/g;

/** The relative specifiers a module's text imports at run time. */
export function importsOf(text) {
  const specs = [];
  for (const m of text.matchAll(STATIC)) {
    // `import type { A } from`, `export type { A } from`: erased by tsc.
    if (m[2] !== undefined) continue;
    specs.push(m[4]);
  }
  for (const m of text.matchAll(BARE)) specs.push(m[1]);
  for (const m of text.matchAll(DYNAMIC)) specs.push(m[1]);
  return specs.filter((s) => s.startsWith('./') || s.startsWith('../'));
}

/** The file a relative specifier names: as written, or the .ts that tsc compiles to that .js. */
export function resolveImport(from, spec, known) {
  const base = resolve(dirname(from), spec);
  const candidates = [
    base,
    base.replace(/\.js$/, '.ts'),
    base.replace(/\.mjs$/, '.mts'),
    base.replace(/\.cjs$/, '.cts'),
    `${base}.ts`,
    join(base, 'index.ts'),
  ];
  return candidates.find((c) => known.has(c));
}

/** The import graph of `files`: file → the files it imports. */
export function importGraph(files) {
  const known = new Set(files);
  const graph = new Map();
  for (const file of files) {
    const to = new Set();
    for (const spec of importsOf(readFileSync(file, 'utf8'))) {
      const target = resolveImport(file, spec, known);
      if (target !== undefined) to.add(target);
    }
    graph.set(file, [...to].sort());
  }
  return graph;
}

/**
 * Every cycle: each group of modules that import one another round (a strongly connected
 * component of two or more, or a module that imports itself), with one loop through it.
 */
export function findCycles(graph) {
  // Tarjan's algorithm, iterative (no recursion limit on a deep graph).
  let index = 0;
  const indexOf = new Map();
  const low = new Map();
  const onStack = new Set();
  const stack = [];
  const groups = [];
  for (const start of [...graph.keys()].sort()) {
    if (indexOf.has(start)) continue;
    const work = [{ node: start, next: 0 }];
    indexOf.set(start, index);
    low.set(start, index++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const frame = work[work.length - 1];
      const edges = graph.get(frame.node) ?? [];
      if (frame.next < edges.length) {
        const to = edges[frame.next++];
        if (!indexOf.has(to)) {
          indexOf.set(to, index);
          low.set(to, index++);
          stack.push(to);
          onStack.add(to);
          work.push({ node: to, next: 0 });
        } else if (onStack.has(to)) {
          low.set(frame.node, Math.min(low.get(frame.node), indexOf.get(to)));
        }
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1].node;
        low.set(parent, Math.min(low.get(parent), low.get(frame.node)));
      }
      if (low.get(frame.node) === indexOf.get(frame.node)) {
        const group = [];
        let n;
        do {
          n = stack.pop();
          onStack.delete(n);
          group.push(n);
        } while (n !== frame.node);
        const selfLoop = group.length === 1 && (graph.get(n) ?? []).includes(n);
        if (group.length > 1 || selfLoop) groups.push(group.sort());
      }
    }
  }
  return groups.map((files) => ({ files, loop: loopThrough(graph, files) })).sort((a, b) => (a.files[0] < b.files[0] ? -1 : 1));
}

/** One loop through a group: from its first file, the shortest way back to it (breadth first). */
function loopThrough(graph, files) {
  const inGroup = new Set(files);
  const start = files[0];
  const previous = new Map();
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift();
    for (const to of graph.get(node) ?? []) {
      if (!inGroup.has(to)) continue;
      if (to === start) {
        const path = [start];
        for (let n = node; n !== start; n = previous.get(n)) path.splice(1, 0, n);
        return [...path, start];
      }
      if (!previous.has(to)) {
        previous.set(to, node);
        queue.push(to);
      }
    }
  }
  return [start, start];
}

/** Checks `dirs`; prints what it found; returns the exit code. */
export function main(dirs, out = process.stdout, root = process.cwd()) {
  const files = dirs.flatMap((d) => (statSync(d).isDirectory() ? sourceFiles(resolve(d)) : [resolve(d)]));
  const graph = importGraph(files);
  const cycles = findCycles(graph);
  const edges = [...graph.values()].reduce((n, to) => n + to.length, 0);
  const name = (f) => relative(root, f) || f;
  if (cycles.length === 0) {
    out.write(`check-cycles: ${files.length} modules, ${edges} relative imports, no import cycle\n`);
    return 0;
  }
  out.write(
    `check-cycles: ${cycles.length} import cycle${cycles.length === 1 ? '' : 's'} in ${files.length} modules — a module must not import, through others, a module that imports it:\n`,
  );
  for (const c of cycles) {
    out.write(`  ${c.loop.map(name).join(' → ')}\n`);
    if (c.files.length > c.loop.length - 1) out.write(`    (the whole group: ${c.files.map(name).join(', ')})\n`);
  }
  return 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const dirs = process.argv.slice(2);
  process.exitCode = main(dirs.length > 0 ? dirs : defaultDirs(), process.stdout, dirs.length > 0 ? process.cwd() : ROOT);
}
