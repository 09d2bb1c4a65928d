/**
 * migrateKeys without the CLI: the manifest and journal as text, the material from memory, the
 * fake KMS's in-process clients (one a Region), the journal in an array.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '@kms-wrap/core';
import { loadStandardAlgorithm, standardWrapper } from '@kms-wrap/node';
import { journalLine, migrateKeys, parseJournal, parseMigrationManifest, type JournalRecord, type MigrationEntry } from '../src/index.js';
import { FakeKms, wrappingKeyPair } from './fake-kms.js';

const wrapper = (id: string) => loadStandardAlgorithm(id).then(() => standardWrapper());

beforeAll(async () => {
  await wrappingKeyPair('RSA_4096');
});

describe('parseMigrationManifest', () => {
  it('reads keyId and create lines, and names each key for the journal', () => {
    const m = parseMigrationManifest(
      [
        '{"material": "a.bin", "algorithm": "rsaes-oaep-sha-256", "keyId": "1234"}',
        '',
        '# comment',
        '{"material": "b.der", "algorithm": "RSA_AES_KEY_WRAP_SHA_256", "create": {"keySpec": "rsa_3072", "keyUsage": "sign_verify", "alias": "alias/b", "tags": {"team": "x"}, "multiRegion": true}, "replicas": ["EU-WEST-1"], "validTo": "2099-01-01"}',
        '{"id": "c", "material": "c.bin", "algorithm": "RSAES_OAEP_SHA_1", "create": {"keySpec": "HMAC_256"}, "importType": "new-key-material"}',
      ].join('\n'),
      { now: () => Date.parse('2098-06-01T00:00:00Z') },
    );
    expect(m.problems).toEqual([]);
    expect(m.entries.map((e) => [e.line, e.id, e.algorithm])).toEqual([
      [1, '1234', 'RSAES_OAEP_SHA_256'],
      [4, 'alias/b', 'RSA_AES_KEY_WRAP_SHA_256'],
      [5, 'c', 'RSAES_OAEP_SHA_1'],
    ]);
    expect(m.entries[1]).toMatchObject({
      create: { keySpec: 'RSA_3072', keyUsage: 'SIGN_VERIFY', tags: [{ TagKey: 'team', TagValue: 'x' }], multiRegion: true },
      replicas: ['eu-west-1'],
      validTo: new Date('2099-01-01T00:00:00Z'),
    });
    expect(m.entries[2]!.importType).toBe('NEW_KEY_MATERIAL');
  });

  it('says what is wrong with each bad line, by number', () => {
    const m = parseMigrationManifest(
      [
        '{"material": "a", "algorithm": "X", "keyId": "k1"}',
        '{"material": "a", "algorithm": "X", "keyId": "k1"}',
        '{"material": "a", "algorithm": "X", "create": {"keySpec": "RSA_1024"}}',
        '{"material": "a", "algorithm": "X", "keyId": "k2", "validTo": "2001-01-01"}',
        '{"material": "a", "algorithm": "X", "keyId": "k3", "replicas": "eu-west-1"}',
        '{"material": "a", "algorithm": "X", "create": {"keySpec": "RSA_2048", "alias": "alias/aws/x"}}',
        '[1]',
      ].join('\n'),
    );
    expect(m.entries.map((e) => e.id)).toEqual(['k1']);
    expect(m.problems.map((p) => [p.line, p.error.code])).toEqual([
      [2, ERROR_CODES.MANIFEST_INVALID],
      [3, ERROR_CODES.KEY_SPEC_UNSUPPORTED],
      [4, ERROR_CODES.VALID_TO_INVALID],
      [5, ERROR_CODES.MANIFEST_INVALID],
      [6, ERROR_CODES.MANIFEST_INVALID],
      [7, ERROR_CODES.MANIFEST_INVALID],
    ]);
    expect(m.problems[0]!.error.message).toContain('on line 1 too');
  });
  it('keeps the kms-wrap:creation tag for itself: 49 tags at most, and not that name', () => {
    const tags = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`t${i}`, 'v']));
    const line = (t: unknown) => JSON.stringify({ material: 'a', algorithm: 'X', create: { keySpec: 'HMAC_256', tags: t } });
    const m = parseMigrationManifest([line(tags(49)), line(tags(50)), line({ 'kms-wrap:creation': 'x' })].join('\n'));
    expect(m.entries).toHaveLength(1);
    expect(m.problems.map((p) => p.line)).toEqual([2, 3]);
    expect(m.problems[0]!.error.message).toContain('more than 49 tags: KMS takes 50 on a key, and kms-wrap adds kms-wrap:creation');
    expect(m.problems[1]!.error.message).toContain('names kms-wrap:creation, the tag kms-wrap sets itself');
  });
});

describe('parseJournal', () => {
  it('reads whole records and counts a torn last line', () => {
    const r: JournalRecord = { v: 1, at: '2030-01-01T00:00:00.000Z', id: 'k', line: 1, event: 'imported', key: 'arn' };
    const text = journalLine(r) + journalLine({ ...r, event: 'importing' }) + '{"v":1,"at":"2030-01-0';
    expect(parseJournal(text)).toEqual({ records: [r, { ...r, event: 'importing' }], torn: 1 });
  });
});

describe('migrateKeys', () => {
  it('imports what is not done, records each step, and a second run sends only reads', async () => {
    const kms = new FakeKms({ region: 'eu-west-1' });
    const sym = randomBytes(32);
    const ecc = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'der' });
    const existing = kms.addKey();
    const files = new Map<string, Buffer>([
      ['sym', sym],
      ['ecc', ecc],
    ]);
    const { entries, problems } = parseMigrationManifest(
      [
        JSON.stringify({ material: 'sym', algorithm: 'RSAES_OAEP_SHA_256', keyId: existing.keyId }),
        JSON.stringify({
          material: 'ecc',
          algorithm: 'RSA_AES_KEY_WRAP_SHA_256',
          create: { keySpec: 'ECC_NIST_P256', alias: 'alias/ecc', multiRegion: true },
          replicas: ['us-west-2'],
        }),
      ].join('\n'),
    );
    expect(problems).toEqual([]);
    const journal: JournalRecord[] = [];
    const loaded: Uint8Array[] = [];
    const options = {
      entries,
      loadMaterial: async (e: MigrationEntry) => {
        const b = new Uint8Array(files.get(e.material)!);
        loaded.push(b);
        return b;
      },
      clientFor: (region: string | undefined) => kms.client(region ?? 'eu-west-1'),
      defaultRegion: 'eu-west-1',
      wrapper,
      record: async (r: JournalRecord) => {
        journal.push(r);
      },
    };
    const r = await migrateKeys(options);
    expect(r.problems).toEqual([]);
    expect(r.outcomes.map((o) => [o.id, o.status, o.imports])).toEqual([
      [existing.keyId, 'imported', 1],
      ['alias/ecc', 'imported', 2],
    ]);
    expect(existing.material!.equals(sym)).toBe(true);
    const primary = kms.keysIn('eu-west-1').find((k) => k.keySpec === 'ECC_NIST_P256')!;
    const replica = kms.keysIn('us-west-2')[0]!;
    expect(replica.keyId).toBe(primary.keyId);
    expect(primary.material!.equals(ecc) && replica.material!.equals(ecc)).toBe(true);
    // Every copy of the material it was given was zeroed.
    expect(loaded.every((b) => b.every((x) => x === 0))).toBe(true);
    expect(journal.filter((x) => x.id === 'alias/ecc').map((x) => x.event)).toEqual([
      'creating',
      'created',
      'aliased',
      'importing',
      'imported',
      'replicated',
      'importing',
      'imported',
    ]);
    expect(JSON.stringify(journal)).not.toContain(sym.toString('hex'));

    const n = kms.calls.length;
    const again = await migrateKeys({ ...options, journal });
    expect(again.plan).toMatchObject({ toCreate: 0, toImport: 0, alreadyDone: 2 });
    expect(again.outcomes.map((o) => o.status)).toEqual(['done', 'done']);
    expect(new Set(kms.operations.slice(n))).toEqual(new Set(['DescribeKey']));
  });

  it('a dry run checks every line with the engine against the described key, and sends only DescribeKey', async () => {
    const kms = new FakeKms();
    const hmac = kms.addKey({ keySpec: 'HMAC_256' });
    const { entries } = parseMigrationManifest(JSON.stringify({ material: 'm', algorithm: 'RSAES_OAEP_SHA_256', keyId: hmac.keyId }));
    const r = await migrateKeys({
      entries,
      loadMaterial: async () => new Uint8Array(48),
      clientFor: () => kms.client(),
      wrapper,
      dryRun: true,
    });
    expect(r.problems.map((p) => p.error.code)).toEqual([ERROR_CODES.KEY_SPEC_MISMATCH]);
    expect(r.problems[0]!.error.message).toContain('HMAC_256');
    expect(kms.operations).toEqual(['DescribeKey']);
  });
});
