/**
 * The AWS SDK for JavaScript v3 KMS client, loaded on first use only: @kms-wrap/aws needs it
 * as an optional peer, for importKeyMaterial, and never to wrap. Typed against the few
 * members kms-wrap uses so that nothing here needs the SDK's types. Runtime-neutral: where
 * else to look when this package cannot resolve it (Node: the working directory) is the
 * adapter's `fallback` (@kms-wrap/node's loadKmsSdk({ from })).
 */
import { ERROR_CODES, KmsWrapError } from '@kms-wrap/core';

/** What importKeyMaterial needs of a KMS client: the SDK's KMSClient, or a fake in tests. */
export interface KmsClientLike {
  send(command: any): Promise<any>;
}

// The SDK command constructors take their own input types: `any` lets them be passed as they are.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type CommandClass = new (input: any) => unknown;

/** The parts of @aws-sdk/client-kms that kms-wrap uses. */
export interface KmsSdk {
  readonly DescribeKeyCommand: CommandClass;
  readonly GetParametersForImportCommand: CommandClass;
  readonly ImportKeyMaterialCommand: CommandClass;
  /** A migration's: keys created with Origin EXTERNAL, their aliases, multi-Region replicas. */
  readonly CreateKeyCommand: CommandClass;
  readonly CreateAliasCommand: CommandClass;
  readonly ReplicateKeyCommand: CommandClass;
  /** A migration's rerun, finding a key whose CreateKey answer a killed run never recorded. */
  readonly ListKeysCommand: CommandClass;
  readonly ListResourceTagsCommand: CommandClass;
  readonly KMSClient: new (config: Record<string, unknown>) => KmsClientLike;
}

export const KMS_SDK_PACKAGE = '@aws-sdk/client-kms';

let cached: Promise<KmsSdk> | undefined;

export interface LoadKmsSdkOptions {
  /**
   * Where else to import it from when this package cannot resolve it: resolves to the module, or
   * to undefined when it is not there either (Node: the working directory of a CLI run).
   */
  readonly fallback?: () => Promise<unknown>;
}

/**
 * Loads @aws-sdk/client-kms: where @kms-wrap/aws can resolve it, else through `fallback`.
 * Throws ERR_AWS_SDK_MISSING with the install command when it is in neither place.
 */
export function loadKmsSdk(options: LoadKmsSdkOptions = {}): Promise<KmsSdk> {
  cached ??= load(() => import('@aws-sdk/client-kms'), options.fallback).catch((e: unknown) => {
    cached = undefined;
    throw e;
  });
  return cached;
}

/** The loader itself, with the importer injectable (tests of the "not installed" path). */
export async function load(importer: () => Promise<unknown>, fallback?: () => Promise<unknown>): Promise<KmsSdk> {
  let mod: unknown;
  try {
    mod = await importer();
  } catch (e) {
    if (!isNotFound(e)) throw e;
    mod = fallback === undefined ? undefined : await fallback();
  }
  if (mod === undefined) {
    throw new KmsWrapError(
      ERROR_CODES.AWS_SDK_MISSING,
      `kms-wrap import talks to KMS through the AWS SDK for JavaScript v3, which is not installed — npm install ${KMS_SDK_PACKAGE} (wrapping alone never needs it)`,
    );
  }
  return toSdk(mod);
}

function toSdk(mod: unknown): KmsSdk {
  const m = mod as Record<string, unknown> & { default?: Record<string, unknown> };
  const get = (name: string) => m[name] ?? m.default?.[name];
  const names = [
    'DescribeKeyCommand',
    'GetParametersForImportCommand',
    'ImportKeyMaterialCommand',
    'CreateKeyCommand',
    'CreateAliasCommand',
    'ReplicateKeyCommand',
    'ListKeysCommand',
    'ListResourceTagsCommand',
    'KMSClient',
  ] as const;
  for (const n of names) {
    if (typeof get(n) !== 'function') {
      throw new KmsWrapError(
        ERROR_CODES.AWS_SDK_MISSING,
        `the installed ${KMS_SDK_PACKAGE} has no ${n} — npm install ${KMS_SDK_PACKAGE}@3 (a current version)`,
      );
    }
  }
  return {
    DescribeKeyCommand: get('DescribeKeyCommand') as CommandClass,
    GetParametersForImportCommand: get('GetParametersForImportCommand') as CommandClass,
    ImportKeyMaterialCommand: get('ImportKeyMaterialCommand') as CommandClass,
    CreateKeyCommand: get('CreateKeyCommand') as CommandClass,
    CreateAliasCommand: get('CreateAliasCommand') as CommandClass,
    ReplicateKeyCommand: get('ReplicateKeyCommand') as CommandClass,
    ListKeysCommand: get('ListKeysCommand') as CommandClass,
    ListResourceTagsCommand: get('ListResourceTagsCommand') as CommandClass,
    KMSClient: get('KMSClient') as KmsSdk['KMSClient'],
  };
}

/** A module that is not installed, as Node and bundlers say it. */
function isNotFound(e: unknown): boolean {
  const code = (e as { code?: unknown } | undefined)?.code;
  return (
    code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND' || /Cannot find (package|module)/.test(String((e as Error)?.message))
  );
}
