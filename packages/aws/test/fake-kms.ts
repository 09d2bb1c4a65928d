/**
 * A fake AWS KMS for the import flow's tests, with no AWS access: it behaves like KMS where
 * kms-wrap depends on it.
 *  - DescribeKey returns KeyMetadata (Origin, KeySpec, KeyUsage, KeyState, Arn...).
 *  - GetParametersForImport returns a real wrapping public key made with node:crypto (RSA_2048/
 *    3072/4096, SM2) and a random token that it remembers, valid for 24 hours.
 *  - ImportKeyMaterial really unwraps EncryptedKeyMaterial with the private key (node:crypto
 *    for RSA-OAEP and AES-KWP, the OpenSSL CLI for SM2), checks that the plaintext is material
 *    of the key's spec, checks the token (known, for this key, not expired), ExpirationModel
 *    and ValidTo, and a reimport's material; failures are thrown shaped like the SDK's service
 *    exceptions (name, message, $fault, $metadata).
 *  - CreateKey (Origin EXTERNAL, tags, multi-Region keys: mrk- ids), CreateAlias, ReplicateKey,
 *    ListKeys and ListResourceTags (paged: `pageSize`);
 *    state per Region (a request's Region is its SigV4 credential scope's), a multi-Region key's
 *    replicas share its key id, and each replica takes only the primary's material.
 *  - Quotas and networks: ThrottlingException on a share of the calls (`throttle`, seeded), a
 *    connection dropped before a request is answered (`serve`'s `hook`).
 * `client()` is a `{ send(command) }` that takes the SDK's command objects; `serve()` speaks
 * the KMS JSON protocol (awsJson1_1, X-Amz-Target: TrentService.*) on 127.0.0.1 so the real
 * SDK's KMSClient can be pointed at it with `endpoint`.
 */
import { execFileSync } from 'node:child_process';
import {
  constants,
  createDecipheriv,
  createHash,
  createPrivateKey,
  generateKeyPair,
  privateDecrypt,
  randomBytes,
  randomUUID,
  type KeyObject,
} from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const generateKeyPairAsync = promisify(generateKeyPair);

export type Operation =
  | 'DescribeKey'
  | 'GetParametersForImport'
  | 'ImportKeyMaterial'
  | 'CreateKey'
  | 'CreateAlias'
  | 'ReplicateKey'
  | 'ListKeys'
  | 'ListResourceTags';

/** An error shaped like an SDK service exception: what the SDK throws for a KMS error response. */
export class FakeKmsError extends Error {
  readonly $fault: 'client' | 'server';
  readonly $metadata: { httpStatusCode: number; requestId: string; attempts: number; totalRetryDelay: number };
  constructor(name: string, message: string, status = 400) {
    super(message);
    this.name = name;
    this.$fault = status >= 500 ? 'server' : 'client';
    this.$metadata = { httpStatusCode: status, requestId: randomUUID(), attempts: 1, totalRetryDelay: 0 };
  }
}

export interface FakeKey {
  readonly keyId: string;
  readonly arn: string;
  readonly region: string;
  readonly tags: readonly { TagKey: string; TagValue: string }[];
  /** ImportKeyMaterial calls that succeeded into this key. */
  imports: number;
  keySpec: string;
  keyUsage: string;
  origin: string;
  keyState: string;
  keyManager: string;
  multiRegionType: 'PRIMARY' | 'REPLICA' | undefined;
  /** The imported material, once imported. */
  material: Buffer | undefined;
  expirationModel: string | undefined;
  validTo: Date | undefined;
  description: string | undefined;
}

interface IssuedToken {
  readonly arn: string;
  readonly algorithm: string;
  readonly wrappingKeySpec: string;
  readonly privateKey: KeyObject;
  readonly validTo: number;
}

export interface KeyOptions {
  readonly keySpec?: string;
  readonly keyUsage?: string;
  readonly origin?: string;
  readonly keyState?: string;
  readonly keyManager?: string;
  readonly multiRegionType?: 'PRIMARY' | 'REPLICA';
  readonly alias?: string;
  /** The key's Region (the fake's own by default). */
  readonly region?: string;
  /** The key id (a random UUID, mrk-... for a multi-Region key, by default). */
  readonly keyId?: string;
  readonly tags?: readonly { TagKey: string; TagValue: string }[];
}

const RAW_LENGTHS: Readonly<Record<string, number>> = { SYMMETRIC_DEFAULT: 32, HMAC_224: 28, HMAC_256: 32, HMAC_384: 48, HMAC_512: 64 };
const CURVES: Readonly<Record<string, string>> = {
  ECC_NIST_P256: 'prime256v1',
  ECC_NIST_P384: 'secp384r1',
  ECC_NIST_P521: 'secp521r1',
  ECC_SECG_P256K1: 'secp256k1',
  SM2: 'SM2',
};
const DEFAULT_USAGE: Readonly<Record<string, string>> = {
  SYMMETRIC_DEFAULT: 'ENCRYPT_DECRYPT',
  RSA_2048: 'ENCRYPT_DECRYPT',
  RSA_3072: 'SIGN_VERIFY',
  RSA_4096: 'ENCRYPT_DECRYPT',
  SM2: 'SIGN_VERIFY',
};
const WRAPPING_BITS: Readonly<Record<string, number>> = { RSA_2048: 2048, RSA_3072: 3072, RSA_4096: 4096 };
const ALGORITHMS = ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256', 'RSA_AES_KEY_WRAP_SHA_1', 'RSA_AES_KEY_WRAP_SHA_256', 'SM2PKE'];
const DAY = 86_400_000;

/** Wrapping key pairs are slow to make (RSA_4096): one per spec per process, as KMS keeps one per account. */
const wrappingKeys = new Map<string, Promise<{ privateKey: KeyObject; spki: Buffer }>>();

export function wrappingKeyPair(spec: string): Promise<{ privateKey: KeyObject; spki: Buffer }> {
  let p = wrappingKeys.get(spec);
  if (!p) {
    p = (
      spec === 'SM2'
        ? generateKeyPairAsync('ec', { namedCurve: 'SM2' })
        : generateKeyPairAsync('rsa', { modulusLength: WRAPPING_BITS[spec]!, publicExponent: 65537 })
    ).then(({ privateKey, publicKey }) => ({ privateKey, spki: publicKey.export({ type: 'spki', format: 'der' }) }));
    wrappingKeys.set(spec, p);
  }
  return p;
}

export class FakeKms {
  readonly partition: string;
  readonly region: string;
  readonly account = '111122223333';
  /** By `${region}/${keyId}`. */
  readonly keys = new Map<string, FakeKey>();
  /** By `${region}/${alias}`: the key id. */
  readonly aliases = new Map<string, string>();
  readonly tokens = new Map<string, IssuedToken>();
  /** Every call received, in order, with its input. */
  readonly calls: { operation: Operation; input: Record<string, unknown>; region: string }[] = [];
  /** ThrottlingException on this share (0..1) of the calls, chosen by a seeded generator; `throttled` counts them. */
  throttle: { share: number; seed?: number; operations?: readonly Operation[] } | undefined;
  throttled = 0;
  /** The most keys ListKeys returns a page. */
  pageSize = 100;
  private rng = 0;
  /** Errors to throw instead of answering, consumed first-in first-out per operation. */
  readonly failures: { operation: Operation; name: string; message: string; status?: number }[] = [];
  /** The fake's clock, in milliseconds. */
  now: () => number = () => Date.now();

  constructor(options: { region?: string } = {}) {
    this.region = options.region ?? 'us-east-1';
    this.partition = this.region.startsWith('cn-') ? 'aws-cn' : 'aws';
  }

  get operations(): Operation[] {
    return this.calls.map((c) => c.operation);
  }

  /** The keys of a Region. */
  keysIn(region = this.region): FakeKey[] {
    return [...this.keys.values()].filter((k) => k.region === region);
  }

  /** A key by ARN. */
  key(arn: string): FakeKey | undefined {
    return [...this.keys.values()].find((k) => k.arn === arn);
  }

  addKey(options: KeyOptions = {}): FakeKey {
    const region = options.region ?? this.region;
    const keyId = options.keyId ?? (options.multiRegionType ? `mrk-${randomBytes(16).toString('hex')}` : randomUUID());
    const keySpec = options.keySpec ?? 'SYMMETRIC_DEFAULT';
    const key: FakeKey = {
      keyId,
      arn: `arn:${partitionOf(region)}:kms:${region}:${this.account}:key/${keyId}`,
      region,
      tags: options.tags ?? [],
      imports: 0,
      keySpec,
      keyUsage: options.keyUsage ?? DEFAULT_USAGE[keySpec] ?? (keySpec.startsWith('HMAC') ? 'GENERATE_VERIFY_MAC' : 'SIGN_VERIFY'),
      origin: options.origin ?? 'EXTERNAL',
      keyState: options.keyState ?? ((options.origin ?? 'EXTERNAL') === 'EXTERNAL' ? 'PendingImport' : 'Enabled'),
      keyManager: options.keyManager ?? 'CUSTOMER',
      multiRegionType: options.multiRegionType,
      material: undefined,
      expirationModel: undefined,
      validTo: undefined,
      description: undefined,
    };
    this.keys.set(`${region}/${keyId}`, key);
    if (options.alias) this.aliases.set(`${region}/${options.alias}`, keyId);
    return key;
  }

  /** Makes the next call of `operation` fail with this error. */
  failNext(operation: Operation, name: string, message = `fake ${name}`, status?: number): void {
    this.failures.push({ operation, name, message, ...(status === undefined ? {} : { status }) });
  }

  /** A `{ send(command) }` client that takes @aws-sdk/client-kms command objects. */
  client(region = this.region): { send(command: unknown): Promise<unknown> } {
    return {
      send: async (command: unknown) => {
        const c = command as { constructor: { name: string }; input: Record<string, unknown> };
        const operation = c.constructor.name.replace(/Command$/, '') as Operation;
        return this.handle(operation, c.input, region);
      },
    };
  }

  async handle(operation: Operation, input: Record<string, unknown>, region = this.region): Promise<Record<string, unknown>> {
    this.calls.push({ operation, input, region });
    const i = this.failures.findIndex((f) => f.operation === operation);
    if (i >= 0) {
      const [f] = this.failures.splice(i, 1);
      throw new FakeKmsError(f!.name, f!.message, f!.status);
    }
    if (this.throttle && (this.throttle.operations ?? [operation]).includes(operation) && this.random() < this.throttle.share) {
      this.throttled++;
      throw new FakeKmsError('ThrottlingException', 'Rate exceeded');
    }
    switch (operation) {
      case 'DescribeKey':
        return this.describeKey(input, region);
      case 'GetParametersForImport':
        return this.getParametersForImport(input, region);
      case 'ImportKeyMaterial':
        return this.importKeyMaterial(input, region);
      case 'CreateKey':
        return this.createKey(input, region);
      case 'CreateAlias':
        return this.createAlias(input, region);
      case 'ReplicateKey':
        return this.replicateKey(input, region);
      case 'ListKeys':
        return this.listKeys(input, region);
      case 'ListResourceTags':
        return { Tags: this.find(input['KeyId'], false, region).tags, Truncated: false };
      default:
        throw new FakeKmsError('UnknownOperationException', `the fake does not do ${String(operation)}`);
    }
  }

  /** A seeded generator (mulberry32), so that a throttled share is the same from run to run. */
  private random(): number {
    if (this.rng === 0) this.rng = (this.throttle?.seed ?? 1) >>> 0 || 1;
    let t = (this.rng = (this.rng + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  private find(keyId: unknown, allowAlias: boolean, region: string): FakeKey {
    if (typeof keyId !== 'string' || keyId === '') throw new FakeKmsError('ValidationException', 'KeyId is required');
    let id = keyId;
    if (keyId.startsWith('alias/')) {
      if (!allowAlias) throw new FakeKmsError('ValidationException', `${keyId} is an alias; this operation takes a key id or key ARN`);
      id = this.aliases.get(`${region}/${keyId}`) ?? '';
    } else if (keyId.startsWith('arn:')) {
      const m = /^arn:([a-z-]+):kms:([a-z0-9-]+):(\d{12}):key\/(.+)$/.exec(keyId);
      if (!m) throw new FakeKmsError('InvalidArnException', `${keyId} is not a valid ARN`);
      if (m[1] !== partitionOf(region) || m[2] !== region || m[3] !== this.account)
        throw new FakeKmsError('NotFoundException', `Key '${keyId}' does not exist`);
      id = m[4]!;
    }
    const key = this.keys.get(`${region}/${id}`);
    if (!key) throw new FakeKmsError('NotFoundException', `Key '${keyId}' does not exist`);
    return key;
  }

  private describeKey(input: Record<string, unknown>, region: string): Record<string, unknown> {
    return { KeyMetadata: this.metadata(this.find(input['KeyId'], true, region)) };
  }

  private primaryRegionOf(k: FakeKey): string | undefined {
    return [...this.keys.values()].find((r) => r.keyId === k.keyId && r.multiRegionType === 'PRIMARY')?.region;
  }

  private metadata(k: FakeKey): Record<string, unknown> {
    const replicas = [...this.keys.values()].filter((r) => r.keyId === k.keyId && r.multiRegionType === 'REPLICA');
    const primary = [...this.keys.values()].find((r) => r.keyId === k.keyId && r.multiRegionType === 'PRIMARY');
    return {
      AWSAccountId: this.account,
      KeyId: k.keyId,
      Arn: k.arn,
      CreationDate: new Date(this.now() - DAY),
      Enabled: k.keyState === 'Enabled',
      Description: '',
      KeyUsage: k.keyUsage,
      KeyState: k.keyState,
      Origin: k.origin,
      KeyManager: k.keyManager,
      CustomerMasterKeySpec: k.keySpec,
      KeySpec: k.keySpec,
      MultiRegion: k.multiRegionType !== undefined,
      ...(k.multiRegionType
        ? {
            MultiRegionConfiguration: {
              MultiRegionKeyType: k.multiRegionType,
              ...(primary ? { PrimaryKey: { Arn: primary.arn, Region: primary.region } } : {}),
              ReplicaKeys: replicas.map((r) => ({ Arn: r.arn, Region: r.region })),
            },
          }
        : {}),
      ...(k.expirationModel ? { ExpirationModel: k.expirationModel } : {}),
      ...(k.validTo ? { ValidTo: k.validTo } : {}),
    };
  }

  private createKey(input: Record<string, unknown>, region: string): Record<string, unknown> {
    const origin = String(input['Origin'] ?? 'AWS_KMS');
    const keySpec = String(input['KeySpec'] ?? 'SYMMETRIC_DEFAULT');
    if (!(keySpec in RAW_LENGTHS) && !keySpec.startsWith('RSA_') && !(keySpec in CURVES))
      throw new FakeKmsError('ValidationException', `Value '${keySpec}' at 'keySpec' failed to satisfy constraint`);
    if (keySpec === 'SM2' && partitionOf(region) !== 'aws-cn')
      throw new FakeKmsError('ValidationException', 'SM2 keys are available only in the China Regions');
    const tags = (input['Tags'] ?? []) as { TagKey: string; TagValue: string }[];
    const key = this.addKey({
      region,
      keySpec,
      origin,
      ...(typeof input['KeyUsage'] === 'string' ? { keyUsage: input['KeyUsage'] } : {}),
      ...(input['MultiRegion'] === true ? { multiRegionType: 'PRIMARY' as const } : {}),
      tags,
    });
    key.description = typeof input['Description'] === 'string' ? input['Description'] : undefined;
    return { KeyMetadata: this.metadata(key) };
  }

  private listKeys(input: Record<string, unknown>, region: string): Record<string, unknown> {
    const all = [...this.keys.values()].filter((k) => k.region === region);
    const limit = Math.min(this.pageSize, typeof input['Limit'] === 'number' ? input['Limit'] : 100);
    const from = typeof input['Marker'] === 'string' ? Number(input['Marker']) : 0;
    const page = all.slice(from, from + limit);
    const more = from + limit < all.length;
    return {
      Keys: page.map((k) => ({ KeyId: k.keyId, KeyArn: k.arn })),
      Truncated: more,
      ...(more ? { NextMarker: String(from + limit) } : {}),
    };
  }

  private createAlias(input: Record<string, unknown>, region: string): Record<string, unknown> {
    const name = String(input['AliasName'] ?? '');
    if (!/^alias\/[a-zA-Z0-9/_-]+$/.test(name) || name.startsWith('alias/aws/'))
      throw new FakeKmsError('ValidationException', `Alias ${name} is not valid`);
    if (this.aliases.has(`${region}/${name}`))
      throw new FakeKmsError('AlreadyExistsException', `An alias with the name ${name} already exists`);
    const k = this.find(input['TargetKeyId'], false, region);
    this.aliases.set(`${region}/${name}`, k.keyId);
    return {};
  }

  private replicateKey(input: Record<string, unknown>, region: string): Record<string, unknown> {
    const k = this.find(input['KeyId'], false, region);
    const to = String(input['ReplicaRegion'] ?? '');
    if (k.multiRegionType !== 'PRIMARY')
      throw new FakeKmsError('UnsupportedOperationException', `${k.arn} is not a multi-Region primary key.`);
    if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(to) || to === region || partitionOf(to) !== partitionOf(region))
      throw new FakeKmsError('ValidationException', `${to} is not a valid replica Region`);
    if (this.keys.has(`${to}/${k.keyId}`)) throw new FakeKmsError('AlreadyExistsException', `${k.keyId} already has a replica in ${to}`);
    const replica = this.addKey({
      region: to,
      keyId: k.keyId,
      keySpec: k.keySpec,
      keyUsage: k.keyUsage,
      origin: k.origin,
      multiRegionType: 'REPLICA',
      tags: k.tags,
    });
    return { ReplicaKeyMetadata: this.metadata(replica), ReplicaPolicy: '{}', ReplicaTags: k.tags };
  }

  private async getParametersForImport(input: Record<string, unknown>, region: string): Promise<Record<string, unknown>> {
    const k = this.find(input['KeyId'], false, region);
    const algorithm = String(input['WrappingAlgorithm']);
    const spec = String(input['WrappingKeySpec']);
    if (k.origin !== 'EXTERNAL')
      throw new FakeKmsError('UnsupportedOperationException', `${k.arn} origin is ${k.origin} which is not valid for this operation.`);
    if (k.keyState === 'PendingDeletion') throw new FakeKmsError('KMSInvalidStateException', `${k.arn} is pending deletion.`);
    if (!ALGORITHMS.includes(algorithm))
      throw new FakeKmsError(
        'ValidationException',
        `1 validation error detected: Value '${algorithm}' at 'wrappingAlgorithm' failed to satisfy constraint`,
      );
    if (!(spec in WRAPPING_BITS) && spec !== 'SM2')
      throw new FakeKmsError('ValidationException', `Value '${spec}' at 'wrappingKeySpec' failed to satisfy constraint`);
    if ((spec === 'SM2') !== (algorithm === 'SM2PKE') || (spec === 'SM2' && partitionOf(region) !== 'aws-cn')) {
      throw new FakeKmsError('ValidationException', `${algorithm} with ${spec} is not supported here`);
    }
    const { privateKey, spki } = await wrappingKeyPair(spec);
    const token = randomBytes(64 + (randomBytes(1)[0]! % 64));
    const validTo = this.now() + DAY;
    this.tokens.set(token.toString('hex'), { arn: k.arn, algorithm, wrappingKeySpec: spec, privateKey, validTo });
    return { KeyId: k.arn, ImportToken: new Uint8Array(token), PublicKey: new Uint8Array(spki), ParametersValidTo: new Date(validTo) };
  }

  private importKeyMaterial(input: Record<string, unknown>, region: string): Record<string, unknown> {
    const k = this.find(input['KeyId'], false, region);
    const token = input['ImportToken'];
    const encrypted = input['EncryptedKeyMaterial'];
    if (!(token instanceof Uint8Array) || !(encrypted instanceof Uint8Array))
      throw new FakeKmsError('ValidationException', 'ImportToken and EncryptedKeyMaterial are required blobs');
    const issued = this.tokens.get(Buffer.from(token).toString('hex'));
    if (!issued || issued.arn !== k.arn)
      throw new FakeKmsError('InvalidImportTokenException', 'The import token is invalid for the specified KMS key.');
    if (issued.validTo <= this.now()) throw new FakeKmsError('ExpiredImportTokenException', 'The import token has expired.');
    if (k.origin !== 'EXTERNAL')
      throw new FakeKmsError('UnsupportedOperationException', `${k.arn} origin is ${k.origin} which is not valid for this operation.`);
    if (k.keyState === 'PendingDeletion') throw new FakeKmsError('KMSInvalidStateException', `${k.arn} is pending deletion.`);

    const model = input['ExpirationModel'] ?? 'KEY_MATERIAL_EXPIRES';
    const validTo = input['ValidTo'];
    if (model === 'KEY_MATERIAL_EXPIRES') {
      if (!(validTo instanceof Date))
        throw new FakeKmsError('ValidationException', 'ValidTo is required when ExpirationModel is KEY_MATERIAL_EXPIRES');
      if (validTo.getTime() <= this.now() || validTo.getTime() > this.now() + 365 * DAY)
        throw new FakeKmsError('ValidationException', 'ValidTo must be in the future and within 365 days');
    } else if (model === 'KEY_MATERIAL_DOES_NOT_EXPIRE') {
      if (validTo !== undefined)
        throw new FakeKmsError('ValidationException', 'ValidTo must be omitted when ExpirationModel is KEY_MATERIAL_DOES_NOT_EXPIRE');
    } else throw new FakeKmsError('ValidationException', `Value '${String(model)}' at 'expirationModel' failed to satisfy constraint`);
    const importType = input['ImportType'];
    if ((importType !== undefined || input['KeyMaterialDescription'] !== undefined) && k.keySpec !== 'SYMMETRIC_DEFAULT') {
      throw new FakeKmsError(
        'UnsupportedOperationException',
        'ImportType and KeyMaterialDescription are supported only for symmetric encryption keys.',
      );
    }

    const plaintext = unwrap(issued, Buffer.from(encrypted));
    checkMaterial(k.keySpec, plaintext, partitionOf(region) === 'aws-cn');
    const reimport = k.material !== undefined && !(k.keySpec === 'SYMMETRIC_DEFAULT' && importType === 'NEW_KEY_MATERIAL');
    // Every key of a multi-Region key holds the same material: a replica takes only the primary's.
    const primary = k.multiRegionType === 'REPLICA' ? this.keys.get(`${this.primaryRegionOf(k)}/${k.keyId}`) : undefined;
    if ((reimport && !k.material!.equals(plaintext)) || (primary?.material !== undefined && !primary.material.equals(plaintext))) {
      throw new FakeKmsError(
        'IncorrectKeyMaterialException',
        'The key material in the request is, expired, invalid, or is not the same key material that was previously imported into this customer master key (CMK).',
      );
    }
    k.material = plaintext;
    k.imports++;
    k.keyState = 'Enabled';
    k.expirationModel = String(model);
    k.validTo = validTo instanceof Date ? validTo : undefined;
    k.description = typeof input['KeyMaterialDescription'] === 'string' ? input['KeyMaterialDescription'] : k.description;
    this.tokens.delete(Buffer.from(token).toString('hex'));
    return { KeyId: k.arn, KeyMaterialId: createHash('sha256').update(k.arn).update(plaintext).digest('hex') };
  }

  /**
   * Serves the KMS JSON protocol on 127.0.0.1 (a free port) for the real SDK: POST /,
   * X-Amz-Target TrentService.<Operation>, a signed request (Authorization AWS4-HMAC-SHA256).
   * At most `maxRequests` are answered; the rest get a 500 and the connection is closed.
   */
  async serve(
    options: {
      maxRequests?: number;
      /**
       * Called with each request before it is handled: 'drop' destroys the connection without
       * an answer (the request is not handled), as a network that fails mid-run does; 'lost'
       * handles the request and then destroys the connection (KMS did it, the client never hears).
       */
      hook?: (request: { n: number; operation: Operation; input: Record<string, unknown>; region: string }) => 'drop' | 'lost' | void;
    } = {},
  ): Promise<{ endpoint: string; requests: () => number; close: () => Promise<void> }> {
    const max = options.maxRequests ?? 50;
    let count = 0;
    const server: Server = createServer((req, res) => {
      count++;
      const reply = (status: number, body: unknown, errorType?: string) => {
        const text = JSON.stringify(body);
        res.writeHead(status, {
          'content-type': 'application/x-amz-json-1.1',
          'content-length': Buffer.byteLength(text),
          'x-amzn-requestid': randomUUID(),
          ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
        });
        res.end(text);
      };
      if (count > max) {
        res.writeHead(500, { connection: 'close' });
        res.end();
        return;
      }
      void readBody(req)
        .then(async (body) => {
          const target = String(req.headers['x-amz-target'] ?? '');
          const auth = String(req.headers['authorization'] ?? '');
          if (req.method !== 'POST' || !target.startsWith('TrentService.'))
            return reply(400, { __type: 'UnknownOperationException', message: 'not a KMS request' }, 'UnknownOperationException');
          if (!auth.startsWith('AWS4-HMAC-SHA256 Credential='))
            return reply(
              400,
              { __type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' },
              'MissingAuthenticationTokenException',
            );
          const operation = target.slice('TrentService.'.length) as Operation;
          const input = fromWire(JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>);
          const region = regionOfRequest(auth) ?? this.region;
          const verdict = options.hook?.({ n: count, operation, input, region });
          if (verdict === 'drop') {
            req.socket.destroy();
            return;
          }
          if (verdict === 'lost') {
            await this.handle(operation, input, region).catch(() => undefined);
            req.socket.destroy();
            return;
          }
          try {
            reply(200, toWire(await this.handle(operation, input, region)));
          } catch (e) {
            if (e instanceof FakeKmsError)
              reply(e.$metadata.httpStatusCode, { __type: `com.amazonaws.kms#${e.name}`, message: e.message }, e.name);
            else reply(500, { __type: 'KMSInternalException', message: String((e as Error).message) }, 'KMSInternalException');
          }
        })
        .catch(() => {
          res.writeHead(400);
          res.end();
        });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    return {
      endpoint: `http://127.0.0.1:${port}`,
      requests: () => count,
      close: () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    };
  }
}

function partitionOf(region: string): string {
  return region.startsWith('cn-') ? 'aws-cn' : 'aws';
}

/** The Region of a SigV4-signed request: its credential scope (Credential=AKID/DATE/REGION/kms/aws4_request). */
function regionOfRequest(auth: string): string | undefined {
  return /Credential=[^/]+\/\d{8}\/([a-z0-9-]+)\/kms\//.exec(auth)?.[1];
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > 1 << 20) {
        reject(new Error('request too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

const BLOBS = new Set(['ImportToken', 'EncryptedKeyMaterial', 'PublicKey']);
const DATES = new Set(['ValidTo', 'ParametersValidTo', 'CreationDate']);

/** awsJson1_1 → the SDK's shapes: base64 blobs → bytes, epoch seconds → Date. */
function fromWire(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (BLOBS.has(k) && typeof v === 'string') out[k] = new Uint8Array(Buffer.from(v, 'base64'));
    else if (DATES.has(k) && typeof v === 'number') out[k] = new Date(v * 1000);
    else out[k] = v;
  }
  return out;
}

/** The SDK's shapes → awsJson1_1: bytes → base64, Date → epoch seconds. */
function toWire(v: unknown): unknown {
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  if (v instanceof Date) return v.getTime() / 1000;
  if (Array.isArray(v)) return v.map(toWire);
  if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toWire(x)]));
  return v;
}

/** KMS's side of each wrapping algorithm, with node:crypto (RSA) or the OpenSSL CLI (SM2). */
function unwrap(t: IssuedToken, encrypted: Buffer): Buffer {
  const fail = () => new FakeKmsError('InvalidCiphertextException', 'The ciphertext is invalid.');
  const hash = t.algorithm.endsWith('SHA_1') ? 'sha1' : 'sha256';
  try {
    if (t.algorithm.startsWith('RSAES_OAEP_')) {
      return privateDecrypt({ key: t.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash }, encrypted);
    }
    if (t.algorithm.startsWith('RSA_AES_KEY_WRAP_')) {
      const k = WRAPPING_BITS[t.wrappingKeySpec]! / 8;
      if (encrypted.length <= k) throw fail();
      const aesKey = privateDecrypt(
        { key: t.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash },
        encrypted.subarray(0, k),
      );
      if (aesKey.length !== 32) throw fail();
      const d = createDecipheriv('id-aes256-wrap-pad', aesKey, Buffer.from('a65959a6', 'hex'));
      return Buffer.concat([d.update(encrypted.subarray(k)), d.final()]);
    }
    if (t.algorithm === 'SM2PKE') return opensslSm2Decrypt(t.privateKey, encrypted);
  } catch (e) {
    if (e instanceof FakeKmsError) throw e;
    throw fail();
  }
  throw fail();
}

function opensslSm2Decrypt(privateKey: KeyObject, encrypted: Buffer): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'fake-kms-'));
  try {
    const pem = join(dir, 'sm2.pem');
    writeFileSync(pem, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    return execFileSync('openssl', ['pkeyutl', '-decrypt', '-inkey', pem], { input: encrypted, stdio: ['pipe', 'pipe', 'pipe'] });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Is the plaintext material of this key spec? Else IncorrectKeyMaterialException, as KMS says. */
function checkMaterial(keySpec: string, plaintext: Buffer, china: boolean): void {
  const wrong = (why: string) =>
    new FakeKmsError('IncorrectKeyMaterialException', `The key material is not valid for a ${keySpec} key: ${why}.`);
  const raw = keySpec === 'SYMMETRIC_DEFAULT' && china ? 16 : RAW_LENGTHS[keySpec];
  if (raw !== undefined) {
    if (plaintext.length !== raw) throw wrong(`${plaintext.length} bytes, not ${raw}`);
    return;
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: plaintext, format: 'der', type: 'pkcs8' });
  } catch {
    throw wrong('not a PKCS#8 DER private key');
  }
  if (keySpec.startsWith('RSA_')) {
    const bits = Number(keySpec.slice(4));
    if (key.asymmetricKeyType !== 'rsa' || key.asymmetricKeyDetails?.modulusLength !== bits) throw wrong(`a ${key.asymmetricKeyType} key`);
    return;
  }
  const curve = CURVES[keySpec];
  if (curve === undefined) throw wrong('not an importable key spec');
  if (keySpec === 'SM2') {
    // OpenSSL 3 reads an sm2p256v1 key as its own SM2 type, which node:crypto does not name.
    const sm2Oid = Buffer.from('06082a811ccf5501822d', 'hex');
    if ((key.asymmetricKeyType === undefined || key.asymmetricKeyDetails?.namedCurve === 'SM2') && plaintext.includes(sm2Oid)) return;
    throw wrong(`a ${key.asymmetricKeyType ?? 'non-SM2'} key`);
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== curve) {
    throw wrong(`a ${key.asymmetricKeyType} ${key.asymmetricKeyDetails?.namedCurve ?? ''} key`);
  }
}
