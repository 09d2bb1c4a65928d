/**
 * Strict base64 (RFC 4648 §4, PEM bodies) and base64url (RFC 4648 §5, JWK members) decoding.
 * No runtime imports (no Buffer, no atob). A malformed string gives undefined, never a
 * partial result.
 */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const STD = ALPHABET + '+/';
const URL = ALPHABET + '-_';

function table(chars: string): Int8Array {
  const t = new Int8Array(128).fill(-1);
  for (let i = 0; i < 64; i++) t[chars.charCodeAt(i)] = i;
  return t;
}
const STD_TABLE = table(STD);
const URL_TABLE = table(URL);

function decode(body: string, t: Int8Array): Uint8Array | undefined {
  // RFC 4648 §4: 4 characters carry 3 bytes; a final group of 2 or 3 characters carries 1 or 2.
  if (body.length % 4 === 1) return undefined;
  const out = new Uint8Array(Math.floor((body.length * 3) / 4));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body.charCodeAt(i);
    const v = c < 128 ? t[c]! : -1;
    if (v < 0) {
      out.fill(0);
      return undefined;
    }
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  // RFC 4648 §3.5: the pad bits of the last character must be zero.
  if ((acc & ((1 << bits) - 1)) !== 0) {
    out.fill(0);
    return undefined;
  }
  return out;
}

/** base64 with optional '=' padding; white space (PEM line breaks) is ignored. */
export function decodeBase64(text: string): Uint8Array | undefined {
  const clean = text.replace(/[\s]+/g, '');
  const body = clean.replace(/={1,2}$/, '');
  if (body.length === 0) return undefined;
  if (body.length !== clean.length && clean.length % 4 !== 0) return undefined;
  return decode(body, STD_TABLE);
}

/** base64url without padding (RFC 7515 §2); trailing '=' is tolerated. */
export function decodeBase64Url(text: string): Uint8Array | undefined {
  const body = text.replace(/={1,2}$/, '');
  if (body.length === 0) return undefined;
  return decode(body, URL_TABLE);
}
