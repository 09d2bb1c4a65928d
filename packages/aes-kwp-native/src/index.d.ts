/**
 * AES key wrap with padding (RFC 5649 §4.1) on the CPU's AES instructions (AES-NI on x86-64, the
 * ARMv8 Cryptography Extensions on arm64): `kek` 16, 24 or 32 bytes, `plaintext` 1 to
 * 2^32 − 1 bytes; returns the 8·⌈n/8⌉ + 8-byte ciphertext, the same bytes as node:crypto's
 * `id-aesN-wrap-pad`. Throws TypeError for a non-Uint8Array, RangeError for a bad length.
 * `null` where the addon cannot run: `status` says why.
 */
export declare const wrap: ((kek: Uint8Array, plaintext: Uint8Array) => Buffer) | null;
/** `'AES-NI'` (x64) or `'ARMv8 AES'` (arm64) when `wrap` is the addon's, otherwise why it is not available. */
export declare const status: string;
