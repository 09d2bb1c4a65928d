/**
 * kms-wrap wrap --target gcp|azure|vault: the same checks and constructions as for AWS KMS,
 * under the target's rules, written as the target's envelope (Cloud KMS's wrapped-key.bin,
 * Azure's key.byok, Vault's ciphertext.b64), with the next command in that cloud's CLI.
 */
import { relative, resolve } from 'node:path';
import { MATERIAL_SPECS, checkTargetOptions, orList, parseWrappingPublicKey, zeroize, type Target } from '@kms-wrap/core';
import { checkOutput, readInputFile, writeFileAtomic } from '@kms-wrap/node';
import { flag, required, str, usageError, type Parsed } from '../args.js';
import { json, line, note, type Io } from '../io.js';
import { VERSION } from '../version.js';
import { loadMaterial } from '../material.js';
import { standardWrapper } from '@kms-wrap/node';
import { targetOptionValues } from '../target-flags.js';

/** Flags that belong to AWS KMS's import flow only. */
const AWS_ONLY: Readonly<Record<string, string>> = {
  parameters: 'GetParametersForImport output is AWS KMS\'s; give the wrapping public key with --public-key',
  region: 'regions are AWS KMS\'s (the China Regions); other targets have none',
  'valid-to': 'an expiry for imported material is AWS KMS\'s ImportKeyMaterial option',
};

/** Where each target's wrapping public key comes from, for the "needs --public-key" message. */
const PUBLIC_KEY_FROM: Readonly<Record<string, string>> = {
  gcp: 'the import job\'s public key (PEM): gcloud kms import-jobs describe JOB --location L --keyring R --format="value(publicKey.pem)" > wrapping-key.pem',
  azure: 'the KEK\'s public key (PEM): az keyvault key download --vault-name V --name KEK --file KEK.publickey.pem',
  vault: 'Vault\'s wrapping key (PEM): vault read -field=public_key transit/wrapping_key > wrapping_key.pem',
};

export async function runTarget(p: Parsed, io: Io, target: Target): Promise<number> {
  const cwd = io.cwd ?? process.cwd();
  for (const [flagName, why] of Object.entries(AWS_ONLY)) {
    if (str(p, flagName) !== undefined) throw usageError(`--${flagName} is for --target aws: ${why} — leave it out with --target ${target.id}`);
  }
  const materialPath = resolve(cwd, required(p, 'wrap', 'material'));
  const publicKeyPath = str(p, 'public-key');
  if (publicKeyPath === undefined) {
    throw usageError(`kms-wrap wrap --target ${target.id} needs --public-key FILE: ${PUBLIC_KEY_FROM[target.id] ?? 'the wrapping public key'} — see ${target.docs}`);
  }
  const algorithm = algorithmOf(p, target);
  const options = targetOptionValues(p, target, 'wrap');
  for (const o of target.options) {
    if (o.required && options[o.name] === undefined) throw usageError(`kms-wrap wrap --target ${target.id} needs --${o.flag}: ${o.description} — see ${target.docs}`);
  }
  checkTargetOptions(target, options);
  const keySpec = str(p, 'key-spec');
  const force = flag(p, 'force');
  const output = resolve(cwd, str(p, 'output') ?? target.defaultFileName);

  const wrappingKey = parseWrappingPublicKey(await readInputFile(resolve(cwd, publicKeyPath), 'the wrapping public key'));
  const material = await loadMaterial(materialPath, { region: 'standard', keySpecs: MATERIAL_SPECS, ...(keySpec ? { keySpec } : {}) });
  if (material.convertedFrom) note(io, `converted the material from ${material.convertedFrom} to PKCS#8 DER, the form ${target.name} imports`);
  const wrapper = await standardWrapper(target);
  let result;
  try {
    result = await wrapper.wrap({ material: material.bytes, wrappingPublicKey: wrappingKey, algorithm, ...(keySpec ? { keySpec } : {}) });
  } finally {
    zeroize(material.bytes);
  }
  // Checked once every argument and input is known good (wrap.ts does the same).
  await checkOutput(output, force, target.defaultFileName);

  const shown = relative(cwd, output).startsWith('..') ? output : relative(cwd, output);
  // Made before anything is written: an option the envelope refuses (a malformed KEK id) leaves no file.
  const envelope = target.envelope(result, { fileName: shown, options, generator: `kms-wrap/${VERSION}` });
  await writeFileAtomic(output, envelope.bytes, { force });

  const spec = result.keySpec ?? result.keySpecCandidates.join(' or ');
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
    });
    return 0;
  }
  line(io.stdout, `wrote ${output} (${envelope.bytes.length} bytes, ${describeFormat(envelope.format)}): ${spec} material wrapped with ${result.algorithm}${construction} under an ${result.wrappingKeySpec} wrapping key, for ${target.name}`);
  if (result.keySpec === undefined) {
    line(io.stdout, `note: raw bytes of this length fit ${orList(result.keySpecCandidates.map(String))}; pass --key-spec to settle the key type in the command below`);
  }
  line(io.stdout, 'next, import it:');
  line(io.stdout, `  ${envelope.nextCommand}`);
  return 0;
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
    throw usageError(`kms-wrap wrap --target ${target.id} needs --algorithm: ${orList(Object.keys(target.rules.algorithms))} (the import job's import method) — see ${target.docs}`);
  }
  return algorithm;
}

function describeFormat(format: string): string {
  return format === 'json' ? 'JSON' : format === 'base64' ? 'base64 text' : 'binary';
}
