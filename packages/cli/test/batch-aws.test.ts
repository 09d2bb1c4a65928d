/**
 * kms-wrap batch as a person uses it (issue 17): identical refusals grouped into one line that
 * names the lines; for AWS KMS each line's import token written beside its output and its
 * `aws kms import-key-material` command printed (and in --json), which bash runs as printed;
 * lines that share one parameters file with different material get a warning.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lineRanges } from '../src/commands/batch.js';
import {
  KEY_ARN,
  Scratch,
  cli,
  epochSeconds,
  lines,
  opensslUnwrap,
  opensslWrappingKey,
  parametersJson,
  parseOneJson,
  type WrappingKey,
} from './helpers.js';

const scratch = new Scratch();
let key: WrappingKey;
let fakeBin: string;

beforeAll(async () => {
  await scratch.init('batch-aws');
  key = await opensslWrappingKey(scratch.dir, 'RSA', 2048);
  fakeBin = join(scratch.dir, 'fake-bin');
  await mkdir(fakeBin);
  await writeFile(join(fakeBin, 'aws'), '#!/bin/sh\nfor a in "$@"; do printf \'%s\\n\' "$a"; done\necho ---\n');
  await chmod(join(fakeBin, 'aws'), 0o755);
}, 60_000);
afterAll(() => scratch.dispose());

const manifest = (entries: readonly object[]) => entries.map((e) => JSON.stringify(e)).join('\n') + '\n';

async function params(dir: string, name: string, keyId: string, token: Buffer): Promise<string> {
  await writeFile(
    join(dir, name),
    parametersJson({ keyId, importToken: token, spki: key.spki, validTo: epochSeconds(Date.now() + 86_400_000) }),
  );
  return name;
}

describe('batch refusals in the same words are one line', () => {
  it('lineRanges', () => {
    expect(lineRanges([7])).toBe('line 7');
    expect(lineRanges([45, 1, 2, 3, 42, 46, 100, 99])).toBe('lines 1-3, 42, 45-46, 99-100');
  });

  it('100 lines into a missing folder but three: one line naming "lines 1-40, 42, 45-100"; --json keeps one record a line', async () => {
    const d = await scratch.fresh('missing-dir');
    await mkdir(join(d, 'out'));
    await writeFile(join(d, 'k.bin'), randomBytes(32));
    const entries = Array.from({ length: 100 }, (_, i) => ({
      material: 'k.bin',
      publicKey: key.publicDer,
      algorithm: 'RSAES_OAEP_SHA_256',
      output: [41, 43, 44].includes(i + 1) ? `out/${i + 1}.bin` : `missing/${i + 1}.bin`,
    }));
    await writeFile(join(d, 'm.jsonl'), manifest(entries));
    const r = await cli(['batch', 'm.jsonl'], d);
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toEqual([
      `kms-wrap: ERR_FILE_UNWRITABLE: lines 1-40, 42, 45-100: cannot write the output: the directory ${join(d, 'missing')} does not exist — create it first`,
      expect.stringMatching(/^kms-wrap: ERR_MANIFEST_INVALID: 97 of 100 manifest lines are refused/),
    ]);
    const j = await cli(['batch', 'm.jsonl', '--json'], d);
    const problems = parseOneJson(j.stdout)['problems'] as { line: number }[];
    expect(problems.map((p) => p.line)).toEqual(entries.map((_, i) => i + 1).filter((n) => ![41, 43, 44].includes(n)));
  });
});

describe('batch for AWS KMS: the import token beside each output, the import command for each line', () => {
  it('writes each token beside its output, prints each command, and bash runs them as printed', async () => {
    const d = await scratch.fresh('tokens');
    await mkdir(join(d, 'out'));
    const t1 = randomBytes(60);
    const t2 = randomBytes(60);
    const arn2 = KEY_ARN.replace('1234abcd', '5678efab');
    await params(d, 'p1.json', KEY_ARN, t1);
    await params(d, 'p2.json', arn2, t2);
    const m = [randomBytes(32), randomBytes(32)];
    await writeFile(join(d, 'a.bin'), m[0]!);
    await writeFile(join(d, 'b.bin'), m[1]!);
    await writeFile(
      join(d, 'm.jsonl'),
      manifest([
        { material: 'a.bin', parameters: 'p1.json', algorithm: 'RSAES_OAEP_SHA_256', output: 'out/one.bin' },
        { material: 'b.bin', parameters: 'p2.json', algorithm: 'RSAES_OAEP_SHA_256', output: 'out/two.bin' },
      ]),
    );
    const r = await cli(['batch', 'm.jsonl'], d);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect((await readFile(join(d, 'out/one.ImportToken.bin'))).equals(t1)).toBe(true);
    expect((await readFile(join(d, 'out/two.ImportToken.bin'))).equals(t2)).toBe(true);
    expect((await opensslUnwrap(await readFile(join(d, 'out/two.bin')), 'RSAES_OAEP_SHA_256', key)).equals(m[1]!)).toBe(true);
    const out = lines(r.stdout);
    expect(out[0]).toBe('import each output with its command (the aws CLI, one a line):');
    expect(out).toContain('  # line 2');
    const commands = out.slice(1, -1).map((l) => l.replace(/^ {2}/, ''));
    const ran = await new Promise<{ stdout: string; stderr: string }>((resolve) =>
      execFile(
        'bash',
        ['-c', commands.join('\n')],
        { cwd: d, env: { ...process.env, PATH: `${fakeBin}:${process.env['PATH']}` } },
        (_e, stdout, stderr) => resolve({ stdout, stderr }),
      ),
    );
    expect(ran.stderr).toBe('');
    const calls = ran.stdout.split('---\n').filter((c) => c !== '');
    expect(calls).toHaveLength(2);
    expect(calls[1]!.split('\n')).toEqual([
      'kms',
      'import-key-material',
      '--key-id',
      arn2,
      '--encrypted-key-material',
      `fileb://${join(d, 'out/two.bin')}`,
      '--import-token',
      `fileb://${join(d, 'out/two.ImportToken.bin')}`,
      '--expiration-model',
      'KEY_MATERIAL_DOES_NOT_EXPIRE',
      '',
    ]);
    expect(out[out.length - 1]).toMatch(/^2 of 2 wrapped/);
  });

  it('lines with a publicKey (no key, no token known): one line says so and where --json has their commands', async () => {
    const d = await scratch.fresh('public-key-lines');
    await mkdir(join(d, 'out'));
    await writeFile(join(d, 'a.bin'), randomBytes(32));
    await params(d, 'p1.json', KEY_ARN, randomBytes(60));
    await writeFile(
      join(d, 'm.jsonl'),
      manifest([
        { material: 'a.bin', publicKey: key.publicDer, algorithm: 'RSAES_OAEP_SHA_256', output: 'out/1.bin' },
        { material: 'a.bin', parameters: 'p1.json', algorithm: 'RSAES_OAEP_SHA_256', output: 'out/2.bin' },
        { material: 'a.bin', publicKey: key.publicDer, algorithm: 'RSAES_OAEP_SHA_256', output: 'out/3.bin' },
      ]),
    );
    const r = await cli(['batch', 'm.jsonl'], d);
    expect(r.code, r.stderr).toBe(0);
    const out = lines(r.stdout);
    expect(out.filter((l) => l.startsWith('  # line'))).toEqual(['  # line 2']);
    expect(out.at(-1)).toMatch(
      /^lines 1, 3 give a publicKey, not parameters, so kms-wrap knows neither the KMS key nor the import token: .*--json gives each line's aws kms import-key-material command with \$KEY_ID to set$/,
    );
    const j = parseOneJson((await cli(['batch', 'm.jsonl', '--json', '--force'], d)).stdout);
    const results = j['results'] as { line: number; nextCommand?: string }[];
    expect(results.find((x) => x.line === 3)!.nextCommand).toMatch(/--key-id "\$KEY_ID" --encrypted-key-material fileb:\/\/\S*out\/3\.bin/);
  });

  it('--json: each result has its command and its token file', async () => {
    const d = await scratch.fresh('tokens-json');
    await mkdir(join(d, 'out'));
    const t = randomBytes(60);
    await params(d, 'p.json', KEY_ARN, t);
    await writeFile(join(d, 'a.bin'), randomBytes(32));
    await writeFile(
      join(d, 'm.jsonl'),
      manifest([{ material: 'a.bin', parameters: 'p.json', algorithm: 'RSAES_OAEP_SHA_1', output: 'out/a.bin' }]),
    );
    const r = await cli(['batch', 'm.jsonl', '--json'], d);
    expect(r.code, r.stderr).toBe(0);
    const [result] = parseOneJson(r.stdout)['results'] as { importToken: string; nextCommand: string }[];
    expect(result!.importToken).toBe(join(d, 'out/a.ImportToken.bin'));
    expect(result!.nextCommand).toBe(
      `aws kms import-key-material --key-id ${KEY_ARN} --encrypted-key-material fileb://${join(d, 'out/a.bin')} --import-token fileb://${join(d, 'out/a.ImportToken.bin')} --expiration-model KEY_MATERIAL_DOES_NOT_EXPIRE`,
    );
    expect((await readFile(result!.importToken)).equals(t)).toBe(true);
  });

  it('lines that share one parameters file with different material: a warning naming them (and in --json)', async () => {
    const d = await scratch.fresh('shared');
    await mkdir(join(d, 'out'));
    await params(d, 'p.json', KEY_ARN, randomBytes(60));
    await params(d, 'q.json', KEY_ARN, randomBytes(60));
    for (const n of ['a', 'b', 'c']) await writeFile(join(d, `${n}.bin`), randomBytes(32));
    await writeFile(
      join(d, 'm.jsonl'),
      manifest([
        { material: 'a.bin', parameters: 'p.json', algorithm: 'RSAES_OAEP_SHA_256', output: 'out/1.bin' },
        { material: 'a.bin', parameters: 'p.json', algorithm: 'RSAES_OAEP_SHA_256', output: 'out/2.bin' },
        { material: 'b.bin', parameters: 'q.json', algorithm: 'RSAES_OAEP_SHA_256', output: 'out/3.bin' },
        { material: 'c.bin', parameters: 'p.json', algorithm: 'RSAES_OAEP_SHA_256', output: 'out/4.bin' },
      ]),
    );
    const r = await cli(['batch', 'm.jsonl'], d);
    expect(r.code, r.stderr).toBe(0);
    expect(lines(r.stderr)).toEqual([
      `kms-wrap: warning: line 1 and line 4 share the parameters ${join(d, 'p.json')} (one KMS key, one import token) with different material — a KMS key takes one key material (a re-import must be the same): give each key its own parameters`,
    ]);
    const j = await cli(['batch', 'm.jsonl', '--json', '--force'], d);
    expect(parseOneJson(j.stdout)['warnings']).toEqual([{ lines: [1, 4], message: expect.stringContaining('share the parameters') }]);
  });
});
