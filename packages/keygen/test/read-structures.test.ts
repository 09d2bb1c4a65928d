/**
 * keygen's readers of PrivateKeyInfo, RSAPrivateKey and ECPrivateKey, on core's DER nodes, give
 * the answers of the asn1js schemas they replaced (asn1js's compareSchema on asn1js's nodes, as
 * keygen read keys before core read DER itself; kept here as the reference): on real keys, on
 * the OPTIONAL fields that end each structure in every order, and on hostile mutations of keys.
 */
import * as asn1js from 'asn1js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concatBytes, derTlv, readDer, type Asn1 } from '@kms-wrap/core/encoding';
import { generateKeyMaterial } from '../src/index.js';
import { isEcPrivateKey, readEcPrivateKey } from '../src/ec-private-key.js';
import { readPrivateKeyInfo } from '../src/private-key-info.js';
import { isRsaPrivateKey, readRsaPrivateKey, RSA_FIELDS } from '../src/rsa-private-key.js';
import { mutateBytes, type Mutation } from '../../../tools/fuzz/mutate.mjs';
import { generateSeeds } from '../../../tools/fuzz/seeds.mjs';
import { nodeTestProvider } from './helpers/node-provider.js';

const RUNS = Number(process.env['KMS_WRAP_FUZZ_RUNS'] ?? 400);

// ---------------------------------------------------------------------------------------
// The readers as they were: asn1js schemas of the modules, matched by compareSchema.

type Node = asn1js.AsnType;
type Fields = Record<string, Node | undefined>;

const privateKeyInfoSchema = (): asn1js.Sequence =>
  new asn1js.Sequence({
    value: [
      new asn1js.Integer({ name: 'version' }),
      new asn1js.Sequence({
        name: 'privateKeyAlgorithm',
        value: [new asn1js.ObjectIdentifier({ name: 'algorithm' }), new asn1js.Any({ name: 'parameters', optional: true })],
      }),
      new asn1js.OctetString({ name: 'privateKey' }),
      new asn1js.Constructed({
        name: 'attributes',
        optional: true,
        idBlock: { tagClass: 3, tagNumber: 0 },
        value: [new asn1js.Repeated({ value: new asn1js.Any() })],
      }),
      new asn1js.Primitive({ name: 'publicKey', optional: true, idBlock: { tagClass: 3, tagNumber: 1 } }),
    ],
  });

const rsaPrivateKeySchema = (): asn1js.Sequence =>
  new asn1js.Sequence({
    value: [
      new asn1js.Integer({ name: 'version' }),
      ...RSA_FIELDS.map((name) => new asn1js.Integer({ name })),
      new asn1js.Sequence({ name: 'otherPrimeInfos', optional: true, value: [new asn1js.Repeated({ value: new asn1js.Any() })] }),
    ],
  });

const ecPrivateKeySchema = (): asn1js.Sequence =>
  new asn1js.Sequence({
    value: [
      new asn1js.Integer({ name: 'version' }),
      new asn1js.OctetString({ name: 'privateKey' }),
      new asn1js.Constructed({ optional: true, idBlock: { tagClass: 3, tagNumber: 0 }, value: [new asn1js.Any({ name: 'parameters' })] }),
      new asn1js.Constructed({
        optional: true,
        idBlock: { tagClass: 3, tagNumber: 1 },
        value: [new asn1js.BitString({ name: 'publicKey' })],
      }),
    ],
  });

function match(node: Node, schema: asn1js.Sequence): Fields | undefined {
  const { verified, result } = asn1js.compareSchema(node, node, schema);
  return verified ? (result as Fields) : undefined;
}

/** The content octets of a primitive value (after the unused-bits octet of a BIT STRING). */
const hexOf = (n: Node | undefined): string | undefined =>
  n === undefined ? undefined : Buffer.from((n as asn1js.OctetString).valueBlock.valueHexView).toString('hex');

/** The oidOf core's toolkit had, on asn1js's nodes. */
const oidOf = (n: Node | undefined): string | undefined => (n instanceof asn1js.ObjectIdentifier ? n.valueBlock.toString() : undefined);

// ---------------------------------------------------------------------------------------
// One comparable answer per reader: what it found, or the refusal it threw.

const answer = (f: () => unknown): unknown => {
  try {
    return f();
  } catch (e) {
    return `refused: ${(e as Error).message}`;
  }
};
const hex = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : Buffer.from(b).toString('hex'));
/** A value's identifier and contents, as both kinds of node give them. */
const coreValue = (n: Asn1 | undefined) => (n === undefined ? undefined : [n.tagClass, n.tagNumber, n.constructed, hex(n.contents)]);
const asn1jsValue = (n: Node | undefined) => {
  if (n === undefined) return undefined;
  const vbd = (n as asn1js.BaseBlock).valueBeforeDecodeView;
  const header = n.idBlock.blockLength + n.lenBlock.blockLength;
  const end = n.lenBlock.isIndefiniteForm ? vbd.length - 2 : header + n.lenBlock.length;
  return [n.idBlock.tagClass - 1, n.idBlock.tagNumber, n.idBlock.isConstructed, hex(vbd.subarray(header, end))];
};

function now(node: Asn1) {
  const pki = readPrivateKeyInfo(node);
  return {
    privateKeyInfo: pki && {
      ...pki,
      version: coreValue(pki.version),
      parameters: coreValue(pki.parameters),
      privateKey: hex(pki.privateKey),
    },
    isRsa: isRsaPrivateKey(node),
    rsa: answer(() => Object.fromEntries(Object.entries(readRsaPrivateKey(node, 'the key')).map(([f, v]) => [f, hex(v)]))),
    isEc: isEcPrivateKey(node),
    ec: answer(() => {
      const ec = readEcPrivateKey(node, 'the key');
      return { ...ec, d: hex(ec.d), point: hex(ec.point) };
    }),
  };
}

/** The same, with the readers as they were (their refusals are the ones keygen still words). */
function before(node: Node) {
  const pki = match(node, privateKeyInfoSchema());
  const unsigned = (n: Node | undefined): string | undefined => {
    const v = n instanceof asn1js.Integer ? n.valueBlock.valueHexView : undefined;
    if (v === undefined || v.length === 0 || (v[0]! & 0x80) !== 0) return undefined;
    let i = 0;
    while (i < v.length - 1 && v[i] === 0) i++;
    return hex(v.subarray(i));
  };
  const small = (n: Node | undefined): number | undefined => {
    const v = unsigned(n);
    return v === undefined || v.length > 8 ? undefined : parseInt(v, 16);
  };
  const rsa = match(node, rsaPrivateKeySchema());
  const ec = match(node, ecPrivateKeySchema());
  const privateKey = pki?.['privateKey'];
  const algorithm = pki?.['algorithm'];
  const pkiOk =
    pki && privateKey instanceof asn1js.OctetString && !privateKey.idBlock.isConstructed && algorithm instanceof asn1js.ObjectIdentifier;
  return {
    privateKeyInfo: pkiOk
      ? {
          version: asn1jsValue(pki['version']),
          algorithm: oidOf(algorithm),
          parameters: asn1jsValue(pki['parameters']),
          privateKey: hexOf(privateKey),
        }
      : undefined,
    isRsa: rsa !== undefined,
    rsa: answer(() => {
      if (!rsa) throw new Error('the key is not a PKCS#1 RSAPrivateKey — check that the file is an RSA private key');
      const version = small(rsa['version']);
      if (version === 1 || rsa['otherPrimeInfos'] !== undefined)
        throw new Error('the key is a multi-prime RSA key, which KMS cannot import — use a two-prime RSA key');
      if (version !== 0) throw new Error('the key has an unknown RSAPrivateKey version — re-export it as PKCS#8');
      const out = Object.fromEntries(RSA_FIELDS.map((f) => [f, unsigned(rsa[f])]));
      if (Object.values(out).includes(undefined))
        throw new Error('the key has a negative or empty RSA integer — the key is corrupt; export it again');
      return out;
    }),
    isEc: ec !== undefined && small(ec['version']) === 1,
    ec: answer(() => {
      const key = ec?.['privateKey'];
      if (!ec || !(key instanceof asn1js.OctetString) || key.idBlock.isConstructed)
        throw new Error('the key is not an ECPrivateKey — check that the file is an EC private key');
      if (small(ec['version']) !== 1) throw new Error('the key has ECPrivateKey version other than 1 — export it again');
      const publicKey = ec['publicKey'];
      let point: string | undefined;
      if (publicKey instanceof asn1js.BitString) {
        if (publicKey.idBlock.isConstructed || publicKey.valueBlock.unusedBits !== 0)
          throw new Error('the key has a malformed public key field — export the key again');
        point = hexOf(publicKey);
      }
      const curveOid = oidOf(ec['parameters']);
      return {
        d: hexOf(key),
        ...(curveOid === undefined ? {} : { curveOid }),
        explicitParameters: ec['parameters'] !== undefined && curveOid === undefined,
        point,
      };
    }),
  };
}

/** Both readers on `der`, and on the DER inside its privateKey; skipped unless both parsers read it (their agreement is core's test). */
function agree(der: Uint8Array): number {
  const read = readDer(der, 2048);
  if (read.problem !== undefined) return 0;
  let parsed: ReturnType<typeof asn1js.fromBER>;
  try {
    parsed = asn1js.fromBER(der, { maxDepth: 16, maxNodes: 2048, maxContentLength: 1 << 20, parseEmbedded: false, copyInput: false });
  } catch {
    return 0; // asn1js checked a time's contents (core's test/der-reader.test.ts: DIVERGENCES.contents)
  }
  if (parsed.offset !== der.length || parsed.result.error) return 0;
  const a = now(read.node);
  expect(a, Buffer.from(der).toString('hex')).toEqual(before(parsed.result));
  const inner = readPrivateKeyInfo(read.node)?.privateKey;
  return 1 + (inner === undefined ? 0 : agree(inner));
}

// ---------------------------------------------------------------------------------------

const seeds = generateSeeds({ openssl: false });
const crypto = nodeTestProvider();
const derSeeds = [
  ...seeds.der,
  await generateKeyMaterial('SM2', { crypto, region: 'china' }),
  await generateKeyMaterial('ECC_SECG_P256K1', { crypto }),
];

const seq = (...values: Uint8Array[]): Uint8Array => derTlv(0x30, concatBytes(...values));
const INTEGER_0 = Uint8Array.of(0x02, 0x01, 0x00);
const INTEGER_1 = Uint8Array.of(0x02, 0x01, 0x01);
/** The optional fields and their look-alikes, to end each structure with. */
const TAILS: Record<string, Uint8Array> = {
  '[0] constructed': derTlv(0xa0, seq(INTEGER_0)),
  '[0] empty': Uint8Array.of(0xa0, 0x00),
  '[0] primitive': Uint8Array.of(0x80, 0x01, 0x00),
  '[1] primitive': Uint8Array.of(0x81, 0x02, 0x00, 0x04),
  '[1] constructed BIT STRING': derTlv(0xa1, Uint8Array.of(0x03, 0x02, 0x00, 0x04)),
  '[1] constructed BIT STRING with unused bits': derTlv(0xa1, Uint8Array.of(0x03, 0x02, 0x01, 0x04)),
  '[1] constructed OCTET STRING': derTlv(0xa1, Uint8Array.of(0x04, 0x01, 0x04)),
  '[2]': Uint8Array.of(0x82, 0x00),
  SEQUENCE: seq(INTEGER_0),
  INTEGER: INTEGER_1,
};

describe("keygen's readers answer as the asn1js schemas they replaced", () => {
  it('on every seed key and the key inside each PKCS#8', () => {
    let read = 0;
    for (const der of derSeeds) read += agree(der);
    expect(read).toBeGreaterThan(derSeeds.length);
  });

  it('on each structure ended by every sequence of up to three optional fields or look-alikes', () => {
    const rsa = seq(INTEGER_0, ...Array.from({ length: 8 }, () => INTEGER_1));
    const ec = seq(INTEGER_1, Uint8Array.of(0x04, 0x01, 0x07));
    const pki = seq(INTEGER_0, seq(Uint8Array.of(0x06, 0x03, 0x2b, 0x65, 0x70)), Uint8Array.of(0x04, 0x01, 0x07));
    const tails = Object.values(TAILS);
    const strip = (s: Uint8Array): Uint8Array => s.subarray(2);
    let read = 0;
    for (const base of [rsa, ec, pki]) {
      for (const a of [undefined, ...tails])
        for (const b of a ? [undefined, ...tails] : [undefined])
          for (const c of b ? [undefined, ...tails] : [undefined]) {
            read += agree(seq(strip(base), ...[a, b, c].filter((x) => x !== undefined)));
          }
    }
    expect(read).toBeGreaterThan(3 * 10 * 10);
  });

  it('on hostile mutations of keys', () => {
    const mutation: fc.Arbitrary<Mutation> = fc.record({ op: fc.nat(), a: fc.nat(), b: fc.nat(), c: fc.nat() });
    let read = 0;
    fc.assert(
      fc.property(fc.nat(), fc.array(mutation, { maxLength: 3 }), (i, m) => {
        read += agree(mutateBytes(derSeeds[i % derSeeds.length]!, m, derSeeds));
      }),
      { numRuns: RUNS * 5 },
    );
    // Most mutated keys are still DER that both parsers read (the rest tests nothing here).
    expect(read).toBeGreaterThan(RUNS);
  });
});
