/**
 * writeFileAtomic interrupted: SIGINT / SIGTERM while a write is under way remove its temporary
 * file and exit 130 / 143 (the target is absent or whole, never partial); with another handler
 * of the signal installed (batch's graceful stop), the write finishes and nothing is removed;
 * the handlers exist only while a write is under way. The end-to-end kills of the command are
 * packages/cli/test/crash-safety.test.ts.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, watch } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { liveTempFiles, writeFileAtomic } from '../src/files.js';

const FILES = fileURLToPath(new URL('../dist/files.js', import.meta.url));
const TEMP = /^\..+\.[0-9a-f]{12}\.tmp$/;
const SIZE = 48 << 20; // large enough that the write is under way when the signal comes

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kms-wrap-signals-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** A child that writes `SIZE` bytes of 0x5a with writeFileAtomic (the built dist), killed with `signal` once its temporary file appears. */
function writeAndKill(signal: 'SIGINT' | 'SIGTERM', otherListener: boolean): Promise<{ code: number | null; signal: string | null; stdout: string }> {
  const script = `
    import { writeFileAtomic } from ${JSON.stringify(FILES)};
    ${otherListener ? `process.on(${JSON.stringify(signal)}, () => console.log('other handler ran'));` : ''}
    await writeFileAtomic(${JSON.stringify(join(dir, 'out.bin'))}, new Uint8Array(${SIZE}).fill(0x5a));
    console.log('written');
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const watcher = watch(dir, (_e, name) => {
      if (name && TEMP.test(name)) {
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

describe('writeFileAtomic and signals', () => {
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
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

  it('the handlers are installed only while a write is under way, and the registry empties', async () => {
    const before = ['SIGINT', 'SIGTERM', 'SIGHUP'].map((s) => process.listenerCount(s));
    const exitBefore = process.listenerCount('exit');
    const pending = writeFileAtomic(join(dir, 'a.bin'), new Uint8Array(8 << 20));
    // Registered (and the handlers installed) before the temporary file is created.
    for (let i = 0; i < 10_000 && liveTempFiles().length === 0; i++) await new Promise(setImmediate);
    expect(liveTempFiles()).toHaveLength(1);
    expect(existsSync(liveTempFiles()[0]!)).toBe(true);
    expect(TEMP.test(liveTempFiles()[0]!.split('/').pop()!)).toBe(true);
    expect(process.listenerCount('SIGINT')).toBe(before[0]! + 1);
    await pending;
    expect(liveTempFiles()).toEqual([]);
    expect(['SIGINT', 'SIGTERM', 'SIGHUP'].map((s) => process.listenerCount(s))).toEqual(before);
    expect(process.listenerCount('exit')).toBe(exitBefore);
    // A failed write unregisters too.
    await expect(writeFileAtomic(join(dir, 'a.bin'), new Uint8Array(1))).rejects.toThrow(/exists/);
    await expect(writeFileAtomic(join(dir, 'missing', 'b.bin'), new Uint8Array(1))).rejects.toThrow(/cannot write/);
    expect(liveTempFiles()).toEqual([]);
    expect(process.listenerCount('SIGINT')).toBe(before[0]);
    expect(existsSync(join(dir, 'a.bin'))).toBe(true);
  });
});
