/**
 * PEM armour (RFC 7468 §2-3; OpenSSL's legacy headers, RFC 1421 §4.6): the labelled base64
 * blocks of a text file. Text outside the blocks (OpenSSL's "Bag Attributes", comments) is
 * ignored, as OpenSSL does. Stricter than core's parsePem, for private keys: a block must end
 * with its own label, and its body must be canonical base64 (RFC 4648 §4, §3.5).
 */
import { ERROR_CODES, KmsWrapError, fromBase64, type PemBlock } from '@kms-wrap/core';

// RFC 7468 §3: "-----BEGIN " label "-----" ... "-----END " label "-----", same label.
const BLOCK = /-----BEGIN ([A-Z0-9][A-Z0-9 #-]{0,60})-----([\s\S]*?)-----END ([A-Z0-9][A-Z0-9 #-]{0,60})-----/g;

export function isPem(text: string): boolean {
  return text.includes('-----BEGIN ');
}

export function parsePem(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (const m of text.matchAll(BLOCK)) {
    const label = m[1]!;
    if (m[3] !== label) {
      throw new KmsWrapError(ERROR_CODES.MATERIAL_INVALID, `the PEM block ${label} ends with a different label — the file is damaged`);
    }
    const lines = m[2]!.split(/\r?\n/);
    const headers = lines.filter((l) => /^[A-Za-z-]+:/.test(l.trim())).map((l) => l.trim());
    const body = lines.filter((l) => !/^[A-Za-z-]+:/.test(l.trim())).join('');
    const der = fromBase64(body, 'base64');
    if (der === undefined) {
      throw new KmsWrapError(ERROR_CODES.MATERIAL_INVALID, `the PEM block ${label} is not valid base64 — the file is damaged or truncated`);
    }
    blocks.push({ label, headers, der });
  }
  if (blocks.length === 0) {
    throw new KmsWrapError(ERROR_CODES.MATERIAL_INVALID, 'the PEM text has no complete BEGIN/END block — the file is damaged or truncated');
  }
  return blocks;
}
