/**
 * A logged-in session on the token a PKCS#11 URI names, through pkcs11js (PeculiarVentures'
 * Node-API binding of PKCS#11 2.40). The PIN is tried once: a wrong PIN is refused and never
 * retried, since a token locks its user PIN after a few wrong tries.
 */
import { ERROR_CODES, KmsWrapError, isKmsWrapError, type Surface } from '@kms-wrap/core';
import { sayOption } from '@kms-wrap/core/internal';
import type * as Pkcs11js from 'pkcs11js';
import type { Pkcs11Uri } from './uri.js';

/** The env variable naming the PKCS#11 module (a shared library such as /usr/lib/softhsm/libsofthsm2.so). */
export const MODULE_ENV = 'KMS_WRAP_PKCS11_MODULE';
/** The env variable holding the token's user PIN. */
export const PIN_ENV = 'KMS_WRAP_PKCS11_PIN';

export type Pkcs11Module = typeof Pkcs11js;
type Handle = Buffer;

export interface OpenOptions {
  /** The PKCS#11 library; else the URI's module-path. */
  readonly module?: string;
  /** The user PIN, or a function that asks for it (called once, only when the token needs a login). */
  readonly pin?: string | ((token: TokenInfo) => Promise<string>);
  /** Where refusals are read: how a remedy names an option ('command-line' for kms-wrap; the library's words by default). */
  readonly surface?: Surface;
}

export interface TokenInfo {
  readonly label: string;
  readonly manufacturer: string;
  readonly model: string;
  readonly serial: string;
  /** C_GetInfo: the module's manufacturer and version (SoftHSM 2.6.1 reports 2.6). */
  readonly library: { readonly manufacturer: string; readonly description: string; readonly version: string };
  readonly firmware: string;
}

export interface TokenSession {
  readonly pkcs11: Pkcs11Module;
  readonly lib: Pkcs11js.PKCS11;
  readonly session: Handle;
  readonly slot: Handle;
  readonly info: TokenInfo;
  readonly modulePath: string;
  /** The mechanisms the token lists (C_GetMechanismList). */
  readonly mechanisms: ReadonlySet<number>;
  /** Where this opening's refusals are read (OpenOptions.surface). */
  readonly surface: Surface | undefined;
  close(): void;
}

let loaded: Pkcs11Module | undefined;

/** pkcs11js, loaded on first use: a clear refusal when it is not installed or its addon was not built. */
export async function loadPkcs11js(): Promise<Pkcs11Module> {
  if (loaded) return loaded;
  try {
    const m = (await import('pkcs11js')) as Pkcs11Module & { default?: Pkcs11Module };
    loaded = (m.default ?? m) as Pkcs11Module;
    return loaded;
  } catch (e) {
    // pkcs11js's index.js requires ./build/Release/pkcs11.node: that path, in the error or its cause.
    const said = [e, (e as Error)?.cause].map((x) => String((x as Error)?.message ?? '')).join(' ');
    const missingAddon = /pkcs11\.node|build[\\/]Release/.test(said);
    throw new KmsWrapError(
      ERROR_CODES.TOKEN_UNAVAILABLE,
      missingAddon
        ? "pkcs11js is installed but its addon was not built (node-gyp needs Node's headers, python3, make and a C++ compiler) — run npm_config_nodedir=/usr pnpm rebuild pkcs11js (or npm rebuild pkcs11js) where Node's headers are in /usr/include/node"
        : 'PKCS#11 needs pkcs11js, which is not installed — install it beside kms-wrap: npm install pkcs11js (it builds a small addon with node-gyp)',
      { cause: e },
    );
  }
}

/** The CKR_ name of a pkcs11js error, or undefined. */
export function ckr(e: unknown): string | undefined {
  const m = /CKR_[A-Z_]+/.exec(String((e as Error)?.message ?? ''));
  return m?.[0];
}

/** Opens a session on the one token the URI names and logs in with the PIN (once). */
export async function openToken(uri: Pkcs11Uri, options: OpenOptions = {}): Promise<TokenSession> {
  const pkcs11 = await loadPkcs11js();
  const modulePath = options.module ?? uri.modulePath;
  if (!modulePath) {
    throw new KmsWrapError(
      ERROR_CODES.TOKEN_UNAVAILABLE,
      `no PKCS#11 module was named — ${options.surface === 'command-line' ? 'pass' : 'set'} ${sayOption(options.surface, 'module')}, set ${MODULE_ENV}, or add ?module-path=... to the URI (SoftHSM's is /usr/lib/softhsm/libsofthsm2.so)`,
    );
  }
  const lib = acquireModule(pkcs11, modulePath);
  let session: Handle | undefined;
  try {
    const moduleInfo = lib.C_GetInfo();
    const library = {
      manufacturer: moduleInfo.manufacturerID.trim(),
      description: moduleInfo.libraryDescription.trim(),
      version: `${moduleInfo.libraryVersion.major}.${moduleInfo.libraryVersion.minor}`,
    };
    const { slot, info } = findToken(lib, uri, library);
    session = lib.C_OpenSession(slot, pkcs11.CKF_SERIAL_SESSION | pkcs11.CKF_RW_SESSION);
    const tokenFlags = lib.C_GetTokenInfo(slot).flags;
    // The login is the application's, shared by its sessions: one made by another opening stands.
    if (tokenFlags & pkcs11.CKF_LOGIN_REQUIRED && !USER_STATES.has(lib.C_GetSessionInfo(session).state)) {
      await login(pkcs11, lib, session, info, tokenFlags, options);
    }
    const mechanisms = new Set(lib.C_GetMechanismList(slot));
    const opened = session;
    let closed = false;
    return {
      pkcs11,
      lib,
      session: opened,
      slot,
      info,
      modulePath,
      mechanisms,
      surface: options.surface,
      close: () => {
        if (closed) return;
        closed = true;
        releaseModule(modulePath, opened);
      },
    };
  } catch (e) {
    releaseModule(modulePath, session);
    throw e;
  }
}

/** How a remedy names making material in the token: kms-wrap's command, or this package's function. */
export function sayTokenKeygen(surface: Surface | undefined): string {
  return surface === 'command-line' ? 'kms-wrap keygen SPEC --pkcs11 URI' : 'generateTokenKey';
}

/** How a remedy names wrapping material from a file: kms-wrap's command, or the library call. */
export function sayFileWrap(surface: Surface | undefined): string {
  return surface === 'command-line' ? 'kms-wrap wrap --material FILE' : 'wrapKeyMaterial (@kms-wrap/node)';
}

/** CKS_RO_USER_FUNCTIONS, CKS_RW_USER_FUNCTIONS: a session of a logged-in user. */
const USER_STATES = new Set([1, 3]);

/**
 * The modules this process has loaded, by path. A module is one library per process: its
 * C_Finalize ends every session of it and C_Logout the login of all of them, so concurrent
 * openings (the lines of a migration) share one initialised module, counted, finalised by the last.
 */
const modules = new Map<string, { lib: Pkcs11js.PKCS11; refs: number }>();

function acquireModule(pkcs11: Pkcs11Module, modulePath: string): Pkcs11js.PKCS11 {
  const known = modules.get(modulePath);
  if (known) {
    known.refs++;
    return known.lib;
  }
  const lib = new pkcs11.PKCS11();
  try {
    lib.load(modulePath);
  } catch (e) {
    throw new KmsWrapError(
      ERROR_CODES.TOKEN_UNAVAILABLE,
      `the PKCS#11 module ${modulePath} does not load (${String((e as Error).message).split('\n')[0]}) — check the path, and that it is a PKCS#11 library for this machine`,
      { cause: e },
    );
  }
  try {
    lib.C_Initialize();
  } catch (e) {
    if (ckr(e) !== 'CKR_CRYPTOKI_ALREADY_INITIALIZED') {
      quietly(() => lib.close());
      throw failed(e, `initialising ${modulePath}`);
    }
  }
  modules.set(modulePath, { lib, refs: 1 });
  return lib;
}

/** Closes a session; the last user of the module logs out, finalises and unloads it. */
function releaseModule(modulePath: string, session: Handle | undefined): void {
  const m = modules.get(modulePath);
  if (!m) return;
  const last = --m.refs === 0;
  if (session) {
    if (last) quietly(() => m.lib.C_Logout(session));
    quietly(() => m.lib.C_CloseSession(session));
  }
  if (!last) return;
  modules.delete(modulePath);
  quietly(() => m.lib.C_Finalize());
  quietly(() => m.lib.close());
}

function quietly(step: () => unknown): void {
  try {
    step();
  } catch {
    // Closing is best effort: the session ends with the process anyway.
  }
}

function findToken(lib: Pkcs11js.PKCS11, uri: Pkcs11Uri, library: TokenInfo['library']): { slot: Handle; info: TokenInfo } {
  const all = lib.C_GetSlotList(true).map((slot, i) => {
    const t = lib.C_GetTokenInfo(slot);
    const info: TokenInfo = {
      label: t.label.trim(),
      manufacturer: t.manufacturerID.trim(),
      model: t.model.trim(),
      serial: t.serialNumber.trim(),
      library,
      firmware: `${t.firmwareVersion.major}.${t.firmwareVersion.minor}`,
    };
    return { slot, info, index: i, id: slot.readUIntLE(0, Math.min(6, slot.length)) };
  });
  const want = uri.token;
  const matches = all.filter(
    (s) =>
      (want.label === undefined || s.info.label === want.label) &&
      (want.manufacturer === undefined || s.info.manufacturer === want.manufacturer) &&
      (want.model === undefined || s.info.model === want.model) &&
      (want.serial === undefined || s.info.serial === want.serial) &&
      (uri.slotId === undefined || s.id === uri.slotId),
  );
  const seen = all.map((s) => `'${s.info.label}'`).join(', ') || 'none';
  if (matches.length === 0) {
    throw new KmsWrapError(
      ERROR_CODES.TOKEN_NOT_FOUND,
      `no token matches the URI (tokens present: ${seen}) — name one with token=LABEL (and serial=... if two share a label)`,
    );
  }
  if (matches.length > 1) {
    throw new KmsWrapError(
      ERROR_CODES.TOKEN_AMBIGUOUS,
      `${matches.length} tokens match the URI (${matches.map((s) => `'${s.info.label}' serial ${s.info.serial}`).join(', ')}) — add token=LABEL or serial=SERIAL to pick one`,
    );
  }
  return { slot: matches[0]!.slot, info: matches[0]!.info };
}

async function login(
  pkcs11: Pkcs11Module,
  lib: Pkcs11js.PKCS11,
  session: Handle,
  info: TokenInfo,
  tokenFlags: number,
  { pin, surface }: OpenOptions,
): Promise<void> {
  if (tokenFlags & pkcs11.CKF_USER_PIN_LOCKED) {
    throw new KmsWrapError(
      ERROR_CODES.TOKEN_PIN,
      `the user PIN of token '${info.label}' is locked — its security officer must unlock it (softhsm2-util/pkcs11-tool --init-pin); kms-wrap did not try it`,
    );
  }
  const value = typeof pin === 'function' ? await pin(info) : pin;
  if (value === undefined || value === '') {
    throw new KmsWrapError(
      ERROR_CODES.TOKEN_PIN,
      `token '${info.label}' needs its user PIN — set ${PIN_ENV}${surface === 'command-line' ? ', pass --pin-file FILE, or run on a terminal to be asked (never on the command line)' : ` or ${sayOption(surface, 'pinFile')}`}`,
    );
  }
  try {
    lib.C_Login(session, pkcs11.CKU_USER, value);
  } catch (e) {
    const code = ckr(e);
    if (code === 'CKR_USER_ALREADY_LOGGED_IN') return;
    if (code === 'CKR_PIN_INCORRECT' || code === 'CKR_PIN_LEN_RANGE' || code === 'CKR_PIN_INVALID') {
      const after = lib.C_GetTokenInfo(lib.C_GetSessionInfo(session).slotID).flags;
      const left =
        after & pkcs11.CKF_USER_PIN_FINAL_TRY
          ? ' One more wrong PIN locks it.'
          : after & pkcs11.CKF_USER_PIN_COUNT_LOW
            ? ' The token reports that few tries are left before it locks.'
            : '';
      throw new KmsWrapError(
        ERROR_CODES.TOKEN_PIN,
        `token '${info.label}' refused the PIN (${code}); kms-wrap tried it once and will not retry, since tokens lock after a few wrong PINs.${left} — check the PIN in ${PIN_ENV} or ${sayOption(surface, 'pinFile')}`,
        { cause: e },
      );
    }
    if (code === 'CKR_PIN_LOCKED') {
      throw new KmsWrapError(
        ERROR_CODES.TOKEN_PIN,
        `the user PIN of token '${info.label}' is locked — its security officer must unlock it`,
        {
          cause: e,
        },
      );
    }
    if (code === 'CKR_PIN_EXPIRED') {
      throw new KmsWrapError(
        ERROR_CODES.TOKEN_PIN,
        `the user PIN of token '${info.label}' has expired — set a new one with the token's tools`,
        {
          cause: e,
        },
      );
    }
    throw failed(e, `logging in to token '${info.label}'`);
  }
}

/** A token's refusal that no other rule explains: its CKR_ code named, never a key byte. */
export function failed(e: unknown, doing: string): KmsWrapError {
  if (isKmsWrapError(e)) return e;
  const code = ckr(e) ?? String((e as Error)?.message ?? e).split('\n')[0];
  return new KmsWrapError(
    ERROR_CODES.TOKEN_FAILED,
    `the token failed while ${doing} (${code}) — see the token's documentation for ${code}`,
    {
      cause: e,
    },
  );
}
