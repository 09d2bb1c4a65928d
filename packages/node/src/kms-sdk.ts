/**
 * @kms-wrap/aws's loadKmsSdk, plus Node's second place to look: the directory `from` (the
 * working directory of a CLI run), when the SDK is installed there and not beside kms-wrap.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { KMS_SDK_PACKAGE, loadKmsSdk as load, type KmsSdk } from '@kms-wrap/aws';

/**
 * Loads @aws-sdk/client-kms: where @kms-wrap/aws can resolve it, else from `from` (a
 * directory). Throws ERR_AWS_SDK_MISSING with the install command when it is in neither place.
 */
export function loadKmsSdk(options: { from?: string } = {}): Promise<KmsSdk> {
  const { from } = options;
  return load(from === undefined ? {} : { fallback: () => importFrom(from) });
}

/** @aws-sdk/client-kms as `dir` resolves it, or undefined when it is not installed there. */
export async function importFrom(dir: string): Promise<unknown> {
  let resolved: string;
  try {
    resolved = createRequire(join(dir, 'package.json')).resolve(KMS_SDK_PACKAGE);
  } catch {
    return undefined;
  }
  return import(pathToFileURL(resolved).href);
}
