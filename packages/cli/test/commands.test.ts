/**
 * `kms-wrap algorithms`, `--help` for every command, `--version`, and `demo` (both sides of an
 * import, locally: every key spec wrapped with every accepted algorithm and verified).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAIN_HELP } from '../src/help.js';
import {
  BIN,
  PACKAGE_DIR,
  Scratch,
  bytesOf,
  cli,
  expectNoStack,
  expectRefusal,
  lines,
  listing,
  opensslWrappingKey,
  parseOneJson,
  run,
  write,
} from './helpers.js';
import { mkdir } from 'node:fs/promises';

const scratch = new Scratch();
beforeAll(() => scratch.init('commands'));
afterAll(() => scratch.dispose());

const ALGORITHMS = ['RSA_AES_KEY_WRAP_SHA_256', 'RSA_AES_KEY_WRAP_SHA_1', 'RSAES_OAEP_SHA_256', 'RSAES_OAEP_SHA_1', 'SM2PKE'];

/** The commands the main help lists ("Commands:" up to the next blank line). */
function listedCommands(): string[] {
  const section = MAIN_HELP.split('Commands:\n')[1]!.split('\n\n')[0]!;
  return section
    .split('\n')
    .map((l) => /^ {2}([a-z]+)/.exec(l)?.[1])
    .filter((c): c is string => c !== undefined);
}

describe.concurrent('algorithms', () => {
  it('human: lists all five in preference order, with capacities, and RSAES_PKCS1_V1_5 as not accepted', async () => {
    const r = await cli(['algorithms'], await scratch.fresh('algorithms'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const ids = lines(r.stdout)
      .filter((l) => /^[A-Z0-9_]+( |$)/.test(l))
      .map((l) => l.split(' ')[0]);
    expect(ids).toEqual(ALGORITHMS);
    expect(r.stdout).toContain('capacity:      RSA_2048 190 bytes, RSA_3072 318 bytes, RSA_4096 446 bytes');
    expect(r.stdout).toContain('capacity:      RSA_2048 214 bytes, RSA_3072 342 bytes, RSA_4096 470 bytes');
    expect(r.stdout).toContain('regions:       China Regions only');
    expect(r.stdout).toMatch(/^Not accepted: RSAES_PKCS1_V1_5 has not been accepted by AWS KMS since 10 October 2023 — use .+$/m);
    expect(r.stdout).not.toMatch(/^RSAES_PKCS1_V1_5/m);
  });

  it('--json: one object, the five with materials, wrapping keys, regions, capacities; PKCS#1 v1.5 deprecated', async () => {
    const r = await run(['algorithms', '--json'], await scratch.fresh('algorithms-json'));
    expect(r.code, r.stderr).toBe(0);
    const j = parseOneJson(r.stdout);
    expect(j['ok']).toBe(true);
    const algorithms = j['algorithms'] as {
      id: string;
      installed: boolean;
      materials: string[];
      wrappingKeySpecs: string[];
      regions: string[];
      capacityBytes: Record<string, number>;
    }[];
    expect(algorithms.map((a) => a.id)).toEqual(ALGORITHMS);
    for (const a of algorithms) expect(a.installed).toBe(true);
    const byId = Object.fromEntries(algorithms.map((a) => [a.id, a]));
    expect(byId['RSAES_OAEP_SHA_256']!.capacityBytes).toEqual({ RSA_2048: 190, RSA_3072: 318, RSA_4096: 446 });
    expect(byId['RSAES_OAEP_SHA_1']!.capacityBytes).toEqual({ RSA_2048: 214, RSA_3072: 342, RSA_4096: 470 });
    expect(byId['RSAES_OAEP_SHA_256']!.materials).toEqual(['symmetric', 'hmac', 'ecc', 'sm2']);
    expect(byId['RSA_AES_KEY_WRAP_SHA_256']!).toMatchObject({ materials: ['rsa', 'ecc'], regions: ['standard'] });
    expect(byId['SM2PKE']!).toMatchObject({ materials: ['rsa', 'ecc', 'sm2'], wrappingKeySpecs: ['SM2'], regions: ['china'] });
    const deprecated = j['deprecated'] as { id: string; why: string }[];
    expect(deprecated.map((d) => d.id)).toEqual(['RSAES_PKCS1_V1_5']);
    expect(deprecated[0]!.why).toContain('since 10 October 2023');
  });

  it('takes no arguments', async () => {
    expectRefusal(await run(['algorithms', 'RSAES_OAEP_SHA_256'], await scratch.fresh('algorithms-arg')), {
      code: 'ERR_USAGE',
      exit: 2,
      says: ["unexpected argument 'RSAES_OAEP_SHA_256'"],
    });
  });
});

describe.concurrent('help and version', () => {
  const commands = listedCommands();

  it("the main help lists at least the contract's commands", () => {
    for (const c of ['keygen', 'wrap', 'inspect', 'convert', 'algorithms', 'demo']) expect(commands).toContain(c);
  });

  it('kms-wrap with nothing: the usage on stderr, exit 2 (a usage mistake)', async () => {
    const r = await cli([], await scratch.fresh('help'));
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(MAIN_HELP);
  });

  it.each([
    ['--help', ['--help']],
    ['-h', ['-h']],
    ['help', ['help']],
  ] as const)('kms-wrap %s: the main help, exit 0', async (_, args) => {
    const r = await cli([...args], await scratch.fresh('help'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(MAIN_HELP);
    expect(r.stdout).toContain('Usage: kms-wrap COMMAND');
    expect(r.stdout).toContain('Exit codes: 0 done; 1 refused');
  });

  it.each(commands.map((c) => [c]))('kms-wrap %s --help (and -h, and kms-wrap help COMMAND): its own usage, exit 0', async (command) => {
    const cwd = await scratch.fresh(`help-${command}`);
    const [long, short, topic] = await Promise.all([cli([command, '--help'], cwd), run([command, '-h'], cwd), run(['help', command], cwd)]);
    for (const r of [long, short, topic]) {
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toBe('');
      expectNoStack(r);
      expect(r.stdout.startsWith(`Usage: kms-wrap ${command}`), r.stdout.slice(0, 80)).toBe(true);
    }
    expect(short.stdout).toBe(long.stdout);
    expect(topic.stdout).toBe(long.stdout);
  });

  it('--help wins over other (even wrong) options', async () => {
    const r = await cli(['wrap', '--material', 'nope.bin', '--help'], await scratch.fresh('help-wins'));
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith('Usage: kms-wrap wrap')).toBe(true);
  });

  it('a reader that goes away (kms-wrap ... | head) ends the command quietly: its exit code, no stack', async () => {
    const cwd = await scratch.fresh('epipe');
    const closed = (args: string[], closeStderr: boolean) =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
        child.stdout.destroy();
        if (closeStderr) child.stderr.destroy();
        let stderr = '';
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('close', (code) => resolve({ code, stderr }));
      });
    const [listing, refusal] = await Promise.all([
      closed(['algorithms'], false),
      closed(['wrap', '--material', 'nope.bin', '--public-key', 'nope.der', '--algorithm', 'RSAES_OAEP_SHA_256'], true),
    ]);
    expect(listing).toEqual({ code: 0, stderr: '' });
    expect(refusal.code).toBe(1);
  });

  it('--version and -v', async () => {
    const cwd = await scratch.fresh('version');
    for (const flag of ['--version', '-v']) {
      const r = await cli([flag], cwd);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    }
  });
});

// The demo generates RSA_4096 keys (wrapping and material): seconds of CPU, more on a busy machine.
const DEMO_TIMEOUT = 180_000;

describe.concurrent('demo', () => {
  it('demo --json: 0 failed, more than 100 verified, refusals with codes and reasons', { timeout: DEMO_TIMEOUT }, async () => {
    const r = await cli(['demo', '--json'], await scratch.fresh('demo-json'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const j = parseOneJson(r.stdout);
    expect(j).toMatchObject({ ok: true, failed: 0 });
    expect(j['verified'] as number).toBeGreaterThan(100);
    expect(j['refused'] as number).toBeGreaterThan(0);
    const outcomes = j['outcomes'] as {
      region: string;
      keySpec: string;
      algorithm: string;
      wrappingKeySpec: string;
      outcome: string;
      bytes?: number;
      code?: string;
      reason?: string;
    }[];
    expect(outcomes.length).toBe((j['verified'] as number) + (j['refused'] as number));
    for (const o of outcomes) {
      expect(['verified', 'refused']).toContain(o.outcome);
      if (o.outcome === 'verified') expect(o.bytes).toBeGreaterThan(0);
      else expect(o.reason).toMatch(/ — /);
    }
    // Every algorithm is verified somewhere; the rules show through.
    for (const a of ALGORITHMS)
      expect(
        outcomes.some((o) => o.algorithm === a && o.outcome === 'verified'),
        a,
      ).toBe(true);
    const find = (region: string, keySpec: string, algorithm: string, key: string) =>
      outcomes.find((o) => o.region === region && o.keySpec === keySpec && o.algorithm === algorithm && o.wrappingKeySpec === key);
    expect(find('standard', 'ECC_NIST_P521', 'RSAES_OAEP_SHA_256', 'RSA_2048')).toMatchObject({
      outcome: 'refused',
      code: 'ERR_CAPACITY_EXCEEDED',
    });
    expect(find('standard', 'ECC_NIST_P521', 'RSAES_OAEP_SHA_256', 'RSA_3072')).toMatchObject({ outcome: 'verified', bytes: 384 });
    expect(find('standard', 'RSA_4096', 'RSA_AES_KEY_WRAP_SHA_256', 'RSA_2048')).toMatchObject({ outcome: 'verified' });
    expect(find('standard', 'RSA_2048', 'RSAES_OAEP_SHA_256', 'RSA_2048')).toMatchObject({
      outcome: 'refused',
      code: 'ERR_COMBINATION_REJECTED',
    });
    expect(find('china', 'RSA_2048', 'RSA_AES_KEY_WRAP_SHA_256', 'RSA_2048')).toMatchObject({
      outcome: 'refused',
      code: 'ERR_REGION_MISMATCH',
    });
    expect(find('china', 'SM2', 'SM2PKE', 'SM2')).toMatchObject({ outcome: 'verified' });
    expect(find('china', 'SYMMETRIC_DEFAULT', 'RSAES_OAEP_SHA_256', 'RSA_2048')).toMatchObject({ outcome: 'verified', bytes: 256 });
  });

  it('demo: the tables, the reasons, and the totals', { timeout: DEMO_TIMEOUT }, async () => {
    const r = await run(['demo'], await scratch.fresh('demo'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const out = r.stdout;
    expect(out).toContain('Standard Regions (wrapping keys RSA_2048, RSA_3072, RSA_4096)');
    expect(out).toContain('China Regions (wrapping keys RSA_2048, RSA_4096, SM2)');
    expect(out).toMatch(/^key spec +bytes +RSA_AES_KEY_WRAP_SHA_256 +RSA_AES_KEY_WRAP_SHA_1 +RSAES_OAEP_SHA_256 +RSAES_OAEP_SHA_1$/m);
    expect(out).toMatch(/^key spec +bytes +RSAES_OAEP_SHA_256 +RSAES_OAEP_SHA_1 +SM2PKE$/m);
    expect(out).toMatch(/^SYMMETRIC_DEFAULT +32 +- +- +2048 3072 4096 +2048 3072 4096$/m);
    expect(out).toMatch(/^SYMMETRIC_DEFAULT +16 +2048 4096 +2048 4096 +-$/m);
    expect(out).toMatch(/^RSA_3072 +PKCS#8 +2048 3072 4096 +2048 3072 4096 +- +-$/m);
    expect(out).toMatch(/^ECC_NIST_P521 +PKCS#8 +2048 3072 4096 +2048 3072 4096 +3072 4096 +3072 4096$/m);
    expect(out).toMatch(/^SM2 +PKCS#8 +2048 4096 +2048 4096 +SM2$/m);
    expect(out).toContain('Why combinations are refused (one example of each):');
    expect(out).toMatch(
      /ERR_CAPACITY_EXCEEDED: ECC_NIST_P521 material \(241 bytes\) does not fit RSAES_OAEP_SHA_256 under an RSA_2048 wrapping key \(190 bytes at most\)/,
    );
    const total = /^(\d+) wraps verified, (\d+) combinations refused as KMS would, 0 failed \(\d+\.\d s\)$/m.exec(out);
    expect(total, out.slice(-300)).not.toBeNull();
    expect(Number(total![1])).toBeGreaterThan(100);
  });

  it('demo takes no arguments', async () => {
    expectRefusal(await cli(['demo', 'now'], await scratch.fresh('demo-arg')), { code: 'ERR_USAGE', exit: 2 });
  });
});

describe('pnpm kms-wrap, from a checkout', () => {
  // pnpm runs the script in the repository's root; the command must run where it was typed.
  it('reads and writes relative to the directory the user is in (INIT_CWD), not the repository', async () => {
    const root = join(PACKAGE_DIR, '..', '..');
    const here = await scratch.fresh('pnpm-cwd');
    const name = `kms-wrap-cwd-${process.pid}.bin`;
    const r = spawnSync('pnpm', ['-s', '--dir', root, 'kms-wrap', 'keygen', 'HMAC_256', '-o', name], { cwd: here, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(join(here, name))).toBe(true);
    expect(existsSync(join(root, name))).toBe(false);
    const inspected = spawnSync('pnpm', ['-s', '--dir', root, 'kms-wrap', 'inspect', name], { cwd: here, encoding: 'utf8' });
    expect(inspected.status, inspected.stderr).toBe(0);
    expect(inspected.stdout).toContain('32 bytes');
  });
});

describe.concurrent('the order of refusals: arguments before the file system, a directory said at once', () => {
  it('an unknown algorithm is reported before an existing output', async () => {
    const d = await scratch.fresh('order');
    const key = await opensslWrappingKey(d, 'RSA');
    await write(join(d, 'm.bin'), new Uint8Array(32).fill(7));
    await write(join(d, 'a.bin'), 'already here');
    const r = await cli(
      ['wrap', '--material', 'm.bin', '--public-key', key.publicDer, '--algorithm', 'RSAES_OAEP_SHA256', '-o', 'a.bin'],
      d,
    );
    expectRefusal(r, { code: 'ERR_UNKNOWN_NAME', exit: 2, says: ['did you mean RSAES_OAEP_SHA_256?'] });
    // With a good name the output that exists is the refusal.
    const again = await cli(
      ['wrap', '--material', 'm.bin', '--public-key', key.publicDer, '--algorithm', 'RSAES_OAEP_SHA_256', '-o', 'a.bin'],
      d,
    );
    expectRefusal(again, { code: 'ERR_FILE_EXISTS', says: ['a.bin exists'] });
    expect(await bytesOf(join(d, 'a.bin'))).toEqual(Buffer.from('already here'));
  });

  it.each([[[]], [['--force']]])('-o DIRECTORY %j: it is a directory, at once, with the file name to give', async (extra) => {
    const d = await scratch.fresh('dir-out');
    const key = await opensslWrappingKey(d, 'RSA');
    await write(join(d, 'm.bin'), new Uint8Array(32).fill(7));
    await mkdir(join(d, 'out'));
    const r = await cli(
      ['wrap', '--material', 'm.bin', '--public-key', key.publicDer, '--algorithm', 'RSAES_OAEP_SHA_256', '-o', 'out', ...extra],
      d,
    );
    expectRefusal(r, {
      code: 'ERR_FILE_UNWRITABLE',
      says: [`${join(d, 'out')} is a directory — name a file inside it (-o ${join(d, 'out', 'EncryptedKeyMaterial.bin')})`],
    });
    expect(await listing(join(d, 'out'))).toEqual([]);
    const k = await cli(['keygen', 'HMAC_384', '-o', 'out', ...extra], d);
    expectRefusal(k, {
      code: 'ERR_FILE_UNWRITABLE',
      says: [`is a directory — name a file inside it (-o ${join(d, 'out', 'HMAC_384_PlaintextKey.bin')})`],
    });
  });
});
