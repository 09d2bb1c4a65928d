/**
 * Crash safety: `wrap`, `keygen --count` and `batch` (node dist/bin.js) killed with SIGINT,
 * SIGTERM or SIGKILL at random moments, 30 times each, never leave a partial or corrupt output.
 * Two thirds of the kills come at a random delay across the command's whole run (startup,
 * reading, wrapping, writing); one third the moment a temporary file appears in the output
 * folder, so that a write is under way. After each kill, every output present is whole: wrapped
 * key material decrypts to its plaintext (node:crypto, RSA-OAEP), generated keys parse as the
 * key spec's PKCS#8, the import token is the parameters' own.
 *
 * Temporary files (`.NAME.<12 hex>.tmp`, hidden, with the output's mode: 0600 for key material): after SIGINT or SIGTERM none is
 * left (writeFileAtomic removes its own; batch finishes the writes under way). After SIGKILL one
 * may remain — nothing can run then — and it is never an output: hidden, named after the output
 * with a random suffix, and a rerun (with --force) writes every output whole beside it.
 */
import { spawn } from 'node:child_process';
import { constants, createPrivateKey, generateKeyPairSync, privateDecrypt, randomBytes, type KeyObject } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, watch } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const KILLS = 30;
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGKILL'] as const;
type Signal = (typeof SIGNALS)[number];
const TEMP = /^\.(.+)\.[0-9a-f]{12}(?:-[0-9a-z]+)?\.tmp$/; // files.ts: 12 hex; batch workers: 12 hex and a counter
/** Runs at once: the kills wait on child processes, and two cores are shared. */
const PARALLEL = 3;

let root: string;
let fixtures: string;
let wrappingKey: KeyObject;
let token: Buffer;
const MATERIALS = 24;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'kms-wrap-crash-'));
  fixtures = join(root, 'fixtures');
  await mkdir(fixtures);
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  wrappingKey = pair.privateKey;
  const spki = pair.publicKey.export({ type: 'spki', format: 'der' });
  token = randomBytes(128);
  await writeFile(join(fixtures, 'WrappingPublicKey.bin'), spki);
  await writeFile(
    join(fixtures, 'params.json'),
    JSON.stringify({
      KeyId: 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      ImportToken: token.toString('base64'),
      PublicKey: spki.toString('base64'),
      ParametersValidTo: Date.now() / 1000 + 86_400,
    }),
  );
  const lines: string[] = [];
  for (let i = 0; i < MATERIALS; i++) {
    await writeFile(join(fixtures, `m${i}.bin`), randomBytes(32));
    lines.push(
      JSON.stringify({
        material: join(fixtures, `m${i}.bin`),
        publicKey: join(fixtures, 'WrappingPublicKey.bin'),
        algorithm: 'RSAES_OAEP_SHA_256',
        keySpec: 'SYMMETRIC_DEFAULT',
        output: `o${i}.bin`,
      }),
    );
  }
  await writeFile(join(fixtures, 'manifest.jsonl'), `${lines.join('\n')}\n`);
}, 120_000);
afterAll(() => rm(root, { recursive: true, force: true }));

interface Outcome {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly ms: number;
  readonly stderr: string;
}

/** Runs the command in `cwd`; kills it with `signal` after `delay` ms, or when the `nth` temporary file appears (`delay` = 'on-temp'). */
function runAndKill(
  args: readonly string[],
  cwd: string,
  signal: Signal | undefined,
  delay: number | 'on-temp',
  nth = 1,
): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    let timer: NodeJS.Timeout | undefined;
    let watcher: ReturnType<typeof watch> | undefined;
    const kill = () => {
      watcher?.close();
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    };
    if (signal !== undefined) {
      if (delay === 'on-temp') {
        const seen = new Set<string>();
        watcher = watch(cwd, (_event, name) => {
          if (name && TEMP.test(name) && seen.add(name).size >= nth) kill();
        });
        timer = setTimeout(kill, 5_000); // no write at all: kill anyway
      } else timer = setTimeout(kill, delay);
    }
    child.on('error', reject);
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      watcher?.close();
      resolve({ code, signal: sig, ms: performance.now() - t0, stderr });
    });
  });
}

/** Hidden temporary files and outputs in a folder. */
function contents(dir: string): { temps: string[]; outputs: string[] } {
  const names = readdirSync(dir);
  return { temps: names.filter((n) => n.startsWith('.')), outputs: names.filter((n) => !n.startsWith('.')) };
}

interface Command {
  readonly name: string;
  /** Prepares a fresh folder and returns the command line to run in it. */
  args(dir: string, force?: boolean): string[];
  /** Asserts that an output is whole; `name` is the file's name in the folder. */
  check(dir: string, name: string): void;
  /** The names the command may write. */
  readonly expected: RegExp;
  /** How many files it writes: the on-temp kills wait for one of them at random. */
  readonly files: number;
}

const decrypt = (ciphertext: Buffer) =>
  privateDecrypt({ key: wrappingKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, ciphertext);

const COMMANDS: Command[] = [
  {
    name: 'wrap --parameters (EncryptedKeyMaterial.bin, then ImportToken.bin)',
    args: (_dir, force) => [
      'wrap',
      '--material',
      join(fixtures, 'm0.bin'),
      '--parameters',
      join(fixtures, 'params.json'),
      '--algorithm',
      'RSAES_OAEP_SHA_256',
      '--key-spec',
      'SYMMETRIC_DEFAULT',
      ...(force ? ['--force'] : []),
    ],
    check(dir, name) {
      const bytes = readFileSync(join(dir, name));
      if (name === 'ImportToken.bin') expect(bytes.equals(token), 'ImportToken.bin is not the whole token').toBe(true);
      else {
        expect(bytes.length, `${name} is ${bytes.length} bytes`).toBe(256);
        expect(decrypt(bytes).equals(readFileSync(join(fixtures, 'm0.bin'))), `${name} does not unwrap to the material`).toBe(true);
      }
    },
    expected: /^(EncryptedKeyMaterial|ImportToken)\.bin$/,
    files: 2,
  },
  {
    name: 'keygen ECC_NIST_P256 --count 60',
    args: (_dir, force) => ['keygen', 'ECC_NIST_P256', '--count', '60', ...(force ? ['--force'] : [])],
    check(dir, name) {
      const der = readFileSync(join(dir, name));
      const key = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
      expect(key.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
      // canonical PKCS#8, exactly what a whole write holds
      expect(key.export({ type: 'pkcs8', format: 'der' }).equals(der), `${name} is not whole`).toBe(true);
      expect(statSync(join(dir, name)).mode & 0o777).toBe(0o600);
    },
    expected: /^ECC_NIST_P256_PrivateKey-\d+\.der$/,
    files: 60,
  },
  {
    name: `batch (${MATERIALS} wraps on worker threads)`,
    args: (_dir, force) => ['batch', join(fixtures, 'manifest.jsonl'), ...(force ? ['--force'] : [])],
    check(dir, name) {
      const i = /^o(\d+)\.bin$/.exec(name)![1]!;
      const bytes = readFileSync(join(dir, name));
      expect(bytes.length, `${name} is ${bytes.length} bytes`).toBe(256);
      expect(decrypt(bytes).equals(readFileSync(join(fixtures, `m${i}.bin`))), `${name} does not unwrap to m${i}.bin`).toBe(true);
    },
    expected: /^o\d+\.bin$/,
    files: MATERIALS,
  },
];

/** Batch outputs are named relative to the manifest's folder: each run gets its own copy of the manifest. */
async function prepare(command: Command, dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const args = command.args(dir);
  if (args[0] === 'batch') {
    await writeFile(join(dir, 'manifest.jsonl'), readFileSync(join(fixtures, 'manifest.jsonl')));
    args[1] = join(dir, 'manifest.jsonl');
  }
  return args;
}

async function pool<T>(items: readonly T[], f: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: PARALLEL }, async () => {
      while (next < items.length) {
        const i = next++;
        await f(items[i]!, i);
      }
    }),
  );
}

describe('crash safety: killed at random moments, only whole outputs or none', () => {
  for (const command of COMMANDS) {
    it(command.name, { timeout: 240_000 }, async () => {
      // Undisturbed runs, as many at once as the kills will run: how long the command takes here
      // and now, and that it writes what the checks expect.
      const baselines = await Promise.all(
        Array.from({ length: PARALLEL }, async (_, i) => {
          const dir = join(root, `${command.args(root)[0]}-baseline-${i}`);
          const outcome = await runAndKill(await prepare(command, dir), dir, undefined, 0);
          expect(outcome.code, outcome.stderr).toBe(0);
          return { dir, outcome };
        }),
      );
      const baseline = { ms: Math.max(...baselines.map((b) => b.outcome.ms)) };
      const baselineDir = baselines[0]!.dir;
      const written = contents(baselineDir).outputs.filter((n) => command.expected.test(n));
      expect(written.length).toBeGreaterThan(0);
      for (const name of written) command.check(baselineDir, name);

      // Each signal ten times; a third of them the moment a temporary file appears (the first to the
      // twelfth, at random), the rest at a random delay.
      const plans = Array.from({ length: KILLS }, (_, i) => ({
        signal: SIGNALS[i % 3]!,
        delay: Math.floor(i / 3) % 3 === 0 ? ('on-temp' as const) : Math.floor(Math.random() * Math.max(300, baseline.ms * 1.2)),
        nth: 1 + Math.floor(Math.random() * Math.min(command.files, 12)),
      }));
      const results: { signal: Signal; delay: number | 'on-temp'; outcome: Outcome; outputs: number; temps: string[] }[] = [];
      await pool(plans, async (plan, i) => {
        const dir = join(root, `${command.args(root)[0]}-${i}`);
        const args = await prepare(command, dir);
        const outcome = await runAndKill(args, dir, plan.signal, plan.delay, plan.nth);
        const { temps, outputs } = contents(dir);
        const mine = outputs.filter((n) => command.expected.test(n));
        for (const name of mine) command.check(dir, name);
        // Nothing else appeared (the batch manifest is ours).
        expect(outputs.filter((n) => !command.expected.test(n) && n !== 'manifest.jsonl')).toEqual([]);
        if (outcome.code !== 0) {
          // Stopped by the signal: by our handlers (130, 143) or by the default action.
          const expectedCode = { SIGINT: 130, SIGTERM: 143, SIGKILL: -1 }[plan.signal];
          expect(
            outcome.signal === plan.signal || outcome.code === expectedCode,
            `${plan.signal}: exit ${outcome.code} ${outcome.signal}: ${outcome.stderr}`,
          ).toBe(true);
        }
        if (plan.signal !== 'SIGKILL') {
          expect(temps, `${plan.signal} left temporary files`).toEqual([]);
        } else {
          for (const t of temps) {
            const m = TEMP.exec(t);
            expect(m, `an unexpected hidden file ${t}`).not.toBeNull();
            expect(command.expected.test(m![1]!), `${t} is not named after an output`).toBe(true);
            // The output's own mode from the start: 0600 for key material (the import token, not secret, is 0644).
            expect(statSync(join(dir, t)).mode & 0o777).toBe(m![1] === 'ImportToken.bin' ? 0o644 : 0o600);
          }
        }
        results.push({ signal: plan.signal, delay: plan.delay, outcome, outputs: mine.length, temps });
      });

      // The kills hit the command at different stages: before any output, part-way, and after.
      const stopped = results.filter((r) => r.outcome.code !== 0);
      expect(stopped.length, 'no kill landed before the command finished').toBeGreaterThan(KILLS / 3);
      const partial = results.filter((r) => r.outputs > 0 && r.outcome.code !== 0);
      const summary = SIGNALS.map((s) => {
        const of = results.filter((r) => r.signal === s);
        return `${s}: ${of.filter((r) => r.outcome.code !== 0).length}/${of.length} stopped, ${of.filter((r) => r.outputs > 0 && r.outcome.code !== 0).length} with outputs, ${of.reduce((n, r) => n + r.temps.length, 0)} temporary files left`;
      });
      console.log(`${command.name}: baseline ${baseline.ms.toFixed(0)} ms; ${summary.join('; ')}`);
      if (command.name.startsWith('keygen') || command.name.startsWith('batch'))
        expect(partial.length, 'no kill landed while outputs were being written').toBeGreaterThan(0);

      // A SIGKILL's leftover temporary file is not an output: a rerun with --force writes every output whole beside it.
      const dirs = readdirSync(root).filter((d) => d.startsWith(`${command.args(root)[0]}-`) && !d.includes('-baseline'));
      const withTemp = dirs.find((d) => contents(join(root, d)).temps.length > 0) ?? dirs[0]!;
      const dir = join(root, withTemp);
      const temps = contents(dir).temps;
      const args = command.args(dir, true);
      if (args[0] === 'batch') args[1] = join(dir, 'manifest.jsonl');
      const rerun = await runAndKill(args, dir, undefined, 0);
      expect(rerun.code, rerun.stderr).toBe(0);
      const after = contents(dir);
      expect(after.outputs.filter((n) => command.expected.test(n)).sort()).toEqual([...written].sort());
      for (const name of written) command.check(dir, name);
      for (const t of temps) expect(existsSync(join(dir, t))).toBe(true); // untouched, and not taken for an output
    });
  }
});
