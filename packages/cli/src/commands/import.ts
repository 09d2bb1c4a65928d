/**
 * kms-wrap import: the whole AWS import in one run, through the AWS SDK for JavaScript v3
 * (optional: loaded only here) — DescribeKey, GetParametersForImport, wrap, ImportKeyMaterial.
 * The flow itself is @kms-wrap/aws's importKeyMaterial; this is its command line.
 */
import { parseRegion, zeroize, type Region } from '@kms-wrap/core';
import { clientRegionName, importKeyMaterial, regionOfArn, type ImportKeyMaterialResult, type KmsSdk } from '@kms-wrap/aws';
import { loadKmsSdk, loadStandardAlgorithm, standardWrapper } from '@kms-wrap/node';
import { flag, parse, required, str, usageError, type Parsed } from '../args.js';
import { SURFACE, json, line, note, type Io } from '../io.js';
import { loadMaterial } from '../material.js';
import { PKCS11_FLAGS, tokenFlags } from '../pkcs11.js';
import { isoSeconds, parseValidToOption } from '../parameters.js';

const AWS_REGION_NAME = /^[a-z]{2}(-[a-z]+)+-\d+$/;

export async function run(argv: string[], io: Io): Promise<number> {
  const p = parse(
    'import',
    argv,
    {
      'key-id': { type: 'string' },
      material: { type: 'string' },
      algorithm: { type: 'string' },
      'wrapping-key-spec': { type: 'string' },
      'valid-to': { type: 'string' },
      'no-expiry': { type: 'boolean' },
      'import-type': { type: 'string' },
      description: { type: 'string' },
      'key-material-id': { type: 'string' },
      region: { type: 'string' },
      profile: { type: 'string' },
      'endpoint-url': { type: 'string' },
      'dry-run': { type: 'boolean' },
      json: { type: 'boolean' },
      manifest: { type: 'string' },
      journal: { type: 'string' },
      concurrency: { type: 'string' },
      'max-attempts': { type: 'string' },
      ...PKCS11_FLAGS,
    },
    { min: 0, max: 0 },
    { inputs: ['material'] },
  );
  if (str(p, 'manifest') !== undefined) return runWithManifest(p, io);
  for (const name of ['journal', 'concurrency', 'max-attempts']) {
    if (p.values[name] !== undefined) throw usageError(`--${name} is for a migration (--manifest FILE) — see kms-wrap import --help`);
  }
  const cwd = io.cwd ?? process.cwd();
  const keyId = required(p, 'import', 'key-id');
  const materialPath = required(p, 'import', 'material');
  const algorithm = required(p, 'import', 'algorithm').trim().toUpperCase();
  const validToText = str(p, 'valid-to');
  if (validToText !== undefined && flag(p, 'no-expiry')) {
    throw usageError('--valid-to and --no-expiry contradict each other: give one (no expiry is the default) — see kms-wrap import --help');
  }
  const validTo = validToText === undefined ? undefined : parseValidToOption(validToText, (io.now ?? Date.now)(), 'import');
  const regionName = str(p, 'region')?.trim().toLowerCase();
  if (regionName !== undefined && !AWS_REGION_NAME.test(regionName)) {
    throw usageError(
      `--region for import is an AWS region name such as eu-west-1 or cn-north-1, not '${regionName}' — see kms-wrap import --help`,
    );
  }
  const profile = str(p, 'profile');
  const endpoint = str(p, 'endpoint-url');
  const dryRun = flag(p, 'dry-run');
  const importType = str(p, 'import-type');
  const description = str(p, 'description');
  const keyMaterialId = str(p, 'key-material-id');
  const wrappingKeySpec = str(p, 'wrapping-key-spec');

  // The client first (not for a dry run): its region, from --region, the environment or the
  // profile, decides the China rules before the material is read.
  let client: { send(command: unknown): Promise<unknown> } | undefined;
  let sdk: KmsSdk | undefined;
  // A key ARN names its region, which wins over the environment's default.
  const explicitRegion = regionName ?? regionOfArn(keyId)?.name;
  let resolvedRegion = explicitRegion ?? process.env['AWS_REGION'] ?? process.env['AWS_DEFAULT_REGION'];
  if (!dryRun) {
    sdk = await loadKmsSdk({ from: cwd });
    // The SDK's multi-line Node-version notice would break "one line on stderr"; an explicit setting wins.
    process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
    const kms = new sdk.KMSClient({
      ...(explicitRegion ? { region: explicitRegion } : {}),
      ...(profile ? { profile } : {}),
      ...(endpoint ? { endpoint } : {}),
    });
    client = kms;
    resolvedRegion ??= await clientRegionName(kms);
  }
  const region: Region = regionOrStandard(resolvedRegion ?? regionOfArn(keyId)?.name);

  // The key's ARN (from DescribeKey) says where the key is; the flow gets --region only when
  // given, and a dry run (no DescribeKey) whatever region is known.
  const regionForFlow = regionName ?? (dryRun ? resolvedRegion : undefined);
  // A file, or a key in a PKCS#11 token (pkcs11:...), which the token wraps once the parameters are in.
  const material = await loadMaterial(cwd, materialPath, { region, pkcs11: tokenFlags(p, cwd) });
  if (material.convertedFrom) note(io, `converted the material from ${material.convertedFrom} to PKCS#8 DER, the form KMS imports`);
  let result: ImportKeyMaterialResult;
  try {
    result = await importKeyMaterial({
      surface: SURFACE,
      ...(client ? { client } : {}),
      ...(sdk ? { sdk } : {}),
      // One engine over every installed plugin; the requested one's package is named when missing.
      wrapper: (id) => loadStandardAlgorithm(id).then(() => standardWrapper()),
      keyId,
      material: material.token ?? material.bytes,
      algorithm,
      ...(wrappingKeySpec ? { wrappingKeySpec } : {}),
      ...(validTo ? { validTo } : {}),
      ...(importType ? { importType } : {}),
      ...(description !== undefined ? { description } : {}),
      ...(keyMaterialId !== undefined ? { keyMaterialId } : {}),
      ...(regionForFlow ? { region: regionForFlow } : {}),
      dryRun,
      ...(io.now ? { now: io.now } : {}),
    });
  } finally {
    if (material.token) material.token.close();
    else zeroize(material.bytes);
  }

  const bytes = result.encryptedKeyMaterialLength;
  if (flag(p, 'json')) {
    json(io, {
      ok: true,
      dryRun: result.dryRun,
      keyId: result.keyId,
      keySpec: result.keySpec ?? null,
      keyState: result.keyState ?? null,
      keyUsage: result.keyUsage ?? null,
      region: result.region,
      regionName: resolvedRegion ?? null,
      algorithm: result.algorithm,
      wrappingKeySpec: result.wrappingKeySpec,
      materialFormat: material.info.format,
      convertedFrom: material.convertedFrom ?? null,
      encryptedKeyMaterialBytes: bytes,
      expirationModel: result.expirationModel,
      validTo: result.validTo ? isoSeconds(result.validTo) : null,
      importType: result.importType ?? null,
      parametersValidTo: result.parametersValidTo?.toISOString() ?? null,
      keyMaterialId: result.keyMaterialId ?? null,
      calls: result.calls,
    });
    return 0;
  }
  const expiry = result.validTo
    ? `expires ${isoSeconds(result.validTo)} (KEY_MATERIAL_EXPIRES)`
    : 'does not expire (KEY_MATERIAL_DOES_NOT_EXPIRE)';
  if (result.dryRun) {
    const spec = result.keySpec ?? material.info.candidates.join(' or ');
    line(
      io.stdout,
      `dry run: nothing was sent to KMS. ${spec} material, ${result.algorithm} under an ${result.wrappingKeySpec} wrapping key; the material ${expiry}.`,
    );
    line(io.stdout, 'kms-wrap import would call:');
    for (const c of result.calls) line(io.stdout, `  ${c.operation} ${JSON.stringify(c.input)}`);
    return 0;
  }
  line(io.stdout, `imported ${result.keySpec} key material into ${result.keyId} (it was ${result.keyState})`);
  line(
    io.stdout,
    `  wrapped with ${result.algorithm} under an ${result.wrappingKeySpec} wrapping key (${bytes} bytes); the material ${expiry}`,
  );
  if (result.importType) line(io.stdout, `  import type ${result.importType}`);
  if (result.keyMaterialId) line(io.stdout, `  key material id ${result.keyMaterialId}`);
  line(io.stdout, `  calls: ${result.calls.map((c) => c.operation).join(', ')}`);
  return 0;
}

/** --manifest: many keys, each line its own key, material and algorithm (import-manifest.ts). */
async function runWithManifest(p: Parsed, io: Io): Promise<number> {
  const single = [
    'key-id',
    'material',
    'algorithm',
    'wrapping-key-spec',
    'valid-to',
    'no-expiry',
    'import-type',
    'description',
    'key-material-id',
  ];
  const given = single.filter((name) => p.values[name] !== undefined);
  if (given.length > 0) {
    throw usageError(
      `--manifest takes each key's ${given.map((n) => `--${n}`).join(', ')} from its line, not from the command line — see kms-wrap import --help`,
    );
  }
  const regionName = str(p, 'region')?.trim().toLowerCase();
  if (regionName !== undefined && !AWS_REGION_NAME.test(regionName)) {
    throw usageError(
      `--region for import is an AWS region name such as eu-west-1 or cn-north-1, not '${regionName}' — see kms-wrap import --help`,
    );
  }
  const count = (name: string, fallback: number, max: number): number => {
    const v = str(p, name);
    if (v === undefined) return fallback;
    if (!/^\d+$/.test(v.trim()) || Number(v) < 1 || Number(v) > max)
      throw usageError(`--${name} is a whole number from 1 to ${max}, not '${v}'`);
    return Number(v);
  };
  const { runManifest } = await import('./import-manifest.js');
  const journal = str(p, 'journal');
  const profile = str(p, 'profile');
  const endpoint = str(p, 'endpoint-url');
  return runManifest(
    {
      manifest: str(p, 'manifest')!,
      ...(journal !== undefined ? { journal } : {}),
      concurrency: count('concurrency', 4, 64),
      maxAttempts: count('max-attempts', 10, 50),
      ...(regionName ? { regionName } : {}),
      ...(profile ? { profile } : {}),
      ...(endpoint ? { endpoint } : {}),
      dryRun: flag(p, 'dry-run'),
      json: flag(p, 'json'),
      pkcs11: tokenFlags(p, io.cwd ?? process.cwd()),
    },
    io,
  );
}

function regionOrStandard(name: string | undefined): Region {
  if (name === undefined) return 'standard';
  try {
    return parseRegion(name);
  } catch {
    return 'standard';
  }
}
