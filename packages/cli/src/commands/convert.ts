/** kms-wrap convert IN [-o OUT]: any private key form users hold → canonical PKCS#8 DER. */
import { resolve } from 'node:path';
import { inspectMaterial, zeroize } from '@kms-wrap/core';
import { readInputFile, writeFileAtomic } from '@kms-wrap/node';
import { flag, parse, str } from '../args.js';
import { json, line, type Io } from '../io.js';

export async function run(argv: string[], io: Io): Promise<number> {
  const p = parse(
    'convert',
    argv,
    { output: { type: 'string', short: 'o' }, force: { type: 'boolean' }, json: { type: 'boolean' } },
    { min: 1, max: 1 },
  );
  const cwd = io.cwd ?? process.cwd();
  const input = resolve(cwd, p.positionals[0]!);
  const output = resolve(cwd, str(p, 'output') ?? defaultOutput(input));
  const bytes = await readInputFile(input, 'the private key');
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
    await writeFileAtomic(output, der, { force: flag(p, 'force') });
    if (flag(p, 'json')) {
      json(io, { ok: true, input, output, from, keySpec: info.keySpec ?? null, bytes: der.length });
    } else {
      line(io.stdout, `wrote ${output} (${der.length} bytes): ${info.keySpec} private key, PKCS#8 DER, converted from ${from} (mode 0600)`);
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
