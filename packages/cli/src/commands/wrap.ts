/** kms-wrap wrap: material + wrapping public key + algorithm → EncryptedKeyMaterial.bin. */
import { dirname, join, relative, resolve } from 'node:path';
import { awsImportCommand, parseRegion, parseTarget, parseWrappingPublicKey, zeroize, type WrappingPublicKey } from '@kms-wrap/core';
import { checkOutput, readInputFile, writeFileAtomic } from '@kms-wrap/node';
import { unlink as unlinkCb } from 'node:fs';
import { promisify } from 'node:util';
import { flag, parse, required, str, usageError } from '../args.js';
import { json, line, note, warn, type Io } from '../io.js';
import { loadMaterial } from '../material.js';
import { checkExpiry, checkParametersAlgorithm, isoSeconds, loadParameters, parseValidToOption, type LoadedParameters } from '../parameters.js';
import { standardWrapper } from '@kms-wrap/node';
import { TARGET_FLAGS, targetOptionValues } from '../target-flags.js';

export const DEFAULT_OUTPUT = 'EncryptedKeyMaterial.bin';

// Not node:fs/promises: loading it costs a cold start more than this one call.
const unlink = promisify(unlinkCb);

export async function run(argv: string[], io: Io): Promise<number> {
  const p = parse('wrap', argv, {
    material: { type: 'string' },
    algorithm: { type: 'string' },
    'public-key': { type: 'string' },
    parameters: { type: 'string' },
    'key-spec': { type: 'string' },
    region: { type: 'string' },
    'valid-to': { type: 'string' },
    output: { type: 'string', short: 'o' },
    force: { type: 'boolean' },
    json: { type: 'boolean' },
    ...TARGET_FLAGS,
  }, { min: 0, max: 0 });
  // Google Cloud KMS, Azure Key Vault, Vault transit: their own path (wrap-target.ts); AWS KMS below, as it was.
  const target = parseTarget(str(p, 'target') ?? 'aws');
  if (target.id !== 'aws') return (await import('./wrap-target.js')).runTarget(p, io, target);
  targetOptionValues(p, target, 'wrap');
  const cwd = io.cwd ?? process.cwd();
  const materialPath = resolve(cwd, required(p, 'wrap', 'material'));
  const algorithm = required(p, 'wrap', 'algorithm').trim().toUpperCase();
  const publicKeyPath = str(p, 'public-key');
  const parametersPath = str(p, 'parameters');
  if ((publicKeyPath === undefined) === (parametersPath === undefined)) {
    throw usageError('kms-wrap wrap needs exactly one of --public-key FILE or --parameters FILE — see kms-wrap wrap --help');
  }
  const region = parseRegion(str(p, 'region') ?? 'standard');
  const keySpec = str(p, 'key-spec');
  const force = flag(p, 'force');
  const output = resolve(cwd, str(p, 'output') ?? DEFAULT_OUTPUT);
  const now = (io.now ?? Date.now)();
  const validToText = str(p, 'valid-to');
  const validTo = validToText === undefined ? undefined : parseValidToOption(validToText, now, 'wrap');

  let wrappingKey: WrappingPublicKey;
  let params: LoadedParameters | undefined;
  if (parametersPath !== undefined) {
    params = await loadParameters(resolve(cwd, parametersPath));
    wrappingKey = params.wrappingKey;
    const refetch = refetchCommand(params.keyId, algorithm, params.wrappingKey.spec);
    checkParametersAlgorithm(params, algorithm, parametersPath, refetch);
    const soon = checkExpiry(params.validTo, now, refetch);
    if (soon) warn(io, soon);
  } else {
    wrappingKey = parseWrappingPublicKey(await readInputFile(resolve(cwd, publicKeyPath!), 'the wrapping public key'));
  }
  const tokenPath = params?.writeToken ? join(dirname(output), 'ImportToken.bin') : undefined;

  const material = await loadMaterial(materialPath, { region, ...(keySpec ? { keySpec } : {}) });
  if (material.convertedFrom) note(io, `converted the material from ${material.convertedFrom} to PKCS#8 DER, the form KMS imports`);
  const wrapper = await standardWrapper();
  let result;
  try {
    result = await wrapper.wrap({ material: material.bytes, wrappingPublicKey: wrappingKey, algorithm, region, ...(keySpec ? { keySpec } : {}) });
  } finally {
    zeroize(material.bytes);
  }
  // The outputs are checked once every argument and input is known good: a wrong name or file is
  // the mistake to report first, not an output that exists (nothing was written either way).
  await checkOutput(output, force, DEFAULT_OUTPUT);
  if (tokenPath) await checkOutput(tokenPath, force, 'ImportToken.bin');

  // With --force, keep what the output held: if ImportToken.bin then cannot be written, it is put back.
  // Bounded like every input: an output larger than any wrapped key is not read whole (nor kept).
  const previous = tokenPath && force ? await readInputFile(output, 'the previous output').catch(() => undefined) : undefined;
  await writeFileAtomic(output, result.ciphertext, { force });
  if (tokenPath) {
    try {
      await writeFileAtomic(tokenPath, params!.importToken, { force, mode: 0o644 });
    } catch (e) {
      await (previous ? writeFileAtomic(output, previous, { force: true }) : unlink(output)).catch(() => {});
      throw e;
    } finally {
      previous?.fill(0);
    }
  }

  const spec = result.keySpec ?? result.keySpecCandidates.join(' or ');
  const shown = (path: string) => (relative(cwd, path).startsWith('..') ? path : relative(cwd, path));
  const token = tokenPath ?? params?.tokenFile;
  const next = importCommand(params?.keyId, shown(output), token && shown(token), validTo);
  const expirationModel = validTo ? 'KEY_MATERIAL_EXPIRES' : 'KEY_MATERIAL_DOES_NOT_EXPIRE';
  if (flag(p, 'json')) {
    json(io, {
      ok: true,
      output,
      importToken: tokenPath ?? null,
      algorithm: result.algorithm,
      keySpec: result.keySpec ?? null,
      keySpecCandidates: result.keySpecCandidates,
      materialFormat: result.materialFormat,
      convertedFrom: material.convertedFrom ?? null,
      wrappingKeySpec: result.wrappingKeySpec,
      region: result.region,
      bytes: result.ciphertext.length,
      keyId: params?.keyId ?? null,
      parametersValidTo: params?.validTo?.toISOString() ?? null,
      parametersSource: params?.source ?? null,
      nextCommand: next,
      importKeyMaterial: {
        keyId: params?.keyId ?? null,
        encryptedKeyMaterial: output,
        importToken: token ?? null,
        expirationModel,
        validTo: validTo ? isoSeconds(validTo) : null,
      },
    });
    return 0;
  }
  line(io.stdout, `wrote ${output} (${result.ciphertext.length} bytes): ${spec} material wrapped with ${result.algorithm} under an ${result.wrappingKeySpec} wrapping key`);
  if (tokenPath) line(io.stdout, `wrote ${tokenPath} (the import token from the parameters)`);
  line(io.stdout, 'next, import it:');
  line(io.stdout, `  ${next}`);
  return 0;
}

/** The aws CLI command that imports what wrap wrote, ready to paste (the AWS KMS target's, in core). */
export function importCommand(keyId: string | undefined, output: string, tokenPath: string | undefined, validTo?: Date): string {
  return awsImportCommand({ keyId, file: output, importToken: tokenPath, validTo: validTo && isoSeconds(validTo) });
}

function refetchCommand(keyId: string | undefined, algorithm: string, spec: string): string {
  return `aws kms get-parameters-for-import --key-id ${keyId ?? '<KEY_ID>'} --wrapping-algorithm ${algorithm} --wrapping-key-spec ${spec} > params.json`;
}
