/** Help texts: one per command, printed by `kms-wrap COMMAND --help`. */
export const MAIN_HELP = `kms-wrap — generate key material and wrap it for AWS KMS "bring your own key" imports

Usage: kms-wrap COMMAND [options]

Commands:
  keygen KEY_SPEC      generate key material of a KMS key spec (binary, PKCS#8 DER for private keys)
  wrap                 encrypt key material under the wrapping public key from GetParametersForImport
  inspect FILE         say what a file is: material, key, public key, parameters; whether KMS takes it
  convert IN           turn a PEM, PKCS#1, SEC1, PKCS#8 PEM or JWK private key into PKCS#8 DER
  algorithms           list the wrapping algorithms, what each accepts, and which are installed
  demo                 generate, wrap, unwrap and verify every combination KMS accepts (no AWS needed)

Options:
  -h, --help           help for kms-wrap or a command
  -v, --version        print the version

Exit codes: 0 done; 1 refused (bad input, a combination KMS rejects, a failed check); 2 usage.
Errors are one line on stderr: kms-wrap: <CODE>: what is wrong — what to do.
`;

export const HELP: Readonly<Record<string, string>> = {
  wrap: `Usage: kms-wrap wrap --material FILE --algorithm ALG (--public-key FILE | --parameters FILE) [options]

Encrypts ("wraps") key material for ImportKeyMaterial. Every combination KMS would reject is
refused before anything is written, with the reason and what to use instead.

Options:
  --material FILE       the plaintext key material: raw bytes (symmetric, HMAC) or a private key
                        (PKCS#8 DER; PEM, PKCS#1, SEC1 and JWK are converted, with a note)
  --algorithm ALG       the wrapping algorithm you requested in GetParametersForImport:
                        RSAES_OAEP_SHA_256, RSAES_OAEP_SHA_1, RSA_AES_KEY_WRAP_SHA_256,
                        RSA_AES_KEY_WRAP_SHA_1, SM2PKE (China Regions)
  --public-key FILE     the wrapping public key: WrappingPublicKey.bin (DER), or its base64 or PEM
  --parameters FILE     the JSON saved from aws kms get-parameters-for-import (instead of --public-key);
                        ImportToken.bin is written beside the output
  --key-spec SPEC       the KMS key's spec; needed only when the bytes cannot tell (raw 32 bytes are
                        SYMMETRIC_DEFAULT or HMAC_256), checked against the material when given
  --region REGION       'china' for the AWS China Regions (cn-north-1, cn-northwest-1); default standard
  -o, --output FILE     where to write (default EncryptedKeyMaterial.bin), mode 0600
  --force               replace an existing output file
  --json                print one JSON object on stdout

Example:
  kms-wrap wrap --material PlaintextKeyMaterial.bin --public-key WrappingPublicKey.bin \\
                --algorithm RSAES_OAEP_SHA_256
`,
  keygen: `Usage: kms-wrap keygen KEY_SPEC [-o FILE] [--region china] [--count N] [--force] [--json]

Generates key material of a KMS key spec from the platform CSPRNG: raw bytes for
SYMMETRIC_DEFAULT (32 bytes; 16 in the China Regions) and HMAC_224/256/384/512, an
unencrypted PKCS#8 DER private key for RSA_2048/3072/4096, ECC_NIST_P256/P384/P521,
ECC_SECG_P256K1 and SM2 (China Regions). Files are written with mode 0600.

Options:
  -o, --output FILE     where to write (default: the AWS guide's name, e.g. RSA_3072_PrivateKey.der)
  --region REGION       'china' for the AWS China Regions
  --count N             write N keys, numbered (NAME-1.der, NAME-2.der, ...), on all cores
  --force               replace existing files
  --json                print one JSON object on stdout
`,
  inspect: `Usage: kms-wrap inspect FILE [--region china] [--json]

Says what FILE is — key material (raw or PKCS#8), a private key in another form, a wrapping
public key, GetParametersForImport JSON — its key spec, and whether KMS can import it as is.
Never prints key material.
`,
  convert: `Usage: kms-wrap convert IN [-o OUT] [--force] [--json]

Converts a private key you already have — PEM ("PRIVATE KEY", "RSA PRIVATE KEY",
"EC PRIVATE KEY"), PKCS#1 or SEC1 DER, or a JWK — into the unencrypted PKCS#8 DER that KMS
imports (the bytes openssl pkcs8 -topk8 -nocrypt -outform DER prints). Default OUT: IN with
the extension .der (.pkcs8.der if IN already ends in .der). Written with mode 0600.
`,
  algorithms: `Usage: kms-wrap algorithms [--json]

Lists the wrapping algorithms AWS KMS accepts, the material and wrapping key specs each
takes, its capacity under each wrapping key spec, and whether its package is installed.
`,
  demo: `Usage: kms-wrap demo [--json]

Plays both sides of an import with no AWS account and no files: makes local wrapping key
pairs as KMS would (RSA_2048, RSA_3072, RSA_4096, and SM2 for the China Regions), generates
material of every key spec, wraps it with every algorithm KMS accepts, unwraps it on the
"KMS side", checks the bytes match, and prints a table. Refused combinations show why.

Options:
  --json                print one JSON object on stdout (every combination and its outcome)
`,
};
