/**
 * kms-wrap batch MANIFEST: many wraps from a JSON Lines manifest, on all cores. Every line is
 * checked before any is wrapped (shape, files, rules, outputs); one bad line refuses the whole
 * batch, with every bad line named. Then a failed wrap does not stop the others. SIGINT/SIGTERM
 * stop scheduling; the wraps under way finish, so every output on disk is whole.
 */
import { resolve } from 'node:path';
import { ERROR_CODES, type KmsWrapError } from '@kms-wrap/core';
import { checkBatch, readBatchManifest, wrapBatch, type BatchProgress, type BatchSummary } from '@kms-wrap/node';
import { flag, parse, str, usageError } from '../args.js';
import { json, line, note, type Io } from '../io.js';

const EXIT_ON: Readonly<Record<string, number>> = { SIGINT: 130, SIGTERM: 143 };

export async function run(argv: string[], io: Io): Promise<number> {
  const p = parse('batch', argv, {
    concurrency: { type: 'string' },
    force: { type: 'boolean' },
    fsync: { type: 'boolean' },
    check: { type: 'boolean' },
    json: { type: 'boolean' },
  }, { min: 1, max: 1 });
  const concurrencyText = str(p, 'concurrency');
  if (concurrencyText !== undefined && (!/^\d+$/.test(concurrencyText) || Number(concurrencyText) < 1 || Number(concurrencyText) > 1024)) {
    throw usageError(`--concurrency takes a whole number from 1 to 1024, not '${concurrencyText}' — see kms-wrap batch --help`);
  }
  const asJson = flag(p, 'json');
  const manifestPath = resolve(io.cwd ?? process.cwd(), p.positionals[0]!);
  const manifest = await readBatchManifest(manifestPath);
  const lineOf = (index: number) => manifest.lines[index]!;
  const label = (index: number) => `line ${lineOf(index)}`;
  const options = {
    force: flag(p, 'force'),
    label,
    ...(concurrencyText === undefined ? {} : { concurrency: Number(concurrencyText) }),
    ...(io.now ? { now: io.now } : {}),
  };

  // Refusals first: a malformed line is reported with every other bad line, and nothing runs.
  if (manifest.problems.length > 0 || flag(p, 'check')) {
    const problems = [
      ...manifest.problems,
      ...(await checkBatch(manifest.entries, options)).map((x) => ({ line: lineOf(x.index), error: x.error })),
    ];
    const total = manifest.entries.length + manifest.problems.length;
    if (problems.length > 0) return refuse(io, asJson, manifestPath, problems, total);
    if (asJson) json(io, { ok: true, manifest: manifestPath, total, checked: total, wrapped: 0 });
    else line(io.stdout, `all ${total} lines pass every check (--check: nothing was wrapped)`);
    return 0;
  }

  const controller = new AbortController();
  let signal: NodeJS.Signals | undefined;
  const onSignal = (s: NodeJS.Signals) => {
    if (signal) process.exit(EXIT_ON[signal] ?? 1); // a second signal: leave now (hidden temporary files may remain)
    signal = s;
    controller.abort();
    io.stderr.write(`${bar.clear()}kms-wrap: ${s}: stopping — the wraps under way finish, nothing new starts (again to quit at once)\n`);
  };
  const bar = progressBar(io);
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
  let summary: BatchSummary;
  try {
    summary = await wrapBatch(manifest.entries, { ...options, strict: true, fsync: flag(p, 'fsync'), signal: controller.signal, onProgress: bar.update });
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
    io.stderr.write(bar.clear());
  }

  if (summary.refused) {
    const problems = summary.results.flatMap((r) => (r.status === 'failed' ? [{ line: lineOf(r.index), error: r.error }] : []));
    return refuse(io, asJson, manifestPath, problems, summary.total);
  }
  printProblems(io, summary.results.flatMap((r) => (r.status === 'failed' ? [{ line: lineOf(r.index), error: r.error }] : [])), 'failed lines');
  const rate = `${summary.seconds.toFixed(2)} s, ${Math.round(summary.wrapsPerSecond)} wraps/s`;
  if (signal) {
    io.stderr.write(`kms-wrap: stopped by ${signal}: ${summary.wrapped} wrapped, ${summary.failed} failed, ${summary.skipped} not started — every output written is whole; run the lines not done again\n`);
  }
  if (asJson) {
    json(io, {
      ok: summary.failed === 0 && summary.skipped === 0,
      manifest: manifestPath,
      total: summary.total,
      wrapped: summary.wrapped,
      failed: summary.failed,
      skipped: summary.skipped,
      interrupted: signal ?? null,
      seconds: Number(summary.seconds.toFixed(3)),
      wrapsPerSecond: Math.round(summary.wrapsPerSecond),
      results: summary.results.map((r) => ({
        line: lineOf(r.index),
        output: r.output,
        status: r.status,
        ...(r.status === 'wrapped'
          ? { bytes: r.bytes, algorithm: r.algorithm, keySpec: r.keySpec ?? null, keySpecCandidates: r.keySpecCandidates, wrappingKeySpec: r.wrappingKeySpec }
          : {}),
        ...(r.status === 'failed' ? { error: { code: r.error.code, message: r.error.message } } : {}),
      })),
    });
  } else {
    const failed = summary.failed > 0 ? `, ${summary.failed} failed` : '';
    const skipped = summary.skipped > 0 ? `, ${summary.skipped} not started` : '';
    line(io.stdout, `${summary.wrapped} of ${summary.total} wrapped${failed}${skipped} in ${rate} (files mode 0600)`);
  }
  if (signal) return EXIT_ON[signal] ?? 1;
  return summary.failed > 0 || summary.skipped > 0 ? 1 : 0;
}

function refuse(io: Io, asJson: boolean, manifest: string, problems: { line: number; error: KmsWrapError }[], total: number): number {
  problems.sort((a, b) => a.line - b.line);
  printProblems(io, problems, 'refused lines');
  const lines = new Set(problems.map((x) => x.line)).size;
  const message = `${lines} of ${total} manifest line${total === 1 ? ' is' : 's are'} refused (${lines === 1 ? 'see above' : 'each named above'}) — nothing was wrapped; fix ${lines === 1 ? 'it' : 'them'} and run the batch again`;
  io.stderr.write(`kms-wrap: ${ERROR_CODES.MANIFEST_INVALID}: ${message}\n`);
  if (asJson) {
    json(io, {
      ok: false,
      manifest,
      error: { code: ERROR_CODES.MANIFEST_INVALID, message },
      problems: problems.map((x) => ({ line: x.line, code: x.error.code, message: x.error.message })),
    });
  }
  return 1;
}

/** Shown on stderr one line each, the first MAX_SHOWN of them; --json has them all. */
const MAX_SHOWN = 100;

function printProblems(io: Io, problems: readonly { line: number; error: KmsWrapError }[], what: string): void {
  for (const x of problems.slice(0, MAX_SHOWN)) io.stderr.write(`kms-wrap: ${x.error.code}: line ${x.line}: ${x.error.message}\n`);
  if (problems.length > MAX_SHOWN) note(io, `${problems.length - MAX_SHOWN} more ${what} not shown (--json lists every one)`);
}

/** A one-line bar on stderr when it is a terminal; nothing otherwise. */
function progressBar(io: Io): { update: (p: BatchProgress) => void; clear: () => string } {
  if (!io.stderr.isTTY) return { update: () => {}, clear: () => '' };
  let started = performance.now();
  let phase = '';
  let last = 0;
  let shown = false;
  return {
    update(p) {
      const now = performance.now();
      if (p.phase !== phase) {
        phase = p.phase;
        started = now;
        last = 0;
      }
      if (now - last < 100 && p.done < p.total) return;
      last = now;
      const width = 30;
      const filled = p.total === 0 ? width : Math.round((p.done / p.total) * width);
      const rate = p.phase === 'wrap' ? `  ${Math.round(p.done / Math.max(0.001, (now - started) / 1000))}/s` : '';
      const failed = p.failed > 0 ? `  ${p.failed} failed` : '';
      io.stderr.write(`\r\x1b[2K${p.phase === 'check' ? 'checking' : 'wrapping'} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${p.done}/${p.total}${rate}${failed}`);
      shown = true;
    },
    clear() {
      if (!shown) return '';
      shown = false;
      return '\r\x1b[2K';
    },
  };
}
