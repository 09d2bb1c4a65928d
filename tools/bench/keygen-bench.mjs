// pnpm bench keygen: `kms-wrap keygen SPEC` beside `openssl genpkey` (or `openssl rand`) for the
// same key spec, in the same run, as whole processes; then `kms-wrap keygen RSA_4096 --count N`
// on all cores against the same N keys generated one after another.
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, ROOT, fmt, loadNow, machine, max, median, min, requireBuilt, table, timed } from './lib.mjs';

const SPECS = [
  ['SYMMETRIC_DEFAULT', ['rand', '32']],
  ['HMAC_256', ['rand', '32']],
  ['HMAC_512', ['rand', '64']],
  ['RSA_2048', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-outform', 'DER']],
  ['RSA_3072', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:3072', '-outform', 'DER']],
  ['RSA_4096', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:4096', '-outform', 'DER']],
  ['ECC_NIST_P256', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-outform', 'DER']],
  ['ECC_NIST_P384', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384', '-outform', 'DER']],
  ['ECC_NIST_P521', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-521', '-outform', 'DER']],
  ['ECC_SECG_P256K1', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:secp256k1', '-outform', 'DER']],
  ['SM2', ['genpkey', '-algorithm', 'SM2', '-outform', 'DER'], ['--region', 'china']],
];

export async function keygenBench(o) {
  requireBuilt();
  console.log(`kms-wrap keygen bench: ${o.runs} runs of each, interleaved; medians (min–max) of whole processes`);
  console.log(`machine: ${machine()}`);
  const dir = mkdtempSync(join(tmpdir(), 'kms-wrap-keygen-bench-'));
  try {
    const node0 = [];
    const ours = Object.fromEntries(SPECS.map(([s]) => [s, []]));
    const theirs = Object.fromEntries(SPECS.map(([s]) => [s, []]));
    for (let r = 0; r < o.runs; r++) {
      node0.push(timed(process.execPath, ['-e', '0']).ms);
      for (const [spec, openssl, extra = []] of SPECS) {
        const a = () =>
          ours[spec].push(timed(process.execPath, [BIN, 'keygen', spec, '-o', join(dir, `${spec}.k`), '--force', ...extra]).ms);
        const b = () => {
          const args =
            openssl[0] === 'rand' ? ['rand', '-out', join(dir, `${spec}.o`), openssl[1]] : [...openssl, '-out', join(dir, `${spec}.o`)];
          theirs[spec].push(timed('openssl', args).ms);
        };
        if (r % 2 === 0) (a(), b());
        else (b(), a());
      }
      process.stderr.write(`bench: keygen run ${r + 1}/${o.runs} done (load ${loadNow()})\n`);
    }
    const range = (v) => `${fmt(min(v))}–${fmt(max(v))}`;
    const rows = [['key spec', 'kms-wrap keygen (ms)', 'min–max', 'openssl (ms)', 'min–max', 'kms-wrap / openssl']];
    for (const [spec, openssl] of SPECS) {
      rows.push([
        `${spec}${openssl[0] === 'rand' ? ' (openssl rand)' : ''}`,
        fmt(median(ours[spec])),
        range(ours[spec]),
        fmt(median(theirs[spec])),
        range(theirs[spec]),
        `${fmt(median(ours[spec]) / median(theirs[spec]), 2)}×`,
      ]);
    }
    console.log(table(rows));
    console.log(`node -e 0: ${fmt(median(node0))} ms (the start-up inside every kms-wrap figure)`);

    // --count N on all cores against the same N keys one after another (the library, in one process).
    const spec = 'RSA_4096';
    const par = [];
    const seq = [];
    for (let r = 0; r < o.runs; r++) {
      const a = () =>
        par.push(timed(process.execPath, [BIN, 'keygen', spec, '--count', String(o.count), '-o', join(dir, 'par.der'), '--force']).ms);
      const b = () => seq.push(timed(process.execPath, [join(ROOT, 'tools/bench/keygen-seq.mjs'), spec, String(o.count), dir]).ms);
      if (r % 2 === 0) (a(), b());
      else (b(), a());
      process.stderr.write(`bench: --count run ${r + 1}/${o.runs} done (load ${loadNow()})\n`);
    }
    console.log(
      `\nkms-wrap keygen ${spec} --count ${o.count} on ${availableParallelism()} cores: ${fmt(median(par) / 1000, 2)} s (${fmt(min(par) / 1000, 2)}–${fmt(max(par) / 1000, 2)}); ` +
        `the same ${o.count} one after another: ${fmt(median(seq) / 1000, 2)} s (${fmt(min(seq) / 1000, 2)}–${fmt(max(seq) / 1000, 2)}) → speed-up ${fmt(median(seq) / median(par), 2)}×`,
    );
    console.log('RSA key generation time varies widely from key to key (prime search): read the min–max columns.');
    console.log(`load average at the end: ${loadNow()}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
