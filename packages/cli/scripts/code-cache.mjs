// Makes the V8 code cache of each file the bin runs (FILE.js.v8cache beside FILE.js in
// dist/bundle/COMMAND/): loads each command's bundle through the bin's own loader, runs typical
// command lines in-process (in a temporary directory, on keys made here) so that the code they
// run is compiled, loads the chunks they did not, then saves what V8 compiled. Run by
// scripts/bundle.mjs in a fresh `node` with no flags (V8 refuses a cache made under other
// flags). A command line that does not end with the exit code expected fails the build: this is
// also a smoke test of every bundle.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const [outdir] = process.argv.slice(2);
const bin = createRequire(import.meta.url)(join(outdir, 'kms-wrap.js'));

const dir = mkdtempSync(join(tmpdir(), 'kms-wrap-code-cache-'));
const file = (name, bytes) => (writeFileSync(join(dir, name), bytes), name);
const der = (type) => ({ type, format: 'der' });
const wrapping = generateKeyPairSync('rsa', { modulusLength: 2048 });
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const pub = file('WrappingPublicKey.bin', wrapping.publicKey.export(der('spki')));
const sym = file('sym.bin', randomBytes(32));
const rsaDer = file('rsa.der', rsa.privateKey.export(der('pkcs8')));
const ecDer = file('ec.der', ec.privateKey.export(der('pkcs8')));
const ecPem = file('ec.pem', ec.privateKey.export({ type: 'sec1', format: 'pem' }));
file(
  'manifest.jsonl',
  `${JSON.stringify({ material: sym, publicKey: pub, algorithm: 'RSAES_OAEP_SHA_256', keySpec: 'SYMMETRIC_DEFAULT', output: 'b.bin' })}\n`,
);
const wrap = (material, algorithm, ...more) => [
  'wrap',
  '--material',
  material,
  '--public-key',
  pub,
  '--algorithm',
  algorithm,
  '-o',
  'out.bin',
  '--force',
  ...more,
];

// [argv, exit code]: for each command, what runs most; '' is the bundle of no command.
const RUNS = {
  '': [
    [['--help'], 0],
    [['--version'], 0],
    [['help', 'wrap'], 0],
    [['no-such-command'], 2],
  ],
  wrap: [
    [wrap(rsaDer, 'RSA_AES_KEY_WRAP_SHA_256'), 0],
    [wrap(sym, 'RSAES_OAEP_SHA_256', '--key-spec', 'SYMMETRIC_DEFAULT'), 0],
    [wrap(ecDer, 'RSA_AES_KEY_WRAP_SHA_1', '--json'), 0],
    [wrap(rsaDer, 'RSAES_OAEP_SHA_1'), 1],
    [['wrap', '--help'], 0],
  ],
  batch: [[['batch', 'manifest.jsonl', '--check'], 0]],
  import: [
    [
      [
        'import',
        '--key-id',
        '1234abcd-12ab-34cd-56ef-1234567890ab',
        '--region',
        'eu-west-1',
        '--material',
        sym,
        '--algorithm',
        'RSAES_OAEP_SHA_256',
        '--dry-run',
      ],
      0,
    ],
  ],
  keygen: [
    [['keygen', 'SYMMETRIC_DEFAULT', '-o', 'k.bin', '--force'], 0],
    [['keygen', 'ECC_NIST_P256', '-o', 'k.der', '--force'], 0],
  ],
  inspect: [
    [['inspect', rsaDer], 0],
    [['inspect', pub, '--json'], 0],
  ],
  convert: [[['convert', ecPem, '-o', 'c.der', '--force'], 0]],
  algorithms: [
    [['algorithms'], 0],
    [['algorithms', '--json'], 0],
  ],
  demo: [[['demo', '--help'], 0]],
};

const sink = { write: () => true };
try {
  // Every command of src/main.ts (named by scripts/bundle.mjs), through the bundle the bin runs for
  // it: its own, or main/ for most.
  for (const name of ['', ...process.argv.slice(3)]) {
    const main = bin.bundleFile(name || undefined);
    const { main: run } = bin.load(main);
    for (const [argv, expected] of RUNS[name] ?? [[[name, '--help'], 0]]) {
      let err = '';
      const code = await run(argv, { stdout: sink, stderr: { write: (s) => ((err += s), true) }, cwd: dir });
      if (code !== expected) throw new Error(`kms-wrap ${argv.join(' ')} (${main}) ended with ${code}, not ${expected}: ${err}`);
    }
    // The chunks these runs did not import: run too, so that their top level is in their cache.
    for (const f of readdirSync(dirname(main))) if (/^chunk-.*\.js$/.test(f)) bin.load(join(dirname(main), f));
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
let files = 0;
for (const [path, { script }] of bin.loaded) {
  writeFileSync(`${path}.v8cache`, script.createCachedData());
  files++;
}
const all = readdirSync(outdir, { recursive: true }).filter((f) => f.endsWith('.js'));
for (const f of all) {
  if (/[^\x00-\x7f]/.test(readFileSync(join(outdir, f), 'latin1'))) throw new Error(`dist/bundle/${f} is not ASCII`);
}
// Every file but the bin and the worker thread (run by Node's loader) has its cache.
if (files !== all.length - 2) throw new Error(`${files} code caches for ${all.length - 2} files`);
