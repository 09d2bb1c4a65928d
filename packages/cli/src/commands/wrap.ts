/**
 * kms-wrap wrap: material + wrapping public key (+ algorithm) → the file the target's import
 * takes, and the command that imports it. One path for every target (core's Target: AWS KMS by
 * default, Google Cloud KMS, Azure Key Vault, HashiCorp Vault transit): the target's rules decide
 * what is accepted, its envelope is what is written (AWS KMS's EncryptedKeyMaterial.bin, Cloud
 * KMS's wrapped-key.bin, Azure's key.byok, Vault's ciphertext.b64), and its next command is
 * printed. AWS KMS's own inputs — the GetParametersForImport output, --region, --valid-to, the
 * ImportToken.bin written beside the output — are read by wrap-aws.ts into the AWS target's
 * envelope options.
 */
import { relative, resolve } from 'node:path';
import {
  AWS_KMS,
  MATERIAL_SPECS,
  checkTargetOptions,
  parseTarget,
  parseWrappingPublicKey,
  zeroize,
  type Region,
  type Target,
  type WrappingPublicKey,
} from '@kms-wrap/core';
import { awsCliExpands, orList, shellWord } from '@kms-wrap/core/internal';
import { checkOutput, readInputFile, standardWrapper, writeFileAtomic } from '@kms-wrap/node';
import { unlink as unlinkCb } from 'node:fs';
import { promisify } from 'node:util';
import { flag, parse, required, str, usageError, type Parsed } from '../args.js';
import { DASH, checkStdoutFor, encoded, readInput, writeOutput } from '../input.js';
import { SURFACE, json, line, note, summaryStream, warn, type Io } from '../io.js';
import { loadMaterial } from '../material.js';
import { PKCS11_FLAGS, tokenFlags } from '../pkcs11.js';
import { isoSeconds, type LoadedParameters } from '../parameters.js';
import { TARGET_FLAGS, targetOptionValues } from '../target-flags.js';
import { VERSION } from '../version.js';
import { awsEnvelopeOptions, awsFlags, awsWrappingKey, tokenBeside, tokenConflict } from './wrap-aws.js';

export const DEFAULT_OUTPUT = AWS_KMS.defaultFileName;

// Not node:fs/promises: loading it costs a cold start more than this one call.
const unlink = promisify(unlinkCb);

/** The targets whose envelope is binary (the others' is text: Azure's JSON, Vault's base64). */
const BINARY_TARGETS: ReadonlySet<string> = new Set(['aws', 'gcp']);

/** Flags that belong to AWS KMS's import flow only. */
const AWS_ONLY: Readonly<Record<string, string>> = {
  parameters: "GetParametersForImport output is AWS KMS's; give the wrapping public key with --public-key",
  region: "regions are AWS KMS's (the China Regions); other targets have none",
  'valid-to': "an expiry for imported material is AWS KMS's ImportKeyMaterial option",
  'import-token': "the import token is AWS KMS's, from GetParametersForImport",
};

export async function run(argv: string[], io: Io): Promise<number> {
  const p = parse(
    'wrap',
    argv,
    {
      material: { type: 'string' },
      algorithm: { type: 'string' },
      'public-key': { type: 'string' },
      parameters: { type: 'string' },
      'key-spec': { type: 'string' },
      region: { type: 'string' },
      'valid-to': { type: 'string' },
      'import-token': { type: 'string' },
      output: { type: 'string', short: 'o' },
      base64: { type: 'boolean' },
      force: { type: 'boolean' },
      json: { type: 'boolean' },
      ...TARGET_FLAGS,
      ...PKCS11_FLAGS,
    },
    { min: 0, max: 0 },
    { inputs: ['material', 'public-key', 'parameters'], output: true },
  );
  const target = parseTarget(str(p, 'target') ?? 'aws');
  const aws = target === AWS_KMS;
  const cwd = io.cwd ?? process.cwd();
  const now = (io.now ?? Date.now)();

  // Every usage mistake before anything is read, in the order each target's flags have always been checked.
  let awsOnly: ReturnType<typeof awsFlags> | undefined;
  let flags: { material: string; algorithm: string; publicKey: string | undefined; region: Region; options: Record<string, string> };
  if (aws) {
    const options = targetOptionValues(p, target, 'wrap');
    awsOnly = awsFlags(p, now);
    flags = { ...awsOnly, options };
  } else {
    flags = otherTargetFlags(p, target);
  }
  const keySpec = str(p, 'key-spec');
  const force = flag(p, 'force');
  const base64 = flag(p, 'base64');
  // `-o -`: the output on standard output (the summary then on stderr); else a file.
  const toStdout = str(p, 'output') === DASH;
  if (toStdout && flag(p, 'json')) {
    throw usageError('--json and -o - would both write standard output — leave one out (--json with -o FILE, or -o - alone)');
  }
  const output = toStdout ? undefined : resolve(cwd, str(p, 'output') ?? target.defaultFileName);
  // Binary envelopes (AWS KMS's, Cloud KMS's) never to a terminal; text ones (Azure's JSON, Vault's base64) may go there.
  if (toStdout) checkStdoutFor(io, BINARY_TARGETS.has(target.id), base64, `${target.name}'s ${target.defaultFileName}`, 'wrap');
  if (base64 && !BINARY_TARGETS.has(target.id)) {
    throw usageError(`--base64 is for binary outputs, and ${target.name}'s ${target.defaultFileName} is text already — leave --base64 out`);
  }
  const tokenFlag = str(p, 'import-token');

  let wrappingKey: WrappingPublicKey;
  let params: LoadedParameters | undefined;
  if (awsOnly) ({ wrappingKey, params } = await awsWrappingKey(awsOnly, io, cwd, now));
  else wrappingKey = parseWrappingPublicKey(await readInput(cwd, flags.publicKey!, 'the wrapping public key'));
  const token = tokenBeside(
    output ?? resolve(cwd, target.defaultFileName),
    params,
    tokenFlag === undefined ? undefined : resolve(cwd, tokenFlag),
  );

  // AWS KMS's key specs (the default), or every spec a target may import: its rules then say which.
  // A file, or a key in a PKCS#11 token (pkcs11:...), which the token wraps itself.
  const material = await loadMaterial(cwd, flags.material, {
    region: flags.region,
    ...(aws ? {} : { keySpecs: MATERIAL_SPECS }),
    ...(keySpec ? { keySpec } : {}),
    pkcs11: tokenFlags(p, cwd),
  });
  if (material.convertedFrom)
    note(io, `converted the material from ${material.convertedFrom} to PKCS#8 DER, the form ${aws ? 'KMS' : target.name} imports`);
  const wrapper = await standardWrapper(target);
  let result;
  const request = {
    surface: SURFACE,
    wrappingPublicKey: wrappingKey,
    algorithm: flags.algorithm,
    region: flags.region,
    ...(keySpec ? { keySpec } : {}),
  };
  try {
    if (material.token) {
      const { token } = material;
      result = await wrapper.wrapSealed({ ...request, material: token.material }, (plan) => token.seal(plan, wrapper));
    } else {
      result = await wrapper.wrap({ ...request, material: material.bytes });
    }
  } finally {
    if (material.token) material.token.close();
    else zeroize(material.bytes);
  }
  // The outputs are checked once every argument and input is known good: a wrong name or file is
  // the mistake to report first, not an output that exists (nothing was written either way).
  if (output) await checkOutput(output, force, target.defaultFileName, SURFACE);
  // An import token identical to the one there already is no conflict: it is not written again.
  const tokenToWrite = token && (await tokenConflict(token, force, tokenFlag !== undefined)) ? token : undefined;

  const shown = (path: string) => (relative(cwd, path).startsWith('..') ? path : relative(cwd, path));
  // The next command names what the aws CLI is given: the token written or found, or --import-token's file.
  const tokenFile = token?.path ?? params?.tokenFile ?? (tokenFlag === undefined ? undefined : resolve(cwd, tokenFlag));
  const options = aws ? awsEnvelopeOptions(params, tokenFile && shown(tokenFile), awsOnly!.validTo) : flags.options;
  // Made before anything is written: an option the envelope refuses (a malformed KEK id) leaves no file.
  // On standard output the command names the target's file name: where the user saves it.
  const fileName = output && !base64 ? shown(output) : target.defaultFileName;
  const envelope = target.envelope(result, { fileName, options, generator: `kms-wrap/${VERSION}` });
  if (output) await writeWithBeside(output, encoded(envelope.bytes, base64), tokenToWrite, force);
  else {
    if (tokenToWrite) await writeFileAtomic(tokenToWrite.path, tokenToWrite.bytes, { force, mode: 0o644, surface: SURFACE });
    await writeOutput(io, undefined, envelope.bytes, { force, base64 });
  }
  const say = summaryStream(io, toStdout);
  // The aws CLI expands $VAR and a leading ~ in fileb:// paths itself: a name with them is not found.
  if (aws) {
    for (const name of new Set([fileName, ...(tokenFile ? [shown(tokenFile)] : [])])) {
      const why = awsCliExpands(name);
      if (why) warn(io, `${why} — rename it (and name the new file in the command)`);
    }
  }
  const where = output ?? 'standard output';

  const spec = result.keySpec ?? result.keySpecCandidates.join(' or ');
  if (aws) {
    const validTo = awsOnly!.validTo;
    if (flag(p, 'json')) {
      json(io, {
        ok: true,
        output,
        importToken: token?.path ?? null,
        importTokenWritten: tokenToWrite !== undefined,
        algorithm: result.algorithm,
        keySpec: result.keySpec ?? null,
        keySpecCandidates: result.keySpecCandidates,
        materialFormat: result.materialFormat,
        convertedFrom: material.convertedFrom ?? null,
        wrappingKeySpec: result.wrappingKeySpec,
        region: result.region,
        bytes: envelope.bytes.length,
        keyId: params?.keyId ?? null,
        parametersValidTo: params?.validTo?.toISOString() ?? null,
        parametersSource: params?.source ?? null,
        nextCommand: envelope.nextCommand,
        placeholders: envelope.placeholders ?? [],
        importKeyMaterial: {
          keyId: params?.keyId ?? null,
          encryptedKeyMaterial: output,
          importToken: tokenFile ?? null,
          expirationModel: validTo ? 'KEY_MATERIAL_EXPIRES' : 'KEY_MATERIAL_DOES_NOT_EXPIRE',
          validTo: validTo ? isoSeconds(validTo) : null,
        },
      });
      return 0;
    }
    line(
      say,
      `wrote ${where} (${envelope.bytes.length} bytes${base64 ? ', as base64 text' : ''}): ${spec} material wrapped with ${result.algorithm} under an ${result.wrappingKeySpec} wrapping key`,
    );
    if (tokenToWrite) line(say, `wrote ${tokenToWrite.path} (the import token from the parameters)`);
    else if (token) line(say, `${token.path} holds this import token already (left as it is)`);
  } else {
    const construction = result.construction === result.algorithm ? '' : ` (the ${result.construction} construction)`;
    if (flag(p, 'json')) {
      json(io, {
        ok: true,
        target: target.id,
        output,
        format: envelope.format,
        algorithm: result.algorithm,
        construction: result.construction,
        keySpec: result.keySpec ?? null,
        keySpecCandidates: result.keySpecCandidates,
        targetKeyType: result.keySpec === undefined ? null : (target.rules.keySpecs?.[result.keySpec] ?? null),
        materialFormat: result.materialFormat,
        convertedFrom: material.convertedFrom ?? null,
        wrappingKeySpec: result.wrappingKeySpec,
        wrappedBytes: result.ciphertext.length,
        bytes: envelope.bytes.length,
        nextCommand: envelope.nextCommand,
        placeholders: envelope.placeholders ?? [],
      });
      return 0;
    }
    line(
      say,
      `wrote ${where} (${envelope.bytes.length} bytes, ${base64 ? 'as base64 text' : describeFormat(envelope.format)}): ${spec} material wrapped with ${result.algorithm}${construction} under an ${result.wrappingKeySpec} wrapping key, for ${target.name}`,
    );
    if (result.keySpec === undefined) {
      line(
        say,
        `note: raw bytes of this length fit ${orList(result.keySpecCandidates.map(String))}; pass --key-spec to settle the key type in the command below`,
      );
    }
  }
  if (base64) {
    const decode = output ? `base64 -d < ${shellWord(shown(output))}` : 'kms-wrap wrap ... -o - --base64 | base64 -d';
    line(
      say,
      `the output is base64 text: decode it to ${envelope.fileName}, which the command below names (${decode} > ${envelope.fileName})`,
    );
  } else if (!output) {
    line(say, `the command below names ${envelope.fileName}: save the output there (kms-wrap wrap ... -o - > ${envelope.fileName})`);
  }
  line(say, 'next, import it:');
  for (const l of envelope.nextCommand.split('\n')) line(say, `  ${l}`);
  return 0;
}

/**
 * Writes the envelope, then the file its import needs beside it (AWS KMS's ImportToken.bin): if
 * that one cannot be written, the output is put back as it was (with --force, what it held;
 * else removed), so that the two are written together or not at all.
 */
async function writeWithBeside(
  output: string,
  bytes: Uint8Array,
  beside: { path: string; bytes: Uint8Array } | undefined,
  force: boolean,
): Promise<void> {
  // Bounded like every input: an output larger than any wrapped key is not read whole (nor kept).
  const previous = beside && force ? await readInputFile(output, 'the previous output').catch(() => undefined) : undefined;
  await writeFileAtomic(output, bytes, { force, surface: SURFACE });
  if (!beside) return;
  try {
    // The import token is not secret: readable like any file the aws CLI is given.
    await writeFileAtomic(beside.path, beside.bytes, { force, mode: 0o644, surface: SURFACE });
  } catch (e) {
    await (previous ? writeFileAtomic(output, previous, { force: true }) : unlink(output)).catch(() => {});
    throw e;
  } finally {
    previous?.fill(0);
  }
}

/** Another target's flags: AWS KMS's refused, the public key and the algorithm, the envelope's options. */
function otherTargetFlags(
  p: Parsed,
  target: Target,
): { material: string; algorithm: string; publicKey: string; region: Region; options: Record<string, string> } {
  for (const [flagName, why] of Object.entries(AWS_ONLY)) {
    if (str(p, flagName) !== undefined)
      throw usageError(`--${flagName} is for --target aws: ${why} — leave it out with --target ${target.id}`);
  }
  const material = required(p, 'wrap', 'material');
  const publicKey = str(p, 'public-key');
  if (publicKey === undefined) {
    throw usageError(`kms-wrap wrap --target ${target.id} needs --public-key FILE: ${target.wrappingKeySource} — see ${target.docs}`);
  }
  const algorithm = algorithmOf(p, target);
  const options = targetOptionValues(p, target, 'wrap');
  for (const o of target.options) {
    if (o.required && options[o.name] === undefined)
      throw usageError(`kms-wrap wrap --target ${target.id} needs --${o.flag}: ${o.description} — see ${target.docs}`);
  }
  checkTargetOptions(target, options);
  return { material, algorithm, publicKey, region: 'standard', options };
}

/** --algorithm, or Vault's --hash-function, or the target's default (Azure's one mechanism, Vault's SHA256). */
function algorithmOf(p: Parsed, target: Target): string {
  const named = str(p, 'algorithm')?.trim().toUpperCase();
  const hash = str(p, 'hash-function')?.trim().toUpperCase().replace(/-/g, '');
  if (named !== undefined && hash !== undefined && named !== hash) {
    throw usageError(`--algorithm ${named} and --hash-function ${hash} disagree — give one of them`);
  }
  const algorithm = named ?? hash ?? target.defaultAlgorithm;
  if (algorithm === undefined) {
    throw usageError(
      `kms-wrap wrap --target ${target.id} needs --algorithm: ${orList(Object.keys(target.rules.algorithms))} (the import job's import method) — see ${target.docs}`,
    );
  }
  return algorithm;
}

function describeFormat(format: string): string {
  return format === 'json' ? 'JSON' : format === 'base64' ? 'base64 text' : 'binary';
}
