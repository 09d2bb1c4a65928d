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
export type RemedyOption = 'region' | 'force';

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
