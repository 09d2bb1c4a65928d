/**
 * A manifest is read at most MAX_MANIFEST_BYTES (+ one block): a device whose stat size is 0
 * (/dev/zero) never ends, and must be refused, not read forever. Each read that could run away
 * runs in a child process with a timeout, killed if it does.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, KmsWrapError } from '@kms-wrap/core';
import { readBatchManifest } from '../src/index.js';

const DIST = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const HAS_DEV_ZERO = existsSync('/dev/zero');

async function rejection(p: Promise<unknown>): Promise<KmsWrapError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(KmsWrapError);
  return e as KmsWrapError;
}

describe.skipIf(!HAS_DEV_ZERO)('a manifest that never ends (/dev/zero)', () => {
  it('readBatchManifest refuses it', async () => {
    const e = await rejection(readBatchManifest('/dev/zero'));
    expect(e.code).toBe(ERROR_CODES.FILE_UNREADABLE);
    expect(e.message).toMatch(/^the manifest \/dev\/zero is more than \d+ bytes — split it into smaller batches$/);
  }, 30_000);
});
