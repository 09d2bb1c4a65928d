/**
 * A migration: many keys imported into AWS KMS in one resumable run (migrateKeys).
 *
 *  1. Check everything first, sending only reads: one DescribeKey per existing key (and per
 *     replica), and every line through core's engine with that key's spec, usage and state (a
 *     dry run of importKeyMaterial with the described key: the same checks as the import).
 *     A line that fails here stops the run before anything is written.
 *  2. Then, at most `concurrency` keys at a time: CreateKey (Origin EXTERNAL) and CreateAlias
 *     when asked, importKeyMaterial (the one import path: GetParametersForImport, wrap,
 *     ImportKeyMaterial), then each multi-Region replica (ReplicateKey when it is missing, its
 *     own Region's GetParametersForImport and ImportKeyMaterial). A key that fails is one
 *     KmsWrapError line (translateKmsError), and the others carry on.
 *  3. Every step is recorded in the journal as it happens (`record`, appended by the caller);
 *     the next run reads it back (`journal`) and skips what is done, as KMS says it is:
 *     a key whose state is Enabled or Disabled holds material.
 *
 * Runtime-neutral: the material's loader, the clients (one per Region, retries configured
 * there: the SDK's retryMode 'adaptive') and the journal's file are the caller's.
 */
import { ERROR_CODES, KmsWrapError, isKmsWrapError, type Surface, type Wrapper } from '@kms-wrap/core';
import { toHex } from '@kms-wrap/core/encoding';
import { checkKey, importKeyMaterial, type CheckedKey, type SealedKeyMaterial } from './kms-import.js';
import { awsErrorName, translateKmsError } from './kms-errors.js';
import { loadKmsSdk, type KmsClientLike, type KmsSdk } from './kms-sdk.js';
import { CREATION_TAG, type JournalRecord, type MigrationEntry } from './migration-manifest.js';

export interface MigrateKeysOptions {
  readonly entries: readonly MigrationEntry[];
  /**
   * Reads one entry's material (a path relative to the manifest, in Node): fresh bytes each
   * call, zeroed by migrateKeys when it is done with them. The one place material comes from.
   */
  readonly loadMaterial: (entry: MigrationEntry) => Promise<MigrationMaterial>;
  /** The KMS client of an AWS Region (undefined: the default Region). Configure retries there. */
  readonly clientFor: (regionName: string | undefined) => KmsClientLike;
  /** The default Region's name, when known: keys given by id or alias, and keys to create, are there. */
  readonly defaultRegion?: string;
  /** The engine (or its maker), as for importKeyMaterial. */
  readonly wrapper: Wrapper | ((algorithm: string) => Promise<Wrapper>);
  readonly sdk?: KmsSdk;
  /** The journal of earlier runs. */
  readonly journal?: readonly JournalRecord[];
  /** Appends one record to the journal (durably: it is awaited before the next call is sent). */
  readonly record?: (record: JournalRecord) => Promise<void>;
  /** Keys in flight at once; 4 by default. */
  readonly concurrency?: number;
  /** Check and plan only: reads are sent, nothing is written. */
  readonly dryRun?: boolean;
  /** When aborted, no new key is started; those under way finish. */
  readonly signal?: { readonly aborted: boolean };
  readonly onEvent?: (event: MigrationEvent) => void;
  readonly now?: () => number;
  /** Waits between DescribeKey calls while a new replica is Creating (1 s, 60 times, by default). */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Who reads the refusals: their remedies name options (the library), flags or fields. */
  readonly surface?: Surface;
}

/**
 * One line's material: bytes (zeroed by migrateKeys when done), or a key in a PKCS#11 token
 * (@kms-wrap/pkcs11's openTokenKey: the token wraps it; closed by migrateKeys when done).
 */
export type MigrationMaterial = Uint8Array | (SealedKeyMaterial & { close?(): void });

/** What a key needs, as found by the check. */
export interface KeyPlan {
  readonly entry: MigrationEntry;
  /** The key's ARN, when it exists. */
  readonly keyArn: string | undefined;
  readonly create: boolean;
  readonly importPrimary: boolean;
  readonly replicas: readonly { readonly region: string; readonly replicate: boolean; readonly import: boolean }[];
  /** Nothing to do: every key of the line holds its material. */
  readonly done: boolean;
  /** Why it is done, or what it will do, in a few words. */
  readonly note: string;
}

export interface MigrationPlan {
  readonly keys: readonly KeyPlan[];
  readonly toCreate: number;
  readonly toImport: number;
  readonly alreadyDone: number;
  readonly replicasToCreate: number;
  readonly replicaImports: number;
}

export type KeyStatus = 'imported' | 'done' | 'failed' | 'not-started';

export interface KeyOutcome {
  readonly id: string;
  readonly line: number;
  readonly status: KeyStatus;
  readonly keyArn?: string;
  /** ImportKeyMaterial calls that succeeded for this line in this run (primary and replicas). */
  readonly imports: number;
  readonly created?: boolean;
  readonly replicasCreated?: readonly string[];
  readonly error?: KmsWrapError;
}

export type MigrationEvent =
  { readonly type: 'planned'; readonly plan: MigrationPlan } | { readonly type: 'key'; readonly outcome: KeyOutcome };

export interface MigrationResult {
  readonly dryRun: boolean;
  readonly plan: MigrationPlan;
  /** Lines refused by the check: nothing was written when there is one. */
  readonly problems: readonly { readonly line: number; readonly id: string; readonly error: KmsWrapError }[];
  readonly outcomes: readonly KeyOutcome[];
  /** Calls sent, by operation (as the clients were asked; retries not counted). */
  readonly calls: Readonly<Record<string, number>>;
  /** Retries the clients absorbed (throttling, dropped connections): the SDK's $metadata.attempts − 1, summed. */
  readonly retries: number;
  /** The signal stopped the run before every key was started. */
  readonly stopped: boolean;
}

interface JournalState {
  created?: string;
  creating: boolean;
  /** The `kms-wrap:creation` tag values of the CreateKey calls sent for the line. */
  creations: string[];
  aliased: boolean;
  /** By key ARN: an ImportKeyMaterial was sent (maybe answered), or answered. */
  attempted: Set<string>;
  imported: Set<string>;
}

const MATERIAL_STATES = new Set(['Enabled', 'Disabled']);

/** Checks every line, then imports what is not done yet. */
export async function migrateKeys(options: MigrateKeysOptions): Promise<MigrationResult> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 4));
  const dryRun = options.dryRun === true;
  const sdk = options.sdk ?? (await loadKmsSdk());
  const calls: Record<string, number> = {};
  let retries = 0;

  // The clients, counting calls and the retries the SDK absorbed.
  const clients = new Map<string, KmsClientLike>();
  const client = (regionName: string | undefined): KmsClientLike => {
    const k = regionName ?? '';
    let c = clients.get(k);
    if (!c) {
      const inner = options.clientFor(regionName);
      c = {
        send: async (command: unknown) => {
          const op = ((command as { constructor?: { name?: string } })?.constructor?.name ?? 'Unknown').replace(/Command$/, '');
          calls[op] = (calls[op] ?? 0) + 1;
          try {
            const r = await inner.send(command);
            retries += extraAttempts(r);
            return r;
          } catch (e) {
            retries += extraAttempts(e);
            throw e;
          }
        },
      };
      clients.set(k, c);
    }
    return c;
  };
  const wrapperFor = (() => {
    const made = new Map<string, Promise<Wrapper>>();
    return (algorithm: string): Promise<Wrapper> => {
      const w = options.wrapper;
      if (typeof w !== 'function') return Promise.resolve(w);
      let p = made.get(algorithm);
      if (!p) made.set(algorithm, (p = w(algorithm)));
      return p;
    };
  })();

  const states = journalStates(options.journal ?? []);
  const tagIndexes = new Map<string, Promise<Map<string, string>>>();
  const stateOf = (id: string): JournalState => {
    let s = states.get(id);
    if (!s) states.set(id, (s = { creating: false, creations: [], aliased: false, attempted: new Set(), imported: new Set() }));
    return s;
  };
  const record = async (entry: MigrationEntry, event: JournalRecord['event'], fields: Partial<JournalRecord> = {}) => {
    const r: JournalRecord = { v: 1, at: new Date(now()).toISOString(), id: entry.id, line: entry.line, event, ...fields };
    await options.record?.(r);
  };
  const describe = async (keyId: string, regionName: string | undefined, entry: MigrationEntry) => {
    try {
      const r = (await client(regionName).send(new sdk.DescribeKeyCommand({ KeyId: keyId }))) as { KeyMetadata?: Record<string, unknown> };
      return r?.KeyMetadata;
    } catch (e) {
      if (awsErrorName(e) === 'NotFoundException') return undefined;
      throw translateKmsError(e, { operation: 'DescribeKey', keyId, regionName, algorithm: entry.algorithm, surface: options.surface });
    }
  };
  const regionOf = (entry: MigrationEntry, arn?: string) =>
    regionName(arn) ?? regionName(entry.keyId) ?? entry.region ?? options.defaultRegion;
  const importOptions = (entry: MigrationEntry, wrapper: Wrapper) => ({
    sdk,
    wrapper,
    algorithm: entry.algorithm,
    ...(entry.wrappingKeySpec ? { wrappingKeySpec: entry.wrappingKeySpec } : {}),
    ...(entry.validTo ? { validTo: entry.validTo } : {}),
    ...(options.now ? { now: options.now } : {}),
    ...(options.surface ? { surface: options.surface } : {}),
  });
  const withMaterial = async <T>(entry: MigrationEntry, f: (material: MigrationMaterial) => Promise<T>): Promise<T> => {
    const material = await options.loadMaterial(entry);
    try {
      return await f(material);
    } finally {
      if (material instanceof Uint8Array) material.fill(0);
      else material.close?.();
    }
  };

  // 1. The check: reads only.
  const metas = new Map<MigrationEntry, { primary?: Record<string, unknown>; replicas: Map<string, Record<string, unknown>> }>();
  const problems: { line: number; id: string; error: KmsWrapError }[] = [];
  const plans = new Array<KeyPlan>(options.entries.length);
  await pool(options.entries, concurrency, undefined, async (entry, index) => {
    try {
      plans[index] = await check(entry);
    } catch (e) {
      problems.push({ line: entry.line, id: entry.id, error: asKmsWrapError(e) });
    }
  });

  async function check(entry: MigrationEntry): Promise<KeyPlan> {
    const state = stateOf(entry.id);
    const wrapper = await wrapperFor(entry.algorithm);
    let arn = entry.keyId ?? state.created;
    let meta: Record<string, unknown> | undefined;
    const region = regionOf(entry, arn);
    if (arn === undefined && state.creating) {
      // An earlier run sent CreateKey and stopped before its answer was recorded: the key, if
      // KMS made it, is found by the line's alias or, before the alias was made, by its tag.
      const alias = entry.create?.alias;
      const found = (alias ? await describe(alias, region, entry) : undefined) ?? (await createdEarlier(entry, state.creations, region));
      if (found) {
        meta = found;
        arn = String(found['Arn'] ?? found['KeyId']);
        state.created = arn;
      } else if (!alias && state.creations.length === 0) {
        throw new KmsWrapError(
          ERROR_CODES.KMS_KEY_UNSUITABLE,
          `an earlier run sent CreateKey for ${entry.id} and stopped before KMS's answer was recorded, and the line gives no alias to find the key by — look for a PendingImport key with Origin EXTERNAL created then, give its id as "keyId" on this line (or schedule its deletion), and remove the journal's lines for ${entry.id}`,
        );
      }
    }
    if (arn !== undefined && meta === undefined) {
      meta = await describe(arn, region, entry);
      if (!meta)
        throw translateKmsError(notFound(arn), {
          operation: 'DescribeKey',
          keyId: arn,
          regionName: region,
          algorithm: entry.algorithm,
          surface: options.surface,
        });
    }
    const key = meta ? checkKey(meta, arn!) : undefined;
    const primaryRegion = regionOf(entry, key?.arn);
    if (key && entry.replicas) {
      if (key.multiRegionType !== 'PRIMARY') {
        throw new KmsWrapError(
          ERROR_CODES.KMS_KEY_UNSUITABLE,
          `KMS key ${key.arn} is ${key.multiRegionType === 'REPLICA' ? 'a multi-Region replica' : 'not a multi-Region key'}, and "replicas" are imported from a multi-Region primary — name the primary key, or leave out "replicas"`,
        );
      }
      if (entry.replicas.includes(primaryRegion ?? '')) {
        throw new KmsWrapError(ERROR_CODES.MANIFEST_INVALID, `"replicas" names ${primaryRegion}, the primary key's own Region`);
      }
    }
    const importPrimary = key === undefined || !primaryDone(entry, key, state);
    const replicas: { region: string; replicate: boolean; import: boolean }[] = [];
    const replicaMetas = new Map<string, Record<string, unknown>>();
    for (const r of entry.replicas ?? []) {
      const replicaArn = key ? withRegion(key.arn, r) : undefined;
      const rm = replicaArn ? await describe(replicaArn, r, entry) : undefined;
      if (!rm) {
        replicas.push({ region: r, replicate: true, import: true });
        continue;
      }
      const rk = checkKey(rm, replicaArn!);
      replicaMetas.set(r, rm);
      // A replica holding material is done when this migration sent it; else the same material
      // is imported again, which KMS takes only if it is the same (it says so when it is not).
      const done = MATERIAL_STATES.has(rk.keyState) && state.attempted.has(rk.arn) && entry.importType !== 'NEW_KEY_MATERIAL';
      replicas.push({ region: r, replicate: false, import: !done });
    }
    metas.set(entry, { ...(meta ? { primary: meta } : {}), replicas: replicaMetas });
    const create = key === undefined;
    // Every import the line still needs, checked by the engine against the key (or the key to be).
    if (importPrimary || replicas.some((r) => r.import)) {
      const described = meta ?? plannedKey(entry);
      await withMaterial(entry, (material) =>
        importKeyMaterial({
          ...importOptions(entry, wrapper),
          keyId: key?.arn ?? `(the key to create for ${entry.id})`,
          material,
          keyMetadata: described,
          ...(entry.importType ? { importType: entry.importType } : {}),
          ...(primaryRegion ? { region: primaryRegion } : {}),
          dryRun: true,
        }),
      );
    }
    const done = !importPrimary && !replicas.some((r) => r.import || r.replicate);
    const note = done
      ? state.attempted.has(key!.arn) || state.imported.has(key!.arn)
        ? 'imported by an earlier run'
        : `already holds key material (${key!.keyState})`
      : [
          create ? 'create' : undefined,
          importPrimary ? 'import' : undefined,
          ...replicas.map((r) => `${r.replicate ? 'replicate to' : 'import into the replica in'} ${r.region}`),
        ]
          .filter(Boolean)
          .join(', ');
    return { entry, keyArn: key?.arn, create, importPrimary, replicas, done, note };
  }

  const planned = options.entries.map((_, i) => plans[i]).filter((p): p is KeyPlan => p !== undefined);
  const plan: MigrationPlan = {
    keys: planned,
    toCreate: planned.filter((p) => p.create).length,
    toImport: planned.filter((p) => !p.done).length,
    alreadyDone: planned.filter((p) => p.done).length,
    replicasToCreate: planned.reduce((n, p) => n + p.replicas.filter((r) => r.replicate).length, 0),
    replicaImports: planned.reduce((n, p) => n + p.replicas.filter((r) => r.import).length, 0),
  };
  problems.sort((a, b) => a.line - b.line);
  options.onEvent?.({ type: 'planned', plan });
  const result = (outcomes: KeyOutcome[], stopped: boolean): MigrationResult => ({
    dryRun,
    plan,
    problems,
    outcomes,
    calls,
    retries,
    stopped,
  });
  if (dryRun || problems.length > 0) return result([], false);

  // 2. The run: what is not done, `concurrency` keys at a time.
  const outcomes = new Array<KeyOutcome | undefined>(planned.length);
  await pool(planned, concurrency, options.signal, async (p, index) => {
    const outcome = p.done
      ? { id: p.entry.id, line: p.entry.line, status: 'done' as const, ...(p.keyArn ? { keyArn: p.keyArn } : {}), imports: 0 }
      : await runKey(p);
    outcomes[index] = outcome;
    options.onEvent?.({ type: 'key', outcome });
  });
  const stopped = outcomes.some((o) => o === undefined);
  return result(
    planned.map(
      (p, i) =>
        outcomes[i] ?? { id: p.entry.id, line: p.entry.line, status: 'not-started', ...(p.keyArn ? { keyArn: p.keyArn } : {}), imports: 0 },
    ),
    stopped,
  );

  async function runKey(p: KeyPlan): Promise<KeyOutcome> {
    const { entry } = p;
    const state = stateOf(entry.id);
    const wrapper = await wrapperFor(entry.algorithm);
    const known = metas.get(entry)!;
    let arn = p.keyArn;
    let imports = 0;
    let created = false;
    const replicasCreated: string[] = [];
    const outcome = (status: KeyStatus, error?: KmsWrapError): KeyOutcome => ({
      id: entry.id,
      line: entry.line,
      status,
      ...(arn ? { keyArn: arn } : {}),
      imports,
      ...(created ? { created } : {}),
      ...(replicasCreated.length ? { replicasCreated } : {}),
      ...(error ? { error } : {}),
    });
    try {
      return await withMaterial(entry, async (material) => {
        let meta = known.primary;
        let region = regionOf(entry, arn);
        if (p.create) {
          const c = entry.create!;
          const creation = randomHex(16);
          await record(entry, 'creating', { ...(region ? { region } : {}), creation });
          const input = {
            Origin: 'EXTERNAL',
            KeySpec: c.keySpec,
            KeyUsage: c.keyUsage ?? defaultUsage(c.keySpec),
            ...(c.description !== undefined ? { Description: c.description } : {}),
            Tags: [...(c.tags ?? []), { TagKey: CREATION_TAG, TagValue: creation }],
            ...(c.multiRegion ? { MultiRegion: true } : {}),
          };
          const r = (await sendOr(region, new sdk.CreateKeyCommand(input), 'CreateKey', entry.create?.alias ?? entry.id, entry)) as {
            KeyMetadata?: Record<string, unknown>;
          };
          meta = r?.KeyMetadata;
          arn = typeof meta?.['Arn'] === 'string' ? (meta['Arn'] as string) : undefined;
          if (!meta || !arn) throw new KmsWrapError(ERROR_CODES.KMS_REJECTED, `CreateKey for ${entry.id} returned no key ARN — run again`);
          state.created = arn;
          created = true;
          region = regionOf(entry, arn);
          await record(entry, 'created', { key: arn, ...(region ? { region } : {}) });
        }
        if (entry.create?.alias && !state.aliased) {
          await createAlias(entry, entry.create.alias, arn!, region);
          state.aliased = true;
          await record(entry, 'aliased', { key: arn! });
        }
        const key: CheckedKey = checkKey(meta, arn!);
        if (p.importPrimary) {
          await importInto(entry, wrapper, material, key, meta!, region, entry.importType);
          imports++;
        }
        for (const r of p.replicas) {
          if (!r.import && !r.replicate) continue;
          let rm = known.replicas.get(r.region);
          const replicaArn = withRegion(key.arn, r.region);
          if (r.replicate) {
            const out = (await sendOr(
              region,
              new sdk.ReplicateKeyCommand({ KeyId: key.arn, ReplicaRegion: r.region }),
              'ReplicateKey',
              key.arn,
              entry,
            )) as { ReplicaKeyMetadata?: Record<string, unknown> };
            rm = out?.ReplicaKeyMetadata;
            replicasCreated.push(r.region);
            await record(entry, 'replicated', { key: replicaArn, region: r.region });
            // A new replica is Creating for a moment before it takes material.
            for (let i = 0; (rm === undefined || rm['KeyState'] === 'Creating') && i < 60; i++) {
              if (rm !== undefined) await sleep(1000);
              rm = await describe(replicaArn, r.region, entry);
            }
          }
          const replicaKey = checkKey(rm, replicaArn);
          const symmetric = replicaKey.keySpec === 'SYMMETRIC_DEFAULT';
          try {
            await importInto(
              entry,
              wrapper,
              material,
              replicaKey,
              rm!,
              r.region,
              entry.importType && symmetric ? 'EXISTING_KEY_MATERIAL' : undefined,
            );
          } catch (e) {
            if (isKmsWrapError(e) && awsErrorName(e.cause) === 'IncorrectKeyMaterialException') {
              throw new KmsWrapError(
                ERROR_CODES.KMS_REJECTED,
                `the replica ${replicaArn} in ${r.region} already holds other key material than line ${entry.line}'s, and KMS requires the same material in the primary and every replica of a multi-Region key — check that the line names the right material and key; a replica with other material cannot be changed: schedule its deletion and replicate again`,
                { cause: e },
              );
            }
            throw e;
          }
          imports++;
        }
        return outcome('imported');
      });
    } catch (e) {
      const error = asKmsWrapError(e);
      await record(entry, 'failed', { ...(arn ? { key: arn } : {}), code: error.code, message: error.message }).catch(() => {});
      return outcome('failed', error);
    }
  }

  async function importInto(
    entry: MigrationEntry,
    wrapper: Wrapper,
    material: MigrationMaterial,
    key: CheckedKey,
    meta: Record<string, unknown>,
    regionName: string | undefined,
    importType: string | undefined,
  ): Promise<void> {
    await record(entry, 'importing', { key: key.arn, ...(regionName ? { region: regionName } : {}) });
    stateOf(entry.id).attempted.add(key.arn);
    const r = await importKeyMaterial({
      ...importOptions(entry, wrapper),
      client: client(regionName),
      keyId: key.arn,
      material,
      keyMetadata: meta,
      ...(importType ? { importType } : {}),
      ...(regionName ? { region: regionName } : {}),
    });
    await record(entry, 'imported', {
      key: key.arn,
      ...(regionName ? { region: regionName } : {}),
      ...(r.keyMaterialId ? { keyMaterialId: r.keyMaterialId } : {}),
    });
  }

  async function createAlias(entry: MigrationEntry, alias: string, arn: string, region: string | undefined): Promise<void> {
    try {
      await client(region).send(new sdk.CreateAliasCommand({ AliasName: alias, TargetKeyId: arn }));
    } catch (e) {
      if (awsErrorName(e) !== 'AlreadyExistsException')
        throw translateKmsError(e, { operation: 'CreateAlias', keyId: alias, regionName: region, surface: options.surface });
      const target = await describe(alias, region, entry);
      if (target?.['Arn'] !== arn) {
        throw new KmsWrapError(
          ERROR_CODES.KMS_REJECTED,
          `the alias ${alias} already names another key (${String(target?.['Arn'] ?? 'unknown')}) — choose another alias on line ${entry.line}; the key ${arn} was created and is recorded in the journal`,
          { cause: e },
        );
      }
    }
  }

  /**
   * The key an earlier run's CreateKey made for `entry`, found by its `kms-wrap:creation` tag
   * (ListKeys, then ListResourceTags of each key, once a Region, and only when a run stopped in
   * that window).
   */
  async function createdEarlier(
    entry: MigrationEntry,
    creations: readonly string[],
    region: string | undefined,
  ): Promise<Record<string, unknown> | undefined> {
    if (creations.length === 0) return undefined;
    const k = region ?? '';
    let index = tagIndexes.get(k);
    if (!index) tagIndexes.set(k, (index = tagIndex(region, entry)));
    const arns = [...new Set(creations.map((c) => index.then((m) => m.get(c))))];
    const found = (await Promise.all(arns)).filter((a): a is string => a !== undefined);
    if (found.length > 1) {
      throw new KmsWrapError(
        ERROR_CODES.KMS_KEY_UNSUITABLE,
        `earlier runs stopped while creating the key of ${entry.id} and KMS made ${found.length} keys for it (${found.join(', ')}) — give the one to use as "keyId" on line ${entry.line}, schedule the deletion of the others, and remove the journal's lines for ${entry.id}`,
      );
    }
    return found[0] === undefined ? undefined : describe(found[0], region, entry);
  }

  /** The Region's keys by their `kms-wrap:creation` tag. */
  async function tagIndex(region: string | undefined, entry: MigrationEntry): Promise<Map<string, string>> {
    const index = new Map<string, string>();
    let marker: string | undefined;
    do {
      const page = (await sendOr(
        region,
        new sdk.ListKeysCommand({ Limit: 1000, ...(marker ? { Marker: marker } : {}) }),
        'ListKeys',
        '*',
        entry,
      )) as {
        Keys?: { KeyId?: string; KeyArn?: string }[];
        NextMarker?: string;
        Truncated?: boolean;
      };
      for (const key of page?.Keys ?? []) {
        const id = key.KeyArn ?? key.KeyId;
        if (!id) continue;
        let tags: { TagKey?: string; TagValue?: string }[] = [];
        try {
          let tagMarker: string | undefined;
          do {
            const t = (await client(region).send(
              new sdk.ListResourceTagsCommand({ KeyId: id, ...(tagMarker ? { Marker: tagMarker } : {}) }),
            )) as { Tags?: { TagKey?: string; TagValue?: string }[]; NextMarker?: string; Truncated?: boolean };
            tags = tags.concat(t?.Tags ?? []);
            tagMarker = t?.Truncated ? t.NextMarker : undefined;
          } while (tagMarker);
        } catch (e) {
          // Keys this principal may not read (AWS managed keys, other teams' keys) are not ours.
          if (awsErrorName(e) === 'AccessDeniedException' || awsErrorName(e) === 'NotFoundException') continue;
          throw translateKmsError(e, { operation: 'ListResourceTags', keyId: id, regionName: region, surface: options.surface });
        }
        const tag = tags.find((t) => t.TagKey === CREATION_TAG);
        if (tag?.TagValue) index.set(tag.TagValue, id);
      }
      marker = page?.Truncated ? page.NextMarker : undefined;
    } while (marker);
    return index;
  }

  async function sendOr(
    region: string | undefined,
    command: unknown,
    operation: string,
    keyId: string,
    entry: MigrationEntry,
  ): Promise<unknown> {
    try {
      return await client(region).send(command);
    } catch (e) {
      throw translateKmsError(e, { operation, keyId, regionName: region, algorithm: entry.algorithm, surface: options.surface });
    }
  }
}

/** Whether the primary key of a line needs no import (KMS's state, and the journal for NEW_KEY_MATERIAL). */
function primaryDone(entry: MigrationEntry, key: CheckedKey, state: JournalState): boolean {
  if (entry.importType === 'NEW_KEY_MATERIAL') return state.imported.has(key.arn) && MATERIAL_STATES.has(key.keyState);
  return MATERIAL_STATES.has(key.keyState);
}

function journalStates(records: readonly JournalRecord[]): Map<string, JournalState> {
  const states = new Map<string, JournalState>();
  for (const r of records) {
    let s = states.get(r.id);
    if (!s) states.set(r.id, (s = { creating: false, creations: [], aliased: false, attempted: new Set(), imported: new Set() }));
    switch (r.event) {
      case 'creating':
        s.creating = true;
        if (typeof r.creation === 'string') s.creations.push(r.creation);
        break;
      case 'created':
        if (r.key) s.created = r.key;
        break;
      case 'aliased':
        s.aliased = true;
        break;
      case 'importing':
        if (r.key) s.attempted.add(r.key);
        break;
      case 'imported':
        if (r.key) {
          s.attempted.add(r.key);
          s.imported.add(r.key);
        }
        break;
    }
  }
  return states;
}

/** KeyMetadata for a key the run will create: what the engine checks the material against. */
function plannedKey(entry: MigrationEntry): Record<string, unknown> {
  const c = entry.create!;
  return {
    KeyId: `(the key to create for ${entry.id})`,
    KeySpec: c.keySpec,
    KeyUsage: c.keyUsage ?? defaultUsage(c.keySpec),
    Origin: 'EXTERNAL',
    KeyManager: 'CUSTOMER',
    KeyState: 'PendingImport',
    ...(c.multiRegion ? { MultiRegionConfiguration: { MultiRegionKeyType: 'PRIMARY' } } : {}),
  };
}

/** CreateKey's KeyUsage when the line gives none: the one a key spec's keys mostly have. */
function defaultUsage(keySpec: string): string {
  if (keySpec === 'SYMMETRIC_DEFAULT') return 'ENCRYPT_DECRYPT';
  if (keySpec.startsWith('HMAC_')) return 'GENERATE_VERIFY_MAC';
  return 'SIGN_VERIFY';
}

function regionName(keyId: string | undefined): string | undefined {
  return keyId === undefined ? undefined : /^arn:aws[a-z-]*:kms:([a-z0-9-]+):/.exec(keyId)?.[1];
}

/** A multi-Region key's ARN in another Region: the same key id. */
function withRegion(arn: string, region: string): string {
  return arn.replace(/^(arn:aws[a-z-]*:kms:)[a-z0-9-]+:/, `$1${region}:`);
}

/** `bytes` random bytes from the platform's CSPRNG, in hex: Web Crypto, which every runtime has. */
function randomHex(bytes: number): string {
  const b = new Uint8Array(bytes);
  (globalThis as unknown as { crypto: { getRandomValues(a: Uint8Array): Uint8Array } }).crypto.getRandomValues(b);
  return toHex(b);
}

/** setTimeout, which every runtime has (the lib here is ES2022 alone). */
function defaultSleep(ms: number): Promise<void> {
  const g = globalThis as unknown as { setTimeout(f: () => void, ms: number): unknown };
  return new Promise<void>((r) => g.setTimeout(r, ms));
}

function extraAttempts(x: unknown): number {
  const attempts = (x as { $metadata?: { attempts?: unknown } } | undefined)?.$metadata?.attempts;
  return typeof attempts === 'number' && attempts > 1 ? attempts - 1 : 0;
}

function notFound(keyId: string): Error {
  const e = new Error(`Key '${keyId}' does not exist`);
  e.name = 'NotFoundException';
  return Object.assign(e, { $metadata: { httpStatusCode: 400 }, $fault: 'client' });
}

function asKmsWrapError(e: unknown): KmsWrapError {
  if (isKmsWrapError(e)) return e as KmsWrapError;
  return new KmsWrapError(ERROR_CODES.INTERNAL, `unexpected error: ${String((e as Error)?.message ?? e).split('\n')[0]} — report it`, {
    cause: e,
  });
}

/** Runs `f` over the items, at most `n` at a time, in order; stops starting new ones once `signal` is aborted. */
async function pool<T>(
  items: readonly T[],
  n: number,
  signal: { readonly aborted: boolean } | undefined,
  f: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length && !signal?.aborted) {
      const i = next++;
      await f(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
}
