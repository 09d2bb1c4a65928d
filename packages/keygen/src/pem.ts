/**
 * PEM armour (RFC 7468 §2-3; OpenSSL's legacy headers, RFC 1421 §4.6): the labelled base64
 * blocks of a text file. Text outside the blocks (OpenSSL's "Bag Attributes", comments) is
 * ignored, as OpenSSL does. Stricter than core's parsePem, for private keys: a block must end
 * with its own label, and its body must be canonical base64 (RFC 4648 §4, §3.5).
 */
import { ERROR_CODES, KmsWrapError, fromBase64, type PemBlock } from '@kms-wrap/core';

// RFC 7468 §3: "-----BEGIN " label "-----" ... "-----END " label "-----", same label.
const BEGIN = /-----BEGIN ([A-Z0-9][A-Z0-9 #-]{0,60})-----/g;
const END = /-----END ([A-Z0-9][A-Z0-9 #-]{0,60})-----/g;

export function isPem(text: string): boolean {
  return text.includes('-----BEGIN ');
}

export function parsePem(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  // Each BEGIN line, then the first END line after it. Once a BEGIN has no END after it, no later
  // one has: stop there (one regex over the whole text retried every BEGIN to the end of the
  // text, quadratic: a 1 MiB file of BEGIN lines took a minute).
  const begin = new RegExp(BEGIN);
  const end = new RegExp(END);
  for (let m = begin.exec(text); m !== null; m = begin.exec(text)) {
    const label = m[1]!;
    end.lastIndex = begin.lastIndex;
    const e = end.exec(text);
    if (e === null) break;
    if (e[1] !== label) {
      throw new KmsWrapError(ERROR_CODES.MATERIAL_INVALID, `the PEM block ${label} ends with a different label — the file is damaged`);
    }
    const lines = text.slice(begin.lastIndex, e.index).split(/\r?\n/);
    begin.lastIndex = end.lastIndex;
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
