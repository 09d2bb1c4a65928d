/**
 * SM3 cryptographic hash (GB/T 32905-2016, also GM/T 0004-2012). @noble/hashes has none.
 * One-shot and small: it hashes at most a few kilobytes per wrap (the KDF input, x2‖M‖y2).
 * Section numbers below are those of GB/T 32905-2016.
 */

// §4.1 initial value IV
const _IV = /* @__PURE__ */ Uint32Array.from([
  0x7380166f, 0x4914b2b9, 0x172442d7, 0xda8a0600, 0xa96f30bc, 0x163138aa, 0xe38dee4d, 0xb0fb0e4e,
]);

const _rotl = (x: number, n: number): number => ((x << n) | (x >>> (32 - n))) >>> 0;
// §4.4 permutation functions
const _p0 = (x: number): number => (x ^ _rotl(x, 9) ^ _rotl(x, 17)) >>> 0;
const _p1 = (x: number): number => (x ^ _rotl(x, 15) ^ _rotl(x, 23)) >>> 0;

/** §5.3.3 the compression function CF(V, B), over 64 bytes of `block` from `offset`. */
function _compress(v: Uint32Array, block: Uint8Array, offset: number, w: Uint32Array): void {
  // §5.3.2 message expansion: W0..W67 and W'j = Wj ⊕ Wj+4 (taken on the fly below)
  for (let j = 0; j < 16; j++) {
    const o = offset + 4 * j;
    w[j] = ((block[o]! << 24) | (block[o + 1]! << 16) | (block[o + 2]! << 8) | block[o + 3]!) >>> 0;
  }
  for (let j = 16; j < 68; j++) {
    w[j] = (_p1(w[j - 16]! ^ w[j - 9]! ^ _rotl(w[j - 3]!, 15)) ^ _rotl(w[j - 13]!, 7) ^ w[j - 6]!) >>> 0;
  }
  let a = v[0]!,
    b = v[1]!,
    c = v[2]!,
    d = v[3]!,
    e = v[4]!,
    f = v[5]!,
    g = v[6]!,
    h = v[7]!;
  for (let j = 0; j < 64; j++) {
    const low = j < 16;
    // §4.2 constants Tj
    const t = low ? 0x79cc4519 : 0x7a879d8a;
    const a12 = _rotl(a, 12);
    const ss1 = _rotl((a12 + e + _rotl(t, j % 32)) >>> 0, 7);
    const ss2 = (ss1 ^ a12) >>> 0;
    // §4.3 boolean functions FFj, GGj
    const ff = low ? a ^ b ^ c : (a & b) | (a & c) | (b & c);
    const gg = low ? e ^ f ^ g : (e & f) | (~e & g);
    const tt1 = (ff + d + ss2 + ((w[j]! ^ w[j + 4]!) >>> 0)) >>> 0;
    const tt2 = (gg + h + ss1 + w[j]!) >>> 0;
    d = c;
    c = _rotl(b, 9);
    b = a;
    a = tt1;
    h = g;
    g = _rotl(f, 19);
    f = e;
    e = _p0(tt2);
  }
  // V(i+1) = ABCDEFGH ⊕ V(i)
  v[0]! ^= a;
  v[1]! ^= b;
  v[2]! ^= c;
  v[3]! ^= d;
  v[4]! ^= e;
  v[5]! ^= f;
  v[6]! ^= g;
  v[7]! ^= h;
}

/** SM3(message): the 32-byte hash value. */
export function sm3(message: Uint8Array): Uint8Array {
  const v = Uint32Array.from(_IV);
  const w = new Uint32Array(68);
  const full = message.length - (message.length % 64);
  // §5.3.1 iteration over the whole 512-bit blocks of the message
  for (let off = 0; off < full; off += 64) _compress(v, message, off, w);
  // §5.2 padding: the rest, bit '1', zeros to 448 mod 512, then the bit length l as 64 bits
  const rest = message.length - full;
  const tail = new Uint8Array(rest < 56 ? 64 : 128);
  tail.set(message.subarray(full));
  tail[rest] = 0x80;
  const bits = message.length * 8; // exact up to 2^53: messages here are far smaller
  const view = new DataView(tail.buffer);
  view.setUint32(tail.length - 8, Math.floor(bits / 0x100000000));
  view.setUint32(tail.length - 4, bits >>> 0);
  for (let off = 0; off < tail.length; off += 64) _compress(v, tail, off, w);
  // §5.4 the hash value y = V(n), big-endian
  const out = new Uint8Array(32);
  const outView = new DataView(out.buffer);
  for (let i = 0; i < 8; i++) outView.setUint32(4 * i, v[i]!);
  tail.fill(0);
  w.fill(0);
  v.fill(0);
  return out;
}
