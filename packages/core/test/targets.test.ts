/**
 * Targets beyond AWS: Google Cloud KMS, Azure Key Vault BYOK, HashiCorp Vault transit.
 *   1. The accepted/refused matrix of each target, computed here from the providers' pages
 *      independently of src/target-*.ts, compared with judge() for every material spec ×
 *      algorithm × wrapping key spec; every refusal names the target's rule and a way out.
 *   2. Named refusals through the engine, with their codes and sentences.
 *   3. Envelopes: Cloud KMS's raw wrapped key, Azure's .byok JSON, Vault's base64; next commands.
 *   4. The real peer: the OpenSSL CLI unwraps each target's output to the exact material.
 * The constructions here are node:crypto ones with the standard plugins' ids (core cannot
 * depend on the algorithm packages): the point is that the same plugins serve every target.
 */
import { execFileSync } from 'node:child_process';
import { constants, createCipheriv, createPublicKey, publicEncrypt, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  AWS_KMS,
  AWS_KMS_RULES,
  AZURE_KEY_VAULT,
  ERROR_CODES,
  GCP_KMS,
  KmsWrapError,
  MATERIAL_SPECS,
  TARGETS,
  TARGET_IDS,
  VAULT_TRANSIT,
  WRAPPING_KEY_SPECS,
  checkTargetOptions,
  createWrapper,
  fitsTarget,
  inspectMaterial,
  parseTarget,
  targetsForWrappingKey,
  type MaterialSpec,
  type Target,
  type WrapResult,
  type WrappingAlgorithm,
  type WrappingKeySpec,
} from '../src/index.js';
import { awsCliExpands, awsImportCommand, judge } from '../src/internal.js';
import type { Surface } from '../src/surface.js';
import { keys, type Pair } from './keys.js';
import { STAND_INS, randomOnlyProvider } from './plugins.js';

const k = await keys();
const dir = mkdtempSync(join(tmpdir(), 'kms-wrap-core-targets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// ---- material of every spec -------------------------------------------------------------------

const RAW: Partial<Record<MaterialSpec, number>> = { SYMMETRIC_DEFAULT: 32, HMAC_224: 28, HMAC_256: 32, HMAC_384: 48, HMAC_512: 64 };
const PKCS8: Partial<Record<MaterialSpec, Pair>> = {
  RSA_2048: k.rsa2048,
  RSA_3072: k.rsa3072,
  RSA_4096: k.rsa4096,
  ECC_NIST_P256: k.p256,
  ECC_NIST_P384: k.p384,
  ECC_NIST_P521: k.p521,
  ECC_SECG_P256K1: k.secp256k1,
  ED25519: k.ed25519,
};
function lengthOf(s: MaterialSpec): number {
  return RAW[s] ?? (s === 'SM2' ? k.sm2.pkcs8.length : PKCS8[s]!.pkcs8.length);
}
const KEYS: Record<string, Pair> = { RSA_2048: k.rsa2048, RSA_3072: k.rsa3072, RSA_4096: k.rsa4096 };
const K: Record<WrappingKeySpec, number> = { RSA_2048: 256, RSA_3072: 384, RSA_4096: 512, SM2: 0 };
const oaepCap = (w: WrappingKeySpec, hLen: number) => K[w] - 2 * hLen - 2;

// ---- the providers' pages, as data (independent of src/target-*.ts) ------------------------------

type Expect = (spec: MaterialSpec, algorithm: string, w: WrappingKeySpec) => boolean;

/**
 * Cloud KMS: formatting-keys-for-import (32-byte symmetric, HMAC of the hash's length, PKCS#8
 * asymmetric); algorithms (no P-521, no SM2, Ed25519 not covered); ImportMethod (3072/4096
 * import job keys; the direct methods "cannot be used to wrap RSA keys" — OAEP-SHA-256 capacity).
 */
const GCP_SPECS: readonly MaterialSpec[] = [
  'SYMMETRIC_DEFAULT',
  'HMAC_224',
  'HMAC_256',
  'HMAC_384',
  'HMAC_512',
  'RSA_2048',
  'RSA_3072',
  'RSA_4096',
  'ECC_NIST_P256',
  'ECC_NIST_P384',
  'ECC_SECG_P256K1',
];
const gcpExpect: Expect = (spec, algorithm, w) => {
  if (!GCP_SPECS.includes(spec)) return false;
  const m = /^RSA_OAEP_(3072|4096)_SHA(1|256)(_AES_256)?$/.exec(algorithm);
  if (!m || w !== `RSA_${m[1]}`) return false;
  if (m[3]) return true;
  return lengthOf(spec) <= oaepCap(w, 32);
};

/** Azure BYOK specification: RSA-HSM KEK 2048/3072/4096; target RSA, EC (P-256/384/521), AES (Managed HSM). */
const AZURE_SPECS: readonly MaterialSpec[] = [
  'SYMMETRIC_DEFAULT',
  'RSA_2048',
  'RSA_3072',
  'RSA_4096',
  'ECC_NIST_P256',
  'ECC_NIST_P384',
  'ECC_NIST_P521',
];
const azureExpect: Expect = (spec, algorithm, w) => algorithm === 'CKM_RSA_AES_KEY_WRAP' && AZURE_SPECS.includes(spec) && w !== 'SM2';

/** Vault transit import: RSA-4096 wrapping key; aes256 (32), hmac (32..512), rsa-*, ecdsa-p256/384/521, ed25519. */
const VAULT_SPECS: readonly MaterialSpec[] = [
  'SYMMETRIC_DEFAULT',
  'HMAC_256',
  'HMAC_384',
  'HMAC_512',
  'RSA_2048',
  'RSA_3072',
  'RSA_4096',
  'ECC_NIST_P256',
  'ECC_NIST_P384',
  'ECC_NIST_P521',
  'ED25519',
];
const vaultExpect: Expect = (spec, algorithm, w) =>
  (algorithm === 'SHA256' || algorithm === 'SHA1') && VAULT_SPECS.includes(spec) && w === 'RSA_4096';

const EXPECT: Record<'gcp' | 'azure' | 'vault', { target: Target; expect: Expect; algorithms: string[] }> = {
  gcp: {
    target: GCP_KMS,
    expect: gcpExpect,
    algorithms: [
      'RSA_OAEP_3072_SHA256_AES_256',
      'RSA_OAEP_4096_SHA256_AES_256',
      'RSA_OAEP_3072_SHA256',
      'RSA_OAEP_4096_SHA256',
      'RSA_OAEP_3072_SHA1_AES_256',
      'RSA_OAEP_4096_SHA1_AES_256',
    ],
  },
  azure: { target: AZURE_KEY_VAULT, expect: azureExpect, algorithms: ['CKM_RSA_AES_KEY_WRAP'] },
  vault: { target: VAULT_TRANSIT, expect: vaultExpect, algorithms: ['SHA256', 'SHA1'] },
};

const plugins = new Map(STAND_INS.map((p) => [p.id, p]));

describe('the matrix of each target', () => {
  for (const [id, { target, expect: expected, algorithms }] of Object.entries(EXPECT)) {
    it(`${id}: algorithms in the target's own names, in preference order`, () => {
      expect(Object.keys(target.rules.algorithms)).toEqual(algorithms);
      expect(Object.keys(target.rules.keySpecs ?? {}).sort()).toEqual(
        [...(id === 'gcp' ? GCP_SPECS : id === 'azure' ? AZURE_SPECS : VAULT_SPECS)].sort(),
      );
    });

    it(`${id}: judge() agrees with the provider's pages for every material × algorithm × wrapping key`, () => {
      const disagreements: string[] = [];
      let accepted = 0;
      let refused = 0;
      for (const spec of MATERIAL_SPECS) {
        for (const algorithm of algorithms) {
          for (const w of WRAPPING_KEY_SPECS) {
            const refusal = judge(
              { rules: target.rules, plugins },
              { algorithm, keySpec: spec, materialLength: lengthOf(spec), wrappingKeySpec: w, region: 'standard' },
            );
            const want = expected(spec, algorithm, w);
            if (want !== (refusal === undefined))
              disagreements.push(
                `${spec} ${algorithm} ${w}: expected ${want ? 'accepted' : 'refused'}, got ${refusal?.message ?? 'accepted'}`,
              );
            if (refusal) {
              refused++;
              // The reason names the target's rule (its name, the algorithm or the material) and, after the dash, a way out.
              expect(refusal).toBeInstanceOf(KmsWrapError);
              expect(refusal.message, refusal.message).toMatch(new RegExp(`${target.name}|${algorithm}|${spec}`));
              expect(refusal.message, refusal.message).toMatch(/ — \S/);
            } else accepted++;
          }
        }
      }
      expect(disagreements).toEqual([]);
      expect(accepted).toBeGreaterThan(0);
      expect(refused).toBeGreaterThan(0);
    });
  }

  it('AWS KMS is unchanged: the AWS vocabulary, no key spec list of its own, and Ed25519 refused', () => {
    expect(AWS_KMS.rules).toBe(AWS_KMS_RULES);
    expect(AWS_KMS_RULES.keySpecs).toBeUndefined();
    expect(Object.keys(AWS_KMS_RULES.algorithms)).toEqual([
      'RSA_AES_KEY_WRAP_SHA_256',
      'RSA_AES_KEY_WRAP_SHA_1',
      'RSAES_OAEP_SHA_256',
      'RSAES_OAEP_SHA_1',
      'SM2PKE',
    ]);
    const r = judge(
      { rules: AWS_KMS_RULES, plugins },
      { algorithm: 'RSA_AES_KEY_WRAP_SHA_256', keySpec: 'ED25519', materialLength: 48, wrappingKeySpec: 'RSA_4096', region: 'standard' },
    );
    expect(r?.code).toBe(ERROR_CODES.KEY_SPEC_UNSUPPORTED);
    // One sentence, worded where it is read: an option for a program, a flag at the command line, a choice on the page.
    expect(r?.message).toMatch(/ — import an Ed25519 key into Vault transit \(target: 'vault'\)$/);
    const at = (surface: Surface) =>
      judge(
        { rules: AWS_KMS_RULES, plugins, surface },
        { algorithm: 'RSA_AES_KEY_WRAP_SHA_256', keySpec: 'ED25519', materialLength: 48, wrappingKeySpec: 'RSA_4096', region: 'standard' },
      )?.message;
    expect(at('command-line')).toMatch(/\(--target vault\)$/);
    expect(at('page')).toMatch(/\(choose “Vault transit” under Where the key goes\)$/);
  });

  it("a target's refusal of an algorithm it does not know lists its own algorithms, never the constructions' ids", () => {
    for (const { target, algorithms } of Object.values(EXPECT)) {
      const r = judge(
        { rules: target.rules, plugins },
        {
          algorithm: 'RSAES_OAEP_SHA_256',
          keySpec: 'SYMMETRIC_DEFAULT',
          materialLength: 32,
          wrappingKeySpec: 'RSA_4096',
          region: 'standard',
        },
      );
      expect(r?.code).toBe(ERROR_CODES.UNKNOWN_NAME);
      expect(r?.message).toBe(
        `'RSAES_OAEP_SHA_256' is not a wrapping algorithm ${target.name} accepts — use ${algorithms.length === 1 ? algorithms[0] : `${algorithms.slice(0, -1).join(', ')} or ${algorithms.at(-1)}`}`,
      );
    }
  });
});

// ---- through the engine --------------------------------------------------------------------------

const engine = (target: Target, algorithms: readonly WrappingAlgorithm[] = STAND_INS) =>
  createWrapper({ algorithms, crypto: randomOnlyProvider, target });

function refusal(fn: () => unknown): KmsWrapError {
  try {
    fn();
  } catch (e) {
    if (e instanceof KmsWrapError) return e;
    throw e;
  }
  throw new Error('expected a refusal');
}

describe('refusals through the engine, each with its reason and way out', () => {
  it('every standard plugin (SM2PKE too) can be given to any target; a third-party id without accepts still cannot', () => {
    for (const id of TARGET_IDS) expect(() => engine(TARGETS[id])).not.toThrow();
    const stray: WrappingAlgorithm = { ...STAND_INS[0]!, id: 'XOR_DEMO' };
    expect(refusal(() => engine(GCP_KMS, [...STAND_INS, stray])).code).toBe(ERROR_CODES.PLUGIN_INVALID);
  });

  it("options() calls another target's algorithm available when the plugin of its construction was given", () => {
    for (const t of [GCP_KMS, AZURE_KEY_VAULT, VAULT_TRANSIT]) {
      const options = engine(t).options({ material: k.p256.pkcs8, wrappingPublicKey: k.rsa4096.spki });
      const accepted = options.filter((o) => o.accepted);
      expect(accepted.length, t.id).toBeGreaterThan(0);
      for (const o of accepted) expect(o, `${t.id} ${o.algorithm}`).toMatchObject({ available: true });
    }
    const without = engine(
      AZURE_KEY_VAULT,
      STAND_INS.filter((a) => !a.id.startsWith('RSA_AES_KEY_WRAP')),
    );
    expect(without.options({ material: k.p256.pkcs8, wrappingPublicKey: k.rsa4096.spki })).toEqual([
      { algorithm: 'CKM_RSA_AES_KEY_WRAP', accepted: true, available: false },
    ]);
  });

  it('gcp: an RSA key does not fit a direct RSA_OAEP method — the capacity, and the _AES_256 method to use', () => {
    const e = refusal(() =>
      engine(GCP_KMS).check({ material: k.rsa2048.pkcs8, wrappingPublicKey: k.rsa3072.spki, algorithm: 'RSA_OAEP_3072_SHA256' }),
    );
    expect(e.code).toBe(ERROR_CODES.CAPACITY_EXCEEDED);
    expect(e.message).toBe(
      `RSA_2048 material (${k.rsa2048.pkcs8.length} bytes) does not fit RSA_OAEP_3072_SHA256 under an RSA_3072 wrapping key (318 bytes at most) — use RSA_OAEP_3072_SHA256_AES_256`,
    );
  });

  it('gcp: an import job key of the other size — the method that matches it', () => {
    const e = refusal(() =>
      engine(GCP_KMS).check({ material: k.p256.pkcs8, wrappingPublicKey: k.rsa4096.spki, algorithm: 'RSA_OAEP_3072_SHA256_AES_256' }),
    );
    expect(e.code).toBe(ERROR_CODES.PUBLIC_KEY_TYPE);
    expect(e.message).toBe(
      'RSA_OAEP_3072_SHA256_AES_256 needs an RSA_3072 wrapping key, and this one is RSA_4096 — use RSA_OAEP_4096_SHA256_AES_256, or an RSA_3072 wrapping key',
    );
  });

  it('gcp: an RSA_2048 wrapping key fits no import method — the key size the method needs', () => {
    const e = refusal(() =>
      engine(GCP_KMS).check({ material: k.p256.pkcs8, wrappingPublicKey: k.rsa2048.spki, algorithm: 'RSA_OAEP_3072_SHA256_AES_256' }),
    );
    expect(e.code).toBe(ERROR_CODES.PUBLIC_KEY_TYPE);
    expect(e.message).toBe(
      'RSA_OAEP_3072_SHA256_AES_256 needs an RSA_3072 wrapping key, and this one is RSA_2048 — use an RSA_3072 wrapping key',
    );
  });

  it('gcp: P-521 and Ed25519 keys — Cloud KMS has no such algorithm; the targets that take them', () => {
    const p521 = refusal(() =>
      engine(GCP_KMS).check({ material: k.p521.pkcs8, wrappingPublicKey: k.rsa3072.spki, algorithm: 'RSA_OAEP_3072_SHA256_AES_256' }),
    );
    expect(p521.code).toBe(ERROR_CODES.KEY_SPEC_UNSUPPORTED);
    expect(p521.message).toMatch(
      /^Google Cloud KMS does not import ECC_NIST_P521 material \(ECC private key\): Cloud KMS has no algorithm on the P-521 curve .* — import a P-521 key into AWS KMS, Azure Key Vault or Vault transit \(target: 'aws', 'azure' or 'vault'\)/,
    );
    const sm2 = (surface: Surface) =>
      refusal(() =>
        engine(GCP_KMS).check({
          material: k.sm2.pkcs8,
          wrappingPublicKey: k.rsa3072.spki,
          algorithm: 'RSA_OAEP_3072_SHA1_AES_256',
          surface,
        }),
      ).message;
    expect(sm2('command-line')).toMatch(/AWS KMS in the China Regions \(--target aws --region china\)$/);
    expect(sm2('library')).toMatch(/AWS KMS in the China Regions \(target: 'aws', region: 'china'\)$/);
    expect(sm2('page')).toMatch(
      /AWS KMS in the China Regions \(choose “AWS KMS” under Where the key goes, then choose “AWS China Regions” under Region of the KMS key\)$/,
    );
    const ed = refusal(() =>
      engine(GCP_KMS).check({ material: k.ed25519.pkcs8, wrappingPublicKey: k.rsa3072.spki, algorithm: 'RSA_OAEP_3072_SHA256_AES_256' }),
    );
    expect(ed.code).toBe(ERROR_CODES.KEY_SPEC_UNSUPPORTED);
    expect(ed.message).toContain("(target: 'vault')");
  });

  it('azure: HMAC and secp256k1 material — Key Vault has no such keys; raw 32 bytes are taken as the AES key', () => {
    const hmac = refusal(() =>
      engine(AZURE_KEY_VAULT).check({ material: randomBytes(48), wrappingPublicKey: k.rsa2048.spki, algorithm: 'CKM_RSA_AES_KEY_WRAP' }),
    );
    expect(hmac.code).toBe(ERROR_CODES.KEY_SPEC_UNSUPPORTED);
    expect(hmac.message).toMatch(
      /^Azure Key Vault does not import HMAC_384 material \(HMAC\): Azure Key Vault has no HMAC keys .* — import HMAC keys into AWS KMS, Cloud KMS or Vault transit/,
    );
    const k1 = refusal(() =>
      engine(AZURE_KEY_VAULT).check({ material: k.secp256k1.pkcs8, wrappingPublicKey: k.rsa2048.spki, algorithm: 'CKM_RSA_AES_KEY_WRAP' }),
    );
    expect(k1.message).toContain('P-256, P-384 and P-521');
    const plan = engine(AZURE_KEY_VAULT).check({
      material: randomBytes(32),
      wrappingPublicKey: k.rsa2048.spki,
      algorithm: 'CKM_RSA_AES_KEY_WRAP',
    });
    expect(plan.material.candidates).toEqual(['SYMMETRIC_DEFAULT']);
    expect(plan.material.keySpec).toBe('SYMMETRIC_DEFAULT');
    expect(plan.algorithm.id).toBe('RSA_AES_KEY_WRAP_SHA_1');
  });

  it("vault: only Vault's RSA-4096 wrapping key; HMAC keys of 32 bytes or more; no secp256k1", () => {
    const small = refusal(() =>
      engine(VAULT_TRANSIT).check({ material: k.p256.pkcs8, wrappingPublicKey: k.rsa2048.spki, algorithm: 'SHA256' }),
    );
    expect(small.code).toBe(ERROR_CODES.PUBLIC_KEY_TYPE);
    expect(small.message).toBe('SHA256 needs an RSA_4096 wrapping key, and this one is RSA_2048 — use an RSA_4096 wrapping key');
    const h224 = refusal(() =>
      engine(VAULT_TRANSIT).check({ material: randomBytes(28), wrappingPublicKey: k.rsa4096.spki, algorithm: 'SHA256' }),
    );
    expect(h224.code).toBe(ERROR_CODES.KEY_SPEC_UNSUPPORTED);
    expect(h224.message).toContain('32 to 512 bytes');
    const k1 = refusal(() =>
      engine(VAULT_TRANSIT).check({ material: k.secp256k1.pkcs8, wrappingPublicKey: k.rsa4096.spki, algorithm: 'SHA1' }),
    );
    expect(k1.message).toContain('no secp256k1 keys');
  });

  it('vault: an Ed25519 PKCS#8 key is accepted as ED25519; AWS KMS still refuses it as before', () => {
    const plan = engine(VAULT_TRANSIT).check({ material: k.ed25519.pkcs8, wrappingPublicKey: k.rsa4096.spki, algorithm: 'SHA256' });
    expect(plan.material).toMatchObject({ format: 'pkcs8-der', kind: 'ed25519', keySpec: 'ED25519', candidates: ['ED25519'], length: 48 });
    for (const w of [createWrapper({ algorithms: STAND_INS, crypto: randomOnlyProvider }), engine(AWS_KMS)]) {
      const e = refusal(() =>
        w.check({ material: k.ed25519.pkcs8, wrappingPublicKey: k.rsa4096.spki, algorithm: 'RSA_AES_KEY_WRAP_SHA_256' }),
      );
      expect(e.code).toBe(ERROR_CODES.KEY_SPEC_UNSUPPORTED);
      expect(e.message).toMatch(/^the material is an Ed25519 private key, which AWS KMS cannot import — /);
    }
    expect(refusal(() => inspectMaterial(k.ed25519.pkcs8)).message).toContain('which AWS KMS cannot import');
    expect(inspectMaterial(k.ed25519.pkcs8, { keySpecs: MATERIAL_SPECS }).keySpec).toBe('ED25519');
    expect(refusal(() => inspectMaterial(k.ed25519.pkcs8, { keySpec: 'ED25519' })).code).toBe(ERROR_CODES.UNKNOWN_NAME);
  });

  it('an Ed25519 PKCS#8 that breaks RFC 8410 (parameters present) is refused as malformed', () => {
    // SEQUENCE { INTEGER 0, SEQUENCE { OID 1.3.101.112, NULL }, OCTET STRING { OCTET STRING (32) } }
    const seed = randomBytes(32);
    const bad = Buffer.concat([Buffer.from('3030020100300706032b6570050004220420', 'hex'), seed]);
    const e = refusal(() => inspectMaterial(bad, { keySpecs: MATERIAL_SPECS }));
    expect(e.code).toBe(ERROR_CODES.MATERIAL_INVALID);
    expect(e.message).toContain('RFC 8410');
  });

  it('rules or a target, not both', () => {
    expect(
      refusal(() => createWrapper({ algorithms: STAND_INS, crypto: randomOnlyProvider, rules: AWS_KMS_RULES, target: VAULT_TRANSIT })).code,
    ).toBe(ERROR_CODES.PLUGIN_INVALID);
  });
});

describe('which targets take what', () => {
  it('fitsTarget: a P-521 key fits aws, azure and vault, and says why not gcp', () => {
    const info = { candidates: ['ECC_NIST_P521' as const], length: k.p521.pkcs8.length };
    const fits = TARGET_IDS.map((id) => fitsTarget(TARGETS[id], info, plugins));
    expect(fits.filter((f) => f.fits).map((f) => f.target)).toEqual(['aws', 'azure', 'vault']);
    expect(fits.find((f) => f.target === 'gcp')!.reason).toContain('P-521');
    expect(fits.find((f) => f.target === 'vault')!.targetNames).toEqual(['ecdsa-p521']);
  });

  it('targetsForWrappingKey: RSA_2048 is for aws and azure; RSA_4096 for all four', () => {
    expect(targetsForWrappingKey('RSA_2048').map((t) => t.target)).toEqual(['aws', 'azure']);
    expect(targetsForWrappingKey('RSA_4096').map((t) => t.target)).toEqual(['aws', 'gcp', 'azure', 'vault']);
  });

  it('parseTarget: ids and common names; an unknown one lists the four', () => {
    expect(parseTarget('GCP')).toBe(GCP_KMS);
    expect(parseTarget('google')).toBe(GCP_KMS);
    expect(parseTarget('az')).toBe(AZURE_KEY_VAULT);
    expect(parseTarget('transit')).toBe(VAULT_TRANSIT);
    const e = refusal(() => parseTarget('oci'));
    expect(e.code).toBe(ERROR_CODES.UNKNOWN_NAME);
    expect(e.message).toBe(
      "'oci' is not a target — use aws, gcp, azure or vault (AWS KMS, Google Cloud KMS, Azure Key Vault, HashiCorp Vault transit)",
    );
  });
});

// ---- envelopes -----------------------------------------------------------------------------------

const fakeResult = (over: Partial<WrapResult> = {}): WrapResult => ({
  ciphertext: new Uint8Array(randomBytes(256 + 40)),
  algorithm: 'CKM_RSA_AES_KEY_WRAP',
  construction: 'RSA_AES_KEY_WRAP_SHA_1',
  keySpec: 'RSA_2048',
  keySpecCandidates: ['RSA_2048'],
  materialFormat: 'pkcs8-der',
  wrappingKeySpec: 'RSA_2048',
  region: 'standard',
  ...over,
});
const KID = 'https://contoso-kv.vault.azure.net/keys/KEKforBYOK/0123456789abcdef0123456789abcdef';
const HSM_KID = 'https://contoso-hsm.managedhsm.azure.net/keys/KEKforBYOK/0123456789abcdef';
const fromB64url = (s: string) => Buffer.from(s.replace(/-/g, '+').replace(/_/g, '/'), 'base64');

describe('envelopes and next commands', () => {
  it('azure: the .byok JSON of the BYOK specification; base64url ciphertext that decodes to the wrapped bytes', () => {
    const r = fakeResult();
    const env = AZURE_KEY_VAULT.envelope(r, { options: { kekId: KID, keyName: 'ContosoFirstHSMkey' }, generator: 'kms-wrap/9.9.9' });
    expect(env.fileName).toBe('key.byok');
    expect(env.format).toBe('json');
    const text = Buffer.from(env.bytes).toString('utf8');
    const blob = JSON.parse(text);
    expect(Object.keys(blob)).toEqual(['schema_version', 'header', 'ciphertext', 'generator']);
    expect(blob).toEqual({
      schema_version: '1.0.0',
      header: { kid: KID, alg: 'dir', enc: 'CKM_RSA_AES_KEY_WRAP' },
      ciphertext: blob.ciphertext,
      generator: 'kms-wrap/9.9.9',
    });
    expect(blob.ciphertext).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(new Uint8Array(fromB64url(blob.ciphertext))).toEqual(r.ciphertext);
    expect(env.nextCommand).toBe('az keyvault key import --vault-name contoso-kv --name ContosoFirstHSMkey --byok-file key.byok');
  });

  it('azure: EC keys get --kty EC-HSM --curve-name; AES keys need a Managed HSM (--hsm-name from its kid)', () => {
    const ec = AZURE_KEY_VAULT.envelope(fakeResult({ keySpec: 'ECC_NIST_P384', keySpecCandidates: ['ECC_NIST_P384'] }), {
      options: { kekId: KID },
      fileName: 'out/p384.byok',
    });
    expect(ec.nextCommand).toBe(
      '# set KEY_NAME first: the name of the key to create\n' +
        'az keyvault key import --vault-name contoso-kv --name "$KEY_NAME" --kty EC-HSM --curve-name P-384 --byok-file out/p384.byok',
    );
    expect(ec.placeholders).toEqual([{ name: 'KEY_NAME', description: 'the name of the key to create' }]);
    const aes = fakeResult({ keySpec: 'SYMMETRIC_DEFAULT', keySpecCandidates: ['SYMMETRIC_DEFAULT'], materialFormat: 'raw' });
    expect(AZURE_KEY_VAULT.envelope(aes, { options: { kekId: HSM_KID, keyName: 'aes1' } }).nextCommand).toBe(
      'az keyvault key import --hsm-name contoso-hsm --name aes1 --kty oct-HSM --byok-file key.byok',
    );
    const e = refusal(() => AZURE_KEY_VAULT.envelope(aes, { options: { kekId: KID } }));
    expect(e.code).toBe(ERROR_CODES.COMBINATION_REJECTED);
    expect(e.message).toContain('only into a Managed HSM');
  });

  it('azure: the KEK id is required, must be a Key Vault key identifier, and names the vault imported into', () => {
    const r = fakeResult();
    const missing = refusal(() => AZURE_KEY_VAULT.envelope(r));
    expect(missing.code).toBe(ERROR_CODES.TARGET_OPTION_INVALID);
    expect(missing.message).toMatch(/^Azure Key Vault needs --kek-id: .* \(see docs\/targets\/azure\.md\)$/);
    const bad = refusal(() => AZURE_KEY_VAULT.envelope(r, { options: { kekId: 'KEKforBYOK' } }));
    expect(bad.code).toBe(ERROR_CODES.TARGET_OPTION_INVALID);
    expect(bad.message).toContain('az keyvault key show');
    const other = refusal(() => AZURE_KEY_VAULT.envelope(r, { options: { kekId: KID, vaultName: 'elsewhere' } }));
    expect(other.message).toContain('imports only into the vault that holds the KEK');
  });

  it('vault: base64 (standard alphabet, no newline) of RSA part || KWP part; hash_function and type in the command', () => {
    const r = fakeResult({
      ciphertext: new Uint8Array(randomBytes(512 + 56)),
      algorithm: 'SHA1',
      keySpec: 'ED25519',
      keySpecCandidates: ['ED25519'],
      wrappingKeySpec: 'RSA_4096',
    });
    const env = VAULT_TRANSIT.envelope(r, { options: { keyName: 'signer' } });
    const text = Buffer.from(env.bytes).toString('ascii');
    expect(text).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(new Uint8Array(Buffer.from(text, 'base64'))).toEqual(r.ciphertext);
    expect(env.fileName).toBe('ciphertext.b64');
    expect(env.nextCommand).toBe('vault write transit/keys/signer/import ciphertext=@ciphertext.b64 hash_function=SHA1 type=ed25519');
    const raw = VAULT_TRANSIT.envelope(
      fakeResult({ algorithm: 'SHA256', keySpec: undefined, keySpecCandidates: ['SYMMETRIC_DEFAULT', 'HMAC_256'] }),
      { options: { mount: 'kms/transit' } },
    );
    expect(raw.nextCommand).toBe(
      '# set KEY_NAME first: the name of the transit key to create\n' +
        "# set KEY_TYPE first: the key's type: aes256-gcm96 or hmac, by what the material is\n" +
        'vault write kms/transit/keys/"$KEY_NAME"/import ciphertext=@ciphertext.b64 hash_function=SHA256 type="$KEY_TYPE"',
    );
  });

  it('gcp: the wrapped bytes as they are; the gcloud command with the key version algorithm', () => {
    const r = fakeResult({
      algorithm: 'RSA_OAEP_3072_SHA256_AES_256',
      keySpec: 'ECC_SECG_P256K1',
      keySpecCandidates: ['ECC_SECG_P256K1'],
      wrappingKeySpec: 'RSA_3072',
    });
    const env = GCP_KMS.envelope(r, { options: { location: 'global', keyRing: 'fellowship', keyName: 'frodo', importJob: 'strider' } });
    expect(env.bytes).toBe(r.ciphertext);
    expect(env.nextCommand).toBe(
      'gcloud kms keys versions import --location global --keyring fellowship --key frodo --import-job strider --algorithm ec-sign-secp256k1-sha256 --wrapped-key-file wrapped-key.bin',
    );
    const other = GCP_KMS.envelope(fakeResult({ keySpec: 'RSA_3072', keySpecCandidates: ['RSA_3072'] }), {
      options: { keyAlgorithm: 'rsa-decrypt-oaep-3072-sha256' },
      fileName: 'my key.bin',
    });
    expect(other.placeholders?.map((p) => p.name)).toEqual(['LOCATION', 'KEY_RING', 'KEY', 'IMPORT_JOB']);
    expect(other.nextCommand.split('\n').pop()).toBe(
      'gcloud kms keys versions import --location "$LOCATION" --keyring "$KEY_RING" --key "$KEY" --import-job "$IMPORT_JOB" --algorithm rsa-decrypt-oaep-3072-sha256 --wrapped-key-file \'my key.bin\'',
    );
  });

  it('aws: the bytes as they are, and the aws kms import-key-material command the CLI has always printed', () => {
    const r = fakeResult({ algorithm: 'RSAES_OAEP_SHA_256' });
    const env = AWS_KMS.envelope(r, { options: { keyId: 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab' } });
    expect(env.bytes).toBe(r.ciphertext);
    expect(env.nextCommand).toBe(
      'aws kms import-key-material --key-id arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab --encrypted-key-material fileb://EncryptedKeyMaterial.bin --import-token fileb://ImportToken.bin --expiration-model KEY_MATERIAL_DOES_NOT_EXPIRE',
    );
    expect(env.placeholders).toEqual([]);
    expect(awsImportCommand({ file: 'a b.bin', validTo: '2030-01-31T00:00:00Z' })).toBe(
      '# set KEY_ID first: the KMS key (key id, ARN or alias) the material is for, e.g. KEY_ID=1234abcd-12ab-34cd-56ef-1234567890ab\n' +
        'aws kms import-key-material --key-id "$KEY_ID" --encrypted-key-material \'fileb://a b.bin\' --import-token fileb://ImportToken.bin --expiration-model KEY_MATERIAL_EXPIRES --valid-to 2030-01-31T00:00:00Z',
    );
  });

  it('awsCliExpands: names the AWS CLI would expand inside fileb:// ($VAR, ${VAR}, a leading ~), and nothing else', () => {
    expect(awsCliExpands("it's $HOME.bin")).toMatch(/expands \$ in fileb:\/\/ paths itself/);
    expect(awsCliExpands('out/${USER}.bin')).toMatch(/expands \$/);
    expect(awsCliExpands('~x.bin')).toMatch(/leading ~/);
    for (const fine of ['a b.bin', 'cost$.bin', 'x~y.bin', "it's.bin", '/tmp/EncryptedKeyMaterial.bin'])
      expect(awsCliExpands(fine)).toBeUndefined();
  });

  it("an option of another target's is refused with the target's own options", () => {
    const e = refusal(() => checkTargetOptions(VAULT_TRANSIT, { kekId: KID }));
    expect(e.code).toBe(ERROR_CODES.TARGET_OPTION_INVALID);
    expect(e.message).toBe('kekId is not an option of Vault transit — its options are --key-name, --mount (see docs/targets/vault.md)');
  });

  it('names options the way the caller asks (a field on the page, an option in code), --flags by default', () => {
    const field = (o: { name: string }) => `the field ${o.name}`;
    expect(refusal(() => checkTargetOptions(AZURE_KEY_VAULT, {}, field)).message).toMatch(/^Azure Key Vault needs the field kekId: /);
    expect(refusal(() => checkTargetOptions(AZURE_KEY_VAULT, {})).message).toMatch(/^Azure Key Vault needs --kek-id: /);
    expect(refusal(() => checkTargetOptions(VAULT_TRANSIT, { kekId: KID }, field)).message).toBe(
      'kekId is not an option of Vault transit — its options are the field keyName, the field mount (see docs/targets/vault.md)',
    );
  });
});

// ---- the real peer: OpenSSL unwraps what each target's envelope holds ------------------------------

/** The two constructions over node:crypto, under the standard plugins' ids. */
function oaepPlugin(id: string, hash: 'sha1' | 'sha256'): WrappingAlgorithm {
  const hLen = hash === 'sha1' ? 20 : 32;
  return {
    ...STAND_INS.find((p) => p.id === id)!,
    capacity: (w) => oaepCap(w, hLen),
    wrap: async ({ material, wrappingKey }) => oaep(wrappingKey.spki, hash, material),
  };
}
function keyWrapPlugin(id: string, hash: 'sha1' | 'sha256'): WrappingAlgorithm {
  return {
    ...STAND_INS.find((p) => p.id === id)!,
    outputLength: (w, n) => K[w] + Math.ceil(n / 8) * 8 + 8,
    wrap: async ({ material, wrappingKey }) => {
      const aes = randomBytes(32);
      // RFC 5649 §4.1, id-aes256-wrap-pad with the AIV's constant half A65959A6.
      const c = createCipheriv('id-aes256-wrap-pad', aes, Buffer.from('A65959A6', 'hex'));
      const kwp = Buffer.concat([c.update(material), c.final()]);
      const out = Buffer.concat([oaep(wrappingKey.spki, hash, aes), kwp]);
      aes.fill(0);
      return new Uint8Array(out);
    },
  };
}
function oaep(spki: Uint8Array, hash: string, data: Uint8Array): Uint8Array {
  const key = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
  return new Uint8Array(publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash }, data));
}
const REAL: readonly WrappingAlgorithm[] = [
  keyWrapPlugin('RSA_AES_KEY_WRAP_SHA_256', 'sha256'),
  keyWrapPlugin('RSA_AES_KEY_WRAP_SHA_1', 'sha1'),
  oaepPlugin('RSAES_OAEP_SHA_256', 'sha256'),
  oaepPlugin('RSAES_OAEP_SHA_1', 'sha1'),
];

let n = 0;
function file(bytes: Uint8Array): string {
  const path = join(dir, `f${n++}`);
  writeFileSync(path, bytes);
  return path;
}
function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
}
function pem(pair: Pair): string {
  return file(pair.pkcs8);
}
/** openssl pkeyutl -decrypt with OAEP and the hash, both MGF1 and the label hash. */
function opensslOaepDecrypt(ciphertext: Uint8Array, key: Pair, hash: 'sha1' | 'sha256'): Buffer {
  const out = join(dir, `d${n++}`);
  openssl([
    'pkeyutl',
    '-decrypt',
    '-keyform',
    'DER',
    '-inkey',
    pem(key),
    '-pkeyopt',
    'rsa_padding_mode:oaep',
    '-pkeyopt',
    `rsa_oaep_md:${hash}`,
    '-pkeyopt',
    `rsa_mgf1_md:${hash}`,
    '-in',
    file(ciphertext),
    '-out',
    out,
  ]);
  return readFileSync(out);
}
/** Split at k; the RSA part gives the AES key, `openssl enc -d -id-aes256-wrap-pad` the material. */
function opensslUnwrapKeyWrap(wrapped: Uint8Array, key: Pair, hash: 'sha1' | 'sha256'): Buffer {
  const kBytes =
    (createPublicKey({ key: Buffer.from(key.spki), format: 'der', type: 'spki' }).asymmetricKeyDetails!.modulusLength as number) / 8;
  const aes = opensslOaepDecrypt(wrapped.subarray(0, kBytes), key, hash);
  const out = join(dir, `m${n++}`);
  openssl([
    'enc',
    '-d',
    '-id-aes256-wrap-pad',
    '-K',
    aes.toString('hex'),
    '-iv',
    'A65959A6',
    '-in',
    file(wrapped.subarray(kBytes)),
    '-out',
    out,
  ]);
  return readFileSync(out);
}

describe("the OpenSSL CLI unwraps each target's output to the exact material", () => {
  const material = (spec: MaterialSpec) => (RAW[spec] ? new Uint8Array(randomBytes(RAW[spec]!)) : PKCS8[spec]!.pkcs8);

  const cases: { target: Target; algorithm: string; spec: MaterialSpec; key: string; hash: 'sha1' | 'sha256'; direct?: boolean }[] = [
    { target: GCP_KMS, algorithm: 'RSA_OAEP_3072_SHA256_AES_256', spec: 'RSA_2048', key: 'RSA_3072', hash: 'sha256' },
    { target: GCP_KMS, algorithm: 'RSA_OAEP_4096_SHA256_AES_256', spec: 'ECC_SECG_P256K1', key: 'RSA_4096', hash: 'sha256' },
    { target: GCP_KMS, algorithm: 'RSA_OAEP_3072_SHA1_AES_256', spec: 'HMAC_512', key: 'RSA_3072', hash: 'sha1' },
    { target: GCP_KMS, algorithm: 'RSA_OAEP_4096_SHA1_AES_256', spec: 'ECC_NIST_P384', key: 'RSA_4096', hash: 'sha1' },
    { target: GCP_KMS, algorithm: 'RSA_OAEP_3072_SHA256', spec: 'SYMMETRIC_DEFAULT', key: 'RSA_3072', hash: 'sha256', direct: true },
    { target: GCP_KMS, algorithm: 'RSA_OAEP_4096_SHA256', spec: 'ECC_NIST_P256', key: 'RSA_4096', hash: 'sha256', direct: true },
    { target: AZURE_KEY_VAULT, algorithm: 'CKM_RSA_AES_KEY_WRAP', spec: 'RSA_2048', key: 'RSA_2048', hash: 'sha1' },
    { target: AZURE_KEY_VAULT, algorithm: 'CKM_RSA_AES_KEY_WRAP', spec: 'ECC_NIST_P521', key: 'RSA_3072', hash: 'sha1' },
    { target: VAULT_TRANSIT, algorithm: 'SHA256', spec: 'ED25519', key: 'RSA_4096', hash: 'sha256' },
    { target: VAULT_TRANSIT, algorithm: 'SHA1', spec: 'RSA_3072', key: 'RSA_4096', hash: 'sha1' },
    { target: VAULT_TRANSIT, algorithm: 'SHA256', spec: 'HMAC_384', key: 'RSA_4096', hash: 'sha256' },
  ];

  for (const c of cases) {
    it(`${c.target.id} ${c.algorithm}: ${c.spec} under ${c.key}`, async () => {
      const m = material(c.spec);
      const w = engine(c.target, REAL);
      const result = await w.wrap({ material: m, wrappingPublicKey: KEYS[c.key]!.spki, algorithm: c.algorithm, keySpec: c.spec });
      expect(result.algorithm).toBe(c.algorithm);
      expect(result.construction).toBe(c.target.rules.algorithms[c.algorithm]!.construction);
      const env = c.target.envelope(result, { options: c.target === AZURE_KEY_VAULT ? { kekId: KID } : {} });
      // Out of the envelope: raw for Cloud KMS, base64url in the .byok JSON, base64 for Vault.
      const wrapped =
        env.format === 'json'
          ? new Uint8Array(fromB64url(JSON.parse(Buffer.from(env.bytes).toString('utf8')).ciphertext))
          : env.format === 'base64'
            ? new Uint8Array(Buffer.from(Buffer.from(env.bytes).toString('ascii'), 'base64'))
            : env.bytes;
      const back = c.direct ? opensslOaepDecrypt(wrapped, KEYS[c.key]!, c.hash) : opensslUnwrapKeyWrap(wrapped, KEYS[c.key]!, c.hash);
      expect(new Uint8Array(back)).toEqual(m);
    });
  }
});
