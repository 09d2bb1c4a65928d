/**
 * GetParametersForImport output from the disk: a path that is a JSON file, the console's zip,
 * or the folder it unzips to. The parsing is @kms-wrap/aws's (runtime-neutral); here only the
 * reading: bounded reads (readInputFile) and node:zlib's raw inflate for the zip.
 */
import { readdir as readdirCb, stat as statCb } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseImportParametersFile, parseImportParametersFolder, type LoadedImportParameters } from '@kms-wrap/aws';
import { ERROR_CODES, KmsWrapError } from '@kms-wrap/core';
import { readInputFile } from './files.js';

// Not node:fs/promises, which `kms-wrap wrap` would load for these two calls alone.
const stat = promisify(statCb);
const readdir = promisify(readdirCb);

/** Reads GetParametersForImport output from a JSON file, the console's zip, or its unzipped folder. */
export async function loadImportParameters(path: string): Promise<LoadedImportParameters> {
  const isDir = await stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (isDir) {
    let files: string[];
    try {
      files = await readdir(path);
    } catch (cause) {
      throw new KmsWrapError(
        ERROR_CODES.FILE_UNREADABLE,
        `cannot list the import parameters folder ${path} — check the path and permissions`,
        { cause },
      );
    }
    return parseImportParametersFolder({
      name: path,
      files,
      read: (file, what) => readInputFile(join(path, file), what),
      pathOf: (file) => join(path, file),
    });
  }
  return parseImportParametersFile(await readInputFile(path, 'the import parameters'), path, { inflateRaw });
}

/** node:zlib's, loaded when a zip entry is inflated (a plain `kms-wrap wrap` never needs it); stops at the cap. */
export function inflateRaw(data: Uint8Array, maxOutputLength: number): Uint8Array {
  const b = process.getBuiltinModule('node:zlib').inflateRawSync(data, { maxOutputLength });
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}
