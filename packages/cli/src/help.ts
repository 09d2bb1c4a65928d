/** Help texts: one per command, printed by `kms-wrap COMMAND --help`. */
/** The token options of every command that takes a pkcs11: URI (wrap, import, keygen, inspect, batch). */
const PKCS11_OPTIONS = `  --pkcs11-module FILE  the PKCS#11 module (.so) for a pkcs11: URI (default: KMS_WRAP_PKCS11_MODULE,
                        or the URI's module-path)
  --pin-file FILE       the token's user PIN: the first line of FILE (default: KMS_WRAP_PKCS11_PIN,
                        else a prompt on a terminal; never the PIN itself on the command line)
`;

export const MAIN_HELP = `kms-wrap — generate key material and wrap it for AWS KMS "bring your own key" imports

Usage: kms-wrap COMMAND [options]

Commands:
  keygen KEY_SPEC      generate key material of a KMS key spec (binary, PKCS#8 DER for private keys)
  wrap                 encrypt key material under the wrapping public key from GetParametersForImport
  batch MANIFEST       many wraps from a JSON Lines manifest, on all cores
  import               the whole AWS import in one run: DescribeKey, GetParametersForImport, wrap, ImportKeyMaterial
  inspect FILE         say what a file is: material, key, public key, parameters; whether KMS takes it
  convert IN           turn a PEM, PKCS#1, SEC1, PKCS#8 PEM or JWK private key into PKCS#8 DER
  algorithms           list the wrapping algorithms, what each accepts, and which are installed
  demo                 generate, wrap, unwrap and verify every combination KMS accepts (no AWS needed)
  completion SHELL     print the shell completion script for bash, zsh or fish

Options:
  -h, --help           help for kms-wrap or a command
  -v, --version        print the version
  -q, --quiet          print nothing but errors (the exit code says how it went; --json still prints)

Exit codes: 0 done; 1 refused (bad input, a combination KMS rejects, a failed check); 2 usage (a flag or a name typed wrong).
Errors are one line on stderr: kms-wrap: <CODE>: what is wrong — what to do.

Pipes: '-' in place of a file that is read (wrap's --material, --public-key or --parameters,
import's --material, convert's and inspect's FILE; one a command) reads standard input;
-o - (wrap, keygen, convert) writes standard output, and the summary goes to stderr. Binary
output is never written to a terminal: pass --base64 for base64 text.
`;

export const HELP: Readonly<Record<string, string>> = {
  wrap: `Usage: kms-wrap wrap --material FILE --algorithm ALG (--public-key FILE | --parameters FILE) [options]

Encrypts ("wraps") key material for ImportKeyMaterial. Every combination KMS would reject is
refused before anything is written, with the reason and what to use instead.

Options:
  --material FILE       the plaintext key material: raw bytes (symmetric, HMAC) or a private key
                        (PKCS#8 DER; PEM, PKCS#1, SEC1 and JWK are converted, with a note);
                        - reads it from standard input (as --public-key - and --parameters -,
                        one of the three); or a key in a PKCS#11 token, named by its URI
                        (pkcs11:token=T;object=O), which the token wraps itself: the material
                        never leaves it in plaintext
  --algorithm ALG       the wrapping algorithm you requested in GetParametersForImport:
                        RSAES_OAEP_SHA_256, RSAES_OAEP_SHA_1, RSA_AES_KEY_WRAP_SHA_256,
                        RSA_AES_KEY_WRAP_SHA_1, SM2PKE (China Regions)
  --public-key FILE     the wrapping public key: WrappingPublicKey.bin (DER), or its base64 or PEM
  --parameters FILE     the JSON saved from aws kms get-parameters-for-import (instead of --public-key),
                        or the console's download: its zip or the unzipped folder (WrappingPublicKey.bin,
                        ImportToken.bin, README.txt); ImportToken.bin is written beside the output
                        (JSON, zip); expired parameters are refused, and an algorithm other than
                        the one the README names
  --import-token FILE   where the import token from --parameters is written (default
                        ImportToken.bin beside the output; one already there with the same
                        bytes is left as it is, another is refused), and the file the next
                        command names; with --public-key, only the name in the command
  --key-spec SPEC       the KMS key's spec; needed only when the bytes cannot tell (raw 32 bytes are
                        SYMMETRIC_DEFAULT or HMAC_256), checked against the material when given
  --region REGION       'china' for the AWS China Regions (cn-north-1, cn-northwest-1); default standard
  --valid-to DATE       the imported material is to expire then (ISO 8601 or epoch seconds, in the
                        future, at most 365 days ahead): the next command printed gets
                        --expiration-model KEY_MATERIAL_EXPIRES --valid-to DATE
  -o, --output FILE     where to write (default EncryptedKeyMaterial.bin), mode 0600; - writes
                        standard output (never binary to a terminal) and the summary to stderr
  --base64              write base64 text instead of the binary bytes (decode it before the import)
  --force               replace an existing output file
  --json                print one JSON object on stdout (with the next command's facts)
${PKCS11_OPTIONS}
After a wrap it prints the aws kms import-key-material command to run next, ready to paste
into a POSIX shell. A value it does not know (the key id, with --public-key) is a shell
variable, "$KEY_ID", with a comment line above it saying what to set it to (KEY_ID=...). The
AWS CLI expands $VAR and a leading ~ in fileb:// paths itself: an output or token file named
like that gets a warning.

Other targets (--target; the same checks and constructions under the target's rules and names):
  --target T            aws (default), gcp (Google Cloud KMS), azure (Azure Key Vault BYOK),
                        vault (HashiCorp Vault transit); see docs/targets/T.md
  gcp:   --algorithm is the import job's method: RSA_OAEP_3072_SHA256_AES_256,
         RSA_OAEP_4096_SHA256_AES_256, RSA_OAEP_3072_SHA256, RSA_OAEP_4096_SHA256,
         RSA_OAEP_3072_SHA1_AES_256, RSA_OAEP_4096_SHA1_AES_256; --public-key the import job's
         PEM; writes wrapped-key.bin; [--location L --keyring R --key-name K --import-job J
         --key-algorithm ALG] fill in the gcloud command
  azure: CKM_RSA_AES_KEY_WRAP (the only one); --public-key the KEK's PEM; --kek-id KID (required,
         the KEK's key identifier); writes key.byok; [--key-name K --vault-name V | --hsm-name H]
  vault: --hash-function SHA256 (default) or SHA1; --public-key transit/wrapping_key's PEM;
         writes ciphertext.b64; [--key-name K --mount transit]
  --parameters, --import-token, --region and --valid-to are AWS KMS's only.

Examples:
  kms-wrap wrap --material PlaintextKeyMaterial.bin --public-key WrappingPublicKey.bin \\
                --algorithm RSAES_OAEP_SHA_256
  kms-wrap wrap --target gcp --material ECC_NIST_P256_PrivateKey.der --public-key wrapping-key.pem \\
                --algorithm RSA_OAEP_3072_SHA256_AES_256
  kms-wrap wrap --target azure --material RSA_3072_PrivateKey.der --public-key KEK.publickey.pem \\
                --kek-id https://myvault.vault.azure.net/keys/KEK/0123456789abcdef --key-name mykey
  kms-wrap wrap --target vault --material key.der --public-key wrapping_key.pem --key-name mykey
  kms-wrap wrap --material 'pkcs11:token=prod;object=aes-1;type=secret-key' \\
                --pkcs11-module /usr/lib/softhsm/libsofthsm2.so --parameters params.json \\
                --algorithm RSAES_OAEP_SHA_1
`,
  import: `Usage: kms-wrap import --key-id ID --material FILE --algorithm ALG [options]
       kms-wrap import --manifest FILE [--concurrency N] [--dry-run] [--json] [options]

Imports key material into a KMS key in one run, through the AWS SDK for JavaScript v3
(npm install @aws-sdk/client-kms; credentials from the default chain, AWS_PROFILE or --profile):
  1. DescribeKey: the key must have Origin EXTERNAL, a key spec that matches the material,
     and be PendingImport (or Enabled/Disabled for a reimport) — else nothing more is sent;
  2. GetParametersForImport with the algorithm and wrapping key spec;
  3. wrap (every check of kms-wrap wrap);
  4. ImportKeyMaterial.
KMS errors come back as one line that says what probably went wrong and what to do.

Options:
  --key-id ID           the KMS key: key id, key ARN or alias
  --material FILE       the plaintext key material (as for wrap; - reads standard input), or a
                        pkcs11: URI
  --algorithm ALG       RSAES_OAEP_SHA_256, RSAES_OAEP_SHA_1, RSA_AES_KEY_WRAP_SHA_256,
                        RSA_AES_KEY_WRAP_SHA_1, SM2PKE (China Regions)
  --wrapping-key-spec SPEC  RSA_4096 (default), RSA_3072, RSA_2048; SM2 (default for SM2PKE)
  --valid-to DATE       the material expires then (ISO 8601 or epoch seconds, at most 365 days ahead)
  --no-expiry           the material does not expire (the default)
  --import-type TYPE    NEW_KEY_MATERIAL or EXISTING_KEY_MATERIAL (symmetric encryption keys only)
  --description TEXT    KeyMaterialDescription (symmetric encryption keys only)
  --key-material-id ID  the KeyMaterialId of a reimport (symmetric encryption keys only)
  --region REGION       the AWS region name (eu-west-1; cn-north-1 applies the China Regions' rules)
  --profile NAME        the AWS profile (default: AWS_PROFILE or the default profile)
  --endpoint-url URL    a KMS endpoint other than the region's (VPC endpoint, FIPS, a test server)
  --dry-run             check everything that can be checked locally and print the calls that
                        would be made (import token elided), making none; needs no SDK
  --json                print one JSON object on stdout (with --manifest: JSON Lines)
${PKCS11_OPTIONS}
Many keys (a migration): --manifest FILE, JSON Lines, one key a line (paths relative to it):
  {"material": "k1.bin", "algorithm": "RSAES_OAEP_SHA_256", "keyId": "1234abcd-..."}
  {"material": "s7.der", "algorithm": "RSA_AES_KEY_WRAP_SHA_256", "create": {"keySpec": "RSA_3072",
   "keyUsage": "SIGN_VERIFY", "alias": "alias/s7", "multiRegion": true}, "replicas": ["eu-west-1"]}
  (also: wrappingKeySpec, validTo, importType, region, id; create: description, tags). Every line
  is checked first (one DescribeKey per key, nothing written until all pass); then CreateKey
  (Origin EXTERNAL), CreateAlias, the import, and ReplicateKey plus an import for each replica.
  A key that fails is one line on stderr and the others carry on. A journal beside the manifest
  records each step; running the same command again skips what KMS says is done.
  --manifest FILE       the migration's manifest (JSON Lines)
  --journal FILE        the journal (default: beside the manifest, NAME.journal.jsonl)
  --concurrency N       keys in flight at once (default 4)
  --max-attempts N      attempts per call, with the SDK's adaptive retry for throttling (default 10)
  --dry-run             with --manifest: print the plan (to create, to import, already done),
                        sending only DescribeKey

Examples:
  kms-wrap import --key-id 1234abcd-12ab-34cd-56ef-1234567890ab --region eu-west-1 \\
                  --material PlaintextKeyMaterial.bin --algorithm RSAES_OAEP_SHA_256
  kms-wrap import --manifest migration.jsonl --region eu-west-1 --dry-run
`,
  keygen: `Usage: kms-wrap keygen KEY_SPEC [-o FILE] [--region china] [--count N] [--force] [--json]
       kms-wrap keygen KEY_SPEC --pkcs11 URI [--pkcs11-module FILE] [--pin-file FILE] [--json]

Generates key material of a KMS key spec from the platform CSPRNG: raw bytes for
SYMMETRIC_DEFAULT (32 bytes; 16 in the China Regions) and HMAC_224/256/384/512, an
unencrypted PKCS#8 DER private key for RSA_2048/3072/4096, ECC_NIST_P256/P384/P521,
ECC_SECG_P256K1 and SM2 (China Regions). Files are written with mode 0600.

Options:
  -o, --output FILE     where to write (default: the AWS guide's name, e.g. RSA_3072_PrivateKey.der);
                        - writes standard output (one key; never binary to a terminal)
  --base64              write base64 text instead of the binary bytes
  --region REGION       'china' for the AWS China Regions
  --count N             write N keys, numbered (NAME-1.der, NAME-2.der, ...), on all cores
  --force               replace existing files
  --json                print one JSON object on stdout
  --pkcs11 URI          generate the material inside a PKCS#11 token instead, as the object the
                        URI names (pkcs11:token=T;object=LABEL): sensitive, extractable only
                        wrapped (kms-wrap wrap --material URI); an existing label is never replaced
${PKCS11_OPTIONS}`,
  inspect: `Usage: kms-wrap inspect FILE|-|URI [--region china] [--json]

Says what FILE is — key material (raw or PKCS#8), a private key in another form, a wrapping
public key, GetParametersForImport JSON — its key spec, and whether KMS can import it as is.
For material and private keys it says which targets import it (aws, gcp, azure, vault) and
why the others do not; for a wrapping public key, which targets' algorithms can use it.
For kms-wrap's own output (EncryptedKeyMaterial.bin) it says, from the length alone, which
algorithms and wrapping key sizes could have made it and how long the material was.
For a key in a PKCS#11 token (a pkcs11: URI): its type, size and flags, and what each target
imports it as with the algorithms that token can make. FILE - reads standard input. Never
prints key material.

Options:
  --region REGION       'china' for the AWS China Regions
  --json                print one JSON object on stdout
${PKCS11_OPTIONS}`,
  convert: `Usage: kms-wrap convert IN|- [-o OUT|-] [--base64] [--force] [--json]

Converts a private key you already have — PEM ("PRIVATE KEY", "RSA PRIVATE KEY",
"EC PRIVATE KEY"), PKCS#1 or SEC1 DER, or a JWK — into the unencrypted PKCS#8 DER that KMS
imports (the bytes openssl pkcs8 -topk8 -nocrypt -outform DER prints). Default OUT: IN with
the extension .der (.pkcs8.der if IN already ends in .der). Written with mode 0600.
IN - reads standard input (then name the output: -o OUT, or -o - for standard output).

Options:
  -o, --output FILE     where to write; - writes standard output (never binary to a terminal)
  --base64              write base64 text instead of the binary bytes
  --force               replace an existing output file
  --json                print one JSON object on stdout
`,
  algorithms: `Usage: kms-wrap algorithms [--target aws|gcp|azure|vault] [--json]

Lists the wrapping algorithms AWS KMS accepts, the material and wrapping key specs each
takes, its capacity under each wrapping key spec, and whether its package is installed.
With --target, another target's: its algorithms in its own names with the construction each
is, and the key material it imports (with its own names) or not, and why.
`,
  demo: `Usage: kms-wrap demo [--json]

Plays both sides of an import with no AWS account and no files: makes local wrapping key
pairs as KMS would (RSA_2048, RSA_3072, RSA_4096, and SM2 for the China Regions), generates
material of every key spec, wraps it with every algorithm KMS accepts, unwraps it on the
"KMS side", checks the bytes match, and prints a table. Refused combinations show why.

Options:
  --json                print one JSON object on stdout (every combination and its outcome)
`,
  batch: `Usage: kms-wrap batch MANIFEST [--target aws|gcp|azure|vault] [--concurrency N] [--force] [--fsync] [--check] [--json]
                      [--pkcs11-module FILE] [--pin-file FILE]

Wraps many key materials at once, on all cores. MANIFEST is JSON Lines, one wrap a line,
paths relative to the manifest's folder:

  {"material": "keys/a.der", "publicKey": "WrappingPublicKey.bin", "algorithm": "RSA_AES_KEY_WRAP_SHA_256", "output": "out/a.bin"}
  {"material": "hmac.bin", "parameters": "params.json", "algorithm": "RSAES_OAEP_SHA_256", "keySpec": "HMAC_256", "output": "out/h.bin"}

Fields: material, publicKey or parameters (GetParametersForImport JSON, or the console's
zip or its unzipped folder), algorithm, output; keySpec and region ("china") as for kms-wrap wrap.

A line's material may be a key in a PKCS#11 token, by its URI, which the token wraps:

  {"material": "pkcs11:token=prod;object=aes-1", "parameters": "params.json", "algorithm": "RSAES_OAEP_SHA_1", "output": "out/k.bin"}

Such lines are opened and wrapped on the main thread, one at a time, with every check a
file's line has (the token's own limits, found by its wrap, among them). The token's PIN is
asked once a run (--pin-file, KMS_WRAP_PKCS11_PIN, or the terminal), and a PIN the token
refuses is tried once: that token's other lines are refused untried.

--target gcp|azure|vault wraps every line for Google Cloud KMS, Azure Key Vault or Vault
transit, as kms-wrap wrap --target does: the target's rules judge each line, each output is
the file its import takes (wrapped-key.bin, a .byok JSON, base64 text), and --json gives each
line's import command. A line gives the target's wrapping public key as publicKey (parameters
and region are AWS KMS's), its algorithm (Azure's and Vault's default: CKM_RSA_AES_KEY_WRAP,
SHA256), and may carry the target's options by name, over the flags' values for every line:

  {"material": "keys/a.der", "publicKey": "KEK.publickey.pem", "output": "out/a.byok", "keyName": "a"}

  gcp:   keyName, keyRing, location, importJob, keyAlgorithm (--key-name, --keyring, ...)
  azure: kekId (required: a line's, or --kek-id for all), vaultName, hsmName, keyName
  vault: keyName, mount

Every line is checked before anything is wrapped: its JSON, its files, every rule kms-wrap
wrap applies, and its output (no two lines share one; an existing one needs --force). If a
line is refused, every refused line is named and nothing is wrapped (exit 1). Then a wrap
that fails does not stop the others; the batch exits 1 if any failed. A progress bar shows
on stderr when it is a terminal; a summary (done, failed, time, wraps/s) ends the run.

The manifest is read as a stream (twice: the checks, then the wraps), so a batch of any
length runs in bounded memory. While checking, the workers wrap what passes and keep it,
unwritten, up to 8 MB each: a batch of a few thousand lines is read and wrapped once.
On Linux x64 and arm64 the AES key wrap of RSA_AES_KEY_WRAP_* runs on the CPU's AES instructions
(@kms-wrap/aes-kwp-native; KMS_WRAP_NATIVE_KWP=0 uses node:crypto's, the same bytes).

Ctrl-C (SIGINT) or SIGTERM stops scheduling: the wraps under way finish, and every output on
disk is whole (written to a hidden temporary file, then put in place). Exit code 130 / 143.

AWS KMS: a line with parameters (JSON or zip) gets its import token written beside its
output, named after it (out/a.bin → out/a.ImportToken.bin; the same bytes already there are
left as they are), and the aws kms import-key-material command of each such line is printed
(--json gives every line's, as "nextCommand", with "importToken"). Lines that share one
parameters file (one KMS key, one token) with different material get a warning. Lines
refused in the same words are named together: "lines 1-40, 42, 45-100: ...".

Options:
  --concurrency N       threads that wrap: this one and N-1 workers (default: the number of
                        cores)
  --force               replace existing outputs
  --fsync               flush each output to disk before putting it in place (survives a
                        power cut; costs a disk flush a file, often more than the wrap)
  --check               check every line as above, and wrap nothing
  --json                print one JSON object on stdout, written as the batch goes: the
                        manifest, "results" (one a line, in line order), then the totals
  --target T            aws (default), gcp, azure or vault; with its flags, for every line:
                        gcp: --key-name, --keyring, --location, --import-job, --key-algorithm;
                        azure: --kek-id, --vault-name, --hsm-name, --key-name;
                        vault: --key-name, --mount
${PKCS11_OPTIONS}`,
  completion: `Usage: kms-wrap completion bash|zsh|fish

Prints a script that completes kms-wrap's commands, options, key specs, algorithms, targets and
regions in the shell. Load it for this session, or add the line to the shell's start-up file:
  bash:  source <(kms-wrap completion bash)         (~/.bashrc)
  zsh:   source <(kms-wrap completion zsh)          (~/.zshrc)
  fish:  kms-wrap completion fish | source          (~/.config/fish/config.fish)
`,
};

/** The commands, in the order of the main help: one list, for dispatch (main.ts) and completion. */
export const COMMAND_NAMES: readonly string[] = Object.keys(HELP);
