/**
 * CRC-32 as zip stores it (APPNOTE 4.4.7): ISO 3309 / ITU-T V.42, the reflected polynomial
 * 0xEDB88320, initial value and final XOR 0xFFFFFFFF. A table of 256 words, made on first use.
 */
let table: Uint32Array | undefined;

function makeTable(): Uint32Array {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
}

/** The CRC-32 of the bytes, as an unsigned 32-bit number. */
export function crc32(bytes: Uint8Array): number {
  const t = (table ??= makeTable());
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = t[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
