/** readInputFile and writeFileAtomic: errors that say what is wrong, 0600, never a half-written or replaced file. */
import { mkdir, mkdtemp, readFile, readdir, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ERROR_CODES, KmsWrapError } from '@kms-wrap/core';
import { MAX_INPUT_BYTES, exists, readInputFile, writeFileAtomic } from '../src/index.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kms-wrap-files-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const bytes = (...b: number[]) => Uint8Array.from(b);

async function refusal(p: Promise<unknown>): Promise<KmsWrapError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(KmsWrapError);
  expect((e as KmsWrapError).message).toMatch(/\S — \S/);
  expect((e as KmsWrapError).message).not.toMatch(/\n/);
  return e as KmsWrapError;
}

describe('writeFileAtomic', () => {
  it('writes the bytes with mode 0600 and leaves no temporary file', async () => {
    const path = join(dir, 'EncryptedKeyMaterial.bin');
    await writeFileAtomic(path, bytes(1, 2, 3));
    expect(new Uint8Array(await readFile(path))).toEqual(bytes(1, 2, 3));
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual(['EncryptedKeyMaterial.bin']);
  });

  it('takes another mode when asked', async () => {
    const path = join(dir, 'public.der');
    await writeFileAtomic(path, bytes(9), { mode: 0o640 });
    expect((await stat(path)).mode & 0o777).toBe(0o640);
  });

  it('refuses to replace an existing file without force, and leaves it as it was', async () => {
    const path = join(dir, 'out.bin');
    await writeFile(path, 'precious', { mode: 0o644 });
    const e = await refusal(writeFileAtomic(path, bytes(1, 2, 3)));
    expect(e.code).toBe(ERROR_CODES.FILE_EXISTS);
    expect(e.message).toContain(path);
    // The library's words by default (an option); the command line's when it says it is one (a flag).
    expect(e.message).toMatch(/— choose another output or set force: true to replace it$/);
    const cli = await refusal(writeFileAtomic(path, bytes(1, 2, 3), { surface: 'command-line' }));
    expect(cli.message).toMatch(/— choose another output \(-o\) or pass --force to replace it$/);
    expect(await readFile(path, 'utf8')).toBe('precious');
    expect((await stat(path)).mode & 0o777).toBe(0o644);
    expect(await readdir(dir)).toEqual(['out.bin']);
  });

  it('replaces an existing file with force, as a new 0600 file', async () => {
    const path = join(dir, 'out.bin');
    await writeFile(path, 'old contents', { mode: 0o644 });
    await writeFileAtomic(path, bytes(4, 5), { force: true });
    expect(new Uint8Array(await readFile(path))).toEqual(bytes(4, 5));
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual(['out.bin']);
  });

  it('fails with FILE_UNWRITABLE into a missing directory, creating nothing', async () => {
    const path = join(dir, 'missing', 'out.bin');
    const e = await refusal(writeFileAtomic(path, bytes(1)));
    expect(e.code).toBe(ERROR_CODES.FILE_UNWRITABLE);
    expect(e.message).toContain('no such file');
    expect(e.message).toMatch(/— check the directory and permissions$/);
    expect(await readdir(dir)).toEqual([]);
  });

  it('fails with FILE_UNWRITABLE over a directory (with force), and removes its temporary file', async () => {
    const path = join(dir, 'a-directory');
    await mkdir(path);
    const e = await refusal(writeFileAtomic(path, bytes(1, 2), { force: true }));
    expect(e.code).toBe(ERROR_CODES.FILE_UNWRITABLE);
    expect(await readdir(dir)).toEqual(['a-directory']);
    expect(await readdir(path)).toEqual([]);
  });

  it('never puts the data in the message', async () => {
    const secret = Uint8Array.from(Buffer.from('00112233445566778899aabbccddeeff', 'hex'));
    const e = await refusal(writeFileAtomic(join(dir, 'no', 'such'), secret));
    expect(e.message).not.toContain('00112233');
    expect(e.message).not.toContain(Buffer.from(secret).toString('base64').slice(0, 8));
  });
});

describe('readInputFile', () => {
  it('reads a file whole', async () => {
    const path = join(dir, 'material.bin');
    await writeFile(path, Buffer.from([7, 8, 9]));
    const got = await readInputFile(path, 'the key material');
    expect(got).toBeInstanceOf(Uint8Array);
    expect(Array.from(got)).toEqual([7, 8, 9]);
  });

  it('refuses a missing file, naming it', async () => {
    const path = join(dir, 'nope.bin');
    const e = await refusal(readInputFile(path, 'the key material'));
    expect(e.code).toBe(ERROR_CODES.FILE_UNREADABLE);
    expect(e.message).toBe(`cannot read the key material from ${path}: no such file — check the path`);
  });

  it('refuses a directory', async () => {
    const e = await refusal(readInputFile(dir, 'the wrapping public key'));
    expect(e.code).toBe(ERROR_CODES.FILE_UNREADABLE);
    expect(e.message).toContain('is a directory');
    expect(e.message).toMatch(/— name the file inside it$/);
  });

  it('refuses an empty file', async () => {
    const path = join(dir, 'empty.bin');
    await writeFile(path, '');
    const e = await refusal(readInputFile(path, 'the key material'));
    expect(e.code).toBe(ERROR_CODES.FILE_UNREADABLE);
    expect(e.message).toContain('is empty');
  });

  it(`refuses a file over ${MAX_INPUT_BYTES} bytes, and reads one of exactly that size`, async () => {
    const big = join(dir, 'big.bin');
    await writeFile(big, '');
    await truncate(big, MAX_INPUT_BYTES + 1);
    const e = await refusal(readInputFile(big, 'the key material'));
    expect(e.code).toBe(ERROR_CODES.FILE_UNREADABLE);
    expect(e.message).toContain(`${MAX_INPUT_BYTES + 1} bytes`);
    await truncate(big, MAX_INPUT_BYTES);
    expect((await readInputFile(big, 'the key material')).length).toBe(MAX_INPUT_BYTES);
  });

  it('a path through a file is refused with the reason', async () => {
    const file = join(dir, 'file');
    await writeFile(file, 'x');
    const e = await refusal(readInputFile(join(file, 'inside'), 'the key material'));
    expect(e.code).toBe(ERROR_CODES.FILE_UNREADABLE);
    expect(e.message).toContain('a part of the path is not a directory');
  });
});

describe('exists', () => {
  it('tells files that are there from those that are not', async () => {
    await writeFile(join(dir, 'here'), 'x');
    expect(await exists(join(dir, 'here'))).toBe(true);
    expect(await exists(join(dir, 'not-here'))).toBe(false);
  });
});
