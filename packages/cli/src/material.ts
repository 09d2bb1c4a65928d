/** Reading key material for wrap/inspect: PKCS#8 DER and raw bytes as is; other key forms converted with a note. */
import { ERROR_CODES, isKmsWrapError, inspectMaterial, type MaterialInfo, type Region } from '@kms-wrap/core';
import { readInputFile } from '@kms-wrap/node';

export interface LoadedMaterial {
  readonly bytes: Uint8Array;
  readonly info: MaterialInfo;
  /** Set when the file was converted to PKCS#8 DER: the form it came in. */
  readonly convertedFrom?: string;
}

export async function loadMaterial(path: string, options: { keySpec?: string; region: Region }): Promise<LoadedMaterial> {
  const bytes = await readInputFile(path, 'the key material');
  const inspect = (b: Uint8Array) => inspectMaterial(b, { region: options.region, ...(options.keySpec ? { keySpec: options.keySpec } : {}) });
  try {
    return { bytes, info: inspect(bytes) };
  } catch (e) {
    if (!isKmsWrapError(e) || e.code !== ERROR_CODES.MATERIAL_FORMAT) {
      bytes.fill(0);
      throw e;
    }
    const { toPkcs8 } = await import('@kms-wrap/keygen');
    let converted;
    try {
      converted = toPkcs8(bytes);
    } finally {
      bytes.fill(0);
    }
    return { bytes: converted.der, info: inspect(converted.der), convertedFrom: converted.from };
  }
}
