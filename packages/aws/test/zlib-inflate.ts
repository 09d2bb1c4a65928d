/** node:zlib's raw inflate as @kms-wrap/node gives it to the zip reader: capped by maxOutputLength. */
import { inflateRawSync } from 'node:zlib';

export function zlibInflateRaw(data: Uint8Array, maxOutputLength: number): Uint8Array {
  const b = inflateRawSync(data, { maxOutputLength });
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}
