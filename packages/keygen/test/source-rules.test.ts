/**
 * Rules of the package's source (DESIGN.md, STYLE.md): no runtime imports (it runs in Node and
 * browsers), index.ts only re-exports, kebab-case file names, ASN.1 modules beside the code.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '..', 'src');
const files = readdirSync(SRC).filter((f) => f.endsWith('.ts'));
const source = (f: string): string => readFileSync(join(SRC, f), 'utf8');

describe('source rules', () => {
  it.each(files)('%s imports no node:* module and uses no Node or DOM global', (f) => {
    const text = source(f).replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
    expect(text).not.toMatch(/from ['"]node:|require\(|import\(['"]node:/);
    expect(text).not.toMatch(/\b(Buffer|process|window|document|atob|btoa|TextEncoder|TextDecoder|globalThis|self)\b/);
    expect(text).not.toMatch(/\bMath\.random\b/);
  });

  it('every file is named in kebab-case', () => {
    for (const f of files) expect(f).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*\.ts$/);
  });

  it('index.ts only re-exports', () => {
    for (const line of source('index.ts')
      .split('\n')
      .filter((l) => l.trim() !== '')) {
      expect(line).toMatch(/^export (type )?\{[^}]+\} from '\.\/[a-z0-9-]+\.js';$/);
    }
  });

  it.each([
    ['private-key-info.ts', /PrivateKeyInfo ::= SEQUENCE/],
    ['rsa-private-key.ts', /RSAPrivateKey ::= SEQUENCE/],
    ['ec-private-key.ts', /ECPrivateKey ::= SEQUENCE/],
    ['foreign-der.ts', /EncryptedPrivateKeyInfo ::= SEQUENCE/],
  ])('%s carries its ASN.1 module text', (f, module) => {
    expect(source(f)).toMatch(module);
  });
});
