/**
 * writeFileAtomic's temporary files, for a program that stops on a signal: each is registered
 * from before it exists until it is gone (pendingTempFiles), onPendingTempFiles says when writes
 * start and end, and removePendingTempFiles() removes them — the write under way then fails
 * instead of putting a partial output in place. The library itself installs no process
 * listener and never exits: the kms-wrap command handles the signals (packages/cli/src/signals.ts,
 * packages/cli/test/signals.test.ts).
 */
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ERROR_CODES, isKmsWrapError } from '@kms-wrap/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { onPendingTempFiles, pendingTempFiles, removePendingTempFiles, writeFileAtomic } from '../src/index.js';

const TEMP = /^\..+\.[0-9a-f]{12}\.tmp$/;
const EVENTS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'exit'] as const;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kms-wrap-cleanup-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** Waits until a write has registered its temporary file. */
async function untilPending(): Promise<string> {
  for (let i = 0; i < 10_000 && pendingTempFiles().length === 0; i++) await new Promise(setImmediate);
  expect(pendingTempFiles()).toHaveLength(1);
  return pendingTempFiles()[0]!;
}

describe('writeFileAtomic: the temporary files under way', () => {
  it('are registered before they exist, told to listeners, and unregistered when the write ends; no process listener is installed', async () => {
    const before = EVENTS.map((e) => process.listenerCount(e));
    const told: boolean[] = [];
    const stop = onPendingTempFiles((pending) => {
      // Told before the temporary file is created: a signal handler installed now always finds it.
      if (pending) expect(readdirSync(dir).filter((n) => TEMP.test(n))).toEqual([]);
      told.push(pending);
    });
    try {
      const pending = writeFileAtomic(join(dir, 'a.bin'), new Uint8Array(8 << 20).fill(7));
      const tmp = await untilPending();
      expect(TEMP.test(tmp.split('/').pop()!)).toBe(true);
      expect(existsSync(tmp)).toBe(true);
      expect(EVENTS.map((e) => process.listenerCount(e))).toEqual(before);
      await pending;
      expect(pendingTempFiles()).toEqual([]);
      expect(told).toEqual([true, false]);
      // A failed write unregisters too.
      await expect(writeFileAtomic(join(dir, 'a.bin'), new Uint8Array(1))).rejects.toThrow(/exists/);
      await expect(writeFileAtomic(join(dir, 'missing', 'b.bin'), new Uint8Array(1))).rejects.toThrow(/cannot write/);
      expect(pendingTempFiles()).toEqual([]);
      expect(told).toEqual([true, false, true, false]);
    } finally {
      stop();
    }
    await writeFileAtomic(join(dir, 'c.bin'), new Uint8Array(1));
    expect(told).toHaveLength(4); // stopped: not told any more
    expect(readdirSync(dir).sort()).toEqual(['a.bin', 'c.bin']);
  });

  for (const force of [false, true]) {
    it(`removePendingTempFiles() under a write${force ? ' with force' : ''}: the temporary file is gone, the write fails, the output is ${force ? 'the old file' : 'absent'}`, async () => {
      const out = join(dir, 'out.bin');
      if (force) await writeFile(out, 'old');
      const pending = writeFileAtomic(out, new Uint8Array(32 << 20).fill(0x5a), { force });
      const tmp = await untilPending();
      removePendingTempFiles();
      expect(existsSync(tmp)).toBe(false);
      const e = await pending.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isKmsWrapError(e) && e.code).toBe(ERROR_CODES.FILE_UNWRITABLE);
      expect(pendingTempFiles()).toEqual([]);
      expect(readdirSync(dir)).toEqual(force ? ['out.bin'] : []);
      if (force) expect((await import('node:fs')).readFileSync(out, 'utf8')).toBe('old');
    });
  }

  it('removePendingTempFiles() with no write under way does nothing', async () => {
    await writeFileAtomic(join(dir, 'kept.bin'), new Uint8Array(4));
    removePendingTempFiles();
    expect(readdirSync(dir)).toEqual(['kept.bin']);
  });
});
