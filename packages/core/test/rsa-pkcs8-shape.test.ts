/**
 * rsaPkcs8Shape, inspection's fast path for RSA PKCS#8: taken for the keys OpenSSL and
 * node:crypto write, and differential against the general path (core's DER reader) on hostile input, both
 * ways — whenever the fast path answers, the general path gives the same answer; and whenever the
 * general path accepts a key of the fast path's one shape, the fast path takes it too.
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, inspectMaterial, type MaterialInfo } from '../src/index.js';
import {
  OID,
  bitLength,
  children,
  decodeDer,
  derHeader,
  integerBytes,
  isNull,
  isSequence,
  octetsOf,
  oidOf,
  smallInteger,
  type DerHeader,
} from '../src/der.js';
import { concatBytes, derTlv } from '../src/der-encode.js';
import { identifyDer } from '../src/identify-der.js';
import { rsaPkcs8Shape } from '../src/rsa-pkcs8-shape.js';
import { KEY_SPECS, KEY_SPEC_INFO } from '../src/specs.js';
import { der, keys } from './keys.js';

const k = await keys();

/** The general path's answer for RSA PKCS#8 (inspect-material.ts tryPkcs8 and pkcs8Info), or 'other'. */
function general(bytes: Uint8Array): MaterialInfo | 'other' {
  try {
    const node = decodeDer(bytes, 'x', ERROR_CODES.MATERIAL_INVALID);
    if (identifyDer(node) !== 'pkcs8') return 'other';
    const c = children(node);
    const version = smallInteger(c[0]);
    if (version !== 0 && version !== 1) return 'other';
    if (oidOf(children(c[1])[0]) !== OID.rsaEncryption) return 'other';
    const rsa = children(decodeDer(octetsOf(c[2])!, 'x', ERROR_CODES.MATERIAL_INVALID));
    const modulus = integerBytes(rsa[1]);
    if (rsa.length < 9 || modulus === undefined) return 'other';
    const bits = bitLength(modulus);
    const spec = KEY_SPECS.find((s) => KEY_SPEC_INFO[s].rsaBits === bits);
    if (!spec) return 'other';
    return { format: 'pkcs8-der', kind: 'rsa', keySpec: spec, candidates: [spec], length: bytes.length, rsaBits: bits };
  } catch {
    return 'other';
  }
}

/**
 * Does the general parser see the one shape the fast path takes: PrivateKeyInfo v0 or v1 with no
 * attributes, AlgorithmIdentifier { rsaEncryption, NULL }, and a two-prime RSAPrivateKey v0 of
 * nine INTEGERs? (Only asked of bytes the general path accepts, so they are DER.)
 */
function fastShape(bytes: Uint8Array): boolean {
  try {
    const top = decodeDer(bytes, 'x', ERROR_CODES.MATERIAL_INVALID);
    const c = children(top);
    if (!isSequence(top) || c.length !== 3 || !isSequence(c[1])) return false;
    const version = smallInteger(c[0]);
    if (version !== 0 && version !== 1) return false;
    const alg = children(c[1]);
    if (alg.length !== 2 || oidOf(alg[0]) !== OID.rsaEncryption || !isNull(alg[1])) return false;
    const inner = octetsOf(c[2]);
    if (inner === undefined) return false;
    const rsaNode = decodeDer(inner, 'x', ERROR_CODES.MATERIAL_INVALID);
    const rsa = children(rsaNode);
    return isSequence(rsaNode) && rsa.length === 9 && rsa.every((x) => integerBytes(x) !== undefined) && smallInteger(rsa[0]) === 0;
  } catch {
    return false;
  }
}

/** Same accept/refuse and the same answer: the fast path and the general parser agree on `bytes`. True if the fast path took them. */
function agreesBothWays(bytes: Uint8Array): boolean {
  const fast = rsaPkcs8Shape(bytes);
  const slow = general(bytes);
  if (fast !== undefined) expect(fast).toEqual(slow);
  else if (slow !== 'other')
    expect(fastShape(bytes), 'the general path takes a key of the fast shape that the fast path refused').toBe(false);
  return fast !== undefined;
}

/** The child TLVs of the DER value `b` (a SEQUENCE, or an OCTET STRING that holds DER values). */
function split(b: Uint8Array): Uint8Array[] {
  const outer = derHeader(b, 0, b.length) as DerHeader;
  const out: Uint8Array[] = [];
  for (let p = outer.start; p < outer.end;) {
    const h = derHeader(b, p, outer.end) as DerHeader;
    out.push(b.subarray(p, h.end));
    p = h.end;
  }
  return out;
}

/** The content octets of the DER value `tlv`. */
function contentOf(tlv: Uint8Array): Uint8Array {
  const h = derHeader(tlv, 0, tlv.length) as DerHeader;
  return tlv.subarray(h.start, h.end);
}

const opensslKey = der(
  execFileSync('sh', [
    '-c',
    'openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 2>/dev/null | openssl pkcs8 -topk8 -nocrypt -outform DER',
  ]),
);
const samples = {
  RSA_2048: k.rsa2048.pkcs8,
  RSA_3072: k.rsa3072.pkcs8,
  RSA_4096: k.rsa4096.pkcs8,
  'RSA_2048 (openssl pkcs8 -topk8)': opensslKey,
};

describe('rsaPkcs8Shape: the keys OpenSSL and node:crypto write', () => {
  for (const [name, bytes] of Object.entries(samples)) {
    it(`takes ${name}, with the general path's answer`, () => {
      const fast = rsaPkcs8Shape(bytes);
      expect(fast).toBeDefined();
      expect(fast).toEqual(general(bytes));
      expect(inspectMaterial(bytes)).toEqual(fast);
    });
  }

  it('leaves everything else to the general path', () => {
    expect(rsaPkcs8Shape(k.rsa1024.pkcs8)).toBeUndefined(); // a size KMS refuses: the general path says why
    expect(rsaPkcs8Shape(k.p256.pkcs8)).toBeUndefined();
    expect(rsaPkcs8Shape(k.rsa2048.spki)).toBeUndefined();
    const pkcs1 = der(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'der' }));
    expect(rsaPkcs8Shape(pkcs1)).toBeUndefined();
    expect(rsaPkcs8Shape(new Uint8Array(0))).toBeUndefined();
    expect(rsaPkcs8Shape(Uint8Array.of(0x30, 0x80, 0x00, 0x00))).toBeUndefined(); // BER indefinite length
  });
});

describe('rsaPkcs8Shape: differential against the general path', () => {
  const base = k.rsa2048.pkcs8;
  const agrees = (bytes: Uint8Array) => {
    const fast = rsaPkcs8Shape(bytes);
    if (fast !== undefined) expect(fast).toEqual(general(bytes));
  };

  it('byte changes anywhere (fast-check)', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ at: fc.nat(base.length - 1), value: fc.nat(255) }), { minLength: 1, maxLength: 4 }), (edits) => {
        const b = base.slice();
        for (const e of edits) b[e.at] = e.value;
        agrees(b);
      }),
      { numRuns: 3000 },
    );
  });

  it('every truncation, and bytes appended', () => {
    for (let n = 0; n < base.length; n++) agrees(base.subarray(0, n));
    for (const extra of [[0], [0, 0], [0x30, 0x00]]) agrees(Uint8Array.from([...base, ...extra]));
  });

  it('each header octet (tags and lengths) at every value', () => {
    // The headers of the first values: the outer SEQUENCE, version, algorithm, OID, NULL, OCTET STRING, inner SEQUENCE, version, modulus.
    for (let at = 0; at < 40; at++) {
      for (let v = 0; v < 256; v++) {
        const b = base.slice();
        b[at] = v;
        agrees(b);
      }
    }
  });

  it('PKCS#8 built from parts, right and wrong in each field (fast-check): both ways', () => {
    const fieldsOf = (pkcs8: Uint8Array) => split(contentOf(split(pkcs8)[2]!)).slice(1); // the 8 INTEGERs after the version
    const keys = [k.rsa2048.pkcs8, k.rsa3072.pkcs8, k.rsa1024.pkcs8].map(fieldsOf);
    const rsaOid = Uint8Array.of(0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01);
    const paddedRsaOid = Uint8Array.of(0x06, 0x0a, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x80, 0x01);
    const ecOid = Uint8Array.of(0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01);
    const p256Oid = Uint8Array.of(0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07);
    const u8 = (...b: number[]) => Uint8Array.from(b);
    /** A TLV with its length in the shortest form, or in one octet more than it needs (BER, not DER). */
    const tlv = (tag: number, content: Uint8Array, long: boolean): Uint8Array => {
      if (!long) return derTlv(tag, content);
      const short = derTlv(tag, content);
      const n = short[1]! < 0x80 ? 0 : short[1]! & 0x7f;
      return concatBytes(u8(tag, 0x80 | (n + 1), 0), n === 0 ? u8(short[1]!) : short.subarray(2, 2 + n), content);
    };
    /** `right` four times in five, else one of `wrong`: most keys are wrong in one or two fields only. */
    const mostly = <T>(right: T, ...wrong: T[]) =>
      fc.oneof(
        { arbitrary: fc.constant(right), weight: 4 * wrong.length },
        ...wrong.map((w) => ({ arbitrary: fc.constant(w), weight: 1 })),
      );
    const parts = fc.record({
      key: fc.nat(keys.length - 1),
      version: mostly(u8(2, 1, 0), u8(2, 1, 1), u8(2, 1, 2), u8(2, 2, 0, 0), u8(2, 1, 0xff), u8(2, 0)),
      oid: mostly(rsaOid, paddedRsaOid, ecOid),
      params: mostly(u8(5, 0), u8(), u8(5, 1, 0), p256Oid, u8(5, 0, 5, 0)),
      attributes: mostly(u8(), u8(0xa0, 0x00), u8(0x31, 0x00)),
      innerVersion: mostly(u8(2, 1, 0), u8(2, 1, 1), u8(2, 2, 0, 0), u8(4, 1, 0)),
      fields: mostly(8, 6, 7),
      padField: mostly<number | undefined>(undefined, 0, 1, 2, 7),
      negateField: mostly<number | undefined>(undefined, 0, 1, 5),
      longAt: mostly<string | undefined>(undefined, 'outer', 'algorithm', 'octets', 'inner', 'modulus'),
      trailing: mostly(u8(), u8(0), u8(5, 0)),
    });
    let taken = 0;
    let left = 0;
    fc.assert(
      fc.property(parts, (p) => {
        const fields = keys[p.key]!.slice(0, p.fields).map((f, i) => {
          let body = contentOf(f);
          if (p.padField === i) body = concatBytes(u8(0), body);
          if (p.negateField === i) body = concatBytes(u8(0xff), body);
          return tlv(0x02, body, p.longAt === 'modulus' && i === 0);
        });
        const rsa = tlv(0x30, concatBytes(p.innerVersion, ...fields), p.longAt === 'inner');
        const algorithm = tlv(0x30, concatBytes(p.oid, p.params), p.longAt === 'algorithm');
        const octets = tlv(0x04, rsa, p.longAt === 'octets');
        const bytes = concatBytes(tlv(0x30, concatBytes(p.version, algorithm, octets, p.attributes), p.longAt === 'outer'), p.trailing);
        if (agreesBothWays(bytes)) taken++;
        else left++;
      }),
      { numRuns: 3000 },
    );
    // The generator reaches both sides: keys the fast path takes, and keys it leaves.
    expect(taken).toBeGreaterThan(50);
    expect(left).toBeGreaterThan(50);
  });

  it('byte changes anywhere, and bytes inserted and deleted (fast-check): both ways', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(base, opensslKey),
        fc.array(fc.record({ op: fc.constantFrom('set', 'insert', 'delete'), at: fc.nat(), value: fc.nat(255) }), {
          minLength: 1,
          maxLength: 3,
        }),
        (key, edits) => {
          let b = Array.from(key);
          for (const e of edits) {
            const at = e.at % (b.length + 1);
            if (e.op === 'set' && at < b.length) b[at] = e.value;
            else if (e.op === 'insert') b.splice(at, 0, e.value);
            else b.splice(at, 1);
          }
          agreesBothWays(Uint8Array.from(b));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('random DER-ish input (fast-check)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 64 }), (tail) => {
        agrees(Uint8Array.from([0x30, tail.length, ...tail]));
        agrees(tail);
      }),
      { numRuns: 3000 },
    );
  });
});
