/**
 * The SM2 ciphertext as DER (GM/T 0009-2012 §7.2 "SM2Cipher"), the form AWS KMS
 * SM2PKE takes, AWS's SM2OfflineOperationHelper writes and `openssl pkeyutl` reads:
 *
 *   SM2Cipher ::= SEQUENCE {
 *     XCoordinate INTEGER,                  -- x1 of C1 = [k]G
 *     YCoordinate INTEGER,                  -- y1 of C1
 *     HASH        OCTET STRING (SIZE(32)),  -- C3 = SM3(x2 ‖ M ‖ y2)
 *     CipherText  OCTET STRING              -- C2 = M ⊕ t
 *   }
 */
import {
  children,
  concatBytes,
  derTlv,
  derTlvLength,
  derUnsignedInteger,
  isSequence,
  octetsOf,
  readDer,
  unsignedInteger,
  type Asn1,
} from '@kms-wrap/core/encoding';
import { SM2_BYTES } from '@kms-wrap/sm2';

const _SEQUENCE = 0x30;
const _OCTET_STRING = 0x04;

export interface _Sm2Cipher {
  /** x1, y1 as 32-byte big-endian field elements. */
  readonly x1: Uint8Array;
  readonly y1: Uint8Array;
  readonly c3: Uint8Array;
  readonly c2: Uint8Array;
}

export function _encodeSm2Cipher(c: _Sm2Cipher): Uint8Array {
  return derTlv(
    _SEQUENCE,
    concatBytes(derUnsignedInteger(c.x1), derUnsignedInteger(c.y1), derTlv(_OCTET_STRING, c.c3), derTlv(_OCTET_STRING, c.c2)),
  );
}

/**
 * Strict DER (core's reader: one value, nothing after it, minimal lengths and integers), then
 * the shape: four fields, non-negative coordinates of at most 32 bytes, a 32-byte C3, a non-empty C2.
 */
export function _decodeSm2Cipher(der: Uint8Array, fail: (why: string) => never): _Sm2Cipher {
  const read = readDer(der, 8);
  if (read.problem !== undefined) fail(`it ${read.problem}`);
  const fields = children(read.node);
  if (!isSequence(read.node) || fields.length !== 4) fail(`it is not a SEQUENCE of 4 fields`);
  const coordinate = (node: Asn1 | undefined, what: string): Uint8Array => {
    const magnitude = unsignedInteger(node);
    if (magnitude === undefined) fail(`${what} is not a non-negative INTEGER`);
    if (magnitude.length > SM2_BYTES) fail(`${what} is longer than ${SM2_BYTES} bytes`);
    const out = new Uint8Array(SM2_BYTES);
    out.set(magnitude, SM2_BYTES - magnitude.length);
    return out;
  };
  const x1 = coordinate(fields[0], 'XCoordinate');
  const y1 = coordinate(fields[1], 'YCoordinate');
  const c3 = octetsOf(fields[2]);
  if (c3 === undefined) fail('HASH (C3) is not an OCTET STRING');
  if (c3.length !== 32) fail(`HASH (C3) is ${c3.length} bytes, not 32`);
  const c2 = octetsOf(fields[3]);
  if (c2 === undefined) fail('CipherText (C2) is not an OCTET STRING');
  if (c2.length === 0) fail('CipherText (C2) is empty');
  return { x1, y1, c3, c2 };
}

/**
 * The DER length of an SM2Cipher with `length` bytes of C2, as an inclusive range: each
 * INTEGER takes 3 bytes (x = 0) to 35 bytes (32 bytes with the high bit set, plus 0x00).
 */
export function _sm2CipherLength(length: number): readonly [number, number] {
  const rest = derTlvLength(32) + derTlvLength(length);
  const total = (integer: number): number => derTlvLength(2 * integer + rest);
  return [total(derTlvLength(1)), total(derTlvLength(SM2_BYTES + 1))];
}
