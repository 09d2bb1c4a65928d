/**
 * `kms-wrap completion bash|zsh|fish`, run in the real shells: commands, options and the names
 * they take complete; every option offered is one the command accepts. And `--quiet`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { optionsOf } from '../src/commands/completion.js';
import { COMMAND_NAMES } from '../src/help.js';
import { Scratch, cli, expectRefusal, parseOneJson, run } from './helpers.js';

const scratch = new Scratch();
let dir = '';
const scripts: Record<string, string> = {};

beforeAll(async () => {
  dir = await scratch.init('completion');
  for (const shell of ['bash', 'zsh', 'fish']) {
    const r = await cli(['completion', shell], dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    scripts[shell] = join(dir, `kms-wrap.${shell}`);
    writeFileSync(scripts[shell]!, r.stdout);
  }
});
afterAll(() => scratch.dispose());

/** What bash completes for the words typed (the last one being completed). */
function bash(...words: string[]): string[] {
  const script = `source ${scripts['bash']}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _kms_wrap; printf '%s\\n' "\${COMPREPLY[@]}"`;
  return execFileSync('bash', ['-c', script], { cwd: dir, encoding: 'utf8' }).split('\n').filter(Boolean);
}

describe('bash', () => {
  it('completes commands, options, and the names an option or argument takes', () => {
    expect(bash('kms-wrap', 'ke')).toEqual(['keygen']);
    expect(bash('kms-wrap', 'co')).toEqual(['convert', 'completion']);
    expect(bash('kms-wrap', 'wrap', '--alg')).toEqual(['--algorithm']);
    expect(bash('kms-wrap', 'wrap', '--algorithm', 'RSAES')).toEqual(['RSAES_OAEP_SHA_256', 'RSAES_OAEP_SHA_1']);
    expect(bash('kms-wrap', 'wrap', '--target', '')).toEqual(['aws', 'gcp', 'azure', 'vault']);
    expect(bash('kms-wrap', 'wrap', '--region', 'c')).toEqual(['china']);
    expect(bash('kms-wrap', 'keygen', 'HMAC_2')).toEqual(['HMAC_224', 'HMAC_256']);
    expect(bash('kms-wrap', 'completion', '')).toEqual(['bash', 'zsh', 'fish']);
  });

  it('completes file names where a file is taken', () => {
    writeFileSync(join(dir, 'WrappingPublicKey.bin'), 'x');
    expect(bash('kms-wrap', 'wrap', '--public-key', 'Wrapping')).toEqual(['WrappingPublicKey.bin']);
    expect(bash('kms-wrap', 'inspect', 'Wrapping')).toEqual(['WrappingPublicKey.bin']);
  });
});

describe('zsh (through its bash completion)', () => {
  it('loads in zsh and completes the same names', () => {
    const script = `source ${scripts['zsh']}; setopt ksharrays; COMP_WORDS=(kms-wrap wrap --target ''); COMP_CWORD=3; _kms_wrap; print -rl -- "\${COMPREPLY[@]}"`;
    const out = execFileSync('zsh', ['-f', '-c', script], { cwd: dir, encoding: 'utf8' }).split('\n').filter(Boolean);
    expect(out).toEqual(['aws', 'gcp', 'azure', 'vault']);
  });
});

describe('fish', () => {
  const fish = (line: string) =>
    execFileSync('fish', ['--no-config', '-c', `source ${scripts['fish']}; complete -C '${line}'`], { cwd: dir, encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split('\t')[0]);
  it('completes commands, options and names', () => {
    expect(fish('kms-wrap ke')).toEqual(['keygen']);
    expect(fish('kms-wrap wrap --alg')).toEqual(['--algorithm']);
    expect(fish('kms-wrap wrap --algorithm RSAES').sort()).toEqual(['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256']);
    expect(fish('kms-wrap keygen HMAC_2').sort()).toEqual(['HMAC_224', 'HMAC_256']);
  });
});

describe('one source: the help texts', () => {
  it('every command and every option offered is one kms-wrap accepts', async () => {
    for (const command of COMMAND_NAMES) {
      const options = optionsOf(command);
      // Every command has options but completion, whose one argument is the shell.
      expect(options.length > 0, command).toBe(command !== 'completion');
      for (const o of options) {
        const r = await run([command, o.name], dir);
        expect(r.stderr, `${command} ${o.name}`).not.toMatch(/Unknown option|is not a kms-wrap command/);
      }
    }
  });

  it('an unknown shell is a usage error naming the three', async () => {
    expectRefusal(await run(['completion', 'powershell'], dir), {
      code: 'ERR_USAGE',
      exit: 2,
      says: ["'powershell' is not a shell kms-wrap completes — use bash, zsh or fish"],
    });
  });
});

describe('--quiet', () => {
  it('prints nothing on success, and still writes the file', async () => {
    const cwd = await scratch.fresh('quiet');
    for (const q of ['--quiet', '-q']) {
      const r = await cli(['keygen', 'HMAC_256', '-o', `k${q}.bin`, q], cwd);
      expect(r).toEqual({ code: 0, stdout: '', stderr: '' });
      expect(existsSync(join(cwd, `k${q}.bin`))).toBe(true);
    }
    // Without it, the same command says what it wrote.
    expect((await run(['keygen', 'HMAC_256', '-o', 'k.bin'], cwd)).stdout).toContain('k.bin');
  });

  it('still prints errors (and their exit code), and JSON when --json is asked for', async () => {
    const cwd = await scratch.fresh('quiet-errors');
    expectRefusal(await run(['--quiet', 'keygen', 'HMAC_255'], cwd), { code: 'ERR_UNKNOWN_NAME', exit: 2, says: ['HMAC_255'] });
    const r = await run(['keygen', 'HMAC_256', '-o', 'j.bin', '--json', '--quiet'], cwd);
    expect(r.code).toBe(0);
    expect(parseOneJson(r.stdout)['ok']).toBe(true);
  });

  it('drops notes: a PEM key converted on the fly is wrapped without the note', async () => {
    const cwd = await scratch.fresh('quiet-note');
    execFileSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', join(cwd, 'k.pem')]);
    execFileSync('openssl', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', join(cwd, 'w.pem')]);
    execFileSync('openssl', ['pkey', '-in', join(cwd, 'w.pem'), '-pubout', '-outform', 'DER', '-out', join(cwd, 'w.der')]);
    const args = ['wrap', '--material', 'k.pem', '--public-key', 'w.der', '--algorithm', 'RSA_AES_KEY_WRAP_SHA_256'];
    const loud = await run([...args, '-o', 'a.bin'], cwd);
    expect(loud.stderr).toContain('kms-wrap: note: converted the material');
    expect(await run([...args, '-o', 'b.bin', '-q'], cwd)).toEqual({ code: 0, stdout: '', stderr: '' });
  });
});
