/**
 * The parsers of untrusted bytes, from the packages' built dist/, each with the inputs it gets
 * and the properties its successful results must have. A target either returns (and its
 * result passes its check) or throws kms-wrap's own coded KmsWrapError; anything else is a
 * crash.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mutateBytes, mutateText, mutateValue } from './mutate.mjs';

const dist = (pkg) => new URL(`../../packages/${pkg}/dist/index.js`, import.meta.url).href;

/** A result that breaks a target's property: a failure like a crash. */
export class PropertyFailure extends Error {
  name = 'PropertyFailure';
}

function expect(ok, why) {
  if (!ok) throw new PropertyFailure(why);
}

const text = (b) => Buffer.from(b).toString('latin1');

/**
 * Loads the packages and returns { targets, core, cleanup }. Each target is
 * { name, make(rng-driven pick), run(input) }: make(seeds, pick, mutations) builds one input.
 */
export async function loadTargets() {
  const [core, keygen, node, batch, aws, oaep, kwp, sm2] = await Promise.all(
    ['core', 'keygen', 'node', 'batch', 'aws', 'rsaes-oaep', 'rsa-aes-key-wrap', 'sm2pke'].map((p) => import(dist(p))),
  );
  const crypto = node.createNodeCryptoProvider();
  const wrapper = core.createWrapper({ algorithms: [...oaep.algorithms, ...kwp.algorithms, ...sm2.algorithms], crypto });
  const dir = mkdtempSync(join(tmpdir(), 'kms-wrap-fuzz-'));
  let fileNo = 0;
  const KEY_SPEC_NAMES = [undefined, ...core.KEY_SPECS, 'ECC_NIST_P521', 'RSA_1024', 'ML_DSA_44', 'nonsense', ''];
  const ALGORITHMS = [...core.KMS_ALGORITHM_IDS, 'RSAES_PKCS1_V1_5', 'rsaes_oaep_sha_256', 'NOPE'];

  // Inputs: a seed of the right kind, mutated. `m` are the mutations, `n` a number for choices.
  const anyDer = (s) => [...s.der, ...s.spki, ...s.raw];
  const bytesInput = (pool) => (s, n, m) => mutateBytes(pick(pool(s), n), m, pool(s));
  const textInput = (pool) => (s, n, m) => mutateText(pick(pool(s), n), m, pool(s));
  /** DER seeds mutated, then sometimes wrapped as PEM/base64 text. */
  const derOrText = (pool) => (s, n, m) => {
    const b = mutateBytes(pick(pool(s), n), m, pool(s));
    switch ((n >>> 8) % 4) {
      case 0:
        return b;
      case 1:
        return Buffer.from(mutateText(Buffer.from(b).toString('base64'), m.slice(0, 1), s.text));
      case 2:
        return Buffer.from(mutateText(pemOf(pick(PEM_LABELS, n >>> 10), b), m.slice(0, 1), s.text));
      default:
        return Buffer.from(mutateText(pick(s.text, n >>> 10), m, s.text));
    }
  };
  const jsonInput = (pool) => (s, n, m) => {
    const seed = pick(pool(s), n);
    if ((n >>> 8) % 3 === 0) return mutateText(seed, m, pool(s));
    const obj = mutateValue(JSON.parse(seed), m, [...s.der, ...s.spki]);
    return (n >>> 10) % 4 === 0 ? mutateText(JSON.stringify(obj), m.slice(0, 1), pool(s)) : JSON.stringify(obj);
  };

  const targets = [
    {
      name: 'core.inspectMaterial',
      make: derOrText(anyDer),
      run(input, n) {
        const keySpec = pick(KEY_SPEC_NAMES, n >>> 3);
        const info = core.inspectMaterial(input, { region: n & 1 ? 'china' : 'standard', ...(keySpec === undefined ? {} : { keySpec }) });
        expect(info.candidates.length > 0, 'no candidates');
        expect(info.length === input.length, 'length differs');
        expect(info.format === 'raw' || info.keySpec !== undefined, 'PKCS#8 without a key spec');
      },
    },
    {
      name: 'core.parseWrappingPublicKey(bytes)',
      make: derOrText((s) => [...s.spki, ...s.der]),
      run(input) {
        checkWrappingKey(core, core.parseWrappingPublicKey(input));
      },
    },
    {
      name: 'core.parseWrappingPublicKey(text)',
      make: (s, n, m) => text(derOrText((x) => [...x.spki, ...x.der])(s, n, m)),
      run(input) {
        checkWrappingKey(core, core.parseWrappingPublicKey(input));
      },
    },
    {
      name: 'core.parseImportParameters',
      make: jsonInput((s) => s.json.slice(0, 2)),
      run(input) {
        const p = core.parseImportParameters(input);
        checkWrappingKey(core, p.wrappingKey);
        expect(p.importToken.length > 0, 'empty token');
      },
    },
    {
      name: 'core.parsePem / fromBase64',
      make: textInput((s) => s.text),
      run(input) {
        for (const b of core.parsePem(input)) expect(b.der instanceof Uint8Array, 'no bytes');
        core.fromBase64(input);
        core.fromBase64(input, 'base64url');
      },
    },
    {
      name: 'core engine check (real plugins)',
      // One side mutated, the other a seed as is, so that some requests get past the parsers to the rules and plugins.
      make: (s, n, m) =>
        (n >>> 20) % 3 === 0
          ? { material: pick(anyDer(s), n >>> 4), key: derOrText((x) => x.spki)(s, n, m) }
          : { material: derOrText(anyDer)(s, n, m), key: pick(s.spki, n >>> 12) },
      run(input, n) {
        const keySpec = pick(KEY_SPEC_NAMES, n >>> 5);
        const plan = wrapper.check({
          material: input.material,
          wrappingPublicKey: input.key,
          algorithm: pick(ALGORITHMS, n >>> 2),
          region: n & 1 ? 'china' : 'standard',
          ...(keySpec === undefined ? {} : { keySpec }),
        });
        expect(plan.material.candidates.length > 0, 'no candidates');
      },
    },
    {
      name: 'keygen.toPkcs8(bytes)',
      make: derOrText((s) => s.der),
      run(input) {
        checkPkcs8(core, keygen, keygen.toPkcs8(input));
      },
    },
    {
      name: 'keygen.toPkcs8(text)',
      make: (s, n, m) => ((n >>> 6) % 2 === 0 ? jsonInput((x) => x.json.slice(2))(s, n, m) : text(derOrText((x) => x.der)(s, n, m))),
      run(input) {
        checkPkcs8(core, keygen, keygen.toPkcs8(input));
      },
    },
    {
      name: 'keygen.describeKeyFile',
      make: derOrText((s) => [...s.der, ...s.raw]),
      run(input) {
        const info = keygen.describeKeyFile(input);
        expect(info.length === input.length, 'length differs');
      },
    },
    {
      name: 'keygen.encodePkcs8(JWK object)',
      make: (s, n, m) => mutateValue(pick(s.jwk, n), m, s.der),
      run(input) {
        const der = keygen.encodePkcs8(input);
        expect(core.inspectMaterial(der).keySpec !== undefined, 'encodePkcs8 wrote what inspectMaterial cannot name');
      },
    },
    {
      name: 'aws zip reader',
      make: bytesInput((s) => s.zip),
      async run(input) {
        const opts = { what: 'the zip', code: core.ERROR_CODES.PARAMETERS_INVALID };
        if (!aws.isZip(input)) return;
        for (const e of aws.listZipEntries(input, opts)) {
          const data = await aws.readZipEntry(input, e, opts);
          expect(data.length === e.size, 'entry size differs from the directory');
        }
      },
    },
    {
      name: 'node.loadImportParameters (zip/JSON file)',
      // A file written and read per input: thread-pool round trips, not parsing, so a quarter of the share.
      weight: 1,
      make: (s, n, m) =>
        (n >>> 3) % 3 === 0
          ? Buffer.from(jsonInput((x) => x.json.slice(0, 2))(s, n, m))
          : mutateBytes(pick(s.zip, n), m, [...s.zip, ...s.spki]),
      async run(input) {
        const path = join(dir, `in-${fileNo++ % 8}`);
        writeFileSync(path, input);
        const p = await node.loadImportParameters(path);
        checkWrappingKey(core, p.wrappingKey);
      },
    },
    {
      name: 'aws.parseConsoleReadme',
      make: textInput((s) => s.readme),
      run(input) {
        const r = aws.parseConsoleReadme(input);
        expect(r.validTo === undefined || Number.isFinite(r.validTo.getTime()), 'invalid date');
      },
    },
    {
      name: 'batch.parseBatchManifest',
      make: (s, n, m) => {
        const lines = pick(s.manifest, n).split('\n');
        const i = (n >>> 4) % lines.length;
        if (lines[i]) lines[i] = jsonInput(() => [lines[i]])(s, n >>> 2, m);
        return mutateText(lines.join('\n'), m.slice(0, (n >>> 6) % 2), s.manifest);
      },
      run(input) {
        const r = batch.parseBatchManifest(input, '/fuzz/base');
        expect(r.entries.length === r.lines.length, 'entries and lines differ');
        for (const e of r.entries) expect(typeof e.output === 'string' && e.output.startsWith('/'), 'relative output');
      },
    },
  ];
  return { targets, core, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The order targets take turns in: four rounds, each target in `weight` (4 by default) of them. */
export function schedule(targets) {
  const out = [];
  for (let round = 0; round < 4; round++) targets.forEach((t, i) => round < (t.weight ?? 4) && out.push(i));
  return out;
}

const PEM_LABELS = [
  'PRIVATE KEY',
  'RSA PRIVATE KEY',
  'EC PRIVATE KEY',
  'SM2 PRIVATE KEY',
  'PUBLIC KEY',
  'ENCRYPTED PRIVATE KEY',
  'EC PARAMETERS',
  'CERTIFICATE',
];

function pemOf(label, der) {
  return `-----BEGIN ${label}-----\n${Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n')}\n-----END ${label}-----\n`;
}

export function pick(list, n) {
  return list[(n >>> 0) % list.length];
}

function checkWrappingKey(core, key) {
  expect(core.WRAPPING_KEY_SPECS.includes(key.spec), `spec ${key.spec}`);
  if (key.type === 'rsa') {
    expect(
      core.WRAPPING_KEY_SPEC_INFO[key.spec].bits === key.rsa.bits && core.bitLength(key.rsa.modulus) === key.rsa.bits,
      'RSA size and spec differ',
    );
    const e = key.rsa.publicExponent;
    expect((e[e.length - 1] & 1) === 1 && core.bitLength(e) >= 2, 'weak exponent accepted');
  } else {
    expect(key.type === 'sm2' && (key.ec.point.length === 65 || key.ec.point.length === 33), 'SM2 point shape');
  }
}

/** What toPkcs8 writes is PKCS#8 that core names, and converting it again changes nothing. */
function checkPkcs8(core, keygen, result) {
  const info = core.inspectMaterial(result.der);
  expect(info.format === 'pkcs8-der' && info.keySpec !== undefined, 'toPkcs8 wrote what inspectMaterial cannot name');
  const again = keygen.toPkcs8(result.der);
  expect(
    !again.converted && Buffer.compare(again.der, result.der) === 0,
    'toPkcs8 output is not canonical (converting it again changed it)',
  );
}
