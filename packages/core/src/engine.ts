/**
 * The engine: given algorithm plugins and a crypto provider, it checks every request
 * against the rules and the plugin's declared capacity before the plugin runs, and the
 * output's shape after (cf. aws-encryption-sdk's Keyring.onEncrypt around _onEncrypt).
 * No global registry: a wrapper knows exactly the plugins it was given.
 */
import type { WrappingAlgorithm } from './algorithm.js';
import { equalBytes } from './encoding.js';
import { ERROR_CODES, KmsWrapError } from './errors.js';
import { inspectMaterial } from './inspect-material.js';
import type { MaterialInfo, WrappingPublicKey } from './keys.js';
import type { CryptoProvider } from './provider.js';
import {
  AWS_KMS_RULES,
  algorithmOptions,
  importsSpec,
  isConstruction,
  judge,
  judgeEvery,
  pluginFor,
  type AlgorithmOption,
  type Judge,
  type RuleSet,
} from './rules.js';
import {
  KMS_ALGORITHM_IDS,
  MATERIAL_SPECS,
  MATERIAL_SPEC_INFO,
  isMaterialSpec,
  parseRegion,
  type KmsAlgorithmId,
  type MaterialSpec,
  type Region,
  type WrappingKeySpec,
} from './specs.js';
import type { Target } from './target.js';
import { SURFACES, sayPass, type Surface } from './surface.js';
import { toWrappingPublicKey } from './wrapping-public-key.js';

export interface WrapperOptions {
  readonly algorithms: readonly WrappingAlgorithm[];
  readonly crypto: CryptoProvider;
  /** The target's rules; AWS KMS by default. */
  readonly rules?: RuleSet;
  /** The target (AWS KMS, Google Cloud KMS, Azure Key Vault, Vault transit): its rules, instead of `rules`. */
  readonly target?: Target;
}

export interface WrapRequest {
  /** Plaintext key material: raw bytes (symmetric, HMAC) or PKCS#8 DER. Not modified. */
  readonly material: Uint8Array;
  /** DER SubjectPublicKeyInfo, its base64 or PEM, or an already parsed key. */
  readonly wrappingPublicKey: Uint8Array | string | WrappingPublicKey;
  /** An AWS KMS algorithm id (editors complete them), another target's id, or a plugin's own. */
  readonly algorithm: KmsAlgorithmId | (string & {});
  /** Needed only when the bytes cannot tell; checked against the material when given. */
  readonly keySpec?: MaterialSpec | string;
  /** 'standard' (default) or 'china'; AWS region names such as cn-north-1 are understood. */
  readonly region?: Region | string;
  /**
   * Where a refusal is read, for the words of its remedy: 'library' (the default: "set region:
   * 'china'"), 'command-line' ("pass --region china"), 'page' (what to choose on the page).
   */
  readonly surface?: Surface;
}

/**
 * Key material known by its key spec and length, not by its bytes: a key inside a PKCS#11 token,
 * which wraps it itself (@kms-wrap/pkcs11). The rules and the capacity are judged as for bytes.
 */
export interface SealedMaterial {
  readonly keySpec: MaterialSpec | (string & {});
  /**
   * Its length as wrapped (the raw key, or its PKCS#8 DER): exact, or [least, most] when only the
   * token knows the encoding (a private key's PKCS#8). Capacity is judged on the most.
   */
  readonly length: number | readonly [number, number];
}

/**
 * Key material inside a PKCS#11 token (@kms-wrap/pkcs11's openTokenKey): known by key spec and
 * length, wrapped by the token (`seal`) once the engine has judged the plan (Wrapper.wrapSealed).
 */
export interface SealedKeyMaterial {
  readonly material: SealedMaterial;
  seal(plan: WrapPlan, wrapper?: Pick<Wrapper, 'rules'>): Promise<Uint8Array>;
}

export interface SealedWrapRequest extends Omit<WrapRequest, 'material' | 'keySpec'> {
  readonly material: SealedMaterial;
  /** The key spec the caller expects (--key-spec): checked against the material's. */
  readonly keySpec?: MaterialSpec | string;
}

/** A request that passed every check, ready for the plugin. */
export interface WrapPlan {
  readonly algorithm: WrappingAlgorithm;
  readonly material: MaterialInfo;
  readonly wrappingKey: WrappingPublicKey;
  readonly region: Region;
}

export interface WrapResult {
  readonly ciphertext: Uint8Array;
  /** The algorithm id as the target names it (RSA_OAEP_3072_SHA256_AES_256 for Cloud KMS). */
  readonly algorithm: string;
  /** The plugin that did it, when the target names it otherwise (RSA_AES_KEY_WRAP_SHA_256); else the same as algorithm. */
  readonly construction: string;
  /** The key spec, or undefined when raw bytes fit several (see keySpecCandidates). */
  readonly keySpec: MaterialSpec | undefined;
  /** Every spec the bytes could be that the target imports (raw 32 bytes: SYMMETRIC_DEFAULT and HMAC_256 for AWS KMS). */
  readonly keySpecCandidates: readonly MaterialSpec[];
  readonly materialFormat: MaterialInfo['format'];
  readonly wrappingKeySpec: WrappingKeySpec;
  readonly region: Region;
}

export interface UnwrapRequest {
  readonly ciphertext: Uint8Array;
  readonly algorithm: string;
  /** The wrapping key pair's private key, PKCS#8 DER: the "KMS side" in demos and tests. */
  readonly privateKey: Uint8Array;
}

export interface Wrapper {
  readonly rules: RuleSet;
  /** The target given to createWrapper, if one was. */
  readonly target: Target | undefined;
  readonly crypto: CryptoProvider;
  /** The plugins this wrapper was given, by id. */
  readonly algorithms: ReadonlyMap<string, WrappingAlgorithm>;
  /** Runs every check a wrap would, without wrapping. Throws the refusal. */
  check(request: WrapRequest): WrapPlan;
  wrap(request: WrapRequest): Promise<WrapResult>;
  /** Every known algorithm for this material and wrapping key, accepted or with the reason. */
  options(request: Omit<WrapRequest, 'algorithm'>): AlgorithmOption[];
  unwrap(request: UnwrapRequest): Promise<Uint8Array>;
  /** Every check a wrap of sealed material (known by spec and length) would run, without wrapping. */
  checkSealed(request: SealedWrapRequest): WrapPlan;
  /**
   * Wraps sealed material: the checks of checkSealed, then `seal` (the token's own wrap, given the
   * plan: the construction as plan.algorithm.id, the parsed wrapping key), then the output's length
   * as the plugin declares it. The plugin itself does not run; it is needed for its declarations.
   */
  wrapSealed(request: SealedWrapRequest, seal: (plan: WrapPlan) => Promise<Uint8Array>): Promise<WrapResult>;
}

export function createWrapper(options: WrapperOptions): Wrapper {
  if (options.rules && options.target && options.rules !== options.target.rules) {
    throw new KmsWrapError(
      ERROR_CODES.PLUGIN_INVALID,
      `both rules (${options.rules.name}) and a target (${options.target.name}) were given — pass one of them`,
    );
  }
  const rules = options.target?.rules ?? options.rules ?? AWS_KMS_RULES;
  const { crypto } = options;
  const plugins = new Map<string, WrappingAlgorithm>();
  for (const a of options.algorithms) {
    validatePlugin(a, rules);
    if (plugins.has(a.id)) {
      throw new KmsWrapError(ERROR_CODES.PLUGIN_INVALID, `two plugins were given for ${a.id} — pass each algorithm once`);
    }
    plugins.set(a.id, a);
  }
  const j: Judge = { rules, plugins };

  function prepare(request: Omit<WrapRequest, 'algorithm'>) {
    const region = parseRegion(request.region ?? 'standard');
    // A key object is trusted only if core's parser made it; any other is parsed again from its spki.
    const wrappingKey = toWrappingPublicKey(request.wrappingPublicKey);
    const material = inspectMaterial(request.material, {
      region,
      ...(request.surface === undefined ? {} : { surface: request.surface }),
      ...(request.keySpec === undefined ? {} : { keySpec: request.keySpec }),
      // Another target identifies every material spec, so that the rules refuse what it does not import, with its reason.
      ...(rules.keySpecs === undefined ? {} : { keySpecs: MATERIAL_SPECS }),
    });
    return { region, wrappingKey, material, candidates: narrow(material) };
  }

  /** The key specs the bytes could be that the target imports (all of them if it imports none: the rules then say why). */
  function narrow(material: MaterialInfo): readonly MaterialSpec[] {
    const fit = material.candidates.filter((s) => importsSpec(rules, s));
    return fit.length > 0 ? fit : material.candidates;
  }

  /** The judge, with the surface the request's refusals are read on. */
  function judgeFor(request: { readonly surface?: Surface }): Judge {
    return request.surface === undefined ? j : { ...j, surface: request.surface };
  }

  function check(request: WrapRequest): WrapPlan {
    checkArguments(request, 'wrap');
    const algorithmId = request.algorithm.trim().toUpperCase();
    const { region, wrappingKey, material, candidates } = prepare(request);
    // Every key spec the bytes could be must pass: raw 32 bytes are SYMMETRIC_DEFAULT or HMAC_256.
    const refusal = judgeEvery(judgeFor(request), {
      algorithm: algorithmId,
      keySpecs: candidates,
      materialLength: material.length,
      wrappingKeySpec: wrappingKey.spec,
      region,
    });
    if (refusal) throw refusal;
    return { algorithm: acceptedPlugin(algorithmId, wrappingKey), material: settled(material, candidates), wrappingKey, region };
  }

  /** The plugin for an accepted algorithm, checked against the wrapping key (its type, the plugin's own checks). */
  function acceptedPlugin(algorithmId: string, wrappingKey: WrappingPublicKey): WrappingAlgorithm {
    const algorithm = pluginFor(j, algorithmId);
    if (!algorithm) {
      const rule = rules.algorithms[algorithmId];
      const pkg = rule?.packageName;
      const via = rule?.construction && rule.construction !== algorithmId ? ` (the ${rule.construction} construction)` : '';
      throw new KmsWrapError(
        ERROR_CODES.ALGORITHM_NOT_AVAILABLE,
        `${algorithmId} is accepted here but no plugin for it${via} was given to the wrapper — ${pkg ? `install ${pkg} and pass its algorithms to createWrapper` : 'pass a plugin for it to createWrapper'}`,
      );
    }
    if (algorithm.wrappingKeyType !== wrappingKey.type) {
      throw new KmsWrapError(
        ERROR_CODES.PUBLIC_KEY_TYPE,
        `${algorithmId} needs an ${algorithm.wrappingKeyType.toUpperCase()} wrapping key, and this one is ${wrappingKey.spec} — request parameters with a matching wrapping key spec`,
      );
    }
    algorithm.checkWrappingKey?.(wrappingKey);
    return algorithm;
  }

  /** The material with only the candidates the target imports (unchanged for AWS KMS). */
  function settled(material: MaterialInfo, candidates: readonly MaterialSpec[]): MaterialInfo {
    if (candidates.length === material.candidates.length) return material;
    return { ...material, candidates, keySpec: candidates.length === 1 ? candidates[0] : material.keySpec };
  }

  async function wrap(request: WrapRequest): Promise<WrapResult> {
    const plan = check(request);
    const { algorithm, wrappingKey } = plan;
    const algorithmId = request.algorithm.trim().toUpperCase();
    const ciphertext = await algorithm.wrap({ material: request.material, wrappingKey, crypto });
    checkOutput(algorithm, wrappingKey.spec, request.material, ciphertext);
    return wrapResult(plan, algorithmId, ciphertext);
  }

  /** What a wrap returns: the ciphertext, and what the plan found and chose. */
  function wrapResult(plan: WrapPlan, algorithmId: string, ciphertext: Uint8Array): WrapResult {
    const { algorithm, material, wrappingKey } = plan;
    return {
      ciphertext,
      algorithm: algorithmId,
      construction: algorithm.id,
      keySpec: material.keySpec,
      keySpecCandidates: material.candidates,
      materialFormat: material.format,
      wrappingKeySpec: wrappingKey.spec,
      region: plan.region,
    };
  }

  function options_(request: Omit<WrapRequest, 'algorithm'>): AlgorithmOption[] {
    checkArguments(request, 'options');
    const { region, wrappingKey, material, candidates } = prepare(request);
    const jr = judgeFor(request);
    const perSpec = candidates.map((keySpec) =>
      algorithmOptions(jr, { keySpec, materialLength: material.length, wrappingKeySpec: wrappingKey.spec, region }),
    );
    // An algorithm is offered only if it is accepted for every key spec the bytes could be.
    return perSpec[0]!.map((o, i) => perSpec.find((list) => !list[i]!.accepted)?.[i] ?? o);
  }

  async function unwrap(request: UnwrapRequest): Promise<Uint8Array> {
    const algorithm = pluginFor(j, request.algorithm);
    if (!algorithm?.unwrap) {
      throw new KmsWrapError(
        ERROR_CODES.ALGORITHM_NOT_AVAILABLE,
        `no plugin given to the wrapper can unwrap ${request.algorithm} — pass one that implements unwrap`,
      );
    }
    return algorithm.unwrap({ ciphertext: request.ciphertext, privateKey: request.privateKey, crypto });
  }

  function checkSealed(request: SealedWrapRequest): WrapPlan {
    const algorithmId = typeof request.algorithm === 'string' ? request.algorithm.trim().toUpperCase() : '';
    const region = parseRegion(request.region ?? 'standard');
    const wrappingKey = toWrappingPublicKey(request.wrappingPublicKey);
    const material = sealedMaterialInfo(request.material, {
      region,
      ...(request.keySpec !== undefined ? { keySpec: request.keySpec } : {}),
      ...(request.surface !== undefined ? { surface: request.surface } : {}),
    });
    const refusal = judge(judgeFor(request), {
      algorithm: algorithmId,
      keySpec: material.keySpec!,
      materialLength: material.length,
      wrappingKeySpec: wrappingKey.spec,
      region,
    });
    if (refusal) throw refusal;
    return { algorithm: acceptedPlugin(algorithmId, wrappingKey), material, wrappingKey, region };
  }

  async function wrapSealed(request: SealedWrapRequest, seal: (plan: WrapPlan) => Promise<Uint8Array>): Promise<WrapResult> {
    const plan = checkSealed(request);
    const { algorithm, material, wrappingKey } = plan;
    const ciphertext = await seal(plan);
    const [least, most] = typeof request.material.length === 'number' ? [material.length, material.length] : request.material.length;
    const range = (n: number) => {
      const e = algorithm.outputLength(wrappingKey.spec, n);
      return typeof e === 'number' ? [e, e] : e;
    };
    checkOutputLength(algorithm, ciphertext, range(least)[0]!, range(most)[1]!);
    return wrapResult(plan, request.algorithm.trim().toUpperCase(), ciphertext);
  }

  return {
    rules,
    target: options.target,
    crypto,
    algorithms: plugins,
    check,
    wrap,
    options: options_,
    unwrap,
    checkSealed,
    wrapSealed,
  };
}

/**
 * MaterialInfo of sealed material: its spec known, its length checked against the spec's where
 * the spec fixes it (raw keys), `keySpec` (the caller's --key-spec) checked against it.
 */
export function sealedMaterialInfo(sealed: SealedMaterial, options: { region: Region; keySpec?: string; surface?: Surface }): MaterialInfo {
  const { region } = options;
  const { keySpec, length } = sealed ?? ({} as SealedMaterial);
  const spec = typeof keySpec === 'string' ? keySpec.trim().toUpperCase() : '';
  if (!isMaterialSpec(spec)) {
    throw new KmsWrapError(
      ERROR_CODES.UNKNOWN_NAME,
      `'${String(keySpec)}' is not a key spec — name the material's spec (SYMMETRIC_DEFAULT, HMAC_256, RSA_2048, ECC_NIST_P256...)`,
    );
  }
  const named = options.keySpec?.trim().toUpperCase();
  if (named !== undefined && named !== spec) {
    throw new KmsWrapError(
      ERROR_CODES.KEY_SPEC_MISMATCH,
      `the material is ${spec}, not ${named} — create the KMS key with key spec ${spec}, or name material that is ${named}`,
    );
  }
  const [least, most] = typeof length === 'number' ? [length, length] : Array.isArray(length) ? length : [NaN, NaN];
  if (!Number.isSafeInteger(least) || !Number.isSafeInteger(most) || least < 1 || most < least) {
    throw new KmsWrapError(
      ERROR_CODES.ARGUMENT_INVALID,
      `material.length must be a positive byte count or a [least, most] pair, not ${kindOf(length)}`,
    );
  }
  const info = MATERIAL_SPEC_INFO[spec];
  const raw = info.rawLength?.[region];
  if (info.rawLength !== undefined) {
    if (raw === undefined || least !== raw || most !== raw) {
      const where = region === 'china' ? ' in the China Regions' : '';
      throw new KmsWrapError(
        ERROR_CODES.MATERIAL_INVALID,
        raw === undefined
          ? `${spec} material cannot be imported${where} — ${region === 'china' ? sayPass(options.surface, 'region', 'standard') + ' if the KMS key is elsewhere' : sayPass(options.surface, 'region', 'china') + ' if the KMS key is there'}`
          : `${spec} material is ${raw} bytes${where}, but this key is ${least === most ? least : `${least} to ${most}`} bytes — use a key of the right length`,
      );
    }
  }
  return {
    format: info.rawLength === undefined ? 'pkcs8-der' : 'raw',
    kind: info.kind,
    keySpec: spec,
    candidates: [spec],
    length: most,
    ...(info.curve ? { curve: info.curve } : {}),
    ...(info.rsaBits ? { rsaBits: info.rsaBits } : {}),
  };
}

function validatePlugin(a: WrappingAlgorithm, rules: RuleSet): void {
  const ok =
    typeof a === 'object' &&
    a !== null &&
    typeof a.id === 'string' &&
    /^[A-Z0-9_]+$/.test(a.id) &&
    typeof a.wrap === 'function' &&
    typeof a.capacity === 'function' &&
    typeof a.outputLength === 'function' &&
    (a.wrappingKeyType === 'rsa' || a.wrappingKeyType === 'sm2');
  if (!ok) {
    const name = typeof a?.id === 'string' ? a.id : 'a plugin';
    throw new KmsWrapError(
      ERROR_CODES.PLUGIN_INVALID,
      `${name} is not a WrappingAlgorithm (it needs an upper-case id, wrappingKeyType, capacity, outputLength and wrap) — see docs/writing-a-plugin.md and examples/custom-plugin`,
    );
  }
  // An id the rule set does not know is judged by the plugin's own `accepts`: without it, every
  // request would fail later as an unknown algorithm.
  // The AWS KMS ids are constructions core knows: another target may be given them and use some, or none.
  const known =
    rules.algorithms[a.id] !== undefined ||
    rules.deprecated[a.id] !== undefined ||
    isConstruction(rules, a.id) ||
    (KMS_ALGORITHM_IDS as readonly string[]).includes(a.id);
  if (!known && !isAcceptance(a.accepts)) {
    throw new KmsWrapError(
      ERROR_CODES.PLUGIN_INVALID,
      `${a.id} is not an algorithm ${rules.name} knows, and the plugin declares no accepts { materials, wrappingKeySpecs, regions } — add accepts to the plugin, or use a known id`,
    );
  }
}

function isAcceptance(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return Array.isArray(v['materials']) && Array.isArray(v['wrappingKeySpecs']) && Array.isArray(v['regions']);
}

/** Postconditions on a plugin's output: a byte array of the declared length that does not hold the plaintext. */
function checkOutput(algorithm: WrappingAlgorithm, spec: WrappingKeySpec, material: Uint8Array, out: unknown): asserts out is Uint8Array {
  if (!(out instanceof Uint8Array)) {
    throw new KmsWrapError(
      ERROR_CODES.OUTPUT_CHECK_FAILED,
      `${algorithm.id} returned no bytes — nothing was written; report this to ${algorithm.packageName}`,
    );
  }
  const expected = algorithm.outputLength(spec, material.length);
  const [min, max] = typeof expected === 'number' ? [expected, expected] : expected;
  checkOutputLength(algorithm, out, min, max);
  if (containsPlaintext(out, material)) {
    throw new KmsWrapError(
      ERROR_CODES.OUTPUT_CHECK_FAILED,
      `${algorithm.id} output contains the plaintext material — nothing was written; report this to ${algorithm.packageName}`,
    );
  }
}

function checkOutputLength(algorithm: WrappingAlgorithm, out: unknown, min: number, max: number): asserts out is Uint8Array {
  if (!(out instanceof Uint8Array)) {
    throw new KmsWrapError(
      ERROR_CODES.OUTPUT_CHECK_FAILED,
      `${algorithm.id} returned no bytes — nothing was written; report this to ${algorithm.packageName}`,
    );
  }
  if (out.length < min || out.length > max) {
    throw new KmsWrapError(
      ERROR_CODES.OUTPUT_CHECK_FAILED,
      `${algorithm.id} produced ${out.length} bytes where ${min === max ? min : `${min} to ${max}`} were expected — nothing was written; report this to ${algorithm.packageName}`,
    );
  }
}

/** True if a 16-byte window of the material appears in the output (a plugin that forgot to encrypt). */
function containsPlaintext(out: Uint8Array, material: Uint8Array): boolean {
  const w = Math.min(16, material.length);
  if (w < 8) return false;
  const probe = material.subarray(material.length - w); // the secret end, not a DER header
  for (let i = 0; i + w <= out.length; i++) {
    if (out[i] === probe[0] && equalBytes(out.subarray(i, i + w), probe)) return true;
  }
  return false;
}

/** What kind of value was given, for a message (never the value itself: it may be key material). */
function kindOf(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'an array';
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  if (value instanceof ArrayBuffer) return 'an ArrayBuffer';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/**
 * The request's shape, before anything reads it: a JavaScript caller (or one that casts) gets a
 * coded refusal that names the member, not a TypeError from deep inside.
 */
export function checkArguments(request: unknown, call: 'wrap' | 'options' | 'wrapKeyMaterial'): asserts request is WrapRequest {
  const bad = (what: string) => new KmsWrapError(ERROR_CODES.ARGUMENT_INVALID, what);
  const shape = call === 'options' ? '{ material, wrappingPublicKey }' : '{ material, wrappingPublicKey, algorithm }';
  if (typeof request !== 'object' || request === null)
    throw bad(`${call}() takes a request object ${shape}, not ${kindOf(request)} — pass ${shape}`);
  const r = request as Record<string, unknown>;
  if (!(r['material'] instanceof Uint8Array)) {
    throw bad(
      `material must be a Uint8Array of the key material's bytes, not ${kindOf(r['material'])} — read the file as bytes (what readFile returns without an encoding), or decode its base64 or hex first`,
    );
  }
  const key = r['wrappingPublicKey'];
  if (!(key instanceof Uint8Array) && typeof key !== 'string' && (typeof key !== 'object' || key === null)) {
    throw bad(
      `wrappingPublicKey must be the key's DER bytes (a Uint8Array), its base64 or PEM text, or a key parseWrappingPublicKey made, not ${kindOf(key)}`,
    );
  }
  // wrapKeyMaterial: the algorithm may be left out where the target has a default (Azure, Vault).
  const optional = call === 'wrapKeyMaterial' && r['algorithm'] === undefined;
  if (call !== 'options' && !optional && typeof r['algorithm'] !== 'string') {
    throw bad(
      `algorithm must be a wrapping algorithm's name as a string (RSAES_OAEP_SHA_256, RSA_AES_KEY_WRAP_SHA_256...), not ${kindOf(r['algorithm'])}`,
    );
  }
  for (const name of ['keySpec', 'region'] as const) {
    if (r[name] !== undefined && typeof r[name] !== 'string') throw bad(`${name} must be a string (or left out), not ${kindOf(r[name])}`);
  }
  if (r['surface'] !== undefined && !SURFACES.includes(r['surface'] as Surface)) {
    throw bad(`surface must be 'library', 'command-line' or 'page' (or left out), not ${kindOf(r['surface'])}`);
  }
  if (call !== 'wrapKeyMaterial') return;
  const target = r['target'];
  if (target !== undefined && typeof target !== 'string' && (typeof target !== 'object' || target === null || Array.isArray(target))) {
    throw bad(`target must be a target's id ('aws', 'gcp', 'azure', 'vault') or a Target, or left out, not ${kindOf(target)}`);
  }
  const envelope = r['envelope'];
  if (envelope !== undefined && (typeof envelope !== 'object' || envelope === null || Array.isArray(envelope))) {
    throw bad(`envelope must be an object { fileName, options } (or left out), not ${kindOf(envelope)}`);
  }
  const options = (envelope as Record<string, unknown> | undefined)?.['options'];
  if (options !== undefined && (typeof options !== 'object' || options === null || Array.isArray(options))) {
    throw bad(`envelope.options must be an object of the target's options by name (or left out), not ${kindOf(options)}`);
  }
  const fileName = (envelope as Record<string, unknown> | undefined)?.['fileName'];
  if (fileName !== undefined && typeof fileName !== 'string') {
    throw bad(`envelope.fileName must be a string (or left out), not ${kindOf(fileName)}`);
  }
}
