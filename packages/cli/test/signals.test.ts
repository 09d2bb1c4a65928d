/**
 * The command's signal handling (src/signals.ts) around @kms-wrap/node's writeFileAtomic:
 * SIGINT / SIGTERM while a write is under way remove its temporary file and exit 130 / 143 (the
 * target is absent or whole, never partial); with another handler of the signal installed
 * (batch's graceful stop), the write finishes and nothing is removed; the handlers exist only
 * while a write is under way, and at any other moment the signal's default action stops the
 * process. The library's own part (the registry, removePendingTempFiles) is tested in
 * packages/node/test/files-cleanup.test.ts; the end-to-end kills of the command are
 * crash-safety.test.ts.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, watch } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { pendingTempFiles, writeFileAtomic } from '@kms-wrap/node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { removeTempFilesOnSignals } from '../src/signals.js';

const SIGNALS_JS = pathToFileURL(fileURLToPath(new URL('../dist/signals.js', import.meta.url))).href;
const NODE_JS = pathToFileURL(createRequire(import.meta.url).resolve('@kms-wrap/node')).href;
const TEMP = /^\..+\.[0-9a-f]{12}\.tmp$/;
const SIZE = 48 << 20; // large enough that the write is under way when the signal comes

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kms-wrap-signals-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

interface Outcome {
  readonly code: number | null;
  readonly signal: string | null;
  readonly stdout: string;
}

/** Runs `script` (an ES module) with the command's signal handling on; kills it with `signal` once `ready` holds for its output or a temporary file appears. */
function runAndKill(signal: 'SIGINT' | 'SIGTERM', body: string, when: 'on-temp' | 'on-ready'): Promise<Outcome> {
  const script = `
    import { removeTempFilesOnSignals } from ${JSON.stringify(SIGNALS_JS)};
    import { writeFileAtomic } from ${JSON.stringify(NODE_JS)};
    removeTempFilesOnSignals();
    ${body}
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (when === 'on-ready' && stdout.includes('ready')) child.kill(signal);
    });
    const watcher = watch(dir, (_e, name) => {
      if (when === 'on-temp' && name && TEMP.test(name)) {
        watcher.close();
        child.kill(signal);
      }
    });
    child.on('error', reject);
    child.on('close', (code, sig) => {
      watcher.close();
      resolve({ code, signal: sig, stdout });
    });
  });
}

/** Writes `SIZE` bytes of 0x5a with writeFileAtomic; `otherListener` installs a handler of `signal` first, as batch does. */
function writeAndKill(signal: 'SIGINT' | 'SIGTERM', otherListener: boolean): Promise<Outcome> {
  const body = `
    ${otherListener ? `process.on(${JSON.stringify(signal)}, () => console.log('other handler ran'));` : ''}
    await writeFileAtomic(${JSON.stringify(join(dir, 'out.bin'))}, new Uint8Array(${SIZE}).fill(0x5a));
    console.log('written');
  `;
  return runAndKill(signal, body, 'on-temp');
}

describe("the command's signals while writeFileAtomic writes", () => {
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    it(`${signal} during the write: the temporary file is removed, exit ${code}, no partial output`, async () => {
      const r = await writeAndKill(signal, false);
      expect(r.code).toBe(code);
      expect(r.stdout).not.toContain('written');
      expect(readdirSync(dir)).toEqual([]);
    });
  }

  it('with another handler of the signal installed, that handler decides: the write completes whole', async () => {
    const r = await writeAndKill('SIGINT', true);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('other handler ran');
    expect(r.stdout).toContain('written');
    expect(readdirSync(dir)).toEqual(['out.bin']);
    const bytes = readFileSync(join(dir, 'out.bin'));
    expect(bytes.length).toBe(SIZE);
    expect(bytes.every((b) => b === 0x5a)).toBe(true);
  });

  it("with no write under way, the signal's default action stops the process (no handler of ours)", async () => {
    // A write done first: the handlers came and went.
    const body = `
      await writeFileAtomic(${JSON.stringify(join(dir, 'done.bin'))}, new Uint8Array(16));
      console.log('ready');
      setTimeout(() => console.log('not stopped'), 30_000);
    `;
    const r = await runAndKill('SIGTERM', body, 'on-ready');
    expect(r.signal).toBe('SIGTERM');
    expect(r.code).toBeNull();
    expect(r.stdout).not.toContain('not stopped');
    expect(readdirSync(dir)).toEqual(['done.bin']);
  });

  it('the handlers are installed only while a write is under way', async () => {
    const stop = removeTempFilesOnSignals();
    try {
      const before = ['SIGINT', 'SIGTERM', 'SIGHUP'].map((s) => process.listenerCount(s));
      const exitBefore = process.listenerCount('exit');
      const pending = writeFileAtomic(join(dir, 'a.bin'), new Uint8Array(8 << 20));
      // Installed before the temporary file is created.
      for (let i = 0; i < 10_000 && pendingTempFiles().length === 0; i++) await new Promise(setImmediate);
      expect(pendingTempFiles()).toHaveLength(1);
      expect(['SIGINT', 'SIGTERM', 'SIGHUP'].map((s) => process.listenerCount(s))).toEqual(before.map((n) => n + 1));
      expect(process.listenerCount('exit')).toBe(exitBefore + 1);
      await pending;
      expect(['SIGINT', 'SIGTERM', 'SIGHUP'].map((s) => process.listenerCount(s))).toEqual(before);
      expect(process.listenerCount('exit')).toBe(exitBefore);
      // A failed write removes them too.
      await expect(writeFileAtomic(join(dir, 'missing', 'b.bin'), new Uint8Array(1))).rejects.toThrow(/cannot write/);
      expect(process.listenerCount('SIGINT')).toBe(before[0]);
      expect(existsSync(join(dir, 'a.bin'))).toBe(true);
    } finally {
      stop();
    }
  });
});
