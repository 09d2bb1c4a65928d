/**
 * kms-wrap demo: both sides of an import, locally. Local wrapping key pairs stand in for
 * KMS's; material of every key spec is generated, wrapped with every algorithm KMS accepts,
 * unwrapped on the "KMS side" and compared. Refused combinations are shown with the reason.
 */
import { KEY_SPECS, KEY_SPEC_INFO, isKmsWrapError, zeroize, type KeySpec, type Region, type WrappingKeySpec } from '@kms-wrap/core';
import { equalBytes } from '@kms-wrap/core/encoding';
import { createNodeCryptoProvider, createWrappingKeyPair, type WrappingKeyPair } from '@kms-wrap/node';
import { flag, parse } from '../args.js';
import { SURFACE, json, line, type Io } from '../io.js';
import { standardWrapper } from '@kms-wrap/node';

interface Outcome {
  readonly region: Region;
  readonly keySpec: KeySpec;
  readonly algorithm: string;
  readonly wrappingKeySpec: WrappingKeySpec;
  readonly outcome: 'verified' | 'refused' | 'failed';
  readonly bytes?: number;
  readonly code?: string;
  readonly reason?: string;
}

const SCENARIOS: readonly { region: Region; title: string; wrappingKeys: readonly WrappingKeySpec[]; specs: readonly KeySpec[] }[] = [
  {
    region: 'standard',
    title: 'Standard Regions',
    wrappingKeys: ['RSA_2048', 'RSA_3072', 'RSA_4096'],
    specs: KEY_SPECS.filter((s) => KEY_SPEC_INFO[s].regions.includes('standard')),
  },
  {
    region: 'china',
    title: 'China Regions',
    wrappingKeys: ['RSA_2048', 'RSA_4096', 'SM2'],
    specs: ['SYMMETRIC_DEFAULT', 'HMAC_256', 'RSA_2048', 'ECC_NIST_P256', 'ECC_NIST_P521', 'SM2'],
  },
];

export async function run(argv: string[], io: Io): Promise<number> {
  const p = parse('demo', argv, { json: { type: 'boolean' } }, { min: 0, max: 0 });
  const started = Date.now();
  const wrapper = await standardWrapper();
  const { generateKeyMaterial } = await import('@kms-wrap/keygen');
  const crypto = createNodeCryptoProvider();
  const algorithms = Object.keys(wrapper.rules.algorithms);

  const keySpecsNeeded = [...new Set(SCENARIOS.flatMap((s) => s.wrappingKeys))];
  const keyPairs = new Map<WrappingKeySpec, WrappingKeyPair>(
    await Promise.all(keySpecsNeeded.map(async (k) => [k, await createWrappingKeyPair(k)] as const)),
  );

  const outcomes: Outcome[] = [];
  for (const scenario of SCENARIOS) {
    const materials = await Promise.all(scenario.specs.map((s) => generateKeyMaterial(s, { region: scenario.region, crypto })));
    for (const [i, keySpec] of scenario.specs.entries()) {
      const material = materials[i]!;
      for (const algorithm of algorithms) {
        for (const wrappingKeySpec of scenario.wrappingKeys) {
          const pair = keyPairs.get(wrappingKeySpec)!;
          const base = { region: scenario.region, keySpec, algorithm, wrappingKeySpec };
          try {
            const r = await wrapper.wrap({
              material,
              wrappingPublicKey: pair.publicKey,
              algorithm,
              keySpec,
              region: scenario.region,
              surface: SURFACE,
            });
            const back = await wrapper.unwrap({ ciphertext: r.ciphertext, algorithm, privateKey: pair.privateKey });
            const ok = equalBytes(back, material);
            zeroize(back);
            outcomes.push(
              ok
                ? { ...base, outcome: 'verified', bytes: r.ciphertext.length }
                : { ...base, outcome: 'failed', reason: 'unwrapped bytes differ from the material' },
            );
          } catch (e) {
            if (!isKmsWrapError(e)) throw e;
            outcomes.push({ ...base, outcome: 'refused', code: e.code, reason: e.message });
          }
        }
      }
      zeroize(material);
    }
  }

  const verified = outcomes.filter((o) => o.outcome === 'verified').length;
  const refused = outcomes.filter((o) => o.outcome === 'refused').length;
  const failed = outcomes.filter((o) => o.outcome === 'failed');
  const seconds = (Date.now() - started) / 1000;
  if (flag(p, 'json')) {
    json(io, { ok: failed.length === 0, verified, refused, failed: failed.length, seconds, outcomes });
    return failed.length === 0 ? 0 : 1;
  }
  line(io.stdout, 'kms-wrap demo: local wrapping key pairs stand in for KMS; every key spec is generated, wrapped,');
  line(io.stdout, 'unwrapped on the "KMS side" and compared byte for byte. A cell lists the wrapping keys verified;');
  line(io.stdout, '"-" means KMS does not accept that combination (kms-wrap refuses it before wrapping).');
  for (const scenario of SCENARIOS)
    printTable(
      io,
      scenario,
      algorithms,
      outcomes.filter((o) => o.region === scenario.region),
    );
  printRefusals(io, outcomes);
  line(io.stdout);
  line(
    io.stdout,
    `${verified} wraps verified, ${refused} combinations refused as KMS would, ${failed.length} failed (${seconds.toFixed(1)} s)`,
  );
  for (const f of failed) line(io.stdout, `FAILED ${f.region} ${f.keySpec} ${f.algorithm} ${f.wrappingKeySpec}: ${f.reason}`);
  return failed.length === 0 ? 0 : 1;
}

function printTable(io: Io, scenario: (typeof SCENARIOS)[number], algorithms: string[], outcomes: Outcome[]): void {
  const cols = algorithms.filter((a) => outcomes.some((o) => o.algorithm === a && o.outcome === 'verified'));
  const short = (k: WrappingKeySpec) => k.replace('RSA_', '');
  const cell = (spec: KeySpec, a: string) => {
    const ok = outcomes
      .filter((o) => o.keySpec === spec && o.algorithm === a && o.outcome === 'verified')
      .map((o) => short(o.wrappingKeySpec));
    return ok.length ? ok.join(' ') : '-';
  };
  const header = ['key spec', 'bytes', ...cols];
  const rows = scenario.specs.map((spec) => {
    const any = outcomes.find((o) => o.keySpec === spec && o.bytes !== undefined);
    const len = KEY_SPEC_INFO[spec].rawLength?.[scenario.region];
    return [spec, String(len ?? (any ? '' : '')) || 'PKCS#8', ...cols.map((a) => cell(spec, a))];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  line(io.stdout);
  line(io.stdout, `${scenario.title} (wrapping keys ${scenario.wrappingKeys.join(', ')})`);
  line(io.stdout, fmt(header));
  line(io.stdout, fmt(widths.map((w) => '-'.repeat(w))));
  for (const r of rows) line(io.stdout, fmt(r));
}

/** One example of each kind of refusal, so the reasons are visible without a wall of text. */
function printRefusals(io: Io, outcomes: Outcome[]): void {
  const seen = new Set<string>();
  const examples: Outcome[] = [];
  for (const o of outcomes) {
    if (o.outcome !== 'refused') continue;
    // One line per reason: what is wrong, with key specs, hashes and material kinds folded.
    const why = o
      .reason!.split(' — ')[0]!
      .replaceAll(o.keySpec, 'X')
      .replace(/_SHA_(1|256)\b/g, '')
      .replace(/\((symmetric|HMAC)\)/, '(raw)')
      .replaceAll(o.wrappingKeySpec, 'W')
      .replace(/\(\d+ bytes at most\)/, '');
    const key = `${o.region}:${o.code}:${why}`;
    if (seen.has(key)) continue;
    seen.add(key);
    examples.push(o);
  }
  line(io.stdout);
  line(io.stdout, 'Why combinations are refused (one example of each):');
  for (const o of examples.slice(0, 14)) line(io.stdout, `  [${o.region}] ${o.code}: ${o.reason}`);
  if (examples.length > 14) line(io.stdout, `  … and ${examples.length - 14} more kinds (kms-wrap demo --json lists every combination)`);
}
