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
import { SM2_BYTES } from '@kms-wrap/sm2';
import { _concat, _DerReader, _readUnsigned, _TAG, _tlv, _tlvLength, _unsignedInteger } from './der.js';

export interface _Sm2Cipher {
  /** x1, y1 as 32-byte big-endian field elements. */
  readonly x1: Uint8Array;
  readonly y1: Uint8Array;
  readonly c3: Uint8Array;
  readonly c2: Uint8Array;
}

export function _encodeSm2Cipher(c: _Sm2Cipher): Uint8Array {
  return _tlv(
    _TAG.SEQUENCE,
    _concat(_unsignedInteger(c.x1), _unsignedInteger(c.y1), _tlv(_TAG.OCTET_STRING, c.c3), _tlv(_TAG.OCTET_STRING, c.c2)),
  );
}

/** Strict DER: one SEQUENCE, nothing after it, minimal integers, a 32-byte C3, a non-empty C2. */
export function _decodeSm2Cipher(der: Uint8Array, fail: (why: string) => never): _Sm2Cipher {
  const outer = new _DerReader(der, fail);
  const seq = outer.enter(_TAG.SEQUENCE, 'the SM2Cipher SEQUENCE');
  outer.finish('the SM2Cipher SEQUENCE');
  const coordinate = (what: string): Uint8Array => {
    const magnitude = _readUnsigned(seq.read(_TAG.INTEGER, what), what, fail);
    if (magnitude.length > SM2_BYTES) fail(`${what} is longer than ${SM2_BYTES} bytes`);
    const out = new Uint8Array(SM2_BYTES);
    out.set(magnitude, SM2_BYTES - magnitude.length);
    return out;
  };
  const x1 = coordinate('XCoordinate');
  const y1 = coordinate('YCoordinate');
  const c3 = seq.read(_TAG.OCTET_STRING, 'HASH (C3)');
  if (c3.length !== 32) fail(`HASH (C3) is ${c3.length} bytes, not 32`);
  const c2 = seq.read(_TAG.OCTET_STRING, 'CipherText (C2)');
  if (c2.length === 0) fail('CipherText (C2) is empty');
  seq.finish('CipherText (C2)');
  return { x1, y1, c3, c2 };
}

/**
 * The DER length of an SM2Cipher with `length` bytes of C2, as an inclusive range: each
 * INTEGER takes 3 bytes (x = 0) to 35 bytes (32 bytes with the high bit set, plus 0x00).
 */
export function _sm2CipherLength(length: number): readonly [number, number] {
  const rest = _tlvLength(32) + _tlvLength(length);
  const total = (integer: number): number => _tlvLength(2 * integer + rest);
  return [total(_tlvLength(1)), total(_tlvLength(SM2_BYTES + 1))];
}
