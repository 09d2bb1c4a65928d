/** Byte helpers: zeroing, comparison, unsigned big-endian integers. No runtime imports. */

/** Overwrites buffers that held secrets. Safe on undefined. */
export function wipe(...buffers: (Uint8Array | undefined)[]): void {
  for (const b of buffers) b?.fill(0);
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** The unsigned big-endian value without leading zero bytes (a view; at least one byte). */
export function stripLeadingZeros(bytes: Uint8Array): Uint8Array {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  return bytes.subarray(i);
}

/** Left-pads an unsigned big-endian value to `length` bytes (a fresh copy); undefined if it is longer. */
export function padStart(bytes: Uint8Array, length: number): Uint8Array | undefined {
  const v = stripLeadingZeros(bytes);
  if (v.length > length) return undefined;
  const out = new Uint8Array(length);
  out.set(v, length - v.length);
  return out;
}

export function bytesToBigInt(bytes: Uint8Array): bigint {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  return n;
}

export function bitLength(bytes: Uint8Array): number {
  const v = stripLeadingZeros(bytes);
  const top = v[0] ?? 0;
  return top === 0 ? 0 : (v.length - 1) * 8 + (32 - Math.clz32(top));
}

/** Bytes → string, when every byte is printable ASCII or white space (a UTF-8 BOM is skipped). */
export function asciiText(bytes: Uint8Array): string | undefined {
  let start = 0;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) start = 3;
  let out = '';
  for (let i = start; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (c === 0x09 || c === 0x0a || c === 0x0d || (c >= 0x20 && c < 0x7f)) out += String.fromCharCode(c);
    else return undefined;
  }
  return out;
}
