/** Unsigned big-endian integers of a fixed length. No runtime imports. */

/** The unsigned big-endian value without leading zero bytes (a view; at least one byte). */
function stripLeadingZeros(bytes: Uint8Array): Uint8Array {
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
