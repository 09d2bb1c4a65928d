/**
 * The AWS SDK for JavaScript v3 KMS client, loaded on first use only: @kms-wrap/node needs it
 * as an optional peer, for importKeyMaterial, and never to wrap. Typed against the few
 * members kms-wrap uses so that nothing here needs the SDK's types.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
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
  readonly KMSClient: new (config: Record<string, unknown>) => KmsClientLike;
}

export const KMS_SDK_PACKAGE = '@aws-sdk/client-kms';

let cached: Promise<KmsSdk> | undefined;

/**
 * Loads @aws-sdk/client-kms: where @kms-wrap/node can resolve it, else from `from` (a
 * directory, e.g. the working directory of a CLI run). Throws ERR_AWS_SDK_MISSING with the
 * install command when it is in neither place.
 */
export function loadKmsSdk(options: { from?: string } = {}): Promise<KmsSdk> {
  cached ??= load(() => import('@aws-sdk/client-kms'), options.from).catch((e: unknown) => {
    cached = undefined;
    throw e;
  });
  return cached;
}

/** The loader itself, with the importer injectable (tests of the "not installed" path). */
export async function load(importer: () => Promise<unknown>, from?: string): Promise<KmsSdk> {
  let mod: unknown;
  try {
    mod = await importer();
  } catch (e) {
    if (!isNotFound(e)) throw e;
    mod = from === undefined ? undefined : await importFrom(from);
  }
  if (mod === undefined) {
    throw new KmsWrapError(
      ERROR_CODES.AWS_SDK_MISSING,
      `kms-wrap import talks to KMS through the AWS SDK for JavaScript v3, which is not installed — npm install ${KMS_SDK_PACKAGE} (wrapping alone never needs it)`,
    );
  }
  return toSdk(mod);
}

async function importFrom(dir: string): Promise<unknown> {
  let resolved: string;
  try {
    resolved = createRequire(join(dir, 'package.json')).resolve(KMS_SDK_PACKAGE);
  } catch {
    return undefined;
  }
  return import(pathToFileURL(resolved).href);
}

function toSdk(mod: unknown): KmsSdk {
  const m = mod as Record<string, unknown> & { default?: Record<string, unknown> };
  const get = (name: string) => m[name] ?? m.default?.[name];
  const names = ['DescribeKeyCommand', 'GetParametersForImportCommand', 'ImportKeyMaterialCommand', 'KMSClient'] as const;
  for (const n of names) {
    if (typeof get(n) !== 'function') {
      throw new KmsWrapError(ERROR_CODES.AWS_SDK_MISSING, `the installed ${KMS_SDK_PACKAGE} has no ${n} — npm install ${KMS_SDK_PACKAGE}@3 (a current version)`);
    }
  }
  return {
    DescribeKeyCommand: get('DescribeKeyCommand') as CommandClass,
    GetParametersForImportCommand: get('GetParametersForImportCommand') as CommandClass,
    ImportKeyMaterialCommand: get('ImportKeyMaterialCommand') as CommandClass,
    KMSClient: get('KMSClient') as KmsSdk['KMSClient'],
  };
}

function isNotFound(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException)?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND' || /Cannot find (package|module)/.test(String((e as Error)?.message));
}
