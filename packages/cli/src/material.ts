/**
 * Reading key material for wrap/import/inspect: PKCS#8 DER and raw bytes as is; other key forms
 * converted with a note; a PKCS#11 URI opens the key in its token (pkcs11.ts), which wraps it itself.
 */
import { ERROR_CODES, KEY_SPECS, isKmsWrapError, inspectMaterial, type MaterialInfo, type MaterialSpec, type Region } from '@kms-wrap/core';
import { bytesToText, parsePem } from '@kms-wrap/core/encoding';
import { sealedMaterialInfo } from '@kms-wrap/core/internal';
import type { TokenKeyHandle } from '@kms-wrap/pkcs11';
import { readInput } from './input.js';
import { SURFACE } from './io.js';
import { isPkcs11Uri, openTokenKey, type TokenFlags } from './pkcs11.js';

export interface LoadedMaterial {
  readonly bytes: Uint8Array;
  readonly info: MaterialInfo;
  /** Set when the file was converted to PKCS#8 DER: the form it came in. */
  readonly convertedFrom?: string;
  readonly token?: undefined;
}

/** Material in a PKCS#11 token (a URI was given): its spec and length, and the token's wrap. Close it when done. */
export interface TokenMaterial {
  readonly token: TokenKeyHandle;
  readonly info: MaterialInfo;
  readonly bytes?: undefined;
  readonly convertedFrom?: undefined;
}

/** `keySpecs`: the material specs the target imports (another target than AWS KMS; see InspectOptions). */
export async function loadMaterial(
  cwd: string,
  arg: string,
  options: { keySpec?: string; region: Region; keySpecs?: readonly MaterialSpec[]; pkcs11?: TokenFlags },
): Promise<LoadedMaterial | TokenMaterial> {
  if (isPkcs11Uri(arg)) return openTokenMaterial(arg, options);
  return loadMaterialFile(cwd, arg, options);
}

async function openTokenMaterial(uri: string, options: { keySpec?: string; region: Region; pkcs11?: TokenFlags }): Promise<TokenMaterial> {
  const token = await openTokenKey(uri, options.pkcs11 ?? {});
  try {
    const info = sealedMaterialInfo(token.material, {
      surface: SURFACE,
      region: options.region,
      ...(options.keySpec ? { keySpec: options.keySpec } : {}),
    });
    return { token, info };
  } catch (e) {
    token.close();
    throw e;
  }
}

async function loadMaterialFile(
  cwd: string,
  arg: string,
  options: { keySpec?: string; region: Region; keySpecs?: readonly MaterialSpec[] },
): Promise<LoadedMaterial> {
  const bytes = await readInput(cwd, arg, 'the key material');
  const inspect = (b: Uint8Array): MaterialInfo =>
    inspectMaterial(b, {
      surface: SURFACE,
      region: options.region,
      ...(options.keySpec ? { keySpec: options.keySpec } : {}),
      ...(options.keySpecs ? { keySpecs: options.keySpecs } : {}),
    });
  try {
    return { bytes, info: inspect(bytes) };
  } catch (e) {
    if (!isKmsWrapError(e) || e.code !== ERROR_CODES.MATERIAL_FORMAT) {
      bytes.fill(0);
      throw e;
    }
    // A PEM PKCS#8 key of a spec only another target imports (Ed25519, which keygen does not
    // convert): its DER is already the form the target takes.
    const pem = options.keySpecs ? otherTargetPem(bytes, inspect) : undefined;
    if (pem) {
      bytes.fill(0);
      return pem;
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

function otherTargetPem(bytes: Uint8Array, inspect: (b: Uint8Array) => MaterialInfo): LoadedMaterial | undefined {
  let der: Uint8Array | undefined;
  try {
    der = parsePem(bytesToText(bytes)).find((b) => b.label === 'PRIVATE KEY')?.der;
    if (!der) return undefined;
    const info = inspect(der);
    if ((KEY_SPECS as readonly MaterialSpec[]).includes(info.keySpec ?? 'SYMMETRIC_DEFAULT')) {
      der.fill(0);
      return undefined;
    }
    return { bytes: der, info, convertedFrom: 'pkcs8-pem' };
  } catch {
    der?.fill(0);
    return undefined;
  }
}
