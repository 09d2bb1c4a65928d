/**
 * GetParametersForImport output in each form: JSON, the console's zip (read by the bounded zip
 * reader, zip bombs refused), its unzipped folder, the README's facts. Files on disk go through
 * @kms-wrap/node's loadImportParameters (node:zlib's inflate, bounded reads); the runtime-neutral
 * parser is also run on bytes and on an in-memory folder, with DecompressionStream('deflate-raw')
 * (what a browser has) as the inflate.
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KmsWrapError } from '@kms-wrap/core';
import { loadImportParameters } from '@kms-wrap/node';
import {
  MAX_ZIP_ENTRIES,
  inflateRawStream,
  isZip,
  listZipEntries,
  parseConsoleReadme,
  parseImportParametersFile,
  parseImportParametersFolder,
  readZipEntry,
  type InflateRaw,
} from '../src/index.js';
import { crc32 as ourCrc32 } from '../src/crc32.js';
import { zlibInflateRaw } from './zlib-inflate.js';

interface Entry {
  readonly name: string;
  readonly data: Uint8Array;
  readonly method?: 0 | 8;
  /** Size to declare instead of the real one. */
  readonly declaredSize?: number;
  readonly flags?: number;
  readonly crc?: number;
  readonly methodId?: number;
}

/** A minimal zip writer (APPNOTE 4.3): local headers, data, central directory, end record. */
function makeZip(entries: readonly Entry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const method = e.methodId ?? e.method ?? 8;
    const body = (e.method ?? 8) === 8 ? deflateRawSync(e.data) : Buffer.from(e.data);
    const crc = e.crc ?? crc32(e.data);
    const size = e.declaredSize ?? e.data.length;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(e.flags ?? 0, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc >>> 0, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, body);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(e.flags ?? 0, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc >>> 0, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += local.length + name.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

const hasPython = (() => {
  try {
    execFileSync('python3', ['-c', 'import zipfile'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
})();

const ARN = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const README = [
  'This download contains the wrapping public key and the import token for the KMS key below.',
  `Key ARN: ${ARN}`,
  'Wrapping algorithm: RSAES_OAEP_SHA_256',
  'Wrapping key spec: RSA_2048',
  'The wrapping public key and import token expire at 2030-01-02T03:04:05Z.',
  '',
].join('\n');

let dir: string;
let spki: Buffer;
const token = randomBytes(200);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kms-wrap-params-'));
  spki = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'der' });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, data: Uint8Array | string): Promise<string> {
  const p = join(dir, name);
  await writeFile(p, data);
  return p;
}

async function refusal(p: Promise<unknown>, code: string, says: (string | RegExp)[] = []): Promise<KmsWrapError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(KmsWrapError);
  expect((e as KmsWrapError).code, (e as Error).message).toBe(code);
  for (const s of says) expect((e as Error).message).toMatch(s);
  return e as KmsWrapError;
}

describe('the console zip', () => {
  it("WrappingPublicKey.bin, ImportToken.bin, README.txt (deflated and stored): key, token, and the README's facts", async () => {
    const z = makeZip([
      { name: 'WrappingPublicKey.bin', data: spki },
      { name: 'ImportToken.bin', data: token, method: 0 },
      { name: 'README.txt', data: Buffer.from(README) },
    ]);
    expect(isZip(z)).toBe(true);
    const p = await loadImportParameters(await file('ImportParameters.zip', z));
    expect(p).toMatchObject({ source: 'zip', keyId: ARN, wrappingAlgorithm: 'RSAES_OAEP_SHA_256', importTokenFile: undefined });
    expect(p.wrappingKey.spec).toBe('RSA_2048');
    expect(Buffer.from(p.importToken).equals(token)).toBe(true);
    expect(p.validTo?.toISOString()).toBe('2030-01-02T03:04:05.000Z');
  });

  it('older downloads: wrappingKey_<id>, importToken_<id>, README_<id>.txt inside a folder of the zip; __MACOSX ignored', async () => {
    const id = '1234abcd-12ab-34cd-56ef-1234567890ab';
    const z = makeZip([
      { name: 'ImportParameters/', data: new Uint8Array(), method: 0 },
      { name: `ImportParameters/wrappingKey_${id}`, data: spki },
      { name: `ImportParameters/importToken_${id}`, data: token },
      { name: `ImportParameters/README_${id}.txt`, data: Buffer.from('Wrapping algorithm: RSAES_OAEP_SHA_1\n') },
      { name: `__MACOSX/ImportParameters/._wrappingKey_${id}`, data: randomBytes(40) },
    ]);
    const p = await loadImportParameters(await file('old.zip', z));
    expect(p.keyId).toBe(id);
    expect(p.wrappingAlgorithm).toBe('RSAES_OAEP_SHA_1');
    expect(p.validTo).toBeUndefined();
    expect(Buffer.from(p.importToken).equals(token)).toBe(true);
  });

  it.skipIf(!hasPython)('a zip made by another implementation (Python zipfile, deflated) reads the same', async () => {
    const src = await mkdtemp(join(dir, 'py-'));
    await writeFile(join(src, 'WrappingPublicKey.bin'), spki);
    await writeFile(join(src, 'ImportToken.bin'), token);
    await writeFile(join(src, 'README.txt'), README);
    const out = join(dir, 'python.zip');
    const script =
      'import sys, zipfile\n' +
      'with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:\n' +
      '    for n in ("WrappingPublicKey.bin", "ImportToken.bin", "README.txt"): z.write(sys.argv[2] + "/" + n, n)\n';
    execFileSync('python3', ['-c', script, out, src]);
    const p = await loadImportParameters(out);
    expect(p).toMatchObject({ source: 'zip', keyId: ARN, wrappingAlgorithm: 'RSAES_OAEP_SHA_256' });
    expect(Buffer.from(p.wrappingKey.spki).equals(spki)).toBe(true);
  });

  it('refuses zip bombs: an entry declared over 1 MiB, an entry that inflates past 1 MiB, too many entries', async () => {
    const big = makeZip([
      { name: 'WrappingPublicKey.bin', data: Buffer.alloc(2 << 20) },
      { name: 'ImportToken.bin', data: token },
    ]);
    expect(big.length).toBeLessThan(10_000); // 2 MiB of zeros deflate to a few kB
    await refusal(loadImportParameters(await file('big.zip', big)), 'ERR_PARAMETERS_INVALID', [/far larger than import parameters/]);
    const liar = makeZip([
      { name: 'WrappingPublicKey.bin', data: Buffer.alloc(8 << 20), declaredSize: 500 },
      { name: 'ImportToken.bin', data: token },
    ]);
    const t0 = Date.now();
    await refusal(loadImportParameters(await file('liar.zip', liar)), 'ERR_PARAMETERS_INVALID', [/inflates past 1048576 bytes/]);
    expect(Date.now() - t0).toBeLessThan(2000);
    const many = makeZip(Array.from({ length: MAX_ZIP_ENTRIES + 1 }, (_, i) => ({ name: `f${i}`, data: Buffer.from('x') })));
    await refusal(loadImportParameters(await file('many.zip', many)), 'ERR_PARAMETERS_INVALID', [/entries/]);
  });

  it('refuses damaged or unsupported archives with a sentence', async () => {
    const good = makeZip([
      { name: 'WrappingPublicKey.bin', data: spki },
      { name: 'ImportToken.bin', data: token },
    ]);
    await refusal(loadImportParameters(await file('trunc.zip', good.subarray(0, good.length - 30))), 'ERR_PARAMETERS_INVALID', [
      /end of central directory/,
    ]);
    const badCrc = makeZip([
      { name: 'WrappingPublicKey.bin', data: spki, crc: 1234 },
      { name: 'ImportToken.bin', data: token },
    ]);
    await refusal(loadImportParameters(await file('crc.zip', badCrc)), 'ERR_PARAMETERS_INVALID', [/CRC-32/]);
    const encrypted = makeZip([
      { name: 'WrappingPublicKey.bin', data: spki, flags: 1 },
      { name: 'ImportToken.bin', data: token },
    ]);
    await refusal(loadImportParameters(await file('enc.zip', encrypted)), 'ERR_PARAMETERS_INVALID', [/encrypted/]);
    const bzip = makeZip([
      { name: 'WrappingPublicKey.bin', data: spki, method: 0, methodId: 12 },
      { name: 'ImportToken.bin', data: token },
    ]);
    await refusal(loadImportParameters(await file('bzip.zip', bzip)), 'ERR_PARAMETERS_INVALID', [/compression method 12/]);
    const noToken = makeZip([{ name: 'WrappingPublicKey.bin', data: spki }]);
    await refusal(loadImportParameters(await file('notoken.zip', noToken)), 'ERR_PARAMETERS_INVALID', [/no ImportToken.bin/]);
    const two = makeZip([
      { name: 'a/WrappingPublicKey.bin', data: spki },
      { name: 'b/WrappingPublicKey.bin', data: spki },
      { name: 'ImportToken.bin', data: token },
    ]);
    await refusal(loadImportParameters(await file('two.zip', two)), 'ERR_PARAMETERS_INVALID', [/2 wrapping public keys/, /one download/]);
  });

  it('random damage to a zip is a KmsWrapError or a good read, never a crash or a hang', async () => {
    const good = makeZip([
      { name: 'WrappingPublicKey.bin', data: spki },
      { name: 'ImportToken.bin', data: token, method: 0 },
      { name: 'README.txt', data: Buffer.from(README) },
    ]);
    for (let i = 0; i < 400; i++) {
      const z = Buffer.from(good);
      const n = 1 + (i % 4);
      for (let j = 0; j < n; j++) z[randomBytes(4).readUInt32LE() % z.length] = randomBytes(1)[0]!;
      const cut = i % 7 === 0 ? z.subarray(0, randomBytes(2).readUInt16LE() % z.length) : z;
      try {
        const entries = listZipEntries(cut);
        for (const e of entries) await readZipEntry(cut, e, { inflateRaw: i % 2 === 0 ? zlibInflateRaw : inflateRawStream });
      } catch (e) {
        expect(e, String(e)).toBeInstanceOf(KmsWrapError);
      }
    }
  });

  it('a README naming another wrapping key spec than the key is refused: the files come from different downloads', async () => {
    const z = makeZip([
      { name: 'WrappingPublicKey.bin', data: spki },
      { name: 'ImportToken.bin', data: token },
      { name: 'README.txt', data: Buffer.from(README.replace('RSA_2048', 'RSA_4096')) },
    ]);
    await refusal(loadImportParameters(await file('mixed.zip', z)), 'ERR_PARAMETERS_MISMATCH', [
      /RSA_4096 wrapping key, but the wrapping public key is RSA_2048/,
    ]);
  });
});

describe('the runtime-neutral parser, with either inflate', () => {
  const INFLATES: [string, InflateRaw | undefined][] = [
    ['node:zlib', zlibInflateRaw],
    ['DecompressionStream (the default)', undefined],
    ['DecompressionStream', inflateRawStream],
  ];

  it('DecompressionStream takes deflate-raw on this runtime', () => {
    expect(() => new DecompressionStream('deflate-raw')).not.toThrow();
  });

  it.each(INFLATES)('the console zip from its bytes (%s): key, token, README facts', async (_, inflateRaw) => {
    const z = makeZip([
      { name: 'WrappingPublicKey.bin', data: spki },
      { name: 'ImportToken.bin', data: token },
      { name: 'README.txt', data: Buffer.from(README) },
    ]);
    const p = await parseImportParametersFile(z, 'ImportParameters.zip', inflateRaw ? { inflateRaw } : {});
    expect(p).toMatchObject({ source: 'zip', keyId: ARN, wrappingAlgorithm: 'RSAES_OAEP_SHA_256', importTokenFile: undefined });
    expect(Buffer.from(p.wrappingKey.spki).equals(spki)).toBe(true);
    expect(Buffer.from(p.importToken).equals(token)).toBe(true);
  });

  it.each(INFLATES)('zip bombs and corrupt entries are refused the same (%s)', async (_, inflateRaw) => {
    const opts = inflateRaw ? { inflateRaw } : {};
    const liar = makeZip([
      { name: 'WrappingPublicKey.bin', data: Buffer.alloc(8 << 20), declaredSize: 500 },
      { name: 'ImportToken.bin', data: token },
    ]);
    const t0 = Date.now();
    await refusal(parseImportParametersFile(liar, 'liar.zip', opts), 'ERR_PARAMETERS_INVALID', [
      /the import parameters zip liar\.zip has an entry "WrappingPublicKey\.bin" that inflates past 1048576 bytes/,
    ]);
    expect(Date.now() - t0).toBeLessThan(2000);
    const good = makeZip([
      { name: 'WrappingPublicKey.bin', data: spki },
      { name: 'ImportToken.bin', data: token, method: 0 },
    ]);
    const corrupt = Buffer.from(good);
    corrupt.fill(0xff, 30 + 'WrappingPublicKey.bin'.length, 30 + 'WrappingPublicKey.bin'.length + 8);
    await refusal(parseImportParametersFile(corrupt, 'corrupt.zip', opts), 'ERR_PARAMETERS_INVALID', [
      /has a corrupt deflated entry "WrappingPublicKey\.bin"/,
    ]);
  });

  it('an in-memory folder: the token file is what pathOf says, or none', async () => {
    const files: Record<string, Uint8Array> = {
      'WrappingPublicKey.bin': spki,
      'ImportToken.bin': token,
      'README.txt': Buffer.from(README),
    };
    const read = async (f: string) => files[f] ?? Promise.reject(new Error(`no ${f}`));
    const p = await parseImportParametersFolder({ name: 'picked', files: Object.keys(files), read, pathOf: (f) => `picked/${f}` });
    expect(p).toMatchObject({
      source: 'folder',
      keyId: ARN,
      wrappingAlgorithm: 'RSAES_OAEP_SHA_256',
      importTokenFile: 'picked/ImportToken.bin',
    });
    const q = await parseImportParametersFolder({ name: 'picked', files: Object.keys(files), read });
    expect(q.importTokenFile).toBeUndefined();
    await refusal(
      parseImportParametersFolder({ name: 'two', files: ['WrappingPublicKey.bin', 'wrappingKey_x', 'ImportToken.bin'], read }),
      'ERR_PARAMETERS_INVALID',
      [/the folder two holds 2 wrapping public keys/],
    );
  });

  it("the CRC-32 is zip's (the same as node:zlib's)", () => {
    for (const data of [new Uint8Array(), Buffer.from('123456789'), randomBytes(1000), spki]) expect(ourCrc32(data)).toBe(crc32(data));
    expect(ourCrc32(Buffer.from('123456789'))).toBe(0xcbf43926); // the check value of CRC-32/ISO-HDLC
  });
});

describe('the unzipped folder and the JSON', () => {
  it("a folder with README.txt: the token file is the folder's own", async () => {
    const f = join(dir, 'folder');
    await mkdir(f);
    await writeFile(join(f, 'WrappingPublicKey.bin'), spki);
    await writeFile(join(f, 'ImportToken.bin'), token);
    await writeFile(join(f, 'README.txt'), README);
    const p = await loadImportParameters(f);
    expect(p).toMatchObject({
      source: 'folder',
      keyId: ARN,
      wrappingAlgorithm: 'RSAES_OAEP_SHA_256',
      importTokenFile: join(f, 'ImportToken.bin'),
    });
    expect(p.validTo?.toISOString()).toBe('2030-01-02T03:04:05.000Z');
  });

  it('a folder without the token says which file is missing', async () => {
    const f = join(dir, 'folder-missing');
    await mkdir(f);
    await writeFile(join(f, 'WrappingPublicKey.bin'), spki);
    await refusal(loadImportParameters(f), 'ERR_FILE_UNREADABLE', [/ImportToken\.bin/]);
  });

  it('the JSON of aws kms get-parameters-for-import', async () => {
    const json = JSON.stringify({
      KeyId: ARN,
      ImportToken: token.toString('base64'),
      PublicKey: spki.toString('base64'),
      ParametersValidTo: 1893456000.0,
    });
    const p = await loadImportParameters(await file('params.json', json));
    expect(p).toMatchObject({ source: 'json', keyId: ARN, wrappingAlgorithm: undefined, importTokenFile: undefined });
    expect(p.validTo?.toISOString()).toBe('2030-01-01T00:00:00.000Z');
  });
});

describe('parseConsoleReadme', () => {
  it('reads the facts in several wordings, and nothing from a README that states none', () => {
    expect(parseConsoleReadme(README)).toEqual({
      keyId: ARN,
      wrappingAlgorithm: 'RSAES_OAEP_SHA_256',
      wrappingKeySpec: 'RSA_2048',
      validTo: new Date('2030-01-02T03:04:05Z'),
    });
    const other = parseConsoleReadme(
      'KMS key ID: 0000abcd-12ab-34cd-56ef-1234567890ab\r\nWrapping Algorithm = RSA_AES_KEY_WRAP_SHA_1\r\nPublic key spec: RSA_4096\r\nValid until: 2030-06-01 12:30:00 UTC\r\n',
    );
    expect(other).toEqual({
      keyId: '0000abcd-12ab-34cd-56ef-1234567890ab',
      wrappingAlgorithm: 'RSA_AES_KEY_WRAP_SHA_1',
      wrappingKeySpec: 'RSA_4096',
      validTo: new Date('2030-06-01T12:30:00Z'),
    });
    expect(parseConsoleReadme('Expires: Tue, 01 Jan 2030 10:00:00 GMT').validTo).toEqual(new Date('2030-01-01T10:00:00Z'));
    expect(parseConsoleReadme('Expiration: 2030-01-01T10:00:00+02:00').validTo).toEqual(new Date('2030-01-01T08:00:00Z'));
    expect(parseConsoleReadme('Use SM2PKE with the SM2 wrapping key.')).toMatchObject({
      wrappingAlgorithm: 'SM2PKE',
      wrappingKeySpec: 'SM2',
    });
    expect(parseConsoleReadme('Import the key material within 24 hours.')).toEqual({});
  });
});
