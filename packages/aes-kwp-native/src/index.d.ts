/**
 * AES key wrap with padding (RFC 5649 §4.1) on AES-NI: `kek` 16, 24 or 32 bytes, `plaintext` 1 to
 * 2^32 − 1 bytes; returns the 8·⌈n/8⌉ + 8-byte ciphertext, the same bytes as node:crypto's
 * `id-aesN-wrap-pad`. Throws TypeError for a non-Uint8Array, RangeError for a bad length.
 * `null` where the addon cannot run: `status` says why.
 */
export declare const wrap: ((kek: Uint8Array, plaintext: Uint8Array) => Buffer) | null;
/** `'AES-NI'` when `wrap` is the addon's, otherwise why it is not available. */
export declare const status: string;
