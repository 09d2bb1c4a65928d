/**
 * The version of the installed @kms-wrap/cli: read from its package.json, the file changesets
 * bumps, never a copy in the source. What runs is dist/main.js (tsc) or src/ (tests), so the
 * manifest is looked for upward from this module; the bin's bundles (scripts/bundle.mjs) have
 * the version read from the same package.json written in when they are built.
 */
import { readFileSync } from 'node:fs';

function readVersion(): string {
  let dir = new URL('./', import.meta.url);
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === '@kms-wrap/cli' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // no readable package.json here: look further up
    }
    const parent = new URL('../', dir);
    if (parent.href === dir.href) return '0.0.0';
    dir = parent;
  }
}

export const VERSION: string = readVersion();
