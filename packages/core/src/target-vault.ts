/**
 * HashiCorp Vault's transit secrets engine ("bring your own key") as a target. Facts, from
 * HashiCorp's pages and code:
 *   - "Key wrapping for transit key import" (developer.hashicorp.com/vault/docs/secrets/transit/
 *     key-wrapping-guide): the wrapping key from `vault read transit/wrapping_key` is a 4096-bit
 *     RSA key (PEM); a fresh 32-byte AES key wraps the target key with KWP (RFC 5649, tink's
 *     subtle.NewKWP); the AES key is RSA-OAEP-encrypted (SHA-256 in the example; the hash is
 *     passed as hash_function); the ciphertext is base64(RSA part || KWP part), the RSA part
 *     being the leftmost 4096 bits.
 *   - Transit API, "Import key" (developer.hashicorp.com/vault/api-docs/secret/transit#import-key;
 *     builtin/logical/transit/path_import.go): POST transit/keys/:name/import with ciphertext
 *     (base64, StdEncoding), hash_function (SHA1, SHA224, SHA256 (default), SHA384, SHA512) and
 *     type (aes128-gcm96, aes256-gcm96 (default), chacha20-poly1305, ecdsa-p256/p384/p521,
 *     ed25519, rsa-2048/3072/4096, hmac). The RSA part is read as the first 512 bytes.
 *   - sdk/helper/keysutil/policy.go (Import): aes256-gcm96 and chacha20-poly1305 keys are 32
 *     bytes, HMAC keys 32 to 512 bytes, asymmetric keys x509.ParsePKCS8PrivateKey (PKCS#8 DER,
 *     Ed25519 included).
 * kms-wrap's providers do OAEP with SHA-1 and SHA-256, so hash_function is SHA1 or SHA256 here.
 */
import { toBase64, textToBytes } from './encoding.js';
import type { AlgorithmRule, RuleSet } from './rules.js';
import { checkTargetOptions, commandWithPlaceholders, shellWord, targetKeyName, type Target } from './target.js';
import { TARGET_NAMES } from './surface.js';

function hashFunction(hash: 'SHA_1' | 'SHA_256'): AlgorithmRule {
  return {
    materials: ['symmetric', 'hmac', 'rsa', 'ecc', 'ed25519'],
    wrappingKeySpecs: ['RSA_4096'],
    regions: ['standard'],
    packageName: '@kms-wrap/rsa-aes-key-wrap',
    construction: `RSA_AES_KEY_WRAP_${hash}`,
  };
}

export const VAULT_TRANSIT_RULES: RuleSet = {
  name: TARGET_NAMES.vault,
  // The ids are the hash_function values: the one parameter of the construction Vault lets you choose.
  algorithms: {
    SHA256: hashFunction('SHA_256'),
    SHA1: hashFunction('SHA_1'),
  },
  deprecated: {},
  preferredWrappingKeySpec: 'RSA_4096',
  keySpecs: {
    SYMMETRIC_DEFAULT: 'aes256-gcm96',
    HMAC_256: 'hmac',
    HMAC_384: 'hmac',
    HMAC_512: 'hmac',
    RSA_2048: 'rsa-2048',
    RSA_3072: 'rsa-3072',
    RSA_4096: 'rsa-4096',
    ECC_NIST_P256: 'ecdsa-p256',
    ECC_NIST_P384: 'ecdsa-p384',
    ECC_NIST_P521: 'ecdsa-p521',
    ED25519: 'ed25519',
  },
  keySpecRefusals: {
    HMAC_224:
      'Vault transit HMAC keys are 32 to 512 bytes, and HMAC_224 material is 28 — use an HMAC key of 32 bytes or more (HMAC_256, HMAC_384, HMAC_512)',
    ECC_SECG_P256K1: (say) =>
      `Vault transit has no secp256k1 keys (its ECDSA types are ecdsa-p256, ecdsa-p384, ecdsa-p521) — import a secp256k1 key into AWS KMS or Cloud KMS (${say(['target', 'aws|gcp'])})`,
    SM2: (say) =>
      `Vault transit has no SM2 keys — SM2 key material imports into AWS KMS in the China Regions (${say(['target', 'aws'], ['region', 'china'])})`,
  },
  newKeyHint: "Vault's wrapping key is always RSA-4096: vault read -field=public_key transit/wrapping_key > wrapping_key.pem",
};

export const VAULT_TRANSIT: Target = {
  id: 'vault',
  name: TARGET_NAMES.vault,
  rules: VAULT_TRANSIT_RULES,
  wrappingKeySource: "Vault's wrapping key (PEM): vault read -field=public_key transit/wrapping_key > wrapping_key.pem",
  defaultFileName: 'ciphertext.b64',
  defaultAlgorithm: 'SHA256',
  options: [
    { name: 'keyName', flag: 'key-name', required: false, description: 'the name of the transit key to create' },
    { name: 'mount', flag: 'mount', required: false, description: 'the transit mount path (default transit)' },
  ],
  docs: 'docs/targets/vault.md',
  envelope(wrapped, context = {}) {
    const o = checkTargetOptions(VAULT_TRANSIT, context.options ?? {});
    const fileName = context.fileName ?? VAULT_TRANSIT.defaultFileName;
    const mount = (o['mount'] ?? 'transit').replace(/^\/+|\/+$/g, '');
    const keyType = targetKeyName(VAULT_TRANSIT_RULES, wrapped);
    const command = commandWithPlaceholders((valueOr) =>
      [
        'vault write',
        o['keyName'] === undefined
          ? `${shellWord(mount)}/keys/${valueOr(undefined, 'KEY_NAME', 'the name of the transit key to create')}/import`
          : shellWord(`${mount}/keys/${o['keyName']}/import`),
        shellWord(`ciphertext=@${fileName}`),
        `hash_function=${wrapped.algorithm}`,
        `type=${valueOr(keyType.name, 'KEY_TYPE', keyType.candidates.length > 0 ? `the key's type: ${keyType.candidates.join(' or ')}, by what the material is` : "the key's type")}`,
      ].join(' '),
    );
    // Base64 (StdEncoding) with no line breaks and no newline: the file is the parameter's value as is.
    return { bytes: textToBytes(toBase64(wrapped.ciphertext)), fileName, format: 'base64', ...command };
  },
};
