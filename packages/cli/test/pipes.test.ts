/**
 * The command line as a person uses it (issue 17): `-` for standard input and `-o -` for standard
 * output, the import token of a second wrap in the same folder (--import-token), and a next
 * command that pastes into bash as printed — run here in bash, with a fake `aws` that prints its
 * arguments, and with the real AWS CLI, which expands $VAR and ~ in fileb:// paths itself.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BIN,
  KEY_ARN,
  Scratch,
  cli,
  cliPiped,
  epochSeconds,
  expectRefusal,
  listing,
  lines,
  opensslPkcs8,
  opensslUnwrap,
  opensslWrappingKey,
  parametersJson,
  parseOneJson,
  type WrappingKey,
} from './helpers.js';

const scratch = new Scratch();
let key: WrappingKey;
let other: WrappingKey;
let fakeBin: string;

beforeAll(async () => {
  await scratch.init('pipes');
  key = await opensslWrappingKey(scratch.dir, 'RSA', 2048);
  const d = join(scratch.dir, 'other');
  await mkdir(d);
  other = await opensslWrappingKey(d, 'RSA', 3072);
  // A fake aws: prints each argument on its own line, as bash handed it over.
  fakeBin = join(scratch.dir, 'fake-bin');
  await mkdir(fakeBin);
  await writeFile(join(fakeBin, 'aws'), '#!/bin/sh\nfor a in "$@"; do printf \'%s\\n\' "$a"; done\n');
  await chmod(join(fakeBin, 'aws'), 0o755);
}, 60_000);
afterAll(() => scratch.dispose());

function sh(script: string, cwd: string, env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('bash', ['-c', script], { cwd, env: { ...process.env, ...env } }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

/** The printed next command: the lines after "next, import it:", unindented. */
function nextCommand(text: string): string {
  const all = lines(text);
  return all
    .slice(all.indexOf('next, import it:') + 1)
    .map((l) => l.replace(/^ {2}/, ''))
    .join('\n');
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

async function params(dir: string, k: WrappingKey, token: Buffer, name = 'params.json'): Promise<string> {
  const path = join(dir, name);
  await writeFile(
    path,
    parametersJson({ keyId: KEY_ARN, importToken: token, spki: k.spki, validTo: epochSeconds(Date.now() + 86_400_000) }),
  );
  return path;
}

describe('standard input (-) and standard output (-o -)', () => {
  it('keygen -o -: the material on stdout, the summary on stderr, no file', async () => {
    const d = await scratch.fresh('keygen-stdout');
    const r = await cliPiped(['keygen', 'HMAC_256', '-o', '-'], d);
    expect(r.code).toBe(0);
    expect(r.stdout).toHaveLength(32);
    expect(r.stderr).toMatch(/^wrote standard output \(32 bytes\): HMAC_256 key material/);
    expect(await listing(d)).toEqual([]);
    const b = await cliPiped(['keygen', 'SYMMETRIC_DEFAULT', '-o', '-', '--base64'], d);
    expect(b.code, b.stderr).toBe(0);
    expect(b.stdout.toString()).toMatch(/^[A-Za-z0-9+/]{43}=\n$/);
    expect(Buffer.from(b.stdout.toString(), 'base64')).toHaveLength(32);
  });

  it('wrap --material - -o -: material piped in, the wrapped bytes out (OpenSSL unwraps them), nothing written, words on stderr only', async () => {
    const d = await scratch.fresh('wrap-pipe');
    const material = randomBytes(32);
    const r = await cliPiped(
      ['wrap', '--material', '-', '--public-key', key.publicDer, '--algorithm', 'RSAES_OAEP_SHA_256', '-o', '-'],
      d,
      material,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toHaveLength(256);
    expect((await opensslUnwrap(r.stdout, 'RSAES_OAEP_SHA_256', key)).equals(material)).toBe(true);
    expect(r.stderr).toContain('wrote standard output (256 bytes)');
    expect(r.stderr).toContain('save the output there (kms-wrap wrap ... -o - > EncryptedKeyMaterial.bin)');
    expect(r.stderr).toContain('--encrypted-key-material fileb://EncryptedKeyMaterial.bin');
    expect(await listing(d)).toEqual([]);
  });

  it('wrap --public-key - and --parameters -: the key, or the GetParametersForImport JSON, from a pipe', async () => {
    const d = await scratch.fresh('wrap-key-stdin');
    await writeFile(join(d, 'k.bin'), randomBytes(32));
    const pem = await readFile(key.publicPem);
    const r = await cliPiped(
      ['wrap', '--material', 'k.bin', '--public-key', '-', '--algorithm', 'RSAES_OAEP_SHA_1', '-o', 'a.bin'],
      d,
      pem,
    );
    expect(r.code, r.stderr).toBe(0);
    expect((await stat(join(d, 'a.bin'))).size).toBe(256);
    const token = randomBytes(64);
    const json = await params(scratch.dir, key, token, 'stdin-params.json');
    const p = await cliPiped(
      ['wrap', '--material', 'k.bin', '--parameters', '-', '--algorithm', 'RSAES_OAEP_SHA_256', '-o', 'b.bin'],
      d,
      await readFile(json),
    );
    expect(p.code, p.stderr).toBe(0);
    expect((await readFile(join(d, 'ImportToken.bin'))).equals(token)).toBe(true);
    expect(p.stdout.toString()).toContain(
      `--key-id ${KEY_ARN} --encrypted-key-material fileb://b.bin --import-token fileb://ImportToken.bin`,
    );
  });

  it('convert - -o -: PEM in, the PKCS#8 DER out (what openssl pkcs8 -topk8 makes)', async () => {
    const d = await scratch.fresh('convert-pipe');
    const r = await cliPiped(['convert', '-', '-o', '-'], d, await readFile(key.privatePem));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.equals(await opensslPkcs8(key.privatePem))).toBe(true);
    expect(r.stderr).toContain('wrote standard output');
    expect(await listing(d)).toEqual([]);
  });

  it('inspect -: reads a pipe', async () => {
    const r = await cliPiped(['inspect', '-'], scratch.dir, randomBytes(32));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.toString()).toMatch(/^standard input\n/);
  });

  it('standard input is bounded like a file: more than 1 MiB is refused', async () => {
    const r = await cliPiped(['inspect', '-'], scratch.dir, Buffer.alloc((1 << 20) + 1, 1));
    expectRefusal(
      { ...r, stdout: r.stdout.toString() },
      { code: 'ERR_FILE_UNREADABLE', says: ['standard input is more than 1048576 bytes'] },
    );
  });

  it('binary output to a terminal is refused (exit 2) and says --base64; base64 to a terminal is fine', async () => {
    const d = await scratch.fresh('tty');
    // script(1) gives the command a terminal as stdout.
    const tty = (args: string) => sh(`script -qec ${q(`${q(process.execPath)} ${q(BIN)} ${args}`)} /dev/null`, d);
    const r = await tty('keygen HMAC_256 -o -');
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('kms-wrap: ERR_USAGE: HMAC_256 key material is binary, and standard output is a terminal — pass --base64');
    const b = await tty('keygen HMAC_256 -o - --base64');
    expect(b.code).toBe(0);
    expect(b.stdout).toMatch(/^[A-Za-z0-9+/]{43}=\r?\n/);
    expect(await listing(d)).toEqual([]);
  });

  it.each([
    [['wrap', '--material', '-', '--public-key', '-', '--algorithm', 'RSAES_OAEP_SHA_256'], 'reads one file at most from standard input'],
    [['batch', '-'], 'kms-wrap batch reads a file, not standard input'],
    [['keygen', 'HMAC_256', '-o', '-', '--count', '2'], '-o - writes one output, and --count 2 makes 2 files'],
    [['keygen', 'HMAC_256', '-o', '-', '--json'], '--json and -o - would both write standard output'],
    [['convert', '-'], 'name it with -o FILE, or -o - for standard output'],
    [
      ['wrap', '--material', 'k.bin', '--public-key', 'k.pem', '--import-token', '-'],
      'takes only --material -, --public-key -, --parameters - or -o -',
    ],
    [['inspect', 'x', '--region', '-'], "takes only '-' for standard input or output, not --region -"],
  ])('%j is refused as a usage mistake, and no file named - is made', async (args, says) => {
    const d = await scratch.fresh('dash-refused');
    const r = await cli(args, d);
    expectRefusal(r, { code: 'ERR_USAGE', exit: 2, says: [says] });
    expect(await listing(d)).toEqual([]);
  });
});

describe('a second wrap --parameters in the same folder (the import token)', () => {
  it('the same parameters: the identical ImportToken.bin is no conflict, and is not written again', async () => {
    const d = await scratch.fresh('same-token');
    await writeFile(join(d, 'k1.bin'), randomBytes(32));
    await writeFile(join(d, 'k2.bin'), randomBytes(32));
    const token = randomBytes(80);
    const json = await params(d, key, token);
    const first = await cli(['wrap', '--material', 'k1.bin', '--parameters', json, '--algorithm', 'RSAES_OAEP_SHA_256', '-o', 'a.bin'], d);
    expect(first.code, first.stderr).toBe(0);
    const before = await stat(join(d, 'ImportToken.bin'));
    const second = await cli(['wrap', '--material', 'k2.bin', '--parameters', json, '--algorithm', 'RSAES_OAEP_SHA_256', '-o', 'b.bin'], d);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain(`${join(d, 'ImportToken.bin')} holds this import token already (left as it is)`);
    const after = await stat(join(d, 'ImportToken.bin'));
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
    expect(second.stdout).toContain('--encrypted-key-material fileb://b.bin --import-token fileb://ImportToken.bin');
  });

  it('other parameters: refused, saying --import-token; with --import-token FILE the token goes there and the command names it', async () => {
    const d = await scratch.fresh('other-token');
    await writeFile(join(d, 'k1.bin'), randomBytes(32));
    await writeFile(join(d, 'k2.bin'), randomBytes(32));
    const firstToken = randomBytes(80);
    const secondToken = randomBytes(80);
    const p1 = await params(d, key, firstToken, 'p1.json');
    const p2 = await params(d, other, secondToken, 'p2.json');
    expect(
      (await cli(['wrap', '--material', 'k1.bin', '--parameters', p1, '--algorithm', 'RSAES_OAEP_SHA_256', '-o', 'a.bin'], d)).code,
    ).toBe(0);
    const refused = await cli(['wrap', '--material', 'k2.bin', '--parameters', p2, '--algorithm', 'RSAES_OAEP_SHA_256', '-o', 'b.bin'], d);
    expectRefusal(refused, {
      code: 'ERR_FILE_EXISTS',
      says: ['holds another import token', 'name the token file with --import-token FILE'],
    });
    expect(await listing(d)).toEqual(['ImportToken.bin', 'a.bin', 'k1.bin', 'k2.bin', 'p1.json', 'p2.json']);
    const named = await cli(
      [
        'wrap',
        '--material',
        'k2.bin',
        '--parameters',
        p2,
        '--algorithm',
        'RSAES_OAEP_SHA_256',
        '-o',
        'b.bin',
        '--import-token',
        'b-token.bin',
      ],
      d,
    );
    expect(named.code, named.stderr).toBe(0);
    expect((await readFile(join(d, 'b-token.bin'))).equals(secondToken)).toBe(true);
    expect((await readFile(join(d, 'ImportToken.bin'))).equals(firstToken)).toBe(true);
    expect(named.stdout).toContain('--encrypted-key-material fileb://b.bin --import-token fileb://b-token.bin');
  });

  it('--import-token is for --target aws', async () => {
    const r = await cli(
      ['wrap', '--target', 'vault', '--material', 'k.bin', '--public-key', 'k.pem', '--import-token', 't.bin'],
      scratch.dir,
    );
    expectRefusal(r, { code: 'ERR_USAGE', exit: 2, says: ['--import-token is for --target aws'] });
  });
});

describe('the next command pastes into bash', () => {
  it('with --public-key: "$KEY_ID" after a comment that says what to set; bash runs it as printed (fake aws)', async () => {
    const d = await scratch.fresh('paste');
    await writeFile(join(d, 'k.bin'), randomBytes(32));
    const r = await cli(
      ['wrap', '--material', 'k.bin', '--public-key', key.publicDer, '--algorithm', 'RSAES_OAEP_SHA_256', '-o', 'out dir.bin'],
      d,
    );
    expect(r.code, r.stderr).toBe(0);
    const command = nextCommand(r.stdout);
    expect(command).toMatch(/^# set KEY_ID first: the KMS key \(key id, ARN or alias\)/);
    expect(command).not.toMatch(/<[A-Z_|]+>/);
    const ran = await sh(command, d, { PATH: `${fakeBin}:${process.env['PATH']}`, KEY_ID: KEY_ARN });
    expect(ran.stderr).toBe('');
    expect(ran.code).toBe(0);
    expect(ran.stdout.split('\n')).toEqual([
      'kms',
      'import-key-material',
      '--key-id',
      KEY_ARN,
      '--encrypted-key-material',
      'fileb://out dir.bin',
      '--import-token',
      'fileb://ImportToken.bin',
      '--expiration-model',
      'KEY_MATERIAL_DOES_NOT_EXPIRE',
      '',
    ]);
  });

  it('--json gives the same command and its placeholders', async () => {
    const d = await scratch.fresh('paste-json');
    await writeFile(join(d, 'k.bin'), randomBytes(32));
    const r = await cli(['wrap', '--material', 'k.bin', '--public-key', key.publicDer, '--algorithm', 'RSAES_OAEP_SHA_256', '--json'], d);
    const j = parseOneJson(r.stdout);
    expect(j['nextCommand']).toMatch(/^# set KEY_ID first: .*\naws kms import-key-material --key-id "\$KEY_ID" /);
    expect(j['placeholders']).toEqual([{ name: 'KEY_ID', description: expect.stringContaining('the KMS key') }]);
  });

  it("an output named like it's $HOME.bin or ~/x.bin: a warning, and the real AWS CLI shows why (it expands them in fileb://)", async () => {
    const d = await scratch.fresh('aws-expands');
    await writeFile(join(d, 'k.bin'), randomBytes(32));
    await writeFile(join(d, 'ImportToken.bin'), randomBytes(64));
    const run = async (name: string) => {
      const r = await cli(
        ['wrap', '--material', 'k.bin', '--public-key', key.publicDer, '--algorithm', 'RSAES_OAEP_SHA_256', '-o', name],
        d,
      );
      expect(r.code, r.stderr).toBe(0);
      // The real aws CLI, at an endpoint where nothing listens: a file it finds gets as far as the connection.
      const aws = await sh(`${nextCommand(r.stdout)} --endpoint-url http://127.0.0.1:9 --cli-connect-timeout 1`, d, {
        KEY_ID: KEY_ARN,
        AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
        AWS_SECRET_ACCESS_KEY: 'secret',
        AWS_DEFAULT_REGION: 'us-east-1',
        AWS_MAX_ATTEMPTS: '1',
        AWS_CONFIG_FILE: '/dev/null',
        AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      });
      return { r, aws };
    };
    const plain = await run('plain.bin');
    expect(plain.r.stderr).toBe('');
    expect(plain.aws.stderr).not.toMatch(/paramfile/i);
    expect(plain.aws.stderr).toMatch(/connect/i);
    await mkdir(join(d, '~')); // a folder named ~ here: the AWS CLI reads ~/x.bin in the home directory instead
    for (const name of ["it's $HOME.bin", '~/x.bin']) {
      const { r, aws } = await run(name);
      expect(r.stderr).toMatch(/^kms-wrap: warning: the AWS CLI expands (\$|a leading ~) in fileb:\/\/ paths itself/);
      expect(r.stderr).toContain('rename it');
      expect(aws.stderr).toMatch(/Unable to load paramfile|No such file/i);
    }
  }, 60_000);
});

describe('one source, three wordings: the command line says flags, never the library options', () => {
  it('SM2 material without --region china: "pass --region china", not "region: \'china\'"', async () => {
    const d = await scratch.fresh('wording-region');
    expect((await cli(['keygen', 'SM2', '--region', 'china', '-o', 'sm2.der'], d)).code).toBe(0);
    const r = await cli(['wrap', '--material', 'sm2.der', '--public-key', key.publicDer, '--algorithm', 'RSAES_OAEP_SHA_256'], d);
    const line = expectRefusal(r, { code: 'ERR_REGION_MISMATCH', says: ['pass --region china if the KMS key is there'] });
    expect(line).not.toContain("region: '");
  });

  it('batch over an existing output: "pass --force", not "force: true"', async () => {
    const d = await scratch.fresh('wording-force');
    await writeFile(join(d, 'k.bin'), randomBytes(32));
    await writeFile(join(d, 'taken.bin'), 'precious');
    await writeFile(
      join(d, 'm.jsonl'),
      `${JSON.stringify({ material: 'k.bin', publicKey: key.publicDer, algorithm: 'RSAES_OAEP_SHA_256', output: 'taken.bin' })}\n`,
    );
    const r = await cli(['batch', 'm.jsonl'], d);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `kms-wrap: ERR_FILE_EXISTS: line 1: ${join(d, 'taken.bin')} exists — choose another output, or pass --force to replace it`,
    );
    expect(r.stderr).not.toContain('force: true');
  });
});
