/** base64, PEM and UTF-8 without runtime helpers, checked against Node's Buffer. */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, zeroize } from '../src/index.js';
import { equalBytes, fromBase64, parsePem, textToBytes, toBase64, toHex } from '../src/toolkit.js';

describe('base64', () => {
  it("round-trips every length 0..100 and agrees with Buffer's encoder", () => {
    for (let n = 0; n <= 100; n++) {
      const bytes = new Uint8Array(randomBytes(n));
      const b64 = toBase64(bytes);
      expect(b64).toBe(Buffer.from(bytes).toString('base64'));
      if (n > 0) expect(toHex(fromBase64(b64)!)).toBe(toHex(bytes));
    }
  });

  it('reads base64url and ignores white space', () => {
    const bytes = Uint8Array.from([0xfb, 0xff, 0xfe, 0x00, 0x3e]);
    expect(toHex(fromBase64(Buffer.from(bytes).toString('base64url'))!)).toBe(toHex(bytes));
    expect(toHex(fromBase64(' +//+\nAD4= ')!)).toBe(toHex(bytes));
  });

  it('refuses what is not base64', () => {
    for (const bad of ['', '====', 'abc!', 'a', 'ab=c', 'abcde', 'ab==cd', 'é123']) expect(fromBase64(bad), bad).toBeUndefined();
  });
});

describe('PEM', () => {
  it('reads every block with its label and headers', () => {
    const text = [
      '-----BEGIN EC PARAMETERS-----',
      'BggqhkjOPQMBBw==',
      '-----END EC PARAMETERS-----',
      '-----BEGIN RSA PRIVATE KEY-----',
      'Proc-Type: 4,ENCRYPTED',
      'DEK-Info: AES-256-CBC,00',
      '',
      'AAEC',
      '-----END RSA PRIVATE KEY-----',
    ].join('\r\n');
    const blocks = parsePem(text);
    expect(blocks.map((b) => b.label)).toEqual(['EC PARAMETERS', 'RSA PRIVATE KEY']);
    expect(toHex(blocks[0]!.der)).toBe('06082a8648ce3d030107');
    expect(blocks[1]!.headers).toEqual(['Proc-Type: 4,ENCRYPTED', 'DEK-Info: AES-256-CBC,00']);
    expect(toHex(blocks[1]!.der)).toBe('000102');
  });

  it('is strict: a block ends with its own label and holds canonical base64 (RFC 7468 §3, RFC 4648 §3.5)', () => {
    expect(() => parsePem('-----BEGIN PRIVATE KEY-----\nAAEC\n-----END EC PRIVATE KEY-----\n')).toThrow(
      expect.objectContaining({
        code: ERROR_CODES.MATERIAL_INVALID,
        message: 'the PEM block PRIVATE KEY ends with a different label — the file is damaged',
      }),
    );
    // 'AAF=' decodes to 00 01 with a set bit left over: not the canonical 'AAE='.
    expect(toHex(parsePem('-----BEGIN X-----\nAAE=\n-----END X-----')[0]!.der)).toBe('0001');
    expect(() => parsePem('-----BEGIN X-----\nAAF=\n-----END X-----')).toThrow(
      expect.objectContaining({ message: 'the PEM block X is not valid base64 — the file is damaged or truncated' }),
    );
    expect(() => parsePem('-----BEGIN X-----\nA-_C\n-----END X-----')).toThrow(
      expect.objectContaining({ message: expect.stringContaining('not valid base64') }),
    );
    // Text around the blocks is ignored; a last block cut short leaves the complete ones.
    const text = 'Bag Attributes\n-----BEGIN A-----\nAAEC\n-----END A-----\n-----BEGIN B-----\nAAEC\n';
    expect(parsePem(text).map((b) => b.label)).toEqual(['A']);
    expect(parsePem('no PEM here')).toEqual([]);
    expect(() => parsePem('-----BEGIN X-----\nAAEC\n')).toThrow(
      expect.objectContaining({ message: 'the PEM text has no complete BEGIN/END block — the file is damaged or truncated' }),
    );
  });

  it('refuses a block with bad base64 or no END line, with the code asked for', () => {
    expect(() => parsePem('-----BEGIN X-----\n@@@@\n-----END X-----')).toThrow(
      expect.objectContaining({ code: ERROR_CODES.MATERIAL_INVALID }),
    );
    expect(() => parsePem('-----BEGIN X-----\nAAAA\n', ERROR_CODES.PUBLIC_KEY_INVALID)).toThrow(
      expect.objectContaining({ code: ERROR_CODES.PUBLIC_KEY_INVALID, message: expect.stringContaining('truncated') }),
    );
  });
});

describe('bytes', () => {
  it('textToBytes is UTF-8', () => {
    for (const s of ['', 'abc', 'é', '€', '𝄞', 'mixed é € 𝄞 text'])
      expect(toHex(textToBytes(s))).toBe(Buffer.from(s, 'utf8').toString('hex'));
  });

  it('equalBytes compares length and content', () => {
    expect(equalBytes(Uint8Array.of(1, 2), Uint8Array.of(1, 2))).toBe(true);
    expect(equalBytes(Uint8Array.of(1, 2), Uint8Array.of(1, 3))).toBe(false);
    expect(equalBytes(Uint8Array.of(1, 2), Uint8Array.of(1, 2, 0))).toBe(false);
  });

  it('zeroize overwrites every buffer given, and skips undefined', () => {
    const a = Uint8Array.of(1, 2, 3);
    const b = Uint8Array.of(4);
    zeroize(a, undefined, b);
    expect(Array.from(a)).toEqual([0, 0, 0]);
    expect(Array.from(b)).toEqual([0]);
  });
});
