/** kms-wrap inspect FILE: what a file is and whether KMS takes it as is. Never prints key bytes. */
import { resolve } from 'node:path';
import {
  ERROR_CODES,
  MATERIAL_SPECS,
  TARGETS,
  TARGET_IDS,
  fitsTarget,
  targetsForWrappingKey,
  inspectMaterial,
  isKmsWrapError,
  parseImportParameters,
  parseRegion,
  parseWrappingPublicKey,
  readWrappedLength,
  zeroize,
  type KmsWrapError,
  type MaterialInfo,
  type MaterialSpec,
  type Region,
  type RuleSet,
  type TargetFit,
  type WrappedReading,
  type WrappingPublicKey,
} from '@kms-wrap/core';
import { bytesToText, looksLikeText } from '@kms-wrap/core/encoding';
import { flag, parse, str, type Parsed } from '../args.js';
import { PKCS11_FLAGS, isPkcs11Uri, loadPkcs11, tokenFlags, tokenOptions } from '../pkcs11.js';
import { SURFACE, json, line, type Io } from '../io.js';
import { standardWrapper } from '@kms-wrap/node';
import { DASH, STDIN_NAME, readInput } from '../input.js';

export interface Inspection {
  readonly file: string;
  readonly type: 'key-material' | 'private-key' | 'wrapping-public-key' | 'import-parameters' | 'wrapped-key-material' | 'unknown';
  readonly format: string;
  readonly keySpec?: string | null;
  readonly keySpecCandidates?: readonly string[];
  readonly bytes: number;
  readonly kmsImportableAsIs: boolean;
  readonly details: readonly string[];
  readonly problem?: { readonly code: string; readonly message: string };
  /** Key material and private keys: each target, whether it imports this (kms-wrap wrap --target), and why not. */
  readonly targets?: readonly TargetFit[];
  /** Wrapped key material (EncryptedKeyMaterial.bin): what could have made a file of this length. */
  readonly wrapped?: readonly WrappedReading[];
}

export async function run(argv: string[], io: Io): Promise<number> {
  const p = parse(
    'inspect',
    argv,
    { json: { type: 'boolean' }, region: { type: 'string' }, ...PKCS11_FLAGS },
    { min: 1, max: 1 },
    { positional: true },
  );
  const region = parseRegion(str(p, 'region') ?? 'standard');
  if (isPkcs11Uri(p.positionals[0]!)) return inspectTokenKey(p, io, p.positionals[0]!.trim(), region);
  const file = p.positionals[0] === DASH ? STDIN_NAME : resolve(io.cwd ?? process.cwd(), p.positionals[0]!);
  const bytes = await readInput(io.cwd ?? process.cwd(), p.positionals[0]!, 'the file');
  let result: Inspection;
  try {
    result = await inspectBytes(file, bytes, region);
  } finally {
    zeroize(bytes);
  }
  if (flag(p, 'json')) {
    json(io, { ok: true, ...result });
    return 0;
  }
  line(io.stdout, `${file}`);
  line(io.stdout, `  type:    ${result.type.replace(/-/g, ' ')}`);
  line(io.stdout, `  format:  ${result.format}`);
  if (result.keySpec !== undefined) line(io.stdout, `  key spec: ${result.keySpec ?? result.keySpecCandidates?.join(' or ')}`);
  line(io.stdout, `  size:    ${result.bytes} bytes`);
  for (const d of result.details) line(io.stdout, `  ${d}`);
  if (result.problem) line(io.stdout, `  problem: ${result.problem.message}`);
  return 0;
}

export async function inspectBytes(file: string, bytes: Uint8Array, region: Region): Promise<Inspection> {
  const base = { file, bytes: bytes.length };
  const text = looksLikeText(bytes) ? bytesToText(bytes) : undefined;
  if (text?.trimStart().startsWith('{') && text.includes('"PublicKey"')) {
    try {
      const params = parseImportParameters(text);
      const expired = params.validTo !== undefined && params.validTo.getTime() <= Date.now();
      return {
        ...base,
        type: 'import-parameters',
        format: 'GetParametersForImport JSON',
        kmsImportableAsIs: false,
        details: [
          `key id:  ${params.keyId}`,
          `wrapping key: ${params.wrappingKey.spec}`,
          `valid to: ${params.validTo?.toISOString() ?? 'not given'}${expired ? ' (EXPIRED: fetch new parameters)' : ''}`,
          ...(await acceptedAlgorithms(params.wrappingKey, region)),
        ],
      };
    } catch (e) {
      return unknown(base, e);
    }
  }
  try {
    const info = inspectMaterial(bytes, { region, surface: SURFACE });
    const t = await targetLines(info, region);
    return {
      ...base,
      type: 'key-material',
      format: info.format === 'raw' ? 'raw bytes' : 'PKCS#8 DER (unencrypted)',
      keySpec: info.keySpec ?? null,
      keySpecCandidates: info.candidates,
      kmsImportableAsIs: true,
      details: [
        ...(info.rsaBits ? [`RSA:     ${info.rsaBits}-bit private key`] : []),
        ...(info.curve ? [`curve:   ${info.curve}`] : []),
        ...(info.candidates.length > 1
          ? [`note:    raw bytes of this length fit ${info.candidates.join(' and ')}; wrap with --key-spec if it matters`]
          : []),
        'KMS can import it as is (wrap it first: kms-wrap wrap)',
        ...t.lines,
      ],
      targets: t.fits,
    };
  } catch (e) {
    if (!isKmsWrapError(e)) throw e;
    if (e.code === ERROR_CODES.KEY_SPEC_UNSUPPORTED) {
      // Material AWS KMS does not import (Ed25519) may fit another target: say which.
      const other = otherTarget(bytes, region);
      if (other) {
        const t = await targetLines(other, region);
        return {
          ...base,
          type: 'key-material',
          format: 'PKCS#8 DER (unencrypted)',
          keySpec: other.keySpec ?? null,
          keySpecCandidates: other.candidates,
          kmsImportableAsIs: false,
          details: t.lines,
          problem: { code: e.code, message: e.message },
          targets: t.fits,
        };
      }
    }
    if (e.code === ERROR_CODES.MATERIAL_FORMAT) {
      // Base64 text of a wrapping public key is also "text" to inspectMaterial; wrap takes it, so say what it is.
      const converted = await convertible(base, bytes, region, e);
      if (converted.type !== 'unknown' || text === undefined) return converted;
      const asPublicKey = await publicKey(base, bytes, region);
      return asPublicKey.type === 'unknown' ? converted : asPublicKey;
    }
    if (e.code === ERROR_CODES.MATERIAL_ENCRYPTED) {
      return {
        ...base,
        type: 'private-key',
        format: 'encrypted private key',
        kmsImportableAsIs: false,
        details: [],
        problem: { code: e.code, message: e.message },
      };
    }
    if (e.code === ERROR_CODES.MATERIAL_INVALID && /public key/.test(e.message)) return publicKey(base, bytes, region);
    if (looksLikePublicKeyText(text)) return publicKey(base, bytes, region);
    return (text === undefined ? await wrappedOutput(base, region) : undefined) ?? unknown(base, e);
  }
}

/** Binary bytes that are nothing else, read as a wrap's output by their length: what could have made them. */
async function wrappedOutput(base: { file: string; bytes: number }, region: Region): Promise<Inspection | undefined> {
  const wrapper = await standardWrapper();
  const readings = readWrappedLength(base.bytes, { rules: wrapper.rules, plugins: wrapper.algorithms }, region);
  if (readings.length === 0) return undefined;
  return {
    ...base,
    type: 'wrapped-key-material',
    format: 'wrapped key material (EncryptedKeyMaterial.bin), going by its length',
    kmsImportableAsIs: true,
    details: [
      ...readings.map(
        (r) =>
          `could be: ${r.keySpecs.join(', ')} material (${materialLengths(r)}) wrapped with ${r.algorithms.join(' or ')} under an ${r.wrappingKeySpec} wrapping key`,
      ),
      'import it with the token of the same GetParametersForImport call: aws kms import-key-material --encrypted-key-material fileb://FILE --import-token fileb://ImportToken.bin ...',
    ],
    wrapped: readings,
  };
}

function materialLengths(r: WrappedReading): string {
  const [lo, hi] = r.materialLength;
  return lo === hi ? `${lo} bytes` : lo === 1 ? `up to ${hi} bytes` : `${lo} to ${hi} bytes`;
}

function looksLikePublicKeyText(text: string | undefined): boolean {
  return text !== undefined && (/^\s*MII/.test(text) || /-----BEGIN PUBLIC KEY-----/.test(text));
}

async function convertible(base: { file: string; bytes: number }, bytes: Uint8Array, region: Region, e: KmsWrapError): Promise<Inspection> {
  const { toPkcs8 } = await import('@kms-wrap/keygen');
  try {
    const converted = toPkcs8(bytes);
    const info = inspectMaterial(converted.der, { region, surface: SURFACE });
    zeroize(converted.der);
    const t = await targetLines(info, region);
    return {
      ...base,
      type: 'private-key',
      format: converted.from,
      keySpec: info.keySpec ?? null,
      keySpecCandidates: info.candidates,
      kmsImportableAsIs: false,
      details: [
        ...(info.rsaBits ? [`RSA:     ${info.rsaBits}-bit private key`] : []),
        ...(info.curve ? [`curve:   ${info.curve}`] : []),
        'KMS needs it as PKCS#8 DER: kms-wrap convert FILE (kms-wrap wrap converts it on the fly)',
        ...t.lines,
      ],
      targets: t.fits,
    };
  } catch (e2) {
    return unknown(base, isKmsWrapError(e2) ? e2 : e);
  }
}

async function publicKey(base: { file: string; bytes: number }, bytes: Uint8Array, region: Region): Promise<Inspection> {
  try {
    const key = parseWrappingPublicKey(bytes);
    return {
      ...base,
      type: 'wrapping-public-key',
      format: bytes[0] === 0x30 ? 'DER SubjectPublicKeyInfo' : 'SubjectPublicKeyInfo as text (PEM or base64)',
      kmsImportableAsIs: false,
      details: [`wrapping key spec: ${key.spec}`, ...(await acceptedAlgorithms(key, region)), wrappingKeyTargets(key, region)],
    };
  } catch (e) {
    return unknown(base, e);
  }
}

async function acceptedAlgorithms(key: WrappingPublicKey, region: Region): Promise<string[]> {
  const wrapper = await standardWrapper();
  const ids = acceptedIds(wrapper.rules.algorithms, key, region);
  const inChina = region === 'china' ? [] : acceptedIds(wrapper.rules.algorithms, key, 'china');
  const none =
    inChina.length > 0 ? `none outside the AWS China Regions — add --region china (there: ${inChina.join(', ')})` : 'none in this region';
  return [`algorithms for this key${region === 'china' ? ' (China Regions)' : ''}: ${ids.join(', ') || none}`];
}

/** inspect pkcs11:...: what the key in the token is, and what each target imports it as with what this token can do. */
async function inspectTokenKey(p: Parsed, io: Io, uri: string, region: Region): Promise<number> {
  const api = await loadPkcs11();
  const { key, token } = await api.inspectTokenKey({ uri, ...tokenOptions(uri, tokenFlags(p, io.cwd ?? process.cwd()), api) });
  const most = key.length === undefined ? undefined : typeof key.length === 'number' ? key.length : key.length[1];
  const plugins = (await standardWrapper()).algorithms;
  const targets =
    key.keySpec === undefined || most === undefined
      ? []
      : TARGET_IDS.map((id) => {
          const target = TARGETS[id];
          const fit = fitsTarget(
            target,
            { candidates: [key.keySpec as MaterialSpec], length: most },
            plugins,
            id === 'aws' ? region : 'standard',
            SURFACE,
          );
          const byToken = (algorithm: string) => token[target.rules.algorithms[algorithm]?.construction ?? algorithm];
          return {
            ...fit,
            algorithms: fit.algorithms.filter((a) => byToken(a.algorithm) === undefined),
            notByToken: fit.algorithms
              .filter((a) => byToken(a.algorithm) !== undefined)
              .map((a) => ({ algorithm: a.algorithm, reason: byToken(a.algorithm)! })),
          };
        });
  const flags = [
    key.sensitive ? 'sensitive' : 'not sensitive',
    key.extractable ? 'extractable' : 'not extractable',
    ...(key.wrapWithTrusted ? ['wrap with trusted keys only'] : []),
    ...(key.local ? ['generated in the token'] : []),
  ];
  const length =
    key.length === undefined
      ? 'unknown'
      : typeof key.length === 'number'
        ? `${key.length} bytes`
        : `${key.length[0]} to ${key.length[1]} bytes as PKCS#8`;
  if (flag(p, 'json')) {
    json(io, {
      ok: true,
      type: 'pkcs11-key',
      uri: key.uri,
      token: key.token,
      class: key.class,
      keyType: key.keyType,
      label: key.label,
      id: key.id,
      keySpec: key.keySpec ?? null,
      bytes: key.length ?? null,
      sensitive: key.sensitive,
      extractable: key.extractable,
      wrapWithTrusted: key.wrapWithTrusted,
      local: key.local,
      problem: key.problem ?? null,
      tokenCannot: Object.fromEntries(Object.entries(token).filter(([, v]) => v !== undefined)),
      targets,
    });
    return 0;
  }
  line(io.stdout, key.uri);
  line(
    io.stdout,
    `  type:    ${key.class === 'private' ? 'private key' : 'secret key'} in PKCS#11 token '${key.token.label}' (${key.token.library.manufacturer} ${key.token.library.version})`,
  );
  line(io.stdout, `  key:     ${key.keyType}, ${length}${key.keySpec ? ` — ${key.keySpec} material` : ''}`);
  line(io.stdout, `  flags:   ${flags.join(', ')}`);
  if (key.problem) line(io.stdout, `  problem: ${key.problem}`);
  const extractable = Object.values(token).find((v) => v !== undefined && /CKA_EXTRACTABLE|CKA_WRAP_WITH_TRUSTED/.test(v));
  if (extractable) line(io.stdout, `  problem: ${extractable}`);
  for (const t of targets) {
    const can = t.algorithms.map((a) => `${a.algorithm} (${a.wrappingKeySpecs.join(', ')})`);
    line(
      io.stdout,
      `  ${t.target}: ${can.length > 0 ? `imports it as ${t.targetNames.join(', ')} wrapped with ${can.join('; ')}` : t.fits ? 'not with what this token can wrap' : `no — ${t.reason}`}`,
    );
    for (const n of t.notByToken) if (!extractable) line(io.stdout, `    not ${n.algorithm}: ${n.reason.split(' — ')[0]}`);
  }
  return 0;
}

function acceptedIds(rules: RuleSet['algorithms'], key: WrappingPublicKey, region: Region): string[] {
  return Object.entries(rules)
    .filter(([, r]) => r.wrappingKeySpecs.includes(key.spec) && r.regions.includes(region))
    .map(([id]) => id);
}

function unknown(base: { file: string; bytes: number }, e: unknown): Inspection {
  const problem = isKmsWrapError(e) ? { code: e.code, message: e.message } : { code: ERROR_CODES.INTERNAL, message: 'unexpected error' };
  return { ...base, type: 'unknown', format: 'not recognised', kmsImportableAsIs: false, details: [], problem };
}

/** Which targets import this material (AWS KMS in the given region, the others anywhere), and why not. */
async function targetLines(info: MaterialInfo, region: Region): Promise<{ lines: string[]; fits: TargetFit[] }> {
  const plugins = (await standardWrapper()).algorithms;
  const fits = TARGET_IDS.map((id) => fitsTarget(TARGETS[id], info, plugins, id === 'aws' ? region : 'standard', SURFACE));
  const yes = fits.filter((f) => f.fits).map((f) => f.target);
  // Material only the AWS China Regions import (SM2): say the flag that makes it importable.
  const china = yes.length === 0 && region !== 'china' && fitsTarget(TARGETS.aws, info, plugins, 'china', SURFACE).fits;
  const none = china ? 'none outside the AWS China Regions — add --region china (AWS KMS imports it there)' : 'none';
  const lines = [`targets: ${yes.length > 0 ? `${yes.join(', ')} (kms-wrap wrap --target ${yes[0]} ...)` : none}`];
  for (const f of fits) if (!f.fits) lines.push(`not ${f.target}: ${f.reason}`);
  return { lines, fits };
}

/** Material of a spec only other targets import (Ed25519), identified; undefined for anything else. */
function otherTarget(bytes: Uint8Array, region: Region): MaterialInfo | undefined {
  try {
    return inspectMaterial(bytes, { region, keySpecs: MATERIAL_SPECS, surface: SURFACE });
  } catch {
    return undefined;
  }
}

/** The targets whose wrapping keys can be of this spec. */
function wrappingKeyTargets(key: WrappingPublicKey, region: Region): string {
  const list = (r: Region) =>
    targetsForWrappingKey(key.spec, r)
      .map((t) => `${t.target} (${t.algorithms.join(', ')})`)
      .join('; ');
  const inChina = region === 'china' ? '' : list('china');
  return `targets for this key: ${list(region) || (inChina ? `none outside the AWS China Regions — add --region china (there: ${inChina})` : 'none')}`;
}
