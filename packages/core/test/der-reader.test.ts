/**
 * Core's DER reader (der.ts) side by side with asn1js, the parser it replaced, which stays a
 * devDependency for this test: called as core called it (the same bounds, no parsing inside OCTET
 * and BIT STRINGs, no copy), on real keys of every kind and on hostile input: keys mutated as the
 * fuzz tests mutate them (tools/fuzz/mutate.mjs), and random BER. Both give the same answer ("is
 * not valid DER (truncated or corrupt)", "has N bytes after its DER value", or the same tree, on
 * which readDer's DER check is then the same function on the same bytes), and every accessor reads
 * the same value off the two trees; so do the values inside OCTET and BIT STRINGs that core reads
 * again. Where the answers differ, the input is one of the cases named in DIVERGENCES, and the test
 * checks that it is:
 *
 * - asn1js was laxer than X.690 lets BER be, and core's reader refuses: a SEQUENCE or SET in
 *   primitive form, an end-of-contents that is not 00 00 or is not where an indefinite length
 *   ends, unused bits in a BIT STRING segment that is not the last; and asn1js took an ENUMERATED
 *   for an INTEGER (every accessor of INTEGERs read one). None of these is DER; asn1js let readDer
 *   accept the first two and the last in a key, where core now refuses them.
 * - asn1js read the contents of types that no key holds: times (refusing ill-formed ones, on the
 *   top-level value only for UTCTime) and character strings (a constructed one as one opaque
 *   string, whose length it checked for BMPString and UniversalString); core's reader checks none
 *   of these and reads a constructed string's segments as values.
 *
 * About 1 mutated key in 100 is such a case. A value whose length runs past the end of its
 * container is read as asn1js read it (readDer's check then names the byte), and is no divergence.
 * Subidentifiers past 2^53 in an OBJECT IDENTIFIER, which asn1js wrote in hex, core writes in decimal.
 */
import * as asn1js from 'asn1js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bitStringBytes,
  children,
  explicitValue,
  integerBytes,
  isContextTag,
  isDerUnsigned,
  isNull,
  isSequence,
  octetsOf,
  oidOf,
  readBer,
  readDer,
  rsaParametersProblem,
  smallInteger,
  unsignedInteger,
  type Asn1,
} from '../src/der.js';
import { mutateBytes, type Mutation } from '../../../tools/fuzz/mutate.mjs';
import { der, keys } from './keys.js';

const k = await keys();
const RUNS = Number(process.env['KMS_WRAP_FUZZ_RUNS'] ?? 400);

// ---------------------------------------------------------------------------------------
// asn1js as core called it (der.ts before it had its own reader), and what core read off its nodes.

/** The parts of an asn1js block this test reads. */
interface Block {
  readonly constructor: { readonly NAME?: string };
  readonly idBlock: { tagClass: number; tagNumber: number; isConstructed: boolean; isHexOnly: boolean; blockLength: number };
  readonly lenBlock: { isIndefiniteForm: boolean; length: number; blockLength: number };
  readonly valueBlock: { value?: unknown; valueHexView?: Uint8Array; unusedBits?: number; toString(): string };
  readonly valueBeforeDecodeView: Uint8Array;
}

/** asn1js's answer as core worded it, its tree (also when bytes follow it) and its own error. */
interface Asn1jsRead {
  readonly node?: Block;
  readonly problem?: string;
  readonly error?: string;
}

function asn1jsReadBer(bytes: Uint8Array, maxNodes = 4096): Asn1jsRead {
  if (bytes.length === 0) return { problem: 'is empty' };
  let parsed: ReturnType<typeof asn1js.fromBER>;
  try {
    parsed = asn1js.fromBER(bytes, { maxDepth: 16, maxNodes, maxContentLength: 1 << 20, parseEmbedded: false, copyInput: false });
  } catch (error) {
    return { problem: 'is not valid DER', error: String(error) };
  }
  if (parsed.offset === -1 || parsed.result.error)
    return { problem: 'is not valid DER (truncated or corrupt)', error: parsed.result.error };
  const node = parsed.result as unknown as Block;
  if (parsed.offset !== bytes.length) return { node, problem: `has ${bytes.length - parsed.offset} bytes after its DER value` };
  return { node };
}

const old = {
  isInteger: (n: Block): boolean => n instanceof asn1js.Integer,
  content: (n: Block): Uint8Array => n.valueBlock.valueHexView!,
  oidOf: (n: Block): string | undefined => (n instanceof asn1js.ObjectIdentifier ? n.valueBlock.toString() : undefined),
  integerBytes(n: Block): Uint8Array | undefined {
    if (!old.isInteger(n)) return undefined;
    let v = old.content(n);
    while (v.length > 1 && v[0] === 0) v = v.subarray(1);
    return v;
  },
  unsignedInteger(n: Block): Uint8Array | undefined {
    if (!old.isInteger(n)) return undefined;
    const v = old.content(n);
    if (v.length === 0 || (v[0]! & 0x80) !== 0) return undefined;
    let i = 0;
    while (i < v.length - 1 && v[i] === 0) i++;
    return v.subarray(i);
  },
  isDerUnsigned(n: Block): boolean {
    if (!old.isInteger(n)) return false;
    const v = old.content(n);
    return v.length > 0 && (v[0]! & 0x80) === 0 && !(v.length > 1 && v[0] === 0 && (v[1]! & 0x80) === 0);
  },
  smallInteger(n: Block): number | undefined {
    const v = old.unsignedInteger(n);
    if (v === undefined || v.length > 4) return undefined;
    return v.reduce((a, b) => a * 256 + b, 0);
  },
  octetsOf: (n: Block): Uint8Array | undefined =>
    n instanceof asn1js.OctetString && !n.idBlock.isConstructed ? n.valueBlock.valueHexView : undefined,
  bitStringBytes: (n: Block): Uint8Array | undefined =>
    n instanceof asn1js.BitString && !n.idBlock.isConstructed && n.valueBlock.unusedBits === 0 ? n.valueBlock.valueHexView : undefined,
  isNull: (n: Block): boolean => n instanceof asn1js.Null,
  isSequence: (n: Block): boolean => n instanceof asn1js.Sequence,
  items: (n: Block): Block[] => (n.idBlock.isConstructed && Array.isArray(n.valueBlock.value) ? (n.valueBlock.value as Block[]) : []),
  isContextTag: (n: Block, t: number): boolean => n.idBlock.tagClass === 3 && n.idBlock.tagNumber === t,
  explicitValue: (n: Block, t: number): Block | undefined =>
    n instanceof asn1js.Constructed && old.isContextTag(n, t) && old.items(n).length === 1 ? old.items(n)[0] : undefined,
  rsaParametersProblem(n: Block): string | undefined {
    if (old.isNull(n)) return undefined;
    const oid = old.oidOf(n);
    return `parameters ${oid !== undefined ? `OID ${oid}` : `of ASN.1 type ${n.constructor.NAME ?? '?'}`} where rsaEncryption takes NULL`;
  },
};

// ---------------------------------------------------------------------------------------
// The cases where the two differ, each recognised from asn1js's tree or its error.

const DIVERGENCES = {
  primitiveSequence: 'asn1js read a primitive SEQUENCE or SET',
  endOfContents: 'asn1js read an end-of-contents that is not 00 00 closing an indefinite length',
  bitStringSegments: 'asn1js let a BIT STRING segment other than the last have unused bits',
  enumerated: 'asn1js took an ENUMERATED for an INTEGER',
  contents: 'asn1js checked the contents of a time or character string',
  constructedString: 'asn1js read a constructed character string or ENUMERATED as one opaque value',
} as const;
type Divergence = keyof typeof DIVERGENCES;

/** Offset of a view within the input (both readers view the input, neither copies). */
const offsetIn = (view: Uint8Array, input: Uint8Array): number => view.byteOffset - input.byteOffset;

/** The ways asn1js's tree is laxer than core's reader (empty if none). */
function laxities(n: Block, input: Uint8Array, found = new Set<Divergence>()): Set<Divergence> {
  const id = n.idBlock;
  const items = old.items(n);
  if (n.constructor.NAME === 'EndOfContent') found.add('endOfContents');
  if (id.tagClass === 1 && (id.tagNumber === 16 || id.tagNumber === 17) && !id.isConstructed) found.add('primitiveSequence');
  if (id.isConstructed && !Array.isArray(n.valueBlock.value)) found.add('constructedString');
  const start = offsetIn(n.valueBeforeDecodeView, input);
  if (n.lenBlock.isIndefiniteForm) {
    // What closed it, after its last value: an end-of-contents that must be 00 00.
    const last = items[items.length - 1];
    const from =
      last === undefined ? start + id.blockLength + 1 : offsetIn(last.valueBeforeDecodeView, input) + last.valueBeforeDecodeView.length;
    const closing = input.subarray(from, start + n.valueBeforeDecodeView.length);
    if (closing.length !== 2 || closing[0] !== 0 || closing[1] !== 0) found.add('endOfContents');
  }
  if (n instanceof asn1js.BitString && id.isConstructed && items.slice(0, -1).some((s) => (s.valueBlock.unusedBits ?? 0) > 0)) {
    found.add('bitStringSegments');
  }
  for (const c of items) laxities(c, input, found);
  return found;
}

/** Universal types asn1js read as one opaque value in constructed form: ENUMERATED and the character strings. */
const OPAQUE = [10, 12, 18, 19, 20, 21, 22, 25, 26, 27, 28, 29, 30];

/** The divergences that core's tree (of what asn1js refused, or read to another end) and asn1js's error show. */
function refusals(node: Asn1 | undefined, error: string | undefined, found = new Set<Divergence>()): Set<Divergence> {
  if (/BMPString value length|UniversalString value length/.test(error ?? '')) found.add('constructedString');
  if (/Wrong input string for conversion|Maximum call stack/.test(error ?? '')) found.add('contents');
  if (node === undefined) return found;
  if (node.tagClass === 0 && node.constructed && OPAQUE.includes(node.tagNumber)) found.add('constructedString');
  for (const item of node.items) refusals(item, undefined, found);
  return found;
}

/** Differences between the trees, '' if none; the nodes are compared by position, form, contents and every accessor. */
function treeDifference(a: Block, b: Asn1, input: Uint8Array, path = '$'): string {
  const id = a.idBlock;
  const header = id.blockLength + a.lenBlock.blockLength;
  const at = offsetIn(a.valueBeforeDecodeView, input) + header;
  const length = a.lenBlock.isIndefiniteForm ? a.valueBeforeDecodeView.length - header - 2 : a.lenBlock.length;
  const tagNumber = id.isHexOnly ? -1 : id.tagNumber;
  if (id.tagClass - 1 !== b.tagClass || tagNumber !== b.tagNumber || id.isConstructed !== b.constructed) return `${path}: identifier`;
  if (at !== offsetIn(b.contents, input) || length !== b.contents.length) return `${path}: contents`;
  const items = old.items(a);
  if (items.length !== b.items.length) return `${path}: ${items.length} values, ${b.items.length}`;
  const accessors = accessorDifference(a, b);
  if (accessors) return `${path}: ${accessors}`;
  for (let i = 0; i < items.length; i++) {
    const d = treeDifference(items[i]!, b.items[i]!, input, `${path}[${i}]`);
    if (d) return d;
  }
  return '';
}

/** The same view of the input (or both empty, or both undefined). */
const same = (x: Uint8Array | undefined, y: Uint8Array | undefined): boolean =>
  x === undefined || y === undefined ? x === y : x.length === y.length && (x.length === 0 || x.byteOffset === y.byteOffset);

function accessorDifference(a: Block, b: Asn1): string {
  const enumerated = a instanceof asn1js.Enumerated;
  const oid = old.oidOf(a);
  // asn1js wrote a subidentifier beyond 2^53 in hex between braces; core writes it in decimal.
  const hugeOid = oid?.includes('{') ?? false;
  if (!hugeOid && oid !== oidOf(b)) return `oidOf ${oid} ${oidOf(b)}`;
  if (enumerated) {
    // DIVERGENCES.enumerated: core's INTEGER accessors read INTEGERs only.
    if (integerBytes(b) !== undefined || unsignedInteger(b) !== undefined || isDerUnsigned(b) || smallInteger(b) !== undefined)
      return 'ENUMERATED read';
  } else {
    if (!same(old.integerBytes(a), integerBytes(b)) || !same(old.unsignedInteger(a), unsignedInteger(b))) return 'integer';
    if (old.isDerUnsigned(a) !== isDerUnsigned(b) || old.smallInteger(a) !== smallInteger(b)) return 'integer value';
  }
  if (!same(old.octetsOf(a), octetsOf(b)) || !same(old.bitStringBytes(a), bitStringBytes(b))) return 'string';
  if (old.isNull(a) !== isNull(b) || old.isSequence(a) !== isSequence(b)) return 'type';
  if ((old.isSequence(a) ? old.items(a).length : 0) !== children(b).length) return 'children';
  const t = a.idBlock.tagNumber;
  if (old.isContextTag(a, t) !== isContextTag(b, t) || (old.explicitValue(a, t) === undefined) !== (explicitValue(b, t) === undefined)) {
    return 'context tag';
  }
  // rsaParametersProblem reads an AlgorithmIdentifier's values: [algorithm, parameters].
  if (!hugeOid && old.rsaParametersProblem(a) !== rsaParametersProblem([b, b])) return 'rsaParametersProblem';
  return '';
}

/**
 * 'same', or the divergence that explains the difference; throws if neither (a disagreement no
 * case explains). Also compares the values inside OCTET and BIT STRINGs, which core reads again.
 */
function compare(bytes: Uint8Array, maxNodes = 4096): 'same' | Divergence {
  const a = asn1jsReadBer(bytes, maxNodes);
  const b = readBer(bytes, maxNodes);
  /** The named cases this input shows: laxities of asn1js's tree, or what core's tree and asn1js's error show. */
  const why = (what: string): Divergence => {
    const trailing = /^has (\d+) bytes/.exec(b.problem ?? '');
    const coreNode = b.node ?? (trailing ? readBer(bytes.subarray(0, bytes.length - Number(trailing[1])), maxNodes).node : undefined);
    const found = [...(a.node ? laxities(a.node, bytes) : []), ...refusals(coreNode, a.error)];
    if (found[0] === undefined) throw new Error(`${what}, for ${Buffer.from(bytes).toString('hex').slice(0, 400)}`);
    return found[0];
  };
  if (a.problem === undefined && b.problem === undefined) {
    const difference = treeDifference(a.node!, b.node, bytes);
    if (difference !== '') return why(`trees differ (${difference})`);
    const inside = inner(b.node);
    return inside === 'same' && hasEnumerated(a.node!) ? 'enumerated' : inside;
  }
  if (a.problem === b.problem) {
    const trailing = /^has (\d+) bytes/.exec(a.problem!);
    return trailing ? compare(bytes.subarray(0, bytes.length - Number(trailing[1])), maxNodes) : 'same';
  }
  return why(`asn1js: ${a.problem ?? 'accepted'}${a.error ? ` (${a.error})` : ''}; core: ${b.problem ?? 'accepted'}`);

  /** The values core reads inside OCTET and BIT STRINGs (PKCS#8's privateKey, SPKI's key bits), compared in turn. */
  function inner(node: Asn1): 'same' | Divergence {
    const strings: Uint8Array[] = [];
    const walk = (n: Asn1): void => {
      const s = octetsOf(n) ?? bitStringBytes(n);
      // DER inside: PKCS#8's privateKey, SPKI's RSA key bits (an EC point is no DER).
      if (s !== undefined && s[0] === 0x30) strings.push(s);
      n.items.forEach(walk);
    };
    walk(node);
    for (const s of strings) {
      const r = compare(s, maxNodes);
      if (r !== 'same') return r;
    }
    return 'same';
  }
}

function hasEnumerated(n: Block): boolean {
  return n instanceof asn1js.Enumerated || old.items(n).some(hasEnumerated);
}

// ---------------------------------------------------------------------------------------

const pairs = [k.rsa1024, k.rsa2048, k.rsa3072, k.rsa4096, k.p256, k.p384, k.p521, k.secp256k1, k.p224, k.ed25519];
const seeds: Uint8Array[] = [
  ...pairs.flatMap((p) => [p.spki, p.pkcs8]),
  k.sm2.spki,
  k.sm2.pkcs8,
  k.certificate.der,
  der(k.rsa2048.privateKey.export({ type: 'pkcs1', format: 'der' })),
  der(k.rsa2048.publicKey.export({ type: 'pkcs1', format: 'der' })),
  der(k.p256.privateKey.export({ type: 'sec1', format: 'der' })),
  der(k.p384.privateKey.export({ type: 'sec1', format: 'der' })),
  der(k.rsa2048.privateKey.export({ type: 'pkcs8', format: 'der', cipher: 'aes-128-cbc', passphrase: 'x' })),
];

const hex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h.replace(/\s/g, ''), 'hex'));

/** Each rule of the reader, and each divergence, on its smallest example (hex), with the answer expected. */
const CASES: [string, 'same' | Divergence][] = [
  ['', 'same'], // is empty
  ['3000', 'same'],
  ['30 03 02 01 05', 'same'], // a SEQUENCE holding an INTEGER
  ['30 80 02 01 05 00 00', 'same'], // indefinite length, closed by 00 00
  ['30 80 02 01 05', 'same'], // no end-of-contents: refused alike
  ['30 81 03 02 01 05', 'same'], // a non-minimal length: BER, read alike
  ['30 88 0000000000000003 020105', 'same'], // an 8-octet length
  ['30 89 000000000000000003 020105', 'same'], // a 9-octet length: refused alike
  ['30 ff', 'same'], // the reserved length octet
  ['02 80 01 00 00', 'same'], // an indefinite primitive
  ['22 03 02 01 00', 'same'], // a constructed INTEGER
  ['0f 00', 'same'], // reserved universal 15
  ['1f 25 00', 'same'], // universal 37
  ['1f 81 00 00', 'same'], // a high tag number (128): reserved alike
  ['9f 81 00 00', 'same'], // context-specific [128]
  ['bf 8a 8a 8a 8a 8a 8a 8a 8a 8a 01 00', 'same'], // a tag number too long to hold
  ['03 02 08 00', 'same'], // 8 unused bits
  ['03 00', 'same'], // an empty BIT STRING
  ['06 02 2a 86', 'same'], // an OBJECT IDENTIFIER whose last subidentifier does not end
  ['06 02 81 01', 'same'],
  ['06 00', 'same'],
  ['1e 03 00 41 00', 'same'], // BMPString of an odd length
  ['24 06 04 01 41 04 01 42', 'same'], // a constructed OCTET STRING of two segments
  ['24 03 02 01 00', 'same'], // ... holding an INTEGER
  ['24 80 04 01 41 00 00', 'same'],
  ['23 08 03 02 00 41 03 02 03 40', 'same'], // a constructed BIT STRING, unused bits in its last segment
  ['30 03 02 01 05 ff', 'same'], // 1 byte after the value
  ['a0 03 02 01 05', 'same'],
  ['30 02 04 03 41 42 43', 'same'], // a value past the end of its container: read, for readDer to name the byte
  ['10 03 02 01 05', 'primitiveSequence'],
  ['00 00', 'endOfContents'],
  ['30 02 00 00', 'endOfContents'],
  ['30 80 00 01 05 00 00', 'endOfContents'],
  ['30 80 20 00', 'endOfContents'],
  ['23 08 03 02 03 40 03 02 00 41', 'bitStringSegments'],
  ['30 03 0a 01 05', 'enumerated'],
  ['17 01 41', 'contents'], // UTCTime "A"
  ['30 03 18 01 41', 'contents'], // GeneralizedTime "A"
  ['2c 03 02 01 05', 'constructedString'], // a constructed UTF8String holding an INTEGER
  ['2c 02 41 42', 'constructedString'],
  ['3e 03 04 01 41', 'constructedString'],
];

describe('core reads DER as asn1js read it', () => {
  it('every key kms-wrap reads or names: the same tree and the same values (the contents of OCTET and BIT STRINGs too)', () => {
    for (const seed of seeds) {
      expect(compare(seed)).toBe('same');
      expect(readDer(seed).problem).toBeUndefined();
    }
  });

  it('each rule of the reader, and each divergence, on its smallest example', () => {
    for (const [h, expected] of CASES) expect(compare(hex(h)), h).toBe(expected);
  });

  it('the bounds: depth 16 below the top value, the node count, 1 MiB of contents', () => {
    const nest = (depth: number, indefinite: boolean): Uint8Array => {
      let v = hex('0500');
      for (let i = 0; i < depth; i++) v = indefinite ? Uint8Array.from([0x30, 0x80, ...v, 0, 0]) : Uint8Array.from([0x30, v.length, ...v]);
      return v;
    };
    for (const indefinite of [false, true]) {
      expect(compare(nest(16, indefinite))).toBe('same');
      expect(readBer(nest(16, indefinite)).problem).toBeUndefined();
      expect(compare(nest(17, indefinite))).toBe('same');
      expect(readBer(nest(17, indefinite)).problem).toBe('is not valid DER (truncated or corrupt)');
    }
    const nulls = (n: number): Uint8Array =>
      Uint8Array.from([0x30, 0x82, (2 * n) >> 8, (2 * n) & 0xff, ...new Array<number>(2 * n).fill(0).map((_, i) => (i % 2 ? 0 : 5))]);
    for (const [n, maxNodes] of [
      [7, 8],
      [8, 8],
      [4095, 4096],
      [4096, 4096],
    ] as const) {
      expect(compare(nulls(n), maxNodes)).toBe('same');
    }
    expect(readBer(nulls(8), 8).problem).toBeDefined();
    const big = (n: number): Uint8Array => {
      const out = new Uint8Array(5 + n);
      out.set([0x04, 0x83, n >> 16, (n >> 8) & 0xff, n & 0xff]);
      return out;
    };
    expect(compare(big(1 << 20))).toBe('same');
    expect(compare(big((1 << 20) + 1))).toBe('same');
    expect(readBer(big((1 << 20) + 1)).problem).toBeDefined();
  });

  const mutation: fc.Arbitrary<Mutation> = fc.record({ op: fc.nat(), a: fc.nat(), b: fc.nat(), c: fc.nat() });

  it('keys mutated as the fuzz tests mutate them: the same answer, or a named divergence', () => {
    const seen = new Map<string, number>();
    fc.assert(
      fc.property(fc.nat(), fc.array(mutation, { maxLength: 4 }), fc.constantFrom(4096, 64, 8), (i, m, maxNodes) => {
        const r = compare(mutateBytes(seeds[i % seeds.length]!, m, seeds), maxNodes);
        seen.set(r, (seen.get(r) ?? 0) + 1);
      }),
      { numRuns: RUNS * 10 },
    );
    // Most mutated keys are read alike; the divergences are the exception.
    expect(seen.get('same') ?? 0).toBeGreaterThan(RUNS * 8);
  });

  /** Random BER: any tag, definite lengths in short, long and needlessly long form, indefinite lengths, and raw bytes. */
  const ber: fc.Arbitrary<Uint8Array> = fc.letrec<{ value: Uint8Array }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc
        .tuple(
          fc.constantFrom(0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x0a, 0x0c, 0x13, 0x17, 0x18, 0x1e, 0x80, 0x81, 0x00),
          fc.uint8Array({ maxLength: 6 }),
          fc.nat(3),
        )
        .map(([tag, content, form]) => Uint8Array.from([tag, ...lengthOctets(content.length, form), ...content])),
      fc
        .tuple(
          fc.constantFrom(0x30, 0x31, 0xa0, 0xa1, 0x24, 0x23, 0x2c, 0x10, 0x20, 0x3f),
          fc.array(tie('value') as fc.Arbitrary<Uint8Array>, { maxLength: 4 }),
          fc.nat(4),
        )
        .map(([tag, values, form]) => {
          const content = Buffer.concat(values);
          return form === 4
            ? Uint8Array.from([tag, 0x80, ...content, 0, 0])
            : Uint8Array.from([tag, ...lengthOctets(content.length, form), ...content]);
        }),
      fc.uint8Array({ minLength: 1, maxLength: 4 }),
    ),
  })).value;

  function lengthOctets(n: number, form: number): number[] {
    if (form === 1 || (n >= 0x80 && form === 0)) return [0x82, n >> 8, n & 0xff];
    if (form === 2) return [0x81, n];
    return [n];
  }

  it('random BER: the same answer, or a named divergence', () => {
    fc.assert(
      fc.property(fc.array(ber, { minLength: 1, maxLength: 3 }), (values) => {
        compare(Uint8Array.from(Buffer.concat(values)));
      }),
      { numRuns: RUNS * 10 },
    );
  });

  it('each divergence has its example', () => {
    for (const d of Object.keys(DIVERGENCES)) expect(CASES.map(([, expected]) => expected)).toContain(d);
  });
});
