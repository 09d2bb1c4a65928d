/**
 * Dynamic import of an optional peer dependency. "Not installed" looks different in every
 * runtime and bundler (Node, webpack, Chromium, Firefox, Safari); those cases resolve to
 * undefined, every other failure is thrown. Pure: the caller's thunk does the import.
 */

/** Node's and webpack's codes for a module that is not there. */
const _NOT_FOUND_CODES = new Set(['ERR_MODULE_NOT_FOUND', 'MODULE_NOT_FOUND']);
/** Chromium, Firefox and Safari, for a bare specifier nothing maps (no import map entry). */
const _NOT_FOUND_MESSAGE =
  /Failed to resolve module specifier|bare specifier|does not resolve to a valid URL|Cannot find (module|package)/i;

/**
 * True when `e` says that `pkg` itself is missing. A chunk that failed to download, or a
 * dependency of `pkg` that is missing, is a real failure and is not hidden.
 */
export function isModuleNotFound(e: unknown, pkg: string): boolean {
  if (typeof e !== 'object' || e === null) return false;
  const message = (e as { message?: unknown }).message;
  // The package named as the specifier, in the quotes Node, Chromium and Firefox use.
  if (typeof message !== 'string' || !["'", '"', '”'].some((q) => message.includes(`${pkg}${q}`))) return false;
  const code = (e as { code?: unknown }).code;
  return (typeof code === 'string' && _NOT_FOUND_CODES.has(code)) || _NOT_FOUND_MESSAGE.test(message);
}

export function importOptional<T>(pkg: string, load: () => Promise<T>): Promise<T | undefined> {
  return load().catch((e: unknown) => {
    if (isModuleNotFound(e, pkg)) return undefined;
    throw e;
  });
}
