/**
 * The whole AWS import in one call: DescribeKey (is this key ready for this material?),
 * GetParametersForImport, wrap (core's engine, given as `wrapper`), ImportKeyMaterial.
 * Everything kms-wrap can check is checked before the call that would fail: a key that is not
 * EXTERNAL is refused before GetParametersForImport, material of another key spec or a
 * combination KMS rejects before anything is imported. KMS errors come back as one
 * KmsWrapError line (see kms-errors.ts).
 *
 * The client is any `{ send(command) }`: the SDK's KMSClient, or a fake in tests. The SDK's
 * command classes are imported lazily (optional peer @aws-sdk/client-kms), or passed as `sdk`.
 * Runtime-neutral: the engine (its plugins and crypto provider) is the caller's, and whether a
 * combination is accepted is core's to decide (judgeAlgorithm, judgeEvery, judge, the wrapper).
 */
import {
  AWS_KMS_RULES,
  ERROR_CODES,
  KEY_SPEC_INFO,
  KmsWrapError,
  inspectMaterial,
  isKmsWrapError,
  parseKeySpec,
  parseRegion,
  parseWrappingKeySpec,
  parseWrappingPublicKey,
  type KeySpec,
  type MaterialInfo,
  type Region,
  type SealedKeyMaterial,
  type Wrapper,
  type WrappingKeySpec,
  type Surface,
} from '@kms-wrap/core';
import { fromBase64 } from '@kms-wrap/core/encoding';
import { judge, judgeAlgorithm, judgeEvery, pluginFor, sealedMaterialInfo } from '@kms-wrap/core/internal';
import { translateKmsError } from './kms-errors.js';
import { loadKmsSdk, type KmsClientLike, type KmsSdk } from './kms-sdk.js';

export const IMPORT_TYPES = ['NEW_KEY_MATERIAL', 'EXISTING_KEY_MATERIAL'] as const;
export type ImportType = (typeof IMPORT_TYPES)[number];
export type ExpirationModel = 'KEY_MATERIAL_EXPIRES' | 'KEY_MATERIAL_DOES_NOT_EXPIRE';

/** KMS takes ValidTo at most 365 days after the request. */
export const MAX_VALID_TO_DAYS = 365;
const DAY = 86_400_000;

/** Key material inside a PKCS#11 token: core's type, named here as before. */
export type { SealedKeyMaterial } from '@kms-wrap/core';

export interface ImportKeyMaterialOptions {
  /** The SDK's KMSClient (or anything with its `send`). Not needed for a dry run. */
  readonly client?: KmsClientLike;
  /** Key id, key ARN or alias (DescribeKey resolves an alias; the other calls get the ARN). */
  readonly keyId: string;
  /** Plaintext key material: raw bytes (symmetric, HMAC) or PKCS#8 DER (not modified, not kept), or a key in a token. */
  readonly material: Uint8Array | SealedKeyMaterial;
  readonly algorithm: string;
  /** RSA_4096 by default (SM2 for SM2PKE). */
  readonly wrappingKeySpec?: WrappingKeySpec | string;
  /** When the imported material expires (KEY_MATERIAL_EXPIRES); omitted: it does not expire. */
  readonly validTo?: Date;
  /** Symmetric encryption keys only. */
  readonly importType?: ImportType | string;
  /** KeyMaterialDescription; symmetric encryption keys only. */
  readonly description?: string;
  /** KeyMaterialId for a reimport (EXISTING_KEY_MATERIAL); symmetric encryption keys only. */
  readonly keyMaterialId?: string;
  /**
   * 'standard', 'china' or an AWS region name (cn-north-1 → china). By default taken from the
   * key's ARN (partition aws-cn → china).
   */
  readonly region?: Region | string;
  /** Check locally and return the calls that would be made, without making any. */
  readonly dryRun?: boolean;
  /**
   * DescribeKey's KeyMetadata when the caller already has it (a migration describes every key
   * before the first import): no DescribeKey is sent, and a dry run checks the material against
   * this key's spec, usage and state as the real run does.
   */
  readonly keyMetadata?: Readonly<Record<string, unknown>>;
  /** The SDK's command classes; loaded from @aws-sdk/client-kms when not given. */
  readonly sdk?: Pick<KmsSdk, 'DescribeKeyCommand' | 'GetParametersForImportCommand' | 'ImportKeyMaterialCommand'>;
  /**
   * The engine to check and wrap with (core's createWrapper: the plugins and a crypto provider),
   * or a function that makes it for the algorithm id, called once the id is read: a runtime
   * adapter loads the plugin there and names the package to install when it is missing
   * (in Node: `(id) => loadStandardAlgorithm(id).then(() => standardWrapper())`).
   */
  readonly wrapper: Wrapper | ((algorithm: string) => Promise<Wrapper>);
  /** "Now" in milliseconds, for the ValidTo checks; Date.now by default. */
  readonly now?: () => number;
  /** Where refusals are read, for the words of their remedies ('command-line' for kms-wrap import); the library's by default. */
  readonly surface?: Surface;
}

export type KmsOperation = 'DescribeKey' | 'GetParametersForImport' | 'ImportKeyMaterial';

/** One KMS call as made (or as a dry run would make it): blobs and the import token elided. */
export interface KmsCall {
  readonly operation: KmsOperation;
  readonly input: Readonly<Record<string, string>>;
}

export interface ImportKeyMaterialResult {
  readonly dryRun: boolean;
  /** The key ARN from DescribeKey (the given id in a dry run). */
  readonly keyId: string;
  /** The key's spec (DescribeKey); in a dry run the material's, undefined if its bytes fit several. */
  readonly keySpec: KeySpec | undefined;
  /** The key state before the import (DescribeKey); undefined in a dry run. */
  readonly keyState: string | undefined;
  readonly keyUsage: string | undefined;
  readonly region: Region;
  readonly algorithm: string;
  readonly wrappingKeySpec: WrappingKeySpec;
  readonly expirationModel: ExpirationModel;
  readonly validTo: Date | undefined;
  readonly importType: ImportType | undefined;
  /** EncryptedKeyMaterial's length in bytes (in a dry run the expected length, or [min, max]). */
  readonly encryptedKeyMaterialLength: number | readonly [number, number];
  /** When the parameters from GetParametersForImport expire. */
  readonly parametersValidTo: Date | undefined;
  /** KeyMaterialId from ImportKeyMaterial, when KMS returns one. */
  readonly keyMaterialId: string | undefined;
  readonly calls: readonly KmsCall[];
}

/** Refuses a ValidTo KMS would refuse: not a date, not in the future, or over 365 days ahead. */
export function checkValidTo(validTo: Date, now: number): void {
  const t = validTo.getTime();
  if (!Number.isFinite(t)) {
    throw new KmsWrapError(
      ERROR_CODES.VALID_TO_INVALID,
      'the expiry date is not a date — give an ISO 8601 date-time (2030-01-31T12:00:00Z) or epoch seconds',
    );
  }
  if (t <= now) {
    throw new KmsWrapError(
      ERROR_CODES.VALID_TO_INVALID,
      `the expiry ${validTo.toISOString()} is not in the future, and KMS needs a future ValidTo — give a later date, or import with no expiry`,
    );
  }
  if (t > now + MAX_VALID_TO_DAYS * DAY) {
    throw new KmsWrapError(
      ERROR_CODES.VALID_TO_INVALID,
      `the expiry ${validTo.toISOString()} is more than ${MAX_VALID_TO_DAYS} days ahead, the most KMS accepts — give a date before ${new Date(now + MAX_VALID_TO_DAYS * DAY).toISOString()}, or import with no expiry`,
    );
  }
}

/** 'NEW_KEY_MATERIAL' or 'EXISTING_KEY_MATERIAL' (case and dashes forgiven). */
export function parseImportType(name: string): ImportType {
  const n = name.trim().toUpperCase().replace(/-/g, '_');
  if ((IMPORT_TYPES as readonly string[]).includes(n)) return n as ImportType;
  throw new KmsWrapError(ERROR_CODES.UNKNOWN_NAME, `'${name}' is not an import type — use NEW_KEY_MATERIAL or EXISTING_KEY_MATERIAL`);
}

/** The region rules of a key ARN: arn:aws-cn:kms:cn-north-1:... → china. */
export function regionOfArn(arn: string | undefined): { region: Region; name: string } | undefined {
  const m = arn === undefined ? null : /^arn:(aws[a-z-]*):kms:([a-z0-9-]+):/.exec(arn);
  if (!m) return undefined;
  return { region: m[1] === 'aws-cn' ? 'china' : parseRegionOr(m[2]!, 'standard'), name: m[2]! };
}

function parseRegionOr(name: string, fallback: Region): Region {
  try {
    return parseRegion(name);
  } catch {
    return fallback;
  }
}

/** Imports key material into a KMS key: DescribeKey, GetParametersForImport, wrap, ImportKeyMaterial. */
export async function importKeyMaterial(options: ImportKeyMaterialOptions): Promise<ImportKeyMaterialResult> {
  const now = options.now ?? Date.now;
  const keyIdGiven = options.keyId.trim();
  if (keyIdGiven === '') throw new KmsWrapError(ERROR_CODES.USAGE, 'no KMS key was named — give the key id, key ARN or alias');
  const algorithm = options.algorithm.trim().toUpperCase().replace(/-/g, '_');
  const wrappingKeySpec = parseWrappingKeySpec(options.wrappingKeySpec ?? defaultWrappingKeySpec(algorithm));
  if (options.validTo !== undefined) checkValidTo(options.validTo, now());
  const importType = options.importType === undefined ? undefined : parseImportType(options.importType);
  const expirationModel: ExpirationModel = options.validTo ? 'KEY_MATERIAL_EXPIRES' : 'KEY_MATERIAL_DOES_NOT_EXPIRE';
  const symmetricOnly = [
    importType && '--import-type',
    options.description !== undefined && '--description',
    options.keyMaterialId !== undefined && '--key-material-id',
  ].filter(Boolean) as string[];
  const sealed = options.material instanceof Uint8Array ? undefined : options.material;
  // AWS KMS's key specs: a sealed key of another spec (Ed25519) is refused by the rules.
  const inspect = (o: { region: Region; keySpec?: string }): MaterialInfo<KeySpec> => {
    const withSurface = { ...o, ...surfaceOf(options) };
    return sealed
      ? (sealedMaterialInfo(sealed.material, withSurface) as MaterialInfo<KeySpec>)
      : inspectMaterial(options.material as Uint8Array, withSurface);
  };
  if (!sealed && (options.material as Uint8Array).length === 0)
    throw new KmsWrapError(ERROR_CODES.MATERIAL_INVALID, 'the key material is empty — check the file');

  // The algorithm first: a deprecated or unknown id, or a missing plugin, needs no call to know.
  // The engine is best made over every installed plugin, so that a refusal's advice is checked
  // against each one's capacity.
  const wrapper = typeof options.wrapper === 'function' ? await options.wrapper(algorithm) : options.wrapper;
  if (typeof wrapper?.wrap !== 'function' || !(wrapper.algorithms instanceof Map)) {
    throw new KmsWrapError(
      ERROR_CODES.ARGUMENT_INVALID,
      'importKeyMaterial needs a wrapper (createWrapper from @kms-wrap/core, or standardWrapper from @kms-wrap/node) — pass it as wrapper',
    );
  }
  const j = { rules: wrapper.rules, plugins: wrapper.algorithms, ...(options.surface === undefined ? {} : { surface: options.surface }) };
  const refused = judgeAlgorithm(j, algorithm);
  if (refused) throw refused;
  const plugin = pluginFor(j, algorithm);
  if (!plugin) {
    throw new KmsWrapError(
      ERROR_CODES.ALGORITHM_NOT_AVAILABLE,
      `${algorithm} is provided by ${wrapper.rules.algorithms[algorithm]?.packageName ?? 'a plugin'}, which was not given — install it and give its algorithms to the wrapper`,
    );
  }
  const expectedLength = (length: number) => plugin.outputLength(wrappingKeySpec, length);
  const importInput = (keyId: string, token: string, encrypted: string): Record<string, string> => ({
    KeyId: keyId,
    ImportToken: token,
    EncryptedKeyMaterial: encrypted,
    ExpirationModel: expirationModel,
    ...(options.validTo ? { ValidTo: options.validTo.toISOString().replace(/\.000Z$/, 'Z') } : {}),
    ...(importType ? { ImportType: importType } : {}),
    ...(options.description !== undefined ? { KeyMaterialDescription: options.description } : {}),
    ...(options.keyMaterialId !== undefined ? { KeyMaterialId: options.keyMaterialId } : {}),
  });
  const gpfiInput = (keyId: string) => ({ KeyId: keyId, WrappingAlgorithm: algorithm, WrappingKeySpec: wrappingKeySpec });

  if (options.dryRun && options.keyMetadata === undefined) {
    const region = options.region !== undefined ? parseRegion(options.region) : (regionOfArn(keyIdGiven)?.region ?? 'standard');
    const material = inspect({ region });
    // The engine's rule: without DescribeKey's key spec, every spec the bytes could be must pass.
    const refusal = judgeEvery(j, { algorithm, keySpecs: material.candidates, materialLength: material.length, wrappingKeySpec, region });
    if (refusal) throw refusal;
    if (symmetricOnly.length > 0 && !material.candidates.includes('SYMMETRIC_DEFAULT'))
      refuseSymmetricOnly(symmetricOnly, keyIdGiven, material.candidates.join(' or '));
    const length = expectedLength(material.length);
    const shownLength = typeof length === 'number' ? `${length}` : `${length[0]} to ${length[1]}`;
    return {
      dryRun: true,
      keyId: keyIdGiven,
      keySpec: material.keySpec,
      keyState: undefined,
      keyUsage: undefined,
      region,
      algorithm,
      wrappingKeySpec,
      expirationModel,
      validTo: options.validTo,
      importType,
      encryptedKeyMaterialLength: length,
      parametersValidTo: undefined,
      keyMaterialId: undefined,
      calls: [
        { operation: 'DescribeKey', input: { KeyId: keyIdGiven } },
        { operation: 'GetParametersForImport', input: gpfiInput('<the key ARN from DescribeKey>') },
        {
          operation: 'ImportKeyMaterial',
          input: importInput(
            '<the key ARN from DescribeKey>',
            '<elided: the ImportToken from GetParametersForImport>',
            `<${shownLength} bytes: the material wrapped with ${algorithm} under the ${wrappingKeySpec} PublicKey>`,
          ),
        },
      ],
    };
  }

  const client = options.client;
  if (!options.dryRun && (!client || typeof client.send !== 'function')) {
    throw new KmsWrapError(
      ERROR_CODES.USAGE,
      'importKeyMaterial needs a client (a KMSClient from @aws-sdk/client-kms) unless dryRun is set',
    );
  }
  const sdk = options.dryRun ? undefined : (options.sdk ?? (await loadKmsSdk()));
  const calls: KmsCall[] = [];
  let regionName =
    options.region !== undefined && !/^(standard|china)$/i.test(options.region)
      ? options.region
      : (regionOfArn(keyIdGiven)?.name ?? (client ? await clientRegionName(client) : undefined));
  const send = async (operation: KmsOperation, command: unknown, shown: Record<string, string>, keyId: string) => {
    calls.push({ operation, input: shown });
    try {
      return await client!.send(command);
    } catch (e) {
      throw translateKmsError(e, { operation, keyId, regionName, algorithm, surface: options.surface });
    }
  };

  // 1. DescribeKey: is this key ready for this material? (Unless the caller has described it.)
  const described =
    options.keyMetadata !== undefined
      ? { KeyMetadata: options.keyMetadata }
      : await send('DescribeKey', new sdk!.DescribeKeyCommand({ KeyId: keyIdGiven }), { KeyId: keyIdGiven }, keyIdGiven);
  const key = checkKey(described?.KeyMetadata, keyIdGiven);
  const arnRegion = regionOfArn(key.arn);
  if (options.region === undefined && arnRegion) regionName = arnRegion.name;
  const region = options.region !== undefined ? parseRegion(options.region) : (arnRegion?.region ?? 'standard');
  let material: MaterialInfo;
  try {
    material = inspect({ region, keySpec: key.keySpec });
  } catch (e) {
    if (isKmsWrapError(e) && (e.code === ERROR_CODES.KEY_SPEC_MISMATCH || e.code === ERROR_CODES.MATERIAL_INVALID)) {
      throw new KmsWrapError(e.code, `KMS key ${key.arn} has key spec ${key.keySpec}, and ${e.message.replace(/^The /, 'the ')}`, {
        cause: e,
      });
    }
    throw e;
  }
  if (symmetricOnly.length > 0 && key.keySpec !== 'SYMMETRIC_DEFAULT') refuseSymmetricOnly(symmetricOnly, key.arn, key.keySpec);
  if (importType === 'NEW_KEY_MATERIAL' && key.multiRegionType === 'REPLICA') {
    throw new KmsWrapError(
      ERROR_CODES.KMS_KEY_UNSUITABLE,
      `KMS key ${key.arn} is a multi-Region replica, and new key material goes into the primary key first — import NEW_KEY_MATERIAL into the primary, then the same material here with --import-type EXISTING_KEY_MATERIAL`,
    );
  }
  const refusal = judge(j, { algorithm, keySpec: key.keySpec, materialLength: material.length, wrappingKeySpec, region });
  if (refusal) throw refusal;
  if (options.dryRun) {
    return {
      dryRun: true,
      keyId: key.arn,
      keySpec: key.keySpec,
      keyState: key.keyState,
      keyUsage: key.keyUsage,
      region,
      algorithm,
      wrappingKeySpec,
      expirationModel,
      validTo: options.validTo,
      importType,
      encryptedKeyMaterialLength: expectedLength(material.length),
      parametersValidTo: undefined,
      keyMaterialId: undefined,
      calls: [
        { operation: 'GetParametersForImport', input: gpfiInput(key.arn) },
        {
          operation: 'ImportKeyMaterial',
          input: importInput(key.arn, '<elided: the ImportToken from GetParametersForImport>', `<the material wrapped with ${algorithm}>`),
        },
      ],
    };
  }

  // 2. GetParametersForImport: the wrapping public key and the token, for the key's ARN.
  const params = await send(
    'GetParametersForImport',
    new sdk!.GetParametersForImportCommand(gpfiInput(key.arn)),
    gpfiInput(key.arn),
    key.arn,
  );
  const publicKey = toBytes(params?.PublicKey);
  const token = toBytes(params?.ImportToken);
  if (!publicKey || !token || token.length === 0) {
    throw new KmsWrapError(
      ERROR_CODES.PARAMETERS_INVALID,
      `GetParametersForImport for ${key.arn} returned no PublicKey or ImportToken — run the command again; if it persists, report it`,
    );
  }
  const wrappingKey = parseWrappingPublicKey(publicKey);
  if (wrappingKey.spec !== wrappingKeySpec) {
    throw new KmsWrapError(
      ERROR_CODES.PARAMETERS_MISMATCH,
      `GetParametersForImport returned an ${wrappingKey.spec} wrapping key where ${wrappingKeySpec} was requested — run the command again`,
    );
  }
  const parametersValidTo = toDate(params?.ParametersValidTo);

  // 3. Wrap, with every check of the engine.
  const request = { wrappingPublicKey: wrappingKey, algorithm, keySpec: key.keySpec, region, ...surfaceOf(options) };
  const wrapped = sealed
    ? await wrapper.wrapSealed({ ...request, material: sealed.material }, (plan) => sealed.seal(plan, wrapper))
    : await wrapper.wrap({ ...request, material: options.material as Uint8Array });

  // 4. ImportKeyMaterial.
  const input: Record<string, unknown> = {
    KeyId: key.arn,
    ImportToken: token,
    EncryptedKeyMaterial: wrapped.ciphertext,
    ExpirationModel: expirationModel,
    ...(options.validTo ? { ValidTo: options.validTo } : {}),
    ...(importType ? { ImportType: importType } : {}),
    ...(options.description !== undefined ? { KeyMaterialDescription: options.description } : {}),
    ...(options.keyMaterialId !== undefined ? { KeyMaterialId: options.keyMaterialId } : {}),
  };
  const imported = await send(
    'ImportKeyMaterial',
    new sdk!.ImportKeyMaterialCommand(input),
    importInput(key.arn, `<elided: ${token.length} bytes>`, `<${wrapped.ciphertext.length} bytes>`),
    key.arn,
  );
  return {
    dryRun: false,
    keyId: key.arn,
    keySpec: key.keySpec,
    keyState: key.keyState,
    keyUsage: key.keyUsage,
    region,
    algorithm,
    wrappingKeySpec,
    expirationModel,
    validTo: options.validTo,
    importType,
    encryptedKeyMaterialLength: wrapped.ciphertext.length,
    parametersValidTo,
    keyMaterialId: typeof imported?.KeyMaterialId === 'string' ? imported.KeyMaterialId : undefined,
    calls,
  };
}

/** The SDK client's configured region (config.region is a provider function); undefined when it has none. */
export async function clientRegionName(client: KmsClientLike): Promise<string | undefined> {
  const r = (client as { config?: { region?: unknown } }).config?.region;
  try {
    const v = typeof r === 'function' ? await (r as () => unknown)() : r;
    return typeof v === 'string' && v !== '' ? v : undefined;
  } catch {
    return undefined;
  }
}

export interface CheckedKey {
  readonly arn: string;
  readonly keySpec: KeySpec;
  readonly keyState: string;
  readonly keyUsage: string | undefined;
  readonly multiRegionType: string | undefined;
}

const USAGES: Readonly<Record<string, readonly string[]>> = {
  symmetric: ['ENCRYPT_DECRYPT'],
  hmac: ['GENERATE_VERIFY_MAC'],
  rsa: ['ENCRYPT_DECRYPT', 'SIGN_VERIFY'],
  ecc: ['SIGN_VERIFY', 'KEY_AGREEMENT'],
  sm2: ['ENCRYPT_DECRYPT', 'SIGN_VERIFY', 'KEY_AGREEMENT'],
};

/** DescribeKey's KeyMetadata: Origin EXTERNAL, customer managed, a state that takes material, an importable spec. */
export function checkKey(meta: Readonly<Record<string, unknown>> | undefined, keyIdGiven: string): CheckedKey {
  if (typeof meta !== 'object' || meta === null) {
    throw new KmsWrapError(
      ERROR_CODES.KMS_REJECTED,
      `DescribeKey returned no KeyMetadata for ${keyIdGiven} — check the key id and run the command again`,
    );
  }
  const str = (k: string) => (typeof meta[k] === 'string' ? (meta[k] as string) : undefined);
  const arn = str('Arn') ?? str('KeyId') ?? keyIdGiven;
  const unsuitable = (why: string, todo: string) => new KmsWrapError(ERROR_CODES.KMS_KEY_UNSUITABLE, `KMS key ${arn} ${why} — ${todo}`);
  const spec = str('KeySpec') ?? str('CustomerMasterKeySpec');
  const usage = str('KeyUsage');
  const createHint = `create a key for import: aws kms create-key --origin EXTERNAL${spec ? ` --key-spec ${spec}` : ''}${usage ? ` --key-usage ${usage}` : ''}`;
  if (str('KeyManager') === 'AWS')
    throw unsuitable('is an AWS managed key, and only customer managed keys take imported material', createHint);
  const origin = str('Origin');
  if (origin !== 'EXTERNAL') {
    if (origin === 'AWS_CLOUDHSM' || origin === 'EXTERNAL_KEY_STORE') {
      throw unsuitable(
        `is in a custom key store (Origin ${origin}), where KMS cannot import key material`,
        `${createHint} (outside custom key stores)`,
      );
    }
    throw unsuitable(
      `has Origin ${origin ?? 'unknown'}: KMS made its key material, and material can be imported only into keys created with Origin EXTERNAL`,
      createHint,
    );
  }
  if (spec === undefined)
    throw new KmsWrapError(ERROR_CODES.KMS_REJECTED, `DescribeKey did not say the key spec of ${arn} — run the command again`);
  let keySpec: KeySpec;
  try {
    keySpec = parseKeySpec(spec);
  } catch (e) {
    throw new KmsWrapError(
      isKmsWrapError(e) ? e.code : ERROR_CODES.KEY_SPEC_UNSUPPORTED,
      `KMS key ${arn} has key spec ${spec}: ${isKmsWrapError(e) ? e.message : 'kms-wrap cannot import it'}`,
      { cause: e },
    );
  }
  const keyState = str('KeyState') ?? 'unknown';
  switch (keyState) {
    case 'PendingImport':
    case 'Enabled':
    case 'Disabled':
      break;
    case 'PendingDeletion':
      throw unsuitable('is pending deletion', `cancel it first (aws kms cancel-key-deletion --key-id ${arn}), then import`);
    default:
      throw unsuitable(
        `is in state ${keyState}, in which it takes no key material`,
        'wait until it is PendingImport (or Enabled/Disabled for a reimport), or use another key',
      );
  }
  const kind = KEY_SPEC_INFO[keySpec].kind;
  if (usage !== undefined && !USAGES[kind]!.includes(usage)) {
    throw unsuitable(
      `has key usage ${usage}, which KMS does not pair with ${keySpec}`,
      `use a key with key usage ${USAGES[kind]!.join(' or ')}`,
    );
  }
  const mr = meta['MultiRegionConfiguration'] as Record<string, unknown> | undefined;
  const multiRegionType = typeof mr?.['MultiRegionKeyType'] === 'string' ? (mr['MultiRegionKeyType'] as string) : undefined;
  return { arn, keySpec, keyState, keyUsage: usage, multiRegionType };
}

function refuseSymmetricOnly(flags: string[], key: string, spec: string): never {
  throw new KmsWrapError(
    ERROR_CODES.KMS_KEY_UNSUITABLE,
    `${flags.join(', ')} apply only to symmetric encryption keys (SYMMETRIC_DEFAULT), and KMS key ${key} is ${spec} — leave ${flags.length === 1 ? 'it' : 'them'} out`,
  );
}

function toBytes(v: unknown): Uint8Array | undefined {
  if (v instanceof Uint8Array) return v;
  if (typeof v === 'string') return fromBase64(v);
  return undefined;
}

/** The preferred wrapping key spec (RSA_4096), or the algorithm's own when it cannot use it (SM2 for SM2PKE). */
export function defaultWrappingKeySpec(algorithm: string): WrappingKeySpec {
  const preferred = AWS_KMS_RULES.preferredWrappingKeySpec;
  const specs = AWS_KMS_RULES.algorithms[algorithm]?.wrappingKeySpecs;
  return specs === undefined || specs.includes(preferred) ? preferred : specs[0]!;
}

function toDate(v: unknown): Date | undefined {
  if (v instanceof Date) return v;
  if (typeof v === 'number') return new Date(v * 1000);
  if (typeof v === 'string' && Number.isFinite(Date.parse(v))) return new Date(v);
  return undefined;
}

function surfaceOf(options: { readonly surface?: Surface }): { surface?: Surface } {
  return options.surface === undefined ? {} : { surface: options.surface };
}
