/**
 * Files in a browser: reading a File or Blob the user picked or dropped, with the errors
 * the Node adapter gives for paths, and offering bytes as a download.
 */
import { ERROR_CODES, KmsWrapError } from '@kms-wrap/core';

/** Largest input file kms-wrap reads: key material and public keys are a few kB. */
export const MAX_INPUT_BYTES = 1 << 20;

/** Reads a whole File or Blob; `what` names it in messages ("the key material"). */
export async function readFileBytes(file: Blob, what = 'the file'): Promise<Uint8Array> {
  const name = typeof (file as Partial<File>).name === 'string' ? ` ${(file as File).name}` : '';
  if (file.size > MAX_INPUT_BYTES) {
    throw new KmsWrapError(
      ERROR_CODES.FILE_UNREADABLE,
      `${what} file${name} is ${file.size} bytes, far larger than any key — pick the right file`,
    );
  }
  let buffer: ArrayBuffer;
  try {
    buffer = await file.arrayBuffer();
  } catch (cause) {
    throw new KmsWrapError(
      ERROR_CODES.FILE_UNREADABLE,
      `cannot read ${what} file${name} (${(cause as Error)?.name ?? 'error'}) — pick it again`,
      { cause },
    );
  }
  if (buffer.byteLength === 0) {
    throw new KmsWrapError(ERROR_CODES.FILE_UNREADABLE, `${what} file${name} is empty — check that it was saved whole`);
  }
  return new Uint8Array(buffer);
}

/**
 * Offers bytes as a file download (an object URL on a temporary <a download>). The Blob is a
 * copy the page cannot zero; the caller keeps and zeroes its own bytes.
 */
export function downloadBytes(bytes: Uint8Array, name: string, type = 'application/octet-stream'): void {
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  const url = URL.createObjectURL(new Blob([copy], { type }));
  copy.fill(0);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.hidden = true;
  document.body.append(a);
  try {
    a.click();
  } finally {
    a.remove();
    // The download has started from the click; revoke once the event loop has moved on.
    setTimeout(() => URL.revokeObjectURL(url), 30_000);
  }
}
