/**
 * Writing DER (X.690 §8, §10): definite lengths in their shortest form, INTEGERs in their fewest
 * octets, byte by byte, for small fixed structures (SM2Cipher). keygen writes the larger ones
 * (PKCS#8, RSAPrivateKey) with pkijs on these contents. der.ts reads DER.
 */

/** X.690 §8.1.3, §10.1: the length octets of `length` — short form below 128, else the minimal long form. */
export function derLength(length: number): Uint8Array {
  if (length < 0x80) return Uint8Array.of(length);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  return Uint8Array.from([0x80 | bytes.length, ...bytes]);
}

/** One DER value: the single-octet `tag`, the length octets, then `content`. */
export function derTlv(tag: number, content: Uint8Array): Uint8Array {
  const length = derLength(content.length);
  const out = new Uint8Array(1 + length.length + content.length);
  out[0] = tag;
  out.set(length, 1);
  out.set(content, 1 + length.length);
  return out;
}

/** The length of a DER value with a single-octet tag and `contentLength` content octets. */
export function derTlvLength(contentLength: number): number {
  return 1 + derLength(contentLength).length + contentLength;
}

/** The bytes of `parts`, one after the other, in a new array. */
export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/**
 * X.690 §8.3: the content octets of a non-negative INTEGER from big-endian magnitude bytes, in
 * the fewest octets: leading zero bytes dropped, one 0x00 added when the high bit is set (else it
 * would be negative), and zero itself as the single octet 0x00. A new array.
 */
export function unsignedIntegerContent(magnitude: Uint8Array): Uint8Array {
  let i = 0;
  while (i < magnitude.length - 1 && magnitude[i] === 0) i++;
  const v = magnitude.subarray(i);
  const pad = v.length === 0 || (v[0]! & 0x80) !== 0 ? 1 : 0;
  const content = new Uint8Array(v.length + pad);
  content.set(v, pad);
  return content;
}

/** A DER INTEGER (tag, length, content) of a non-negative big-endian magnitude. */
export function derUnsignedInteger(magnitude: Uint8Array): Uint8Array {
  const content = unsignedIntegerContent(magnitude);
  const out = derTlv(0x02, content);
  content.fill(0);
  return out;
}
