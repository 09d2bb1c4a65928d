/** core performs no I/O and imports no runtime: no node:* module, no Node or DOM global, in any src file. */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');
const files = readdirSync(src, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));

/** The code without comments, so that a comment may say "document" or "node:crypto". */
const code = (file: string) =>
  readFileSync(join(src, file), 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|[^:'"`])\/\/.*$/gm, '$1');

const NODE_IMPORT = /\bfrom\s+['"](node:[^'"]+|fs|path|crypto|os|buffer|child_process|url|util)['"]|\bimport\(\s*['"]node:|\brequire\s*\(/;
// "fetch new ones" / "fetch new parameters" is the English of the import-parameter refusals, not the global.
const GLOBALS =
  /\b(Buffer|process|window|document|navigator|self|globalThis|TextEncoder|TextDecoder|atob|btoa|fetch(?! new )|localStorage|crypto\.subtle|setTimeout|__dirname)\b/;

describe('core src is runtime-neutral', () => {
  it('finds every src file', () => {
    expect(files).toEqual(expect.arrayContaining(['engine.ts', 'rules.ts', 'inspect-material.ts', 'encoding.ts', 'der.ts']));
  });

  for (const file of files) {
    it(`src/${file}`, () => {
      const c = code(file);
      expect(c.match(NODE_IMPORT)?.[0], 'a Node import').toBeUndefined();
      expect(c.match(GLOBALS)?.[0], 'a Node or DOM global').toBeUndefined();
    });
  }

  it('the checks catch what they are for', () => {
    expect(NODE_IMPORT.test("import { randomBytes } from 'node:crypto';")).toBe(true);
    expect(NODE_IMPORT.test("const m = await import('node:fs');")).toBe(true);
    expect(GLOBALS.test('const b = Buffer.from(x);')).toBe(true);
    expect(GLOBALS.test('crypto.subtle.digest')).toBe(true);
    expect(GLOBALS.test('window.crypto')).toBe(true);
    expect(GLOBALS.test("const r = await fetch('https://example.com');")).toBe(true);
    expect(GLOBALS.test('globalThis.fetch')).toBe(true);
    expect(GLOBALS.test('`— fetch new ones: ${refetch}`')).toBe(false);
    expect(code('encoding.ts')).not.toContain('No runtime imports');
  });

  it('tsconfig compiles src with no runtime types and no DOM lib', () => {
    const tsconfig = JSON.parse(readFileSync(join(root, 'tsconfig.json'), 'utf8')) as {
      compilerOptions: { types?: string[]; lib?: string[] };
    };
    expect(tsconfig.compilerOptions.types).toEqual([]);
    expect((tsconfig.compilerOptions.lib ?? []).some((l) => /dom/i.test(l))).toBe(false);
  });

  it('package.json depends on nothing: its DER reader is its own (asn1js is a devDependency, the reference of test/der-reader.test.ts)', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    expect(Object.keys(pkg.dependencies ?? {})).toEqual([]);
  });

  it('no src file imports asn1js', () => {
    for (const file of files) expect(code(file), file).not.toMatch(/from ['"]asn1js['"]/);
  });
});
