/**
 * A manifest is read at most MAX_MANIFEST_BYTES (+ one block): a device whose stat size is 0
 * (/dev/zero) never ends, and must be refused, not read forever. Each read that could run away
 * runs in a child process with a timeout, killed if it does.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES, KmsWrapError } from '@kms-wrap/core';
import { readBatchManifest } from '../src/index.js';

const DIST = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const HAS_DEV_ZERO = existsSync('/dev/zero');

const MORE_THAN = (path: string) =>
  new RegExp(`^the manifest ${path.replace(/[/.]/g, '\\$&')} is more than ${256 << 20} bytes — split it into smaller batches$`);

let dir: string;
const writers: ChildProcess[] = [];
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kms-wrap-batch-bounded-'));
});
afterEach(() => {
  for (const w of writers.splice(0)) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * streamBatchManifest(path), then every line of it, in a child process killed after `ms`:
 * resolves to what it printed ({ code, message } of the refusal, or the lines counted).
 */
function streamInChild(path: string, ms: number): Promise<{ code?: string; message?: string; count?: number }> {
  const script = `import { streamBatchManifest } from ${JSON.stringify(DIST)};
    try {
      const m = await streamBatchManifest(${JSON.stringify(path)});
      let n = 0;
      for await (const _ of m.lines()) n++;
      console.log(JSON.stringify({ count: n }));
    } catch (e) {
      console.log(JSON.stringify({ code: e.code, message: e.message }));
    }`;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--input-type=module', '-e', script],
      { timeout: ms, killSignal: 'SIGKILL', encoding: 'utf8' },
      (error, stdout) => {
        if (error) reject(new Error(`the read did not stop within ${ms / 1000} s (or failed): ${error.message}`));
        else resolve(JSON.parse(stdout) as { code?: string; message?: string; count?: number });
      },
    );
  });
}

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

  it('streamBatchManifest refuses it too, at the same bound, instead of reading one endless line forever', async () => {
    const started = Date.now();
    const r = await streamInChild('/dev/zero', 20_000);
    expect(r.code).toBe(ERROR_CODES.FILE_UNREADABLE);
    expect(r.message).toMatch(MORE_THAN('/dev/zero'));
    expect(Date.now() - started).toBeLessThan(20_000);
  }, 30_000);
});

describe('a FIFO fed manifest lines without end', () => {
  it('streamBatchManifest refuses it past the bound (the writer is killed after the test)', async () => {
    const fifo = join(dir, 'endless.jsonl');
    execFileSync('mkfifo', [fifo]);
    // Well-formed short lines, as fast as the pipe takes them, until killed.
    const line = `${JSON.stringify({ material: 'm.der', publicKey: 'k.bin', algorithm: 'RSAES_OAEP_SHA_256', output: 'o.bin' })}\n`;
    const w = spawn(
      process.execPath,
      [
        '-e',
        'const fs = require("fs"); const b = Buffer.from(process.argv[2].repeat(4096)); const fd = fs.openSync(process.argv[1], "w"); try { for (;;) fs.writeSync(fd, b) } catch {}',
        fifo,
        line,
      ],
      { stdio: 'ignore' },
    );
    writers.push(w);
    const r = await streamInChild(fifo, 60_000);
    expect(r.code).toBe(ERROR_CODES.FILE_UNREADABLE);
    expect(r.message).toMatch(MORE_THAN(fifo));
  }, 90_000);
});
