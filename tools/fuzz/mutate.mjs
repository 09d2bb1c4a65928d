/**
 * Mutations of hostile input for kms-wrap's parsers, shared by the long run (tools/fuzz/run.mjs,
 * a seeded PRNG) and the property-based tests (packages/{core,keygen,node}/test/fuzz.test.ts,
 * fast-check). A mutation is a record of four unsigned 32-bit numbers { op, a, b, c }, read
 * modulo the input's size, so fast-check can generate and shrink them and a seed replays them.
 *
 * Byte mutations know DER: they find the TLV headers of the input (and of DER inside OCTET and
 * BIT STRINGs, as in PKCS#8 and SPKI) and rewrite length fields (off by one, indefinite, non-
 * minimal, 2^32-1, 8 and 9-byte lengths), tags, nesting (definite and indefinite, past any depth
 * limit), and splice subtrees between inputs. Text mutations know PEM, base64 and JSON.
 */

/** A mutation: which operation, and three numbers it reads as positions, choices and sizes. */
/** @typedef {{ op: number, a: number, b: number, c: number }} Mutation */

const MiB = 1 << 20;

export const BYTE_OPS = /** @type {const} */ ([
  'flip',
  'set',
  'truncate',
  'cutHead',
  'delete',
  'insert',
  'duplicate',
  'lengthField',
  'tag',
  'nest',
  'nestIndefinite',
  'indefinite',
  'hugeLength',
  'splice',
  'donorAppend',
  'expand',
  'fillContent',
]);

const INTERESTING = [
  0x00, 0xff, 0x7f, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x88, 0x89, 0x30, 0x31, 0x02, 0x03, 0x04, 0x05, 0x06, 0x0c, 0x13, 0xa0, 0xa1, 0x1f,
  0x01, 0xfe, 0x20, 0x40,
];
const TAGS = [
  0x30, 0x31, 0x02, 0x03, 0x04, 0x05, 0x06, 0x0c, 0x13, 0x17, 0x18, 0xa0, 0xa1, 0x80, 0x81, 0x00, 0x1f, 0x3f, 0x24, 0x23, 0x22, 0x10, 0xff,
];

/** A small deterministic byte stream from a number (for inserted bytes). */
function bytesFrom(seed, n) {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 0x9e3779b9;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

function concat(...parts) {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** The DER length octets for `n` (X.690 §8.1.3, definite form). */
export function derLength(n) {
  if (n < 0x80) return Uint8Array.of(n);
  const bytes = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

/**
 * The TLVs of `bytes` that parse with definite lengths: { start, lenOff, lenLen, body, end, tag }.
 * Descends into constructed values, and into OCTET/BIT STRING content that is itself DER.
 */
export function derNodes(bytes, limit = 2048) {
  const nodes = [];
  const walk = (from, to, depth) => {
    let p = from;
    while (p < to && nodes.length < limit) {
      const start = p;
      const tag = bytes[p++];
      if ((tag & 0x1f) === 0x1f) {
        while (p < to && bytes[p] & 0x80) p++;
        p++;
      }
      if (p >= to) return false;
      const lenOff = p;
      const first = bytes[p++];
      let len;
      if (first < 0x80) len = first;
      else {
        const n = first & 0x7f;
        if (n === 0 || n > 4 || p + n > to) return false;
        len = 0;
        for (let i = 0; i < n; i++) len = len * 256 + bytes[p++];
      }
      const body = p;
      const end = body + len;
      if (end > to) return false;
      nodes.push({ start, lenOff, lenLen: body - lenOff, body, end, tag });
      if (depth < 24) {
        if (tag & 0x20) walk(body, end, depth + 1);
        else if (tag === 0x04 && len > 1 && bytes[body] === 0x30) walk(body, end, depth + 1);
        else if (tag === 0x03 && len > 2 && bytes[body] === 0 && bytes[body + 1] === 0x30) walk(body + 1, end, depth + 1);
      }
      p = end;
    }
    return true;
  };
  walk(0, bytes.length, 0);
  return nodes;
}

/** Length encodings to put in place of a node's own, given its content length. */
function lengthVariant(len, k) {
  switch (k % 16) {
    case 0:
      return derLength(len + 1);
    case 1:
      return derLength(Math.max(0, len - 1));
    case 2:
      return Uint8Array.of(0);
    case 3:
      return derLength(len + 0x100);
    case 4:
      return Uint8Array.of(0x80); // indefinite
    case 5:
      return Uint8Array.of(0x81, 0x00); // non-minimal zero
    case 6:
      return len < 0x100 ? Uint8Array.of(0x82, 0, len) : Uint8Array.of(0x83, 0, len >> 8, len & 0xff); // non-minimal
    case 7:
      return Uint8Array.of(0x84, 0xff, 0xff, 0xff, 0xff);
    case 8:
      return Uint8Array.of(0x84, 0x7f, 0xff, 0xff, 0xff);
    case 9:
      return Uint8Array.of(0x88, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff);
    case 10:
      return Uint8Array.of(0x89, 0x01, 0, 0, 0, 0, 0, 0, 0, 0);
    case 11:
      return Uint8Array.of(0xff);
    case 12:
      return Uint8Array.of(0x85, 0x01, 0, 0, 0, 0);
    case 13:
      return Uint8Array.of(0x84, 0, 0, 0, len & 0xff);
    case 14:
      return derLength(len * 2 + 7);
    default:
      return Uint8Array.of(0x7f);
  }
}

function pick(list, n) {
  return list[n % list.length];
}

/** Applies one byte mutation. `donors` are other inputs to splice from. */
export function mutateBytesOnce(input, m, donors = []) {
  const b = input;
  const len = b.length;
  const name = BYTE_OPS[m.op % BYTE_OPS.length];
  const at = len === 0 ? 0 : m.a % len;
  switch (name) {
    case 'flip': {
      if (len === 0) return Uint8Array.of(m.b & 0xff);
      const out = b.slice();
      out[at] ^= 1 << (m.b % 8);
      if (m.c % 4 === 0) out[(at + 1 + (m.c >>> 2)) % len] ^= 1 << ((m.c >>> 8) % 8);
      return out;
    }
    case 'set': {
      if (len === 0) return Uint8Array.of(pick(INTERESTING, m.b));
      const out = b.slice();
      out[at] = pick(INTERESTING, m.b);
      return out;
    }
    case 'truncate':
      return b.slice(0, m.a % (len + 1));
    case 'cutHead':
      return b.slice(m.a % (len + 1));
    case 'delete': {
      const n = 1 + (m.b % 64);
      return concat(b.subarray(0, at), b.subarray(Math.min(len, at + n)));
    }
    case 'insert': {
      const ins = m.c % 3 === 0 ? Uint8Array.of(pick(INTERESTING, m.c >>> 2)) : bytesFrom(m.c, 1 + (m.b % 24));
      const pos = m.a % (len + 1);
      return concat(b.subarray(0, pos), ins, b.subarray(pos));
    }
    case 'duplicate': {
      const n = 1 + (m.b % 64);
      const piece = b.subarray(at, Math.min(len, at + n));
      return concat(b.subarray(0, at), piece, piece, b.subarray(at));
    }
    case 'lengthField': {
      const nodes = derNodes(b);
      if (nodes.length === 0) return mutateBytesOnce(b, { ...m, op: 0 }, donors);
      const node = pick(nodes, m.a);
      return concat(b.subarray(0, node.lenOff), lengthVariant(node.end - node.body, m.b), b.subarray(node.body));
    }
    case 'tag': {
      const nodes = derNodes(b);
      if (nodes.length === 0) return mutateBytesOnce(b, { ...m, op: 1 }, donors);
      const node = pick(nodes, m.a);
      const out = b.slice();
      out[node.start] = m.c % 3 === 0 ? out[node.start] ^ 0x20 : pick(TAGS, m.b);
      return out;
    }
    case 'nest': {
      // Definite SEQUENCEs (or [0] / SET) around the whole input or one node: deeper than any limit.
      const depth = 1 + (m.b % 40);
      const nodes = derNodes(b);
      const node = nodes.length > 0 && m.a % 2 === 1 ? pick(nodes, m.a >>> 1) : { start: 0, end: len };
      let inner = b.subarray(node.start, node.end);
      const tag = pick([0x30, 0x31, 0xa0, 0x24], m.c);
      for (let i = 0; i < depth; i++) inner = concat(Uint8Array.of(tag), derLength(inner.length), inner);
      return concat(b.subarray(0, node.start), inner, b.subarray(node.end));
    }
    case 'nestIndefinite': {
      // BER indefinite lengths, terminated or not: 30 80 30 80 ... (00 00 ...)
      const depth = m.c % 8 === 0 ? 1 + (m.b % 50000) : 1 + (m.b % 64);
      const head = new Uint8Array(depth * 2);
      for (let i = 0; i < depth; i++) ((head[2 * i] = m.a % 3 === 0 ? 0xa0 : 0x30), (head[2 * i + 1] = 0x80));
      const tail = m.a % 2 === 0 ? new Uint8Array(depth * 2) : new Uint8Array(0);
      return concat(head, b, tail);
    }
    case 'indefinite': {
      // A constructed node re-encoded with an indefinite length and end-of-contents octets.
      const nodes = derNodes(b).filter((n) => n.tag & 0x20);
      if (nodes.length === 0) return concat(Uint8Array.of(0x30, 0x80), b, Uint8Array.of(0, 0));
      const node = pick(nodes, m.a);
      const eoc = m.b % 4 === 0 ? new Uint8Array(0) : Uint8Array.of(0, 0);
      return concat(b.subarray(0, node.lenOff), Uint8Array.of(0x80), b.subarray(node.body, node.end), eoc, b.subarray(node.end));
    }
    case 'hugeLength': {
      // A header promising far more than follows.
      const huge = [
        Uint8Array.of(0x84, 0xff, 0xff, 0xff, 0xff),
        Uint8Array.of(0x84, 0x7f, 0xff, 0xff, 0xff),
        Uint8Array.of(0x83, 0x10, 0, 0),
        Uint8Array.of(0x88, 0, 0, 0, 1, 0, 0, 0, 0),
        Uint8Array.of(0x82, 0xff, 0xff),
      ];
      return concat(Uint8Array.of(pick([0x30, 0x02, 0x04, 0x03], m.c)), pick(huge, m.b), m.a % 2 === 0 ? b : b.subarray(Math.min(len, 2)));
    }
    case 'splice': {
      // Crossover at the TLV level: a node replaced by a node of another input.
      const donor = donors.length > 0 ? pick(donors, m.b) : b;
      const dn = derNodes(donor);
      const nodes = derNodes(b);
      if (nodes.length === 0 || dn.length === 0) return concat(b.subarray(0, at), donor.subarray(m.c % (donor.length + 1)));
      const node = pick(nodes, m.a);
      const d = pick(dn, m.c);
      return concat(b.subarray(0, node.start), donor.subarray(d.start, d.end), b.subarray(node.end));
    }
    case 'donorAppend': {
      const donor = donors.length > 0 ? pick(donors, m.b) : b;
      const piece = donor.subarray(0, 1 + (m.c % Math.max(1, donor.length)));
      return m.a % 2 === 0 ? concat(b, piece) : concat(piece, b);
    }
    case 'expand': {
      // Mostly a small repetition; one time in 64, an input of up to 1 MiB (the CLI's read limit).
      const big = m.c % 64 === 0;
      const piece = len === 0 ? Uint8Array.of(0x30) : b.subarray(at, Math.min(len, at + 1 + (m.b % 32)));
      const target = big ? Math.min(MiB, (1 + (m.b % 16)) * 65536) : len + piece.length * (1 + (m.b % 8));
      const reps = Math.max(1, Math.floor((target - len) / piece.length));
      const block = new Uint8Array(piece.length * reps);
      for (let i = 0; i < reps; i++) block.set(piece, i * piece.length);
      return concat(b.subarray(0, at), block, b.subarray(at));
    }
    case 'fillContent': {
      const nodes = derNodes(b).filter((n) => n.end > n.body);
      if (nodes.length === 0) return mutateBytesOnce(b, { ...m, op: 2 }, donors);
      const node = pick(nodes, m.a);
      const out = b.slice();
      out.fill(pick([0x00, 0xff, 0x80, 0x01], m.b), node.body + (m.c % 2), node.end);
      return out;
    }
    default:
      return b;
  }
}

export function mutateBytes(input, mutations, donors = []) {
  let b = input;
  for (const m of mutations) {
    b = mutateBytesOnce(b, m, donors);
    if (b.length > MiB) b = b.subarray(0, MiB);
  }
  return b;
}

export const TEXT_OPS = /** @type {const} */ ([
  'char',
  'delete',
  'token',
  'truncate',
  'duplicateLine',
  'dropLine',
  'newline',
  'donorLine',
  'repeat',
  'unicode',
]);

const TOKENS = [
  '-----BEGIN ',
  '-----END ',
  '-----',
  'PRIVATE KEY',
  'RSA PRIVATE KEY',
  'EC PRIVATE KEY',
  'SM2 PRIVATE KEY',
  'PUBLIC KEY',
  'EC PARAMETERS',
  'ENCRYPTED PRIVATE KEY',
  'CERTIFICATE',
  'OPENSSH PRIVATE KEY',
  'Proc-Type: 4,ENCRYPTED',
  'DEK-Info: AES-128-CBC,00',
  '\n',
  '\r\n',
  '\r',
  '=',
  '==',
  ':',
  '{',
  '}',
  '[',
  ']',
  '"',
  '\\',
  '\\u0000',
  ',',
  'null',
  'true',
  '-1',
  '0',
  '1e309',
  '-0',
  '"kty"',
  '"RSA"',
  '"EC"',
  '"oct"',
  '"OKP"',
  '"d"',
  '"n"',
  '"e"',
  '"crv"',
  '"P-256"',
  '"P-521"',
  '"secp256k1"',
  '"SM2"',
  '"oth"',
  '"keys"',
  '"PublicKey"',
  '"ImportToken"',
  '"KeyId"',
  '"ParametersValidTo"',
  '"material"',
  '"publicKey"',
  '"parameters"',
  '"algorithm"',
  '"output"',
  '"keySpec"',
  '"region"',
  '"__proto__"',
  '"constructor"',
  'MII',
  'MIIB',
  'AAAA',
  '+/',
  '-_',
  '\u0000',
  '\ufeff',
  '\u00e9',
  '\ud800',
  ' ',
  '\t',
  'RSA_2048',
  'RSA_4096',
  'SM2',
  'RSAES_OAEP_SHA_256',
  'RSAES_PKCS1_V1_5',
  'SM2PKE',
  'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
  'mrk-0123456789abcdef0123456789abcdef',
  '2024-05-14T12:00:00Z',
  '1568290320.0',
  'Tue, 14 May 2024 12:00:00 GMT',
  'expires',
  'valid to',
  'Wrapping algorithm:',
  'wrapping key spec',
  '../',
  '/etc/passwd',
];

/** Applies one text mutation. `donors` are other texts to take lines from. */
export function mutateTextOnce(input, m, donors = []) {
  const s = input;
  const len = s.length;
  const at = len === 0 ? 0 : m.a % (len + 1);
  switch (TEXT_OPS[m.op % TEXT_OPS.length]) {
    case 'char': {
      const c = String.fromCharCode(m.b % 3 === 0 ? m.b % 0x10000 : 32 + (m.b % 95));
      return s.slice(0, at) + c + s.slice(at + 1);
    }
    case 'delete':
      return s.slice(0, at) + s.slice(at + 1 + (m.b % 48));
    case 'token':
      return s.slice(0, at) + pick(TOKENS, m.b) + s.slice(m.c % 2 === 0 ? at : at + 1 + (m.c % 8));
    case 'truncate':
      return s.slice(0, m.a % (len + 1));
    case 'duplicateLine':
    case 'dropLine':
    case 'donorLine': {
      const lines = s.split('\n');
      const i = m.a % lines.length;
      const op = TEXT_OPS[m.op % TEXT_OPS.length];
      if (op === 'duplicateLine') lines.splice(i, 0, lines[i]);
      else if (op === 'dropLine') lines.splice(i, 1);
      else {
        const donor = donors.length > 0 ? pick(donors, m.b).split('\n') : lines;
        lines.splice(i, m.c % 2, pick(donor, m.c >>> 1));
      }
      return lines.join('\n');
    }
    case 'newline':
      return m.b % 2 === 0 ? s.replace(/\n/g, '\r\n') : s.slice(0, at) + pick(['\n', '\r\n', '\r', '\n\n', ' \n'], m.c) + s.slice(at);
    case 'repeat': {
      // A token repeated: mostly a few times, one time in 32 up to 1 MiB of it.
      const token = pick(TOKENS, m.b);
      const count = m.c % 32 === 0 ? Math.floor(MiB / Math.max(1, token.length)) : 1 + (m.c % 64);
      return s.slice(0, at) + token.repeat(count).slice(0, MiB) + s.slice(at);
    }
    case 'unicode':
      return (
        s.slice(0, at) +
        pick(['\u0000', '\u00ff', '\u0100', '\ud83d\udd11', '\ud800', '\udfff', '\ufeff', '\u2028', '\u00e9'], m.b) +
        s.slice(at)
      );
    default:
      return s;
  }
}

export function mutateText(input, mutations, donors = []) {
  let s = input;
  for (const m of mutations) {
    s = mutateTextOnce(s, m, donors);
    if (s.length > MiB) s = s.slice(0, MiB);
  }
  return s;
}

export const VALUE_OPS = /** @type {const} */ (['remove', 'replace', 'rename', 'add', 'bytes', 'nest']);

const VALUES = [
  null,
  0,
  -1,
  1.5,
  1e308,
  Number.MAX_SAFE_INTEGER,
  '',
  ' ',
  'AQAB',
  'AA',
  '=',
  'not base64!',
  true,
  false,
  [],
  {},
  ['a'],
  { a: 1 },
  'x'.repeat(5000),
];

/**
 * Applies mutations to a JSON object (a JWK, GetParametersForImport output, a manifest line):
 * members removed, renamed, replaced by values of other types, or by base64 / base64url of a
 * mutated donor (so the DER inside is hostile too). Returns a new object.
 */
export function mutateValue(value, mutations, donors = []) {
  const o = typeof value === 'object' && value !== null && !Array.isArray(value) ? { ...value } : { value };
  for (const m of mutations) {
    const keys = Object.keys(o);
    const key = keys.length > 0 ? keys[m.a % keys.length] : 'k';
    switch (VALUE_OPS[m.op % VALUE_OPS.length]) {
      case 'remove':
        delete o[key];
        break;
      case 'replace':
        o[key] = pick(VALUES, m.b);
        break;
      case 'rename': {
        const v = o[key];
        delete o[key];
        o[
          pick(
            [
              'kty',
              'crv',
              'd',
              'x',
              'y',
              'n',
              'e',
              'p',
              'q',
              'dp',
              'dq',
              'qi',
              'oth',
              'keys',
              'k',
              'PublicKey',
              'ImportToken',
              'KeyId',
              'ParametersValidTo',
              'material',
              'publicKey',
              'parameters',
              'algorithm',
              'output',
              'keySpec',
              'region',
              'extra',
            ],
            m.b,
          )
        ] = v;
        break;
      }
      case 'add':
        o[pick(['oth', 'keys', 'use', 'alg', 'kid', 'x5c', 'extra', 'ParametersValidTo', 'keySpec', 'region', '__proto__'], m.b)] = pick(
          VALUES,
          m.c,
        );
        break;
      case 'bytes': {
        const donor = donors.length > 0 ? pick(donors, m.b) : Uint8Array.of(1);
        const mutated = mutateBytesOnce(donor, { op: m.c, a: m.a, b: m.b, c: m.c >>> 3 }, donors);
        o[key] = Buffer.from(mutated).toString(m.c % 2 === 0 ? 'base64url' : 'base64');
        break;
      }
      case 'nest':
        o[key] = m.b % 2 === 0 ? [o[key]] : { [key]: o[key] };
        break;
    }
  }
  return o;
}

/** A seeded PRNG (sfc32) giving unsigned 32-bit numbers: the long run's source of mutations. */
export function makeRng(seed) {
  let a = 0x9e3779b9 ^ seed;
  let b = 0x243f6a88;
  let c = 0xb7e15162;
  let d = seed >>> 0;
  const next = () => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 16; i++) next();
  return next;
}

/** `n` random mutations from a PRNG made by makeRng. */
export function randomMutations(rng, n) {
  return Array.from({ length: n }, () => ({ op: rng(), a: rng(), b: rng(), c: rng() }));
}
