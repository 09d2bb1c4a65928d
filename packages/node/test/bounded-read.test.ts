/**
 * Input files are read at most MAX_INPUT_BYTES + 1 bytes from one open file descriptor: stat's
 * size is 0 for devices and pipes, and a file can grow between stat and read. Each test that
 * could run away without the bound has a timeout, and every writer it starts is killed.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
  appendFileSync,
  closeSync,
  existsSync,
  fstatSync,
  mkdtempSync,
  openSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES, KmsWrapError } from '@kms-wrap/core';
import { MAX_INPUT_BYTES, readInputFile } from '../src/index.js';
import { readFdBounded, readFdBoundedSync, readInputFileSync } from '../src/files.js';

const DIST = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const HAS_DEV_ZERO = existsSync('/dev/zero');

let dir: string;
const writers: ChildProcess[] = [];
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kms-wrap-bounded-'));
});
afterEach(() => {
  for (const w of writers.splice(0)) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function fifo(): string {
  const p = join(dir, `fifo-${n++}`);
  execFileSync('mkfifo', [p]);
  return p;
}

/** A separate process that writes `bytes` bytes of 0x07 to `path` (a FIFO), then exits; killed after each test. */
function writer(path: string, bytes: number): ChildProcess {
  const w = spawn(
    process.execPath,
    ['-e', 'try { require("fs").writeFileSync(process.argv[1], Buffer.alloc(Number(process.argv[2]), 7)) } catch {}', path, String(bytes)],
    {
      stdio: 'ignore',
    },
  );
  writers.push(w);
  return w;
}

/** A separate process that appends 64 KiB blocks to `path` as fast as it can, until killed. */
function appender(path: string): ChildProcess {
  const w = spawn(
    process.execPath,
    [
      '-e',
      'const fs = require("fs"); const b = Buffer.alloc(1 << 16, 9); const fd = fs.openSync(process.argv[1], "a"); for (;;) fs.writeSync(fd, b)',
      path,
    ],
    {
      stdio: 'ignore',
    },
  );
  writers.push(w);
  return w;
}

async function rejection(p: Promise<unknown>): Promise<KmsWrapError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(KmsWrapError);
  return e as KmsWrapError;
}

function thrown(f: () => unknown): KmsWrapError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(KmsWrapError);
    return e as KmsWrapError;
  }
  throw new Error('did not throw');
}

/** Byte-for-byte equal (toEqual walks a large typed array slowly). */
const same = (a: Uint8Array | undefined, b: Uint8Array) => a !== undefined && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);

const TOO_LARGE = /^the key material file \S+ is (more than )?\d+ bytes, far larger than any key — check the path$/;

describe.skipIf(!HAS_DEV_ZERO)('a device whose stat size is 0 (/dev/zero)', () => {
  it('readInputFile stops with the too-large error promptly (in a child process, killed if it runs away)', async () => {
    const script = `import { readInputFile } from ${JSON.stringify(DIST)};
      readInputFile('/dev/zero', 'the key material').then(
        (b) => { console.log(JSON.stringify({ read: b.length })); },
        (e) => { console.log(JSON.stringify({ code: e.code, message: e.message })); },
      );`;
    const started = Date.now();
    const out = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        ['--input-type=module', '-e', script],
        { timeout: 10_000, killSignal: 'SIGKILL', encoding: 'utf8' },
        (error, stdout) => {
          if (error) reject(new Error(`the read did not stop within 10 s (or failed): ${error.message}`));
          else resolve(stdout);
        },
      );
    });
    const r = JSON.parse(out) as { code?: string; message?: string };
    expect(r.code).toBe(ERROR_CODES.FILE_UNREADABLE);
    expect(r.message).toMatch(/^the key material file \/dev\/zero is more than 1048576 bytes, far larger than any key — check the path$/);
    expect(Date.now() - started).toBeLessThan(10_000);
  }, 20_000);

  it('readInputFile (in process) refuses it too', async () => {
    const e = await rejection(readInputFile('/dev/zero', 'the key material'));
    expect(e.code).toBe(ERROR_CODES.FILE_UNREADABLE);
    expect(e.message).toMatch(TOO_LARGE);
  }, 10_000);

  it("readInputFileSync (batch's worker threads) refuses it (it read nothing and called it empty)", () => {
    const e = thrown(() => readInputFileSync('/dev/zero', 'the key material'));
    expect(e.code).toBe(ERROR_CODES.FILE_UNREADABLE);
    expect(e.message).toMatch(TOO_LARGE);
  }, 10_000);
});

describe('a FIFO', () => {
  it('fed more than the cap is refused (readInputFile)', async () => {
    const p = fifo();
    writer(p, 2 * MAX_INPUT_BYTES);
    const e = await rejection(readInputFile(p, 'the key material'));
    expect(e.code).toBe(ERROR_CODES.FILE_UNREADABLE);
    expect(e.message).toMatch(TOO_LARGE);
  }, 15_000);

  it('fed more than the cap is refused (readInputFileSync)', () => {
    const p = fifo();
    writer(p, 2 * MAX_INPUT_BYTES);
    const e = thrown(() => readInputFileSync(p, 'the key material'));
    expect(e.code).toBe(ERROR_CODES.FILE_UNREADABLE);
    expect(e.message).toMatch(TOO_LARGE);
  }, 15_000);

  it('fed exactly the cap is read whole', async () => {
    const p = fifo();
    writer(p, MAX_INPUT_BYTES);
    const b = await readInputFile(p, 'the key material');
    expect(b.length).toBe(MAX_INPUT_BYTES);
  }, 15_000);

  it('with a small content is read (readInputFile)', async () => {
    const p = fifo();
    writer(p, 32);
    expect(await readInputFile(p, 'the key material')).toEqual(new Uint8Array(32).fill(7));
  }, 15_000);

  it('with a small content is read (readInputFileSync)', () => {
    const p = fifo();
    writer(p, 32);
    expect(readInputFileSync(p, 'the key material')).toEqual(new Uint8Array(32).fill(7));
  }, 15_000);

  it('closed with nothing written is empty, as an empty file is', async () => {
    const p = fifo();
    writer(p, 0);
    const e = await rejection(readInputFile(p, 'the key material'));
    expect(e.message).toMatch(/is empty — check that it was saved whole$/);
  }, 15_000);
});

describe('a regular file that grows during the read', () => {
  it('stat said small, then it grew: the bounded read stops at cap + 1 (async and sync)', async () => {
    const p = join(dir, 'grows.bin');
    writeFileSync(p, new Uint8Array(100).fill(1));
    const fd = openSync(p, 'r');
    try {
      const size = fstatSync(fd).size;
      expect(size).toBe(100);
      appendFileSync(p, new Uint8Array(2 * MAX_INPUT_BYTES).fill(2)); // between stat and read
      expect(await readFdBounded(fd, size, MAX_INPUT_BYTES)).toBeUndefined();
    } finally {
      closeSync(fd);
    }
    const fd2 = openSync(p, 'r');
    try {
      expect(readFdBoundedSync(fd2, 100, MAX_INPUT_BYTES)).toBeUndefined();
    } finally {
      closeSync(fd2);
    }
  });

  it('the bounded read returns a file that fits whole, from whatever size stat said', async () => {
    const p = join(dir, 'fits.bin');
    const data = new Uint8Array(300_000).map((_, i) => i & 0xff);
    writeFileSync(p, data);
    for (const hint of [0, 1, 299_999, 300_000]) {
      const fd = openSync(p, 'r');
      try {
        expect(same(await readFdBounded(fd, hint, MAX_INPUT_BYTES), data)).toBe(true);
      } finally {
        closeSync(fd);
      }
      const fd2 = openSync(p, 'r');
      try {
        expect(same(readFdBoundedSync(fd2, hint, MAX_INPUT_BYTES), data)).toBe(true);
      } finally {
        closeSync(fd2);
      }
    }
  });

  it('appended to concurrently: readInputFile never yields more than the cap', async () => {
    const p = join(dir, 'appended.bin');
    writeFileSync(p, new Uint8Array(100).fill(1));
    const w = appender(p);
    try {
      // Wait for the appender to be under way.
      const until = Date.now() + 10_000;
      while (statSync(p).size <= 100 && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
      const check = (r: number | unknown) => {
        if (typeof r === 'number') expect(r).toBeLessThanOrEqual(MAX_INPUT_BYTES);
        else {
          expect(r).toBeInstanceOf(KmsWrapError);
          expect((r as KmsWrapError).message).toMatch(TOO_LARGE);
        }
      };
      for (let i = 0; i < 40; i++) {
        truncateSync(p, 100 + (i % 4) * 200_000);
        check(
          await readInputFile(p, 'the key material').then(
            (b) => b.length,
            (e: unknown) => e,
          ),
        );
        truncateSync(p, 100 + (i % 4) * 200_000);
        let r: number | unknown;
        try {
          r = readInputFileSync(p, 'the key material').length;
        } catch (e) {
          r = e;
        }
        check(r);
      }
    } finally {
      w.kill('SIGKILL');
    }
  }, 30_000);
});
