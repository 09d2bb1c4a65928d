/**
 * AWS KMS as a target: the rules of rules.ts (AWS_KMS_RULES, from the AWS KMS developer guide)
 * and the envelope ImportKeyMaterial takes — the wrapped bytes as they are
 * (EncryptedKeyMaterial.bin), imported with `aws kms import-key-material`.
 */
import { AWS_KMS_RULES } from './rules.js';
import { checkTargetOptions, commandWithPlaceholders, shellWord, type Placeholder, type Target } from './target.js';
import { TARGET_NAMES } from './surface.js';

export interface AwsImportCommand {
  readonly keyId?: string | undefined;
  /** The wrapped key material's path. */
  readonly file: string;
  readonly importToken?: string | undefined;
  /** ISO 8601 date-time (seconds): the material expires then. */
  readonly validTo?: string | undefined;
}

/** What each placeholder of the AWS KMS import command is. */
const KEY_ID = 'the KMS key (key id, ARN or alias) the material is for, e.g. KEY_ID=1234abcd-12ab-34cd-56ef-1234567890ab';

/**
 * The aws CLI command that imports wrapped material, ready to paste (AWS CLI reference: kms
 * import-key-material): the key id, when not known, is "$KEY_ID", set on a line before.
 */
export function awsImportCommand(c: AwsImportCommand): string {
  return awsImport(c).nextCommand;
}

function awsImport(c: AwsImportCommand): { nextCommand: string; placeholders: Placeholder[] } {
  return commandWithPlaceholders((valueOr) =>
    [
      'aws kms import-key-material',
      `--key-id ${valueOr(c.keyId, 'KEY_ID', KEY_ID)}`,
      `--encrypted-key-material ${shellWord(`fileb://${c.file}`)}`,
      `--import-token ${shellWord(`fileb://${c.importToken ?? 'ImportToken.bin'}`)}`,
      c.validTo ? `--expiration-model KEY_MATERIAL_EXPIRES --valid-to ${c.validTo}` : '--expiration-model KEY_MATERIAL_DOES_NOT_EXPIRE',
    ].join(' '),
  );
}

/**
 * Why a file name does not reach the aws CLI as written in a fileb:// parameter, or undefined:
 * the AWS CLI (v1 and v2) expands `$VAR`, `${VAR}` and a leading `~` in fileb:// paths itself
 * (os.path.expandvars and expanduser), after the shell's quoting is gone.
 */
export function awsCliExpands(path: string): string | undefined {
  if (/\$(\w|\{)/.test(path))
    return `the AWS CLI expands $ in fileb:// paths itself (as an environment variable), so the command would not find ${path}`;
  if (path.startsWith('~'))
    return `the AWS CLI expands a leading ~ in fileb:// paths itself (as a home directory), so the command would not find ${path}`;
  return undefined;
}

export const AWS_KMS: Target = {
  id: 'aws',
  name: TARGET_NAMES.aws,
  rules: AWS_KMS_RULES,
  wrappingKeySource:
    "GetParametersForImport: the console's WrappingPublicKey.bin, or the JSON of aws kms get-parameters-for-import --key-id KEY --wrapping-algorithm ALGORITHM --wrapping-key-spec SPEC",
  defaultFileName: 'EncryptedKeyMaterial.bin',
  options: [
    { name: 'keyId', flag: 'key-id', required: false, description: 'the KMS key (key id, ARN or alias) the material is for' },
    {
      name: 'importToken',
      flag: 'import-token',
      required: false,
      description: 'the import token file from GetParametersForImport (default ImportToken.bin)',
    },
    { name: 'validTo', flag: 'valid-to', required: false, description: 'when the imported material expires (ISO 8601)' },
  ],
  docs: 'docs/targets/aws.md',
  envelope(wrapped, context = {}) {
    const o = checkTargetOptions(AWS_KMS, context.options ?? {});
    const fileName = context.fileName ?? AWS_KMS.defaultFileName;
    return {
      bytes: wrapped.ciphertext,
      fileName,
      format: 'binary',
      ...awsImport({ keyId: o['keyId'], file: fileName, importToken: o['importToken'], validTo: o['validTo'] }),
    };
  },
};
