/** The package is runtime-free: it bundles for the browser with no node:* import and no side effects. */
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const entry = fileURLToPath(new URL('../src/index.ts', import.meta.url));

describe('browser bundle', () => {
  it('bundles src/index.ts for platform=browser without touching node:*', async () => {
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      logLevel: 'silent',
      metafile: true,
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((i) => i.startsWith('node:'))).toBe(false);
    expect(result.outputFiles[0]!.text).not.toMatch(/\bfrom\s*["']node:/);
  });

  it('tree-shakes to nothing when nothing is imported (no registration on import)', async () => {
    const result = await build({
      stdin: { contents: `import ${JSON.stringify(entry)};`, resolveDir: process.cwd() },
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      logLevel: 'silent',
      minify: true,
    });
    expect(result.outputFiles[0]!.text.trim()).toBe('');
  });
});
