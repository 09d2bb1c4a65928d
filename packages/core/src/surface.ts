/**
 * One remedy, three wordings. A refusal that says what to set words it where the user sets it:
 * a program calling the library sets an option (`region: 'china'`), a person at kms-wrap's
 * command line passes a flag (`--region china`), a person on the page clicks a choice. The words
 * for each option on each surface are here, once; a message asks for them by option and surface.
 */

/** Where a message is read: 'library' (the default), 'command-line' (kms-wrap), 'page' (the browser page). */
export type Surface = 'library' | 'command-line' | 'page';

export const SURFACES: readonly Surface[] = ['library', 'command-line', 'page'];

/** The options a remedy may name. */
export type RemedyOption =
  'region' | 'force' | 'target' | 'keySpec' | 'module' | 'pinFile' | 'awsRegion' | 'profile' | 'validTo' | 'importType' | 'description';

/** The targets by id, as each is named to people (its Target's and rule set's name, and the page's choice). */
export const TARGET_NAMES = {
  aws: 'AWS KMS',
  gcp: 'Google Cloud KMS',
  azure: 'Azure Key Vault',
  vault: 'Vault transit',
} as const;

/** "a, b or c". */
export function orList(items: readonly string[], word = 'or'): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} ${word} ${items[items.length - 1]}`;
}

/** A target option's value may list several ids: 'aws|azure|vault'. */
const ids = (v: string) => v.split('|');
const targetName = (id: string) => `“${(TARGET_NAMES as Record<string, string>)[id] ?? id}”`;

const WORDS: Readonly<Record<RemedyOption, Readonly<Record<Surface, (value?: string) => string>>>> = {
  region: {
    library: (v = 'china') => `region: '${v}'`,
    'command-line': (v = 'china') => `--region ${v}`,
    page: (v = 'china') => (v === 'china' ? 'choose “AWS China Regions” under Region of the KMS key' : 'choose “Standard AWS Regions”'),
  },
  force: {
    library: () => 'force: true',
    'command-line': () => '--force',
    page: () => 'allow replacing the file',
  },
  target: {
    library: (v = 'aws') => `target: ${orList(ids(v).map((id) => `'${id}'`))}`,
    'command-line': (v = 'aws') => `--target ${orList(ids(v))}`,
    page: (v = 'aws') => `choose ${orList(ids(v).map(targetName))} under Where the key goes`,
  },
  keySpec: {
    library: (v = 'KEY_SPEC') => `keySpec: '${v}'`,
    'command-line': (v = 'KEY_SPEC') => `--key-spec ${v}`,
    page: (v) => (v === undefined || v === 'KEY_SPEC' ? 'choose the key spec' : `choose ${v} under Key spec`),
  },
  module: {
    library: () => "module: '/path/to/module.so'",
    'command-line': () => '--pkcs11-module /path/to/module.so',
    page: () => 'the module',
  },
  pinFile: {
    library: () => 'pin (a string, or a function that asks for it)',
    'command-line': () => '--pin-file FILE',
    page: () => 'the PIN',
  },
  // The AWS side of an import: the KMS client's Region and credentials, ImportKeyMaterial's fields.
  awsRegion: {
    library: (v) => `the KMS client's region${v ? ` (${v})` : ''}`,
    'command-line': (v) => `--region${v ? ` (${v})` : ''}`,
    page: (v) => `the Region${v ? ` (${v})` : ''}`,
  },
  profile: {
    library: () => "the KMS client's credentials",
    'command-line': () => '--profile NAME',
    page: () => 'the AWS credentials',
  },
  validTo: {
    library: () => 'validTo',
    'command-line': () => '--valid-to',
    page: () => 'the expiry',
  },
  importType: {
    library: () => 'importType',
    'command-line': () => '--import-type',
    page: () => 'the import type',
  },
  description: {
    library: () => 'description',
    'command-line': () => '--description',
    page: () => 'the description',
  },
};

/** How `surface` asks for an option: sayOption('command-line', 'region', 'china') is "--region china". */
export function sayOption(surface: Surface | undefined, option: RemedyOption, value?: string): string {
  return WORDS[option][surface ?? 'library'](value);
}

/** "pass --region china", "set region: 'china'", "choose ...": the verb the surface takes, and the option. */
export function sayPass(surface: Surface | undefined, option: RemedyOption, value?: string): string {
  const s = surface ?? 'library';
  const verb = s === 'page' ? '' : s === 'command-line' ? 'pass ' : 'set ';
  return `${verb}${sayOption(s, option, value)}`;
}

/**
 * Several options set together, as the surface says them: "--target aws --region china",
 * "target: 'aws', region: 'china'", "choose “AWS KMS” under Where the key goes, then ...".
 */
export function sayAll(surface: Surface | undefined, options: readonly (readonly [RemedyOption, string?])[]): string {
  const s = surface ?? 'library';
  return options.map(([o, v]) => sayOption(s, o, v)).join(s === 'command-line' ? ' ' : s === 'page' ? ', then ' : ', ');
}

/** A sentence that names options: written once, worded for the surface it is read on. */
export type Worded = string | ((say: (...options: (readonly [RemedyOption, string?])[]) => string) => string);

/** The sentence for `surface`. */
export function worded(text: Worded, surface: Surface | undefined): string {
  return typeof text === 'string' ? text : text((...options) => sayAll(surface, options));
}
