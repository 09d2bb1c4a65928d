// AES key wrap with padding (RFC 5649 §4.1) done other ways than node:crypto's
// id-aes256-wrap-pad, to measure whether any is faster (pnpm bench kwp). None ships: node's was
// the fastest here. Each is checked against RFC 5649 §6 before it is timed.
import { createCipheriv } from 'node:crypto';

/** RFC 5649 §3: AIV = A65959A6 || MLI (32-bit big-endian octet length). */
function aiv(length) {
  const a = new Uint8Array(8);
  a.set([0xa6, 0x59, 0x59, 0xa6]);
  new DataView(a.buffer).setUint32(4, length);
  return a;
}

/**
 * RFC 5649 §4.1 on top of node's AES-ECB: one cipher object per wrap (setAutoPadding(false)),
 * one update() per AES block of the RFC 3394 §2.2.1 W steps — each block needs the previous
 * one's output, so they cannot be batched into one call.
 */
export function kwpWrapEcb(kek, plaintext) {
  const n = Math.ceil(plaintext.length / 8);
  const r = new Uint8Array(8 * n);
  r.set(plaintext); // §4.1 step 1: zero padding to a multiple of 8
  const ecb = createCipheriv(`aes-${kek.length * 8}-ecb`, kek, null);
  ecb.setAutoPadding(false);
  const block = Buffer.alloc(16);
  if (n === 1) {
    // §4.1 step 2: one 64-bit block: C[0] | C[1] = ENC(K, AIV | P[1])
    block.set(aiv(plaintext.length));
    block.set(r, 8);
    return new Uint8Array(ecb.update(block));
  }
  const a = aiv(plaintext.length);
  // RFC 3394 §2.2.1: for j = 0..5, i = 1..n: B = AES(K, A | R[i]); A = MSB64(B) ^ t; R[i] = LSB64(B)
  for (let j = 0, t = 1; j < 6; j++) {
    for (let i = 0; i < n; i++, t++) {
      block.set(a, 0);
      block.set(r.subarray(8 * i, 8 * i + 8), 8);
      const b = ecb.update(block);
      a.set(b.subarray(0, 8));
      a[7] ^= t & 0xff;
      a[6] ^= (t >>> 8) & 0xff;
      a[5] ^= (t >>> 16) & 0xff;
      a[4] ^= (t >>> 24) & 0xff;
      r.set(b.subarray(8, 16), 8 * i);
    }
  }
  const out = new Uint8Array(8 + 8 * n);
  out.set(a);
  out.set(r, 8);
  return out;
}

// A table-driven AES in JavaScript (FIPS 197 with the usual 32-bit T-tables), its rounds unrolled
// for the key size, with the W steps fused around it.
const SBOX = new Uint8Array(256);
const TE = [0, 1, 2, 3].map(() => new Int32Array(256));
{
  const exp = new Uint8Array(256);
  const log = new Uint8Array(256);
  for (let i = 0, x = 1; i < 255; i++) {
    exp[i] = x;
    log[x] = i;
    x = (x ^ (x << 1) ^ (x & 0x80 ? 0x1b : 0)) & 0xff;
  }
  for (let i = 0; i < 256; i++) {
    const b = i === 0 ? 0 : exp[(255 - log[i]) % 255];
    SBOX[i] = (b ^ ((b << 1) | (b >>> 7)) ^ ((b << 2) | (b >>> 6)) ^ ((b << 3) | (b >>> 5)) ^ ((b << 4) | (b >>> 4)) ^ 0x63) & 0xff;
  }
  for (let i = 0; i < 256; i++) {
    const s = SBOX[i];
    const s2 = ((s << 1) ^ (s & 0x80 ? 0x1b : 0)) & 0xff;
    const t = (s2 << 24) | (s << 16) | (s << 8) | (s2 ^ s);
    TE[0][i] = t;
    TE[1][i] = (t >>> 8) | (t << 24);
    TE[2][i] = (t >>> 16) | (t << 16);
    TE[3][i] = (t >>> 24) | (t << 8);
  }
}

function expandKey(key) {
  const nk = key.length / 4;
  const w = new Int32Array(4 * (nk + 7));
  for (let i = 0; i < nk; i++) w[i] = (key[4 * i] << 24) | (key[4 * i + 1] << 16) | (key[4 * i + 2] << 8) | key[4 * i + 3];
  for (let i = nk, rcon = 1; i < w.length; i++) {
    let t = w[i - 1];
    const sub = (v) => (SBOX[v >>> 24] << 24) | (SBOX[(v >>> 16) & 255] << 16) | (SBOX[(v >>> 8) & 255] << 8) | SBOX[v & 255];
    if (i % nk === 0) {
      t = sub((t << 8) | (t >>> 24)) ^ (rcon << 24);
      rcon = ((rcon << 1) ^ (rcon & 0x80 ? 0x1b : 0)) & 0xff;
    } else if (nk > 6 && i % nk === 4) t = sub(t);
    w[i] = w[i - nk] ^ t;
  }
  return w;
}

function generate(rounds) {
  let body = 'let s0 = a0 ^ w[0], s1 = a1 ^ w[1], s2 = r[2 * i] ^ w[2], s3 = r[2 * i + 1] ^ w[3], t0, t1, t2, t3;\n';
  for (let k = 4; k < 4 * rounds; k += 4) {
    body += `t0 = T0[s0 >>> 24] ^ T1[(s1 >>> 16) & 255] ^ T2[(s2 >>> 8) & 255] ^ T3[s3 & 255] ^ w[${k}];
t1 = T0[s1 >>> 24] ^ T1[(s2 >>> 16) & 255] ^ T2[(s3 >>> 8) & 255] ^ T3[s0 & 255] ^ w[${k + 1}];
t2 = T0[s2 >>> 24] ^ T1[(s3 >>> 16) & 255] ^ T2[(s0 >>> 8) & 255] ^ T3[s1 & 255] ^ w[${k + 2}];
t3 = T0[s3 >>> 24] ^ T1[(s0 >>> 16) & 255] ^ T2[(s1 >>> 8) & 255] ^ T3[s2 & 255] ^ w[${k + 3}];
s0 = t0; s1 = t1; s2 = t2; s3 = t3;\n`;
  }
  const k = 4 * rounds;
  const last = (x, y, z, v, o) =>
    `((S[${x} >>> 24] << 24) | (S[(${y} >>> 16) & 255] << 16) | (S[(${z} >>> 8) & 255] << 8) | S[${v} & 255]) ^ w[${k + o}]`;
  // r: Int32Array of big-endian words, R[1..n] at r[2..]; returns A.
  const src = `return function w6(w, r, n, a0, a1, steps) {
    for (let j = 0, t = 1; j < steps; j++) {
      for (let i = 1; i <= n; i++, t++) {
        ${body}
        a0 = ${last('s0', 's1', 's2', 's3', 0)};
        a1 = ${last('s1', 's2', 's3', 's0', 1)} ^ (steps === 1 ? 0 : t);
        r[2 * i] = ${last('s2', 's3', 's0', 's1', 2)};
        r[2 * i + 1] = ${last('s3', 's0', 's1', 's2', 3)};
      }
    }
    r[0] = a0; r[1] = a1;
  }`;
  return new Function('T0', 'T1', 'T2', 'T3', 'S', src)(TE[0], TE[1], TE[2], TE[3], SBOX);
}
const W = { 16: generate(10), 24: generate(12), 32: generate(14) };

/** RFC 5649 §4.1 with the JavaScript AES. */
export function kwpWrapJs(kek, plaintext) {
  const n = Math.ceil(plaintext.length / 8);
  const r = new Int32Array(2 + 2 * n);
  for (let i = 0; i < plaintext.length; i++) r[2 + (i >> 2)] |= plaintext[i] << (24 - 8 * (i & 3));
  const w = expandKey(kek);
  // n = 1: one block, AIV | P[1] (§4.1 step 2); else the six W steps (RFC 3394 §2.2.1).
  W[kek.length](w, r, n, 0xa65959a6 | 0, plaintext.length | 0, n === 1 ? 1 : 6);
  const out = new Uint8Array(4 * r.length);
  for (let i = 0; i < r.length; i++) {
    const v = r[i];
    out[4 * i] = v >>> 24;
    out[4 * i + 1] = v >>> 16;
    out[4 * i + 2] = v >>> 8;
    out[4 * i + 3] = v;
  }
  w.fill(0);
  r.fill(0);
  return out;
}
