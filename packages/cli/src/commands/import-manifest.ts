/**
 * kms-wrap import --manifest FILE: a migration, many keys in one resumable run. The flow is
 * @kms-wrap/aws's migrateKeys (check every line first, then import with bounded concurrency,
 * one line per failed key); this is its command line: the manifest and journal files, the
 * clients (the SDK's adaptive retry, one client a Region), progress, the summary, --json lines.
 */
import { open, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { ERROR_CODES, KmsWrapError, parseRegion, type Region } from '@kms-wrap/core';
import {
  clientRegionName,
  journalLine,
  migrateKeys,
  parseJournal,
  parseMigrationManifest,
  regionOfArn,
  type JournalRecord,
  type KeyOutcome,
  type KmsClientLike,
  type MigrationEntry,
  type MigrationMaterial,
  type MigrationPlan,
  type MigrationResult,
} from '@kms-wrap/aws';
import { loadKmsSdk, loadStandardAlgorithm, standardWrapper } from '@kms-wrap/node';
import { usageError } from '../args.js';
import { SURFACE, line, note, progress, type Io } from '../io.js';
import { loadMaterial } from '../material.js';
import { endTokenRun, tokenRun, type TokenFlags } from '../pkcs11.js';
import { SIGNAL_EXIT_CODES } from '../signals.js';

/** The longest manifest read (some 250,000 lines). */
const MAX_MANIFEST_BYTES = 64 << 20;

export interface ManifestRunOptions {
  readonly manifest: string;
  readonly journal?: string;
  readonly concurrency: number;
  readonly maxAttempts: number;
  readonly regionName?: string;
  readonly profile?: string;
  readonly endpoint?: string;
  readonly dryRun: boolean;
  readonly json: boolean;
  /** --pkcs11-module, --pin-file: for lines whose material is a pkcs11: URI. */
  readonly pkcs11?: TokenFlags;
}

/** The journal's default path: beside the manifest, migration.jsonl → migration.journal.jsonl. */
export function defaultJournalPath(manifest: string): string {
  const name = basename(manifest).replace(/\.(jsonl|ndjson|json|txt)$/i, '');
  return join(dirname(manifest), `${name}.journal.jsonl`);
}

export async function runManifest(o: ManifestRunOptions, io: Io): Promise<number> {
  const cwd = io.cwd ?? process.cwd();
  const manifestPath = resolve(cwd, o.manifest);
  const journalPath = o.journal !== undefined ? resolve(cwd, o.journal) : defaultJournalPath(manifestPath);
  if (journalPath === manifestPath) throw usageError('--journal names the manifest itself — give the journal its own file');
  const manifest = parseMigrationManifest(await readText(manifestPath, 'the manifest'), io.now ? { now: io.now } : {});
  if (manifest.problems.length > 0) {
    for (const x of manifest.problems) io.stderr.write(`kms-wrap: ${x.error.code}: line ${x.line}: ${x.error.message}\n`);
    if (o.json) {
      jsonLine(io, {
        type: 'summary',
        ok: false,
        problems: manifest.problems.map((x) => ({ line: x.line, code: x.error.code, message: x.error.message })),
      });
    }
    return 1;
  }
  const previous = await readJournal(journalPath, io);

  const sdk = await loadKmsSdk({ from: cwd });
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
  const clients = new Map<string, KmsClientLike>();
  const clientFor = (regionName: string | undefined): KmsClientLike => {
    const region = regionName ?? o.regionName;
    const k = region ?? '';
    let c = clients.get(k);
    if (!c) {
      // Throttling is absorbed by the SDK's adaptive retry (a client-side rate limiter that
      // slows down when KMS says ThrottlingException), as are dropped connections.
      c = new sdk.KMSClient({
        ...(region ? { region } : {}),
        ...(o.profile ? { profile: o.profile } : {}),
        ...(o.endpoint ? { endpoint: o.endpoint } : {}),
        retryMode: 'adaptive',
        maxAttempts: o.maxAttempts,
      });
      clients.set(k, c);
    }
    return c;
  };
  const defaultRegion =
    o.regionName ?? process.env['AWS_REGION'] ?? process.env['AWS_DEFAULT_REGION'] ?? (await clientRegionName(clientFor(undefined)));

  const journal = o.dryRun ? undefined : await openJournal(journalPath);
  const controller = new AbortController();
  let signalled: NodeJS.Signals | undefined;
  const onSignal = (s: NodeJS.Signals) => {
    if (signalled) process.exit(SIGNAL_EXIT_CODES[s as keyof typeof SIGNAL_EXIT_CODES] ?? 1);
    signalled = s;
    controller.abort();
    bar.done();
    note(io, 'stopping: the keys under way finish, no other starts (the journal is whole); run the same command again to carry on');
  };
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  for (const s of signals) process.on(s, onSignal);

  const bar = progress(io);
  const started = Date.now();
  let total = 0;
  let finished = 0;
  let failed = 0;
  let result: MigrationResult;
  const tokens = tokenRun();
  try {
    result = await migrateKeys({
      surface: SURFACE,
      entries: manifest.entries,
      loadMaterial: materialLoader(dirname(manifestPath), defaultRegion, { ...o.pkcs11, run: tokens }),
      clientFor,
      ...(defaultRegion ? { defaultRegion } : {}),
      wrapper: (id) => loadStandardAlgorithm(id).then(() => standardWrapper()),
      sdk,
      journal: previous,
      ...(journal ? { record: (r: JournalRecord) => journal.append(r) } : {}),
      concurrency: o.concurrency,
      dryRun: o.dryRun,
      signal: controller.signal,
      ...(io.now ? { now: io.now } : {}),
      onEvent: (e) => {
        if (e.type === 'planned') {
          total = e.plan.keys.length;
          return;
        }
        finished++;
        if (e.outcome.status === 'failed') {
          failed++;
          bar.done();
          keyFailed(io, e.outcome);
        }
        if (o.json) jsonLine(io, keyJson(e.outcome));
        const seconds = (Date.now() - started) / 1000;
        bar.show(
          `keys: ${finished - failed} done, ${failed} failed, ${total - finished} to go · ${(finished / Math.max(seconds, 0.001)).toFixed(1)}/s`,
        );
      },
    });
  } finally {
    endTokenRun(tokens);
    bar.done();
    for (const s of signals) process.off(s, onSignal);
    await journal?.close();
  }
  const seconds = (Date.now() - started) / 1000;

  // Lines refused by the check: nothing was written.
  if (result.problems.length > 0) {
    for (const x of result.problems) io.stderr.write(`kms-wrap: ${x.error.code}: line ${x.line} (${x.id}): ${x.error.message}\n`);
  }
  const counts = {
    imported: result.outcomes.filter((x) => x.status === 'imported').length,
    alreadyDone: result.outcomes.filter((x) => x.status === 'done').length,
    failed: result.outcomes.filter((x) => x.status === 'failed').length,
    notStarted: result.outcomes.filter((x) => x.status === 'not-started').length,
  };
  const ok = result.problems.length === 0 && counts.failed === 0 && counts.notStarted === 0;
  if (o.json) {
    if (o.dryRun)
      for (const k of result.plan.keys)
        jsonLine(io, { type: 'plan-key', line: k.entry.line, id: k.entry.id, keyArn: k.keyArn ?? null, done: k.done, does: k.note });
    jsonLine(io, {
      type: 'summary',
      ok,
      dryRun: o.dryRun,
      keys: manifest.entries.length,
      plan: planJson(result.plan),
      ...(o.dryRun ? {} : counts),
      problems: result.problems.map((x) => ({ line: x.line, id: x.id, code: x.error.code, message: x.error.message })),
      calls: result.calls,
      retries: result.retries,
      seconds: Math.round(seconds * 1000) / 1000,
      journal: o.dryRun ? null : journalPath,
      stopped: result.stopped,
    });
  } else {
    const p = result.plan;
    line(io.stdout, `plan: ${manifest.entries.length} keys — ${planText(p)}`);
    if (result.problems.length > 0) {
      line(
        io.stdout,
        `nothing was imported: ${result.problems.length} ${result.problems.length === 1 ? 'line was' : 'lines were'} refused by the check (stderr) — fix them and run again`,
      );
    } else if (o.dryRun) {
      for (const k of p.keys) line(io.stdout, `  line ${k.entry.line}  ${k.entry.id}: ${k.note}`);
      line(io.stdout, `dry run: only reads were sent (${callsText(result.calls)}); nothing was created or imported`);
    } else {
      line(
        io.stdout,
        `imported ${counts.imported}, already done ${counts.alreadyDone}, failed ${counts.failed}${counts.notStarted ? `, not started ${counts.notStarted}` : ''} in ${seconds.toFixed(1)} s (${result.retries} ${result.retries === 1 ? 'retry' : 'retries'} absorbed; ${callsText(result.calls)})`,
      );
      line(io.stdout, `journal: ${journalPath}`);
      if (counts.failed > 0 || counts.notStarted > 0)
        line(io.stdout, 'run the same command again to retry what is not done: what is done is skipped');
    }
  }
  if (signalled) return SIGNAL_EXIT_CODES[signalled as keyof typeof SIGNAL_EXIT_CODES] ?? 1;
  return ok ? 0 : 1;
}

/**
 * Where each line's material comes from: a file, relative to the manifest (converted to PKCS#8
 * DER as `wrap` does), or a key in a PKCS#11 token named by its URI (the token wraps it).
 */
function materialLoader(
  baseDir: string,
  defaultRegion: string | undefined,
  pkcs11: TokenFlags,
): (entry: MigrationEntry) => Promise<MigrationMaterial> {
  return async (entry) => {
    const regionName = regionOfArn(entry.keyId)?.name ?? entry.region ?? defaultRegion;
    // One standard input cannot serve many lines: `-` here is a file of that name, relative to the manifest.
    const loaded = await loadMaterial(baseDir, entry.material === '-' ? './-' : entry.material, {
      region: regionOrStandard(regionName),
      pkcs11,
    });
    return loaded.token ?? loaded.bytes;
  };
}

function keyFailed(io: Io, x: KeyOutcome): void {
  io.stderr.write(`kms-wrap: ${x.error!.code}: line ${x.line} (${x.id}): ${x.error!.message}\n`);
}

function keyJson(x: KeyOutcome): Record<string, unknown> {
  return {
    type: 'key',
    line: x.line,
    id: x.id,
    status: x.status,
    keyArn: x.keyArn ?? null,
    imports: x.imports,
    created: x.created ?? false,
    replicasCreated: x.replicasCreated ?? [],
    ...(x.error ? { error: { code: x.error.code, message: x.error.message } } : {}),
  };
}

function planJson(p: MigrationPlan): Record<string, number> {
  return {
    toCreate: p.toCreate,
    toImport: p.toImport,
    alreadyDone: p.alreadyDone,
    replicasToCreate: p.replicasToCreate,
    replicaImports: p.replicaImports,
  };
}

function planText(p: MigrationPlan): string {
  const parts = [`${p.toCreate} to create`, `${p.toImport} to import`, `${p.alreadyDone} already done`];
  if (p.replicasToCreate || p.replicaImports) parts.push(`${p.replicasToCreate} replicas to create, ${p.replicaImports} replica imports`);
  return parts.join(', ');
}

function callsText(calls: Readonly<Record<string, number>>): string {
  const entries = Object.entries(calls);
  return entries.length === 0 ? 'no calls' : entries.map(([op, n]) => `${n} ${op}`).join(', ');
}

function jsonLine(io: Io, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value)}\n`);
}

async function readText(path: string, what: string): Promise<string> {
  try {
    const s = await stat(path);
    if (!s.isFile()) throw new KmsWrapError(ERROR_CODES.FILE_UNREADABLE, `${what} ${path} is not a file`);
    if (s.size > MAX_MANIFEST_BYTES)
      throw new KmsWrapError(ERROR_CODES.FILE_UNREADABLE, `${what} ${path} is larger than ${MAX_MANIFEST_BYTES >> 20} MB — split it`);
    return await readFile(path, 'utf8');
  } catch (e) {
    if (e instanceof KmsWrapError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new KmsWrapError(
      ERROR_CODES.FILE_UNREADABLE,
      `cannot read ${what} ${path}: ${code === 'ENOENT' ? 'no such file' : (code ?? 'error')}`,
    );
  }
}

async function readJournal(path: string, io: Io): Promise<JournalRecord[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new KmsWrapError(ERROR_CODES.FILE_UNREADABLE, `cannot read the journal ${path}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  const { records, torn } = parseJournal(text);
  if (torn > 0)
    note(
      io,
      `the journal ${path} has ${torn} unreadable ${torn === 1 ? 'line' : 'lines'} (a run stopped mid-write): ignored; KMS says what is done`,
    );
  return records;
}

/**
 * The journal, opened for appending: records are written whole, one line each, and fsync'd
 * (fdatasync) before append() resolves — those that arrive during a sync share the next one.
 */
async function openJournal(path: string): Promise<{ append(r: JournalRecord): Promise<void>; close(): Promise<void> }> {
  let fh;
  try {
    fh = await open(path, 'a+', 0o600);
  } catch (e) {
    throw new KmsWrapError(ERROR_CODES.FILE_UNWRITABLE, `cannot open the journal ${path}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  const handle = fh;
  // A line torn by a killed run is ended, so that the next record starts a line of its own.
  const { size } = await handle.stat();
  let lead = '';
  if (size > 0) {
    const last = Buffer.alloc(1);
    await handle.read(last, 0, 1, size - 1);
    if (last[0] !== 0x0a) lead = '\n';
  }
  let pending: { text: string; done: (e?: unknown) => void }[] = [];
  let flushing: Promise<void> | undefined;
  const flush = async () => {
    while (pending.length > 0) {
      const batch = pending;
      pending = [];
      try {
        await handle.appendFile(lead + batch.map((b) => b.text).join(''));
        lead = '';
        await handle.datasync();
        for (const b of batch) b.done();
      } catch (e) {
        const error = new KmsWrapError(
          ERROR_CODES.FILE_UNWRITABLE,
          `cannot write the journal ${path}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`,
        );
        for (const b of batch) b.done(error);
      }
    }
    flushing = undefined;
  };
  return {
    append(r) {
      return new Promise<void>((ok, fail) => {
        pending.push({ text: journalLine(r), done: (e) => (e ? fail(e) : ok()) });
        flushing ??= flush();
      });
    },
    async close() {
      await flushing;
      await handle.close();
    },
  };
}

function regionOrStandard(name: string | undefined): Region {
  if (name === undefined) return 'standard';
  try {
    return parseRegion(name);
  } catch {
    return 'standard';
  }
}
