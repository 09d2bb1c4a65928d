/** The SM2 key derivation function (GM/T 0003.4-2012 §5.4.3), with SM3 as Hv (§5.4.2). */
import { sm3 } from '@kms-wrap/sm2';

/**
 * KDF(Z, klen) for klen = 8·`length` bits: Ha_i = SM3(Z ‖ ct) for ct = 1, 2, ... as a 32-bit
 * big-endian counter, concatenated and cut to klen bits.
 */
export function _kdf(z: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  const input = new Uint8Array(z.length + 4);
  input.set(z);
  const view = new DataView(input.buffer);
  // §5.4.3 a) ct = 0x00000001; b) for i = 1 .. ⌈klen/v⌉: Ha_i = Hv(Z ‖ ct), ct++
  for (let ct = 1, off = 0; off < length; ct++, off += 32) {
    view.setUint32(z.length, ct);
    const ha = sm3(input);
    // §5.4.3 c)-d) the last block is cut to its leftmost klen − v·⌊klen/v⌋ bits
    out.set(ha.subarray(0, Math.min(32, length - off)), off);
    ha.fill(0);
  }
  input.fill(0);
  return out;
}
