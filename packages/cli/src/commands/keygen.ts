/** kms-wrap keygen KEY_SPEC: material from the platform CSPRNG, in the form KMS imports. */
import { resolve } from 'node:path';
import { unlink } from 'node:fs/promises';
import { KEY_SPEC_INFO, parseKeySpec, parseRegion, zeroize, type KeySpec, type Region } from '@kms-wrap/core';
import { checkOutput, createNodeCryptoProvider } from '@kms-wrap/node';
import { flag, parse, str, usageError, type Parsed } from '../args.js';
import { DASH, checkStdoutFor, writeOutput } from '../input.js';
import { SURFACE, json, line, progress, summaryStream, type Io } from '../io.js';
import { PKCS11_FLAGS, isPkcs11Uri, loadPkcs11, tokenFlags, tokenOptions } from '../pkcs11.js';

/** Key generation runs on libuv's thread pool (RSA primes): two at a time keeps both cores busy. */
const PARALLEL = 2;

export async function run(argv: string[], io: Io): Promise<number> {
  const p = parse(
    'keygen',
    argv,
    {
      output: { type: 'string', short: 'o' },
      region: { type: 'string' },
      count: { type: 'string' },
      base64: { type: 'boolean' },
      force: { type: 'boolean' },
      json: { type: 'boolean' },
      pkcs11: { type: 'string' },
      ...PKCS11_FLAGS,
    },
    { min: 1, max: 1 },
    { output: true },
  );
  const spec = parseKeySpec(p.positionals[0]!);
  const region = parseRegion(str(p, 'region') ?? 'standard');
  const uri = str(p, 'pkcs11');
  if (uri !== undefined) return inToken(p, io, spec, region, uri);
  const countText = str(p, 'count') ?? '1';
  if (!/^\d+$/.test(countText) || Number(countText) < 1 || Number(countText) > 100000) {
    throw usageError(`--count takes a whole number from 1 to 100000, not '${countText}' — see kms-wrap keygen --help`);
  }
  const count = Number(countText);
  const force = flag(p, 'force');
  const base64 = flag(p, 'base64');
  // `-o -`: the one key on standard output (the summary on stderr).
  if (str(p, 'output') === DASH) {
    if (count !== 1)
      throw usageError(`-o - writes one output, and --count ${count} makes ${count} files — name a file (-o FILE: FILE-1, FILE-2, ...)`);
    if (flag(p, 'json'))
      throw usageError('--json and -o - would both write standard output — leave one out (--json with -o FILE, or -o - alone)');
    checkStdoutFor(io, true, base64, `${spec} key material`, 'keygen');
    const { generateKeyMaterial } = await import('@kms-wrap/keygen');
    const material = await generateKeyMaterial(spec, { region, crypto: createNodeCryptoProvider(), surface: 'command-line' });
    try {
      await writeOutput(io, undefined, material, { force, base64 });
      line(
        summaryStream(io, true),
        `wrote standard output (${material.length} bytes${base64 ? ', as base64 text' : ''}): ${spec} key material, ${describe(spec, material.length)}`,
      );
    } finally {
      zeroize(material);
    }
    return 0;
  }
  const base = resolve(io.cwd ?? process.cwd(), str(p, 'output') ?? KEY_SPEC_INFO[spec].fileName);
  const paths = count === 1 ? [base] : Array.from({ length: count }, (_, i) => numbered(base, i + 1));
  for (const path of paths) await checkOutput(path, force, KEY_SPEC_INFO[spec].fileName, SURFACE);
  const { generateKeyMaterial } = await import('@kms-wrap/keygen');
  const crypto = createNodeCryptoProvider();
  const written: string[] = [];
  const sizes: number[] = [];
  let next = 0;
  // RSA primes take seconds, and --count multiplies any spec: say how far it is (on a terminal).
  const bar = progress(io);
  const started = Date.now();
  const tell = () => {
    const rate = written.length > 0 ? `, ${((Date.now() - started) / 1000 / written.length).toFixed(1)} s each` : '';
    bar.show(`generating ${spec}: ${written.length}/${paths.length}${rate}`);
  };
  if (KEY_SPEC_INFO[spec].rsaBits || paths.length > 1) tell();
  const worker = async () => {
    while (next < paths.length) {
      const path = paths[next++]!;
      const material = await generateKeyMaterial(spec, { region, crypto, surface: 'command-line' });
      try {
        await writeOutput(io, path, material, { force, base64 });
        written.push(path);
        sizes.push(material.length);
      } finally {
        zeroize(material);
      }
      if (KEY_SPEC_INFO[spec].rsaBits || paths.length > 1) tell();
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(PARALLEL, paths.length) }, worker));
  } catch (e) {
    // All or nothing: remove what this run wrote before the failure.
    await Promise.all(written.map((w) => unlink(w).catch(() => {})));
    throw e;
  } finally {
    bar.done();
  }
  const files = paths.filter((x) => written.includes(x));
  if (flag(p, 'json')) {
    json(io, { ok: true, keySpec: spec, region, files, bytes: sizes[0] });
    return 0;
  }
  const what = `${describe(spec, sizes[0]!)}${base64 ? ' as base64 text' : ''}`;
  if (files.length === 1) line(io.stdout, `wrote ${files[0]}: ${spec} key material, ${what} (mode 0600)`);
  else
    line(io.stdout, `wrote ${files.length} files ${files[0]} … ${files[files.length - 1]}: ${spec} key material, ${what} each (mode 0600)`);
  return 0;
}

function describe(spec: KeySpec, length: number): string {
  return KEY_SPEC_INFO[spec].rawLength ? `${length} random bytes` : 'an unencrypted PKCS#8 DER private key';
}

/** keygen --pkcs11 URI: the material made inside the token, which it never leaves in plaintext. */
async function inToken(p: Parsed, io: Io, spec: KeySpec, region: Region, uri: string): Promise<number> {
  for (const name of ['output', 'count', 'force', 'base64']) {
    if (p.values[name] !== undefined) {
      throw usageError(`--${name} is for material written to a file; with --pkcs11 the material stays in the token — leave --${name} out`);
    }
  }
  if (!isPkcs11Uri(uri))
    throw usageError(`--pkcs11 takes a PKCS#11 URI (pkcs11:token=LABEL;object=LABEL), not '${uri}' — see kms-wrap keygen --help`);
  const api = await loadPkcs11();
  const key = await api.generateTokenKey({ uri, keySpec: spec, region, ...tokenOptions(uri, tokenFlags(p, io.cwd ?? process.cwd()), api) });
  if (flag(p, 'json')) {
    json(io, {
      ok: true,
      keySpec: spec,
      region,
      pkcs11: key.uri,
      token: key.token.label,
      class: key.class,
      keyType: key.keyType,
      id: key.id,
      sensitive: key.sensitive,
      extractable: key.extractable,
      wrapWithTrusted: key.wrapWithTrusted,
    });
    return 0;
  }
  line(io.stdout, `generated ${spec} key material in token '${key.token.label}': ${key.uri}`);
  line(io.stdout, `  ${key.keyType}, sensitive (never readable in plaintext), extractable only wrapped; wrap it with:`);
  line(io.stdout, `  kms-wrap wrap --material '${key.uri}' --parameters params.json --algorithm ALGORITHM`);
  return 0;
}

function numbered(path: string, n: number): string {
  const m = /^(.*?)(\.[^./\\]+)?$/.exec(path)!;
  return `${m[1]}-${n}${m[2] ?? ''}`;
}
