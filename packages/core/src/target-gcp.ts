/**
 * Google Cloud KMS import jobs as a target. Facts, from Google's pages:
 *   - Import methods (ImportJob.ImportMethod, cloud.google.com/kms/docs/reference/rest/v1/
 *     projects.locations.keyRings.importJobs#ImportMethod; cloud.google.com/kms/docs/key-wrapping):
 *     RSA_OAEP_{3072,4096}_SHA{1,256}_AES_256 are "the CKM_RSA_AES_KEY_WRAP key wrapping scheme
 *     defined in PKCS #11": a fresh AES key wraps the key with KWP (RFC 5649), the AES key is
 *     RSA-OAEP-encrypted under a 3072 or 4096-bit import job key. RSA_OAEP_{3072,4096}_SHA256
 *     are "RSAES-OAEP ... the key material is wrapped directly with the RSA key", and "cannot be
 *     used to wrap RSA keys for import" — here the OAEP capacity check says so for every RSA key.
 *   - The wrapped key (cryptoKeyVersions.import, wrappedKey; `gcloud kms keys versions import
 *     --wrapped-key-file`): raw bytes, the RSA part then the KWP part for the _AES_256 methods,
 *     the OAEP ciphertext for the direct ones.
 *   - Material (cloud.google.com/kms/docs/formatting-keys-for-import): symmetric encryption keys
 *     32 bytes (16 only for raw AES-128, not handled here), not encoded; HMAC keys as long as the
 *     hash output (HMAC-SHA256: 32 bytes); asymmetric keys PKCS#8 DER.
 *   - Algorithms of imported versions (cloud.google.com/kms/docs/algorithms; the --algorithm
 *     values of `gcloud kms keys versions import`): google-symmetric-encryption, aes-256-gcm/cbc/ctr,
 *     hmac-sha1/224/256/384/512, rsa-sign-pss/pkcs1-{2048,3072,4096}-*, rsa-decrypt-oaep-*,
 *     ec-sign-p256-sha256, ec-sign-p384-sha384, ec-sign-secp256k1-sha256 (no P-521 curve).
 *   - The import job's public key comes as PEM: gcloud kms import-jobs describe JOB ...
 *     --format="value(publicKey.pem)". Its default size is 3072 bits (cloud.google.com/kms/docs/key-import).
 */
import type { AlgorithmRule, RuleSet } from './rules.js';
import type { MaterialKind, WrappingKeySpec } from './specs.js';
import { checkTargetOptions, commandWithPlaceholders, shellWord, targetKeyName, type Target } from './target.js';
import { TARGET_NAMES, type Worded } from './surface.js';

const ALL: readonly MaterialKind[] = ['symmetric', 'hmac', 'rsa', 'ecc'];

function keyWrap(bits: 3072 | 4096, hash: 'SHA_1' | 'SHA_256'): AlgorithmRule {
  return {
    materials: ALL,
    wrappingKeySpecs: [`RSA_${bits}` as WrappingKeySpec],
    regions: ['standard'],
    packageName: '@kms-wrap/rsa-aes-key-wrap',
    construction: `RSA_AES_KEY_WRAP_${hash}`,
  };
}

function direct(bits: 3072 | 4096): AlgorithmRule {
  // Every kind is listed: OAEP capacity (318 / 446 bytes) refuses what does not fit, RSA keys among them.
  return {
    materials: ALL,
    wrappingKeySpecs: [`RSA_${bits}` as WrappingKeySpec],
    regions: ['standard'],
    packageName: '@kms-wrap/rsaes-oaep',
    construction: 'RSAES_OAEP_SHA_256',
  };
}

const ELSEWHERE_P521: Worded = (say) =>
  `Cloud KMS has no algorithm on the P-521 curve (its EC keys are P-256, P-384 and secp256k1) — import a P-521 key into AWS KMS, Azure Key Vault or Vault transit (${say(['target', 'aws|azure|vault'])}), or use a P-256 or P-384 key`;

export const GCP_KMS_RULES: RuleSet = {
  name: TARGET_NAMES.gcp,
  algorithms: {
    RSA_OAEP_3072_SHA256_AES_256: keyWrap(3072, 'SHA_256'),
    RSA_OAEP_4096_SHA256_AES_256: keyWrap(4096, 'SHA_256'),
    RSA_OAEP_3072_SHA256: direct(3072),
    RSA_OAEP_4096_SHA256: direct(4096),
    RSA_OAEP_3072_SHA1_AES_256: keyWrap(3072, 'SHA_1'),
    RSA_OAEP_4096_SHA1_AES_256: keyWrap(4096, 'SHA_1'),
  },
  deprecated: {},
  preferredWrappingKeySpec: 'RSA_3072',
  keySpecs: {
    SYMMETRIC_DEFAULT: 'google-symmetric-encryption',
    HMAC_224: 'hmac-sha224',
    HMAC_256: 'hmac-sha256',
    HMAC_384: 'hmac-sha384',
    HMAC_512: 'hmac-sha512',
    RSA_2048: 'rsa-sign-pss-2048-sha256',
    RSA_3072: 'rsa-sign-pss-3072-sha256',
    RSA_4096: 'rsa-sign-pss-4096-sha256',
    ECC_NIST_P256: 'ec-sign-p256-sha256',
    ECC_NIST_P384: 'ec-sign-p384-sha384',
    ECC_SECG_P256K1: 'ec-sign-secp256k1-sha256',
  },
  keySpecRefusals: {
    ECC_NIST_P521: ELSEWHERE_P521,
    SM2: (say) =>
      `Cloud KMS has no SM2 keys — SM2 key material imports into AWS KMS in the China Regions (${say(['target', 'aws'], ['region', 'china'])})`,
    ED25519: (say) =>
      `kms-wrap encodes no Cloud KMS import of Ed25519 keys (its import documentation names none) — import an Ed25519 key into Vault transit (${say(['target', 'vault'])})`,
  },
  newKeyHint: 'create an import job with that import method: gcloud kms import-jobs create JOB --import-method METHOD ...',
};

/** What to set KEY_ALGORITHM to when the material's bytes fit more than one (raw 32 bytes: AES or HMAC). */
function keyAlgorithm(candidates: readonly string[]): string {
  return candidates.length > 0
    ? `the new version's algorithm: ${candidates.join(' or ')}, by what the material is`
    : "the new version's algorithm";
}

export const GCP_KMS: Target = {
  id: 'gcp',
  name: TARGET_NAMES.gcp,
  rules: GCP_KMS_RULES,
  wrappingKeySource:
    'the import job\'s public key (PEM): gcloud kms import-jobs describe JOB --location L --keyring R --format="value(publicKey.pem)" > wrapping-key.pem',
  defaultFileName: 'wrapped-key.bin',
  options: [
    { name: 'keyName', flag: 'key-name', required: false, description: 'the crypto key to import into' },
    { name: 'keyRing', flag: 'keyring', required: false, description: 'its key ring' },
    { name: 'location', flag: 'location', required: false, description: 'its location (global, us-central1, ...)' },
    { name: 'importJob', flag: 'import-job', required: false, description: 'the import job whose public key wrapped the material' },
    {
      name: 'keyAlgorithm',
      flag: 'key-algorithm',
      required: false,
      description:
        'the algorithm of the new key version (default: google-symmetric-encryption, hmac-sha256, rsa-sign-pss-3072-sha256, ec-sign-p256-sha256, ... by material)',
    },
  ],
  docs: 'docs/targets/gcp.md',
  envelope(wrapped, context = {}) {
    const o = checkTargetOptions(GCP_KMS, context.options ?? {});
    const fileName = context.fileName ?? GCP_KMS.defaultFileName;
    const keyName = targetKeyName(GCP_KMS_RULES, wrapped);
    const command = commandWithPlaceholders((valueOr) =>
      [
        'gcloud kms keys versions import',
        `--location ${valueOr(o['location'], 'LOCATION', "the key ring's location (global, us-central1, ...)")}`,
        `--keyring ${valueOr(o['keyRing'], 'KEY_RING', 'the key ring of the key')}`,
        `--key ${valueOr(o['keyName'], 'KEY', 'the crypto key to import into')}`,
        `--import-job ${valueOr(o['importJob'], 'IMPORT_JOB', 'the import job whose public key wrapped the material')}`,
        `--algorithm ${valueOr(o['keyAlgorithm'] ?? keyName.name, 'KEY_ALGORITHM', keyAlgorithm(keyName.candidates))}`,
        `--wrapped-key-file ${shellWord(fileName)}`,
      ].join(' '),
    );
    return { bytes: wrapped.ciphertext, fileName, format: 'binary', ...command };
  },
};
