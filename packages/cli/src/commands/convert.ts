/** kms-wrap convert IN [-o OUT]: any private key form users hold → canonical PKCS#8 DER. */
import { resolve } from 'node:path';
import { inspectMaterial, zeroize } from '@kms-wrap/core';
import { flag, parse, str, usageError } from '../args.js';
import { DASH, STDIN_NAME, checkStdoutFor, readInput, writeOutput } from '../input.js';
import { json, line, summaryStream, type Io } from '../io.js';

export async function run(argv: string[], io: Io): Promise<number> {
  const p = parse(
    'convert',
    argv,
    { output: { type: 'string', short: 'o' }, base64: { type: 'boolean' }, force: { type: 'boolean' }, json: { type: 'boolean' } },
    { min: 1, max: 1 },
    { positional: true, output: true },
  );
  const cwd = io.cwd ?? process.cwd();
  const fromStdin = p.positionals[0] === DASH;
  const input = fromStdin ? STDIN_NAME : resolve(cwd, p.positionals[0]!);
  const toStdout = str(p, 'output') === DASH;
  if (fromStdin && str(p, 'output') === undefined) {
    throw usageError(
      'kms-wrap convert - reads standard input, which has no name to derive the output from — name it with -o FILE, or -o - for standard output',
    );
  }
  if (toStdout && flag(p, 'json')) {
    throw usageError('--json and -o - would both write standard output — leave one out (--json with -o FILE, or -o - alone)');
  }
  const base64 = flag(p, 'base64');
  if (toStdout) checkStdoutFor(io, true, base64, 'the PKCS#8 DER private key', 'convert');
  const output = toStdout ? undefined : resolve(cwd, str(p, 'output') ?? defaultOutput(input));
  const bytes = await readInput(cwd, p.positionals[0]!, 'the private key');
  const { toPkcs8 } = await import('@kms-wrap/keygen');
  let der: Uint8Array;
  let from: string;
  try {
    ({ der, from } = toPkcs8(bytes));
  } finally {
    zeroize(bytes);
  }
  try {
    const info = inspectMaterial(der, { region: 'china' });
    await writeOutput(io, output, der, { force: flag(p, 'force'), base64 });
    if (flag(p, 'json')) {
      json(io, { ok: true, input, output, from, keySpec: info.keySpec ?? null, bytes: der.length, base64 });
    } else {
      const form = base64 ? 'PKCS#8 DER as base64 text' : 'PKCS#8 DER';
      line(
        summaryStream(io, toStdout),
        `wrote ${output ?? 'standard output'} (${der.length} bytes): ${info.keySpec} private key, ${form}, converted from ${from}${output ? ' (mode 0600)' : ''}`,
      );
    }
    return 0;
  } finally {
    zeroize(der);
  }
}

function defaultOutput(input: string): string {
  if (/\.der$/i.test(input)) return input.replace(/\.der$/i, '.pkcs8.der');
  return input.replace(/\.[^./\\]+$/, '') + '.der';
}
