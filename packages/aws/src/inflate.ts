/**
 * Raw DEFLATE (RFC 1951), the compression of zip's method 8, as the runtime provides it. The zip
 * reader takes any `InflateRaw`: node:zlib's inflateRawSync with maxOutputLength in Node (the
 * adapter passes it), or, by default, DecompressionStream('deflate-raw') (the Compression
 * Streams standard: browsers, Node 18+, Deno), read chunk by chunk and stopped at the cap.
 */
import { ERROR_CODES, KmsWrapError } from '@kms-wrap/core';

/**
 * Inflates raw DEFLATE data. Either stops with an error when the output would pass
 * `maxOutputLength` (a RangeError, or an error whose code is ERR_BUFFER_TOO_LARGE, as node:zlib
 * throws), or returns more than `maxOutputLength` bytes, which the caller refuses the same way.
 */
export type InflateRaw = (data: Uint8Array, maxOutputLength: number) => Uint8Array | Promise<Uint8Array>;

/** True if an error from an InflateRaw says the output passed the cap. */
export function isTooLarge(e: unknown): boolean {
  return e instanceof RangeError || (typeof e === 'object' && e !== null && (e as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE');
}

interface Reader {
  read(): Promise<{ done: boolean; value?: Uint8Array }>;
  cancel(): Promise<void>;
}
interface DecompressionStreamLike {
  readonly writable: { getWriter(): { write(chunk: Uint8Array): Promise<void>; close(): Promise<void> } };
  readonly readable: { getReader(): Reader };
}
type DecompressionStreamClass = new (format: 'deflate-raw') => DecompressionStreamLike;

/** InflateRaw over DecompressionStream('deflate-raw'): stops reading at the cap. */
export async function inflateRawStream(data: Uint8Array, maxOutputLength: number): Promise<Uint8Array> {
  const Stream = (globalThis as { DecompressionStream?: DecompressionStreamClass }).DecompressionStream;
  if (Stream === undefined) {
    throw new KmsWrapError(
      ERROR_CODES.ARGUMENT_INVALID,
      'this runtime has no DecompressionStream to inflate the zip with — pass inflateRaw (a raw DEFLATE function)',
    );
  }
  const stream = new Stream('deflate-raw');
  const writer = stream.writable.getWriter();
  // Not awaited: the writes finish as the output is read; their errors surface in read() too.
  writer.write(data).catch(() => {});
  writer.close().catch(() => {});
  const reader = stream.readable.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (value === undefined) continue;
    total += value.length;
    if (total > maxOutputLength) {
      reader.cancel().catch(() => {});
      throw new RangeError(`the output passes ${maxOutputLength} bytes`);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
