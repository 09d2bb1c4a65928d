/**
 * kms-wrap batch MANIFEST: many wraps from a JSON Lines manifest, on all cores. Every line is
 * checked before any is wrapped (shape, files, rules, outputs); one bad line refuses the whole
 * batch, with every bad line named. Then a failed wrap does not stop the others. SIGINT/SIGTERM
 * stop scheduling; the wraps under way finish, so every output on disk is whole. The manifest
 * is streamed (@kms-wrap/batch's wrapManifest): nothing is kept per line here but the refusals
 * and failures to report. --target gcp|azure|vault wraps for that target, as wrap --target
 * does: its rules judge each line, each output is its envelope, and its flags (--kek-id...)
 * give its options for every line (a line's own fields win). A line's material may be a key in a
 * PKCS#11 token (its pkcs11: URI): this thread opens it (--pkcs11-module, --pin-file; the PIN
 * asked once a run, a refused PIN not tried again) and the token wraps it.
 */
import { resolve } from 'node:path';
import { AWS_KMS, ERROR_CODES, parseTarget, type KmsWrapError, type Target } from '@kms-wrap/core';
import {
  startBatchWorkers,
  streamBatchManifest,
  wrapManifest,
  type BatchEntryResult,
  type BatchProgress,
  type BatchTotals,
  type StreamedManifest,
} from '@kms-wrap/batch';
import { flag, parse, str, usageError } from '../args.js';
import { SURFACE, json, line, note, warn, type Io } from '../io.js';
import { PKCS11_FLAGS, endTokenRun, openTokenKey, tokenFlags, tokenRun } from '../pkcs11.js';
import { TARGET_FLAGS, targetOptionValues } from '../target-flags.js';
import { VERSION } from '../version.js';

/** --target and its options' flags; not --hash-function (a line names Vault's algorithm: "algorithm": "SHA1"). */
const { 'hash-function': _hash, ...BATCH_TARGET_FLAGS } = TARGET_FLAGS;

const EXIT_ON: Readonly<Record<string, number>> = { SIGINT: 130, SIGTERM: 143 };

export async function run(argv: string[], io: Io): Promise<number> {
  const p = parse(
    'batch',
    argv,
    {
      concurrency: { type: 'string' },
      force: { type: 'boolean' },
      fsync: { type: 'boolean' },
      check: { type: 'boolean' },
      json: { type: 'boolean' },
      ...BATCH_TARGET_FLAGS,
      ...PKCS11_FLAGS,
    },
    { min: 1, max: 1 },
  );
  const concurrencyText = str(p, 'concurrency');
  if (concurrencyText !== undefined && (!/^\d+$/.test(concurrencyText) || Number(concurrencyText) < 1 || Number(concurrencyText) > 1024)) {
    throw usageError(`--concurrency takes a whole number from 1 to 1024, not '${concurrencyText}' — see kms-wrap batch --help`);
  }
  const target = parseTarget(str(p, 'target') ?? 'aws');
  const targetOptions = targetOptionValues(p, target, 'batch');
  const asJson = flag(p, 'json');
  const checkOnly = flag(p, 'check');
  const cwd = io.cwd ?? process.cwd();
  const manifestPath = resolve(cwd, p.positionals[0]!);
  // Lines whose material is a key in a token: one run, so the PIN is asked once and a refused one tried once.
  const pkcs11 = { ...tokenFlags(p, cwd), run: tokenRun() };
  // The threads start loading while this one reads the manifest.
  // This thread wraps too (a command line has nothing else for it to do): one worker fewer to start.
  const workers = startBatchWorkers({
    mainThread: true,
    ...(concurrencyText === undefined ? {} : { concurrency: Number(concurrencyText) }),
  });
  let manifest: StreamedManifest;
  try {
    manifest = await streamBatchManifest(manifestPath, { target });
  } catch (e) {
    await workers.close();
    throw e;
  }

  // Refusals by line (a line can be refused twice in the check phase: the last word counts),
  // and the failures of the wrap phase; results stream out with --json as they come, in line order.
  const problems = new Map<number, KmsWrapError>();
  const failures: { line: number; error: KmsWrapError }[] = [];
  const warnings: { lines: number[]; message: string }[] = [];
  const out = asJson ? jsonResults(io, manifestPath, target) : undefined;
  // AWS KMS: each output's import command, printed as it is wrapped (in line order), for the lines
  // with parameters (their key id and import token known; --json gives the others' with placeholders).
  let commandsShown = false;
  const keyUnknown: number[] = [];
  const showCommand = (r: BatchEntryResult) => {
    if (out || target !== AWS_KMS || r.status !== 'wrapped' || r.nextCommand === undefined) return;
    if (r.importToken === undefined) {
      keyUnknown.push(r.index);
      return;
    }
    if (!commandsShown) line(io.stdout, 'import each output with its command (the aws CLI, one a line):');
    commandsShown = true;
    line(io.stdout, `  # line ${r.index}`);
    for (const l of r.nextCommand.split('\n')) line(io.stdout, `  ${l}`);
  };
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
  let totals: BatchTotals;
  try {
    totals = await wrapManifest(manifest, {
      surface: SURFACE,
      workers,
      force: flag(p, 'force'),
      fsync: flag(p, 'fsync'),
      checkOnly,
      envelope: { options: targetOptions, generator: `kms-wrap/${VERSION}` },
      signal: controller.signal,
      onProgress: bar.update,
      onWarning(w) {
        warnings.push({ lines: [...w.indices], message: w.message });
        if (!asJson) {
          io.stderr.write(bar.clear());
          warn(io, w.message);
        }
      },
      ...(io.now ? { now: io.now } : {}),
      // The bar is off while a key is opened: the token's PIN may be asked for on the terminal.
      openSealed: (uri) => bar.aside(() => openTokenKey(uri, pkcs11)),
      onResult(r, phase) {
        if (phase === 'check') {
          if (r.status === 'failed') problems.set(r.index, r.error);
          return;
        }
        if (r.status === 'failed') failures.push({ line: r.index, error: r.error });
        out?.result(r);
        showCommand(r);
      },
    });
  } finally {
    endTokenRun(pkcs11.run);
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
    io.stderr.write(bar.clear());
  }

  if (problems.size > 0) {
    out?.abandon();
    const list = [...problems].map(([line, error]) => ({ line, error }));
    return refuse(io, asJson, manifestPath, target, list, totals.total);
  }
  // AWS KMS's output as it was; another target is named.
  const forTarget = target === AWS_KMS ? '' : ` for ${target.name}`;
  if (checkOnly) {
    if (asJson)
      json(io, { ok: true, manifest: manifestPath, ...targetField(target), total: totals.total, checked: totals.total, wrapped: 0 });
    else line(io.stdout, `all ${totals.total} lines pass every check${forTarget} (--check: nothing was wrapped)`);
    return 0;
  }
  printProblems(io, failures, 'failed lines');
  const rate = `${totals.seconds.toFixed(2)} s, ${Math.round(totals.wrapsPerSecond)} wraps/s`;
  if (signal) {
    io.stderr.write(
      `kms-wrap: stopped by ${signal}: ${totals.wrapped} wrapped, ${totals.failed} failed, ${totals.skipped} not started — every output written is whole; run the lines not done again\n`,
    );
  }
  if (out) {
    out.end({
      ok: totals.failed === 0 && totals.skipped === 0,
      total: totals.total,
      wrapped: totals.wrapped,
      failed: totals.failed,
      skipped: totals.skipped,
      interrupted: signal ?? null,
      warnings,
      seconds: Number(totals.seconds.toFixed(3)),
      wrapsPerSecond: Math.round(totals.wrapsPerSecond),
    });
  } else {
    const failed = totals.failed > 0 ? `, ${totals.failed} failed` : '';
    const skipped = totals.skipped > 0 ? `, ${totals.skipped} not started` : '';
    line(io.stdout, `${totals.wrapped} of ${totals.total} wrapped${forTarget}${failed}${skipped} in ${rate} (files mode 0600)`);
    if (target !== AWS_KMS && totals.wrapped > 0)
      line(io.stdout, `each output is the file ${target.name}'s import takes; --json gives each line's import command`);
    if (keyUnknown.length > 0)
      line(
        io.stdout,
        `${lineRanges(keyUnknown)} ${keyUnknown.length === 1 ? 'gives' : 'give'} a publicKey, not parameters, so kms-wrap knows neither the KMS key nor the import token: import each output with its key's ImportToken.bin (the console's download beside WrappingPublicKey.bin); --json gives each line's aws kms import-key-material command with $KEY_ID to set`,
      );
  }
  if (signal) return EXIT_ON[signal] ?? 1;
  return totals.failed > 0 || totals.skipped > 0 ? 1 : 0;
}

/**
 * --json for a run: one JSON object, written as the batch goes — the manifest, then "results"
 * (one a line, in line order, each as it is known), then the totals — so a batch of any length
 * is never held in memory. Nothing is written until the first result (a refused batch prints
 * its own object instead).
 */
function jsonResults(io: Io, manifest: string, target: Target) {
  let started = false;
  let pending = '';
  const flush = (force: boolean) => {
    if (pending.length > 0 && (force || pending.length > 1 << 16)) {
      io.stdout.write(pending);
      pending = '';
    }
  };
  const start = () => {
    if (started) return;
    started = true;
    const named = target === AWS_KMS ? '' : `\n  "target": ${JSON.stringify(target.id)},`;
    pending += `{\n  "manifest": ${JSON.stringify(manifest)},${named}\n  "results": [`;
  };
  let first = true;
  return {
    result(r: BatchEntryResult) {
      start();
      const value = {
        line: r.index,
        output: r.output === '' ? null : r.output, // a line stopped before its result was written: not known here
        status: r.status,
        ...(r.status === 'wrapped'
          ? {
              bytes: r.bytes,
              algorithm: r.algorithm,
              keySpec: r.keySpec ?? null,
              keySpecCandidates: r.keySpecCandidates,
              wrappingKeySpec: r.wrappingKeySpec,
              ...(r.nextCommand === undefined ? {} : { nextCommand: r.nextCommand }),
              ...(r.importToken === undefined ? {} : { importToken: r.importToken }),
            }
          : {}),
        ...(r.status === 'failed' ? { error: { code: r.error.code, message: r.error.message } } : {}),
      };
      pending += `${first ? '' : ','}\n    ${JSON.stringify(value)}`;
      first = false;
      flush(false);
    },
    /** The batch was refused before any result: nothing of this object was written. */
    abandon() {
      pending = '';
    },
    end(totals: Record<string, unknown>) {
      start();
      const rest = JSON.stringify(totals, null, 2).slice(1); // "\n  \"ok\": ..., }"
      pending += `${first ? '' : '\n  '}],${rest}\n`;
      flush(true);
    },
  };
}

/** The "target" of a JSON object: for targets other than AWS KMS (whose objects are as they were). */
function targetField(target: Target): { target?: string } {
  return target === AWS_KMS ? {} : { target: target.id };
}

function refuse(
  io: Io,
  asJson: boolean,
  manifest: string,
  target: Target,
  problems: { line: number; error: KmsWrapError }[],
  total: number,
): number {
  problems.sort((a, b) => a.line - b.line);
  printProblems(io, problems, 'refused lines');
  const lines = new Set(problems.map((x) => x.line)).size;
  const message = `${lines} of ${total} manifest line${total === 1 ? ' is' : 's are'} refused (${lines === 1 ? 'see above' : 'each named above'}) — nothing was wrapped; fix ${lines === 1 ? 'it' : 'them'} and run the batch again`;
  io.stderr.write(`kms-wrap: ${ERROR_CODES.MANIFEST_INVALID}: ${message}\n`);
  if (asJson) {
    json(io, {
      ok: false,
      manifest,
      ...targetField(target),
      error: { code: ERROR_CODES.MANIFEST_INVALID, message },
      problems: problems.map((x) => ({ line: x.line, code: x.error.code, message: x.error.message })),
    });
  }
  return 1;
}

/** Shown on stderr one line each, the first MAX_SHOWN of them; --json has them all. */
const MAX_SHOWN = 100;

/**
 * On stderr, one line for each refusal, and one for the lines refused in the same words (a
 * missing output folder: "lines 1-40, 42, 45-100: ..."); the first MAX_SHOWN such lines. --json
 * keeps one record a line.
 */
function printProblems(io: Io, problems: readonly { line: number; error: KmsWrapError }[], what: string): void {
  const groups = new Map<string, { code: string; message: string; lines: number[] }>();
  for (const x of problems) {
    const key = `${x.error.code}\u0000${x.error.message}`;
    const g = groups.get(key);
    if (g) g.lines.push(x.line);
    else groups.set(key, { code: x.error.code, message: x.error.message, lines: [x.line] });
  }
  const all = [...groups.values()];
  for (const g of all.slice(0, MAX_SHOWN)) io.stderr.write(`kms-wrap: ${g.code}: ${lineRanges(g.lines)}: ${g.message}\n`);
  if (all.length > MAX_SHOWN) {
    const rest = all.slice(MAX_SHOWN).reduce((n, g) => n + g.lines.length, 0);
    note(io, `${rest} more ${what} not shown (--json lists every one)`);
  }
}

/** "line 7", "lines 1-40, 42, 45-100". */
export function lineRanges(lines: readonly number[]): string {
  const sorted = [...new Set(lines)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(j === i ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return `${sorted.length === 1 ? 'line' : 'lines'} ${parts.join(', ')}`;
}

interface ProgressBar {
  update(p: BatchProgress): void;
  clear(): string;
  /** Runs `f` with the bar cleared and not drawn (a prompt may be on the line). */
  aside<T>(f: () => Promise<T>): Promise<T>;
}

/** A one-line bar on stderr when it is a terminal; nothing otherwise. */
function progressBar(io: Io): ProgressBar {
  if (!io.stderr.isTTY || io.quiet) return { update: () => {}, clear: () => '', aside: (f) => f() };
  let started = performance.now();
  let phase = '';
  let last = 0;
  let shown = false;
  let away = 0; // callers of aside under way
  const clear = () => {
    if (!shown) return '';
    shown = false;
    return '\r\x1b[2K';
  };
  return {
    async aside(f) {
      away++;
      io.stderr.write(clear());
      try {
        return await f();
      } finally {
        away--;
      }
    },
    update(p) {
      const now = performance.now();
      if (p.phase !== phase) {
        phase = p.phase;
        started = now;
        last = 0;
      }
      if (away > 0 || (now - last < 100 && p.done < p.total)) return;
      last = now;
      const width = 30;
      const filled = p.total === 0 ? width : Math.round((p.done / p.total) * width);
      const rate = p.phase === 'wrap' ? `  ${Math.round(p.done / Math.max(0.001, (now - started) / 1000))}/s` : '';
      const failed = p.failed > 0 ? `  ${p.failed} failed` : '';
      io.stderr.write(
        `\r\x1b[2K${p.phase === 'check' ? 'checking' : 'wrapping'} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${p.done}/${p.total}${rate}${failed}`,
      );
      shown = true;
    },
    clear,
  };
}
