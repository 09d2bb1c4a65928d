/**
 * @kms-wrap/aws runs wherever core does: its source names nothing that only Node has (Buffer,
 * process, require, node: modules). What a runtime must give it is injected (the wrapper, the
 * inflate) or a universal global (DecompressionStream, TextDecoder).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '../src');
const NODE_ONLY = /\b(Buffer|process|require|__dirname|__filename|createRequire|setImmediate)\b|['"]node:|\bNodeJS\./;

/** The code without its comments (which may name node:zlib as the thing to inject). */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

describe('runtime-neutral source', () => {
  const files = readdirSync(SRC).filter((f) => f.endsWith('.ts'));

  it('the check catches what it is for', () => {
    expect(NODE_ONLY.test(code("import { inflateRawSync } from 'node:zlib';"))).toBe(true);
    expect(NODE_ONLY.test(code('const b = Buffer.from(x, "base64");'))).toBe(true);
    expect(NODE_ONLY.test(code('// node:zlib inflateRawSync, injected'))).toBe(false);
  });

  it.each(files)('%s names nothing Node-only', (f) => {
    const lines = code(readFileSync(join(SRC, f), 'utf8')).split('\n');
    const bad = lines.map((l, i) => [i + 1, l] as const).filter(([, l]) => NODE_ONLY.test(l));
    expect(bad.map(([n, l]) => `${f}:${n}: ${l.trim()}`)).toEqual([]);
  });

  it('the package depends on core alone', () => {
    const pkg = JSON.parse(readFileSync(join(SRC, '../package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(Object.keys(pkg.dependencies)).toEqual(['@kms-wrap/core']);
  });
});
