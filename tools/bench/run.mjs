#!/usr/bin/env node
// pnpm bench [wrap|memory|keygen|kwp] [--runs N] ...: kms-wrap's benchmarks. Figures on a machine that
// is doing other work are noisy: read the min–max columns, and run it twice.
//
//   pnpm bench            batch vs a plain node:crypto loop vs the OpenSSL recipe; cold start
//       --count 2000 --runs 5 --sample 50 (recipe runs, extrapolated) --distinct 8 (RSA_4096
//       keys the material files are copies of) --cold-runs 15 --openssl-sample 20 --keep
//       --dir PATH (where the fixture and outputs go; /dev/shm by default, see benchDir in lib.mjs)
//   pnpm bench memory     kms-wrap batch's peak memory over 1,000 to 100,000 lines, and under a capped heap
//       --lines 1000,10000,100000 --cap 48 (MB of V8 old space for the capped run) --dir PATH
//   pnpm bench keygen     keygen per key spec beside openssl genpkey; --count 8 on all cores vs one
//       --runs 5 --count 8
//   pnpm bench kwp        RFC 5649 key wrap with padding: the AES-NI addon, node:crypto and the alternatives
//       --runs 7
import { parseOptions } from './lib.mjs';

const [first, ...rest] = process.argv.slice(2);
const which = first === undefined || first.startsWith('--') ? 'wrap' : first;
const argv = first === undefined || first.startsWith('--') ? process.argv.slice(2) : rest;
const keep = argv.includes('--keep');
const args = argv.filter((a) => a !== '--keep');

try {
  if (which === 'wrap') {
    const { wrapBench } = await import('./wrap-bench.mjs');
    await wrapBench({
      ...parseOptions(args, { count: 2000, runs: 5, sample: 50, distinct: 8, coldRuns: 15, opensslSample: 20, dir: '' }),
      keep,
    });
  } else if (which === 'keygen') {
    const { keygenBench } = await import('./keygen-bench.mjs');
    await keygenBench(parseOptions(args, { runs: 5, count: 8 }));
  } else if (which === 'memory') {
    const { memoryBench } = await import('./memory-bench.mjs');
    await memoryBench(parseOptions(args, { lines: '1000,10000,100000', cap: 48, dir: '' }));
  } else if (which === 'kwp') {
    const { kwpBench } = await import('./kwp-bench.mjs');
    await kwpBench(parseOptions(args, { runs: 7 }));
  } else {
    console.error(`bench: '${which}' is not a benchmark — use wrap, memory, keygen or kwp`);
    process.exit(2);
  }
} catch (e) {
  console.error(`bench: ${e.message}`);
  process.exit(1);
}
