/**
 * Azure Key Vault BYOK as a target. Facts, from Microsoft's pages:
 *   - "Bring your own key specification" (learn.microsoft.com/azure/key-vault/keys/byok-specification):
 *     the Key Exchange Key (KEK) is an RSA-HSM key of 2048, 3072 or 4096 bits with key_ops
 *     "import" only, in the vault the key is imported into; the target key is RSA, EC, or AES
 *     ("oct", Managed HSM only). The target key's plaintext is PKCS#8 DER for RSA and EC keys,
 *     the raw bytes for an octet key. It is transformed with CKM_RSA_AES_KEY_WRAP: an ephemeral
 *     AES key is RSA-OAEP-encrypted "with SHA1", the key is wrapped with AES Key Wrap with Padding,
 *     the two are concatenated (RSA part first). The key transfer blob (.byok) is JSON:
 *       { "schema_version": "1.0.0",
 *         "header": { "kid": "<key identifier of the KEK>", "alg": "dir", "enc": "CKM_RSA_AES_KEY_WRAP" },
 *         "ciphertext": "<BASE64URL of the ciphertext>",
 *         "generator": "<the BYOK tool's name and version>" }
 *   - "Import HSM-protected keys to Key Vault (BYOK)" (learn.microsoft.com/azure/key-vault/keys/
 *     hsm-protected-keys-byok) and its Managed HSM twin (.../managed-hsm/hsm-protected-keys-byok):
 *     EC curves P-256, P-384, P-521; the import is
 *       az keyvault key import --vault-name V --name K --byok-file F.byok   (--hsm-name for Managed HSM)
 *     and "to import an EC key, you must specify key type and the curve name": --kty EC-HSM --curve-name P-256.
 *   - The KEK: az keyvault key create --kty RSA-HSM --size 4096 --name KEK --ops import --vault-name V;
 *     its public key: az keyvault key download --name KEK --vault-name V --file KEK.publickey.pem.
 */
import { toBase64, textToBytes } from './encoding.js';
import { ERROR_CODES, KmsWrapError } from './errors.js';
import type { RuleSet } from './rules.js';
import { checkTargetOptions, commandWithPlaceholders, shellWord, type Target, type Wrapped } from './target.js';
import { TARGET_NAMES, type Worded } from './surface.js';

const NO_HMAC: Worded = (say) =>
  `Azure Key Vault has no HMAC keys (BYOK imports RSA, EC and, in a Managed HSM, AES keys) — import HMAC keys into AWS KMS, Cloud KMS or Vault transit (${say(['target', 'aws|gcp|vault'])})`;

export const AZURE_KEY_VAULT_RULES: RuleSet = {
  name: TARGET_NAMES.azure,
  algorithms: {
    // The BYOK specification's one mechanism: RSA-OAEP with SHA-1 of a fresh AES key, then KWP.
    CKM_RSA_AES_KEY_WRAP: {
      materials: ['symmetric', 'rsa', 'ecc'],
      wrappingKeySpecs: ['RSA_2048', 'RSA_3072', 'RSA_4096'],
      regions: ['standard'],
      packageName: '@kms-wrap/rsa-aes-key-wrap',
      construction: 'RSA_AES_KEY_WRAP_SHA_1',
    },
  },
  deprecated: {},
  preferredWrappingKeySpec: 'RSA_4096',
  keySpecs: {
    SYMMETRIC_DEFAULT: 'oct-HSM',
    RSA_2048: 'RSA-HSM',
    RSA_3072: 'RSA-HSM',
    RSA_4096: 'RSA-HSM',
    ECC_NIST_P256: 'EC-HSM P-256',
    ECC_NIST_P384: 'EC-HSM P-384',
    ECC_NIST_P521: 'EC-HSM P-521',
  },
  keySpecRefusals: {
    HMAC_224: NO_HMAC,
    HMAC_256: NO_HMAC,
    HMAC_384: NO_HMAC,
    HMAC_512: NO_HMAC,
    ECC_SECG_P256K1: (say) =>
      `Azure BYOK imports EC keys on P-256, P-384 and P-521 — import a secp256k1 key into AWS KMS or Cloud KMS (${say(['target', 'aws|gcp'])})`,
    SM2: (say) =>
      `Azure Key Vault has no SM2 keys — SM2 key material imports into AWS KMS in the China Regions (${say(['target', 'aws'], ['region', 'china'])})`,
    ED25519: (say) => `Azure Key Vault has no Ed25519 keys — import an Ed25519 key into Vault transit (${say(['target', 'vault'])})`,
  },
  newKeyHint: 'create a KEK of that size: az keyvault key create --kty RSA-HSM --size 4096 --ops import ...',
};

/** https://NAME.vault.azure.net/keys/KEK[/VERSION] (or NAME.managedhsm.azure.net, sovereign clouds alike). */
const KID = /^https:\/\/([A-Za-z0-9-]+)\.(vault|managedhsm)\.[A-Za-z0-9.-]+(?::\d+)?\/keys\/[A-Za-z0-9-]+(\/[A-Za-z0-9]+)?\/?$/;

interface Kid {
  readonly kid: string;
  readonly name: string;
  readonly hsm: boolean;
}

function parseKid(kid: string): Kid {
  const m = KID.exec(kid.trim());
  if (!m) {
    throw new KmsWrapError(
      ERROR_CODES.TARGET_OPTION_INVALID,
      `'${kid}' is not a Key Vault key identifier (https://VAULT.vault.azure.net/keys/KEK/VERSION, or NAME.managedhsm.azure.net) — give the KEK's kid: az keyvault key show --vault-name V --name KEK --query key.kid`,
    );
  }
  return { kid: kid.trim(), name: m[1]!, hsm: m[2] === 'managedhsm' };
}

/** base64url without padding (RFC 4648 §5), as JWE and the .byok file use it. */
function base64url(bytes: Uint8Array): string {
  return toBase64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** --kty and --curve-name for `az keyvault key import`, by the material's key type. */
function ktyArgs(wrapped: Wrapped): string {
  const spec = wrapped.keySpec ?? (wrapped.keySpecCandidates.length === 1 ? wrapped.keySpecCandidates[0] : undefined);
  const name = spec === undefined ? undefined : AZURE_KEY_VAULT_RULES.keySpecs?.[spec];
  if (name === undefined) return '';
  if (name.startsWith('EC-HSM ')) return ` --kty EC-HSM --curve-name ${name.slice('EC-HSM '.length)}`;
  if (name === 'oct-HSM') return ' --kty oct-HSM';
  return ''; // RSA-HSM is the default --kty
}

export const AZURE_KEY_VAULT: Target = {
  id: 'azure',
  name: TARGET_NAMES.azure,
  rules: AZURE_KEY_VAULT_RULES,
  wrappingKeySource: "the KEK's public key (PEM): az keyvault key download --vault-name V --name KEK --file KEK.publickey.pem",
  defaultFileName: 'key.byok',
  defaultAlgorithm: 'CKM_RSA_AES_KEY_WRAP',
  options: [
    {
      name: 'kekId',
      flag: 'kek-id',
      required: true,
      description: "the KEK's key identifier (kid), https://VAULT.vault.azure.net/keys/KEK/VERSION, written into the .byok header",
    },
    { name: 'vaultName', flag: 'vault-name', required: false, description: 'the key vault to import into (default: from the KEK id)' },
    { name: 'hsmName', flag: 'hsm-name', required: false, description: 'the Managed HSM to import into (default: from the KEK id)' },
    { name: 'keyName', flag: 'key-name', required: false, description: 'the name of the imported key' },
  ],
  docs: 'docs/targets/azure.md',
  envelope(wrapped, context = {}) {
    const o = checkTargetOptions(AZURE_KEY_VAULT, context.options ?? {});
    const kek = parseKid(o['kekId']!);
    if (o['vaultName'] !== undefined && o['hsmName'] !== undefined) {
      throw new KmsWrapError(
        ERROR_CODES.TARGET_OPTION_INVALID,
        'give --vault-name or --hsm-name, not both — the KEK and the imported key live in one vault or one Managed HSM',
      );
    }
    // The BYOK specification: the KEK "must be in the same vault where the target key will be imported".
    const named = o['vaultName'] ?? o['hsmName'];
    const namedHsm = o['hsmName'] !== undefined;
    if (named !== undefined && (named.toLowerCase() !== kek.name.toLowerCase() || namedHsm !== kek.hsm)) {
      throw new KmsWrapError(
        ERROR_CODES.TARGET_OPTION_INVALID,
        `the KEK is in the ${kek.hsm ? 'Managed HSM' : 'key vault'} '${kek.name}', and the key is to be imported into the ${namedHsm ? 'Managed HSM' : 'key vault'} '${named}': Azure imports only into the vault that holds the KEK — create a KEK there, or import into '${kek.name}'`,
      );
    }
    const hsm = kek.hsm;
    const symmetric =
      wrapped.keySpec === 'SYMMETRIC_DEFAULT' || (wrapped.keySpec === undefined && wrapped.keySpecCandidates.includes('SYMMETRIC_DEFAULT'));
    if (symmetric && !hsm) {
      throw new KmsWrapError(
        ERROR_CODES.COMBINATION_REJECTED,
        `Azure Key Vault imports AES keys only into a Managed HSM, and the KEK is in the key vault '${kek.name}' — create the KEK in a Managed HSM (az keyvault key create --hsm-name H --name KEK --kty RSA-HSM --ops import) and give its kid`,
      );
    }
    const fileName = context.fileName ?? AZURE_KEY_VAULT.defaultFileName;
    // The key transfer blob of the BYOK specification; field order as there.
    const blob = {
      schema_version: '1.0.0',
      header: { kid: kek.kid, alg: 'dir', enc: 'CKM_RSA_AES_KEY_WRAP' },
      ciphertext: base64url(wrapped.ciphertext),
      generator: context.generator ?? 'kms-wrap',
    };
    const where = hsm ? `--hsm-name ${shellWord(named ?? kek.name)}` : `--vault-name ${shellWord(named ?? kek.name)}`;
    const command = commandWithPlaceholders(
      (valueOr) =>
        `az keyvault key import ${where} --name ${valueOr(o['keyName'], 'KEY_NAME', 'the name of the key to create')}${ktyArgs(wrapped)} --byok-file ${shellWord(fileName)}`,
    );
    return { bytes: textToBytes(`${JSON.stringify(blob, null, 2)}\n`), fileName, format: 'json', ...command };
  },
};
