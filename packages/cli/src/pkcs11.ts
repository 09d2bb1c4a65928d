/**
 * Key material in a PKCS#11 token, named by an RFC 7512 URI where a material file is taken
 * (wrap --material, import --material and batch manifests, inspect, keygen --pkcs11). The work is
 * @kms-wrap/pkcs11's, an optional peer (like @aws-sdk/client-kms): a clear refusal when it is not
 * installed. The module comes from --pkcs11-module, KMS_WRAP_PKCS11_MODULE or the URI's
 * module-path; the PIN from --pin-file, KMS_WRAP_PKCS11_PIN, or a prompt on a terminal — never
 * from the command line, where every user of the machine can read it.
 */
import { ERROR_CODES, KmsWrapError, isKmsWrapError } from '@kms-wrap/core';
import { importOptional } from '@kms-wrap/core/internal';
import type { TokenKeyHandle } from '@kms-wrap/pkcs11';
import { readInputFile } from '@kms-wrap/node';
import { resolve } from 'node:path';
import { str, type Options, type Parsed } from './args.js';

export const PKCS11_PACKAGE = '@kms-wrap/pkcs11';

export type Pkcs11Api = typeof import('@kms-wrap/pkcs11');

/** The options every command that takes a PKCS#11 URI has (help.ts documents them). */
export const PKCS11_FLAGS = {
  'pkcs11-module': { type: 'string' },
  'pin-file': { type: 'string' },
} as const satisfies Options;

export function isPkcs11Uri(text: string): boolean {
  return /^pkcs11:/i.test(text.trim());
}

export async function loadPkcs11(): Promise<Pkcs11Api> {
  const api = await importOptional(PKCS11_PACKAGE, () => import('@kms-wrap/pkcs11'));
  if (!api) {
    throw new KmsWrapError(
      ERROR_CODES.TOKEN_UNAVAILABLE,
      `key material in a PKCS#11 token needs ${PKCS11_PACKAGE}, which is not installed — install it beside kms-wrap: npm install ${PKCS11_PACKAGE} (it builds pkcs11js's addon with node-gyp)`,
    );
  }
  return api;
}

export interface TokenFlags {
  readonly module?: string;
  readonly pinFile?: string;
  /** A run that opens many token keys (import --manifest, batch): see tokenRun. */
  readonly run?: TokenRun;
}

/**
 * What the openings of one run share, by token label: the PIN, asked once; and the first
 * login, made alone, so that a wrong PIN is tried once in the run, not once for each line
 * (tokens lock after a few wrong PINs); after it, every line of that token is refused untried.
 */
export interface TokenRun {
  readonly pins: Map<string, Promise<string>>;
  readonly firsts: Map<string, { readonly done: Promise<void>; refused?: KmsWrapError }>;
  /** The first handle of each token, closed by endTokenRun: see openInRun. */
  readonly held: (() => void)[];
}

export function tokenRun(): TokenRun {
  return { pins: new Map(), firsts: new Map(), held: [] };
}

/** Closes what the run holds open; the run's later openings are closed by their callers. */
export function endTokenRun(run: TokenRun | undefined): void {
  for (const close of run?.held.splice(0) ?? []) close();
}

/**
 * Opens a token key (open), the first of its token in the run alone; a refused PIN refuses the
 * rest. The first handle stays open until endTokenRun (its close is the run's): its session keeps
 * the module initialised and the user logged in, so the run logs in to each token once.
 */
export async function openInRun<T extends { close(): void }>(
  run: TokenRun | undefined,
  tokenLabel: string,
  open: () => Promise<T>,
): Promise<T> {
  if (!run) return open();
  const first = run.firsts.get(tokenLabel);
  if (first === undefined) {
    const opening = open().then((handle) => {
      run.held.push(() => handle.close());
      return { ...handle, close: () => undefined };
    });
    const entry: { done: Promise<void>; refused?: KmsWrapError } = {
      done: opening.then(
        () => undefined,
        (e: unknown) => {
          if (isKmsWrapError(e) && (e as KmsWrapError).code === ERROR_CODES.TOKEN_PIN) entry.refused = e as KmsWrapError;
        },
      ),
    };
    run.firsts.set(tokenLabel, entry);
    return opening;
  }
  await first.done;
  if (first.refused) throw first.refused;
  return open();
}

/** Opens the key a URI names, in its token: the module and PIN from the flags, the first opening of its token in the run alone. */
export async function openTokenKey(uri: string, flags: TokenFlags): Promise<TokenKeyHandle> {
  const api = await loadPkcs11();
  const t = api.parsePkcs11Uri(uri, { surface: 'command-line' }).token;
  const label = JSON.stringify([t.label, t.manufacturer, t.model, t.serial]);
  return openInRun(flags.run, label, () => api.openTokenKey({ uri, ...tokenOptions(uri, flags, api) }));
}

export function tokenFlags(p: Parsed, cwd: string): TokenFlags {
  const module = str(p, 'pkcs11-module');
  const pinFile = str(p, 'pin-file');
  return {
    ...(module !== undefined ? { module: resolve(cwd, module) } : {}),
    ...(pinFile !== undefined ? { pinFile: resolve(cwd, pinFile) } : {}),
  };
}

/** @kms-wrap/pkcs11's OpenOptions for a URI: the module, and the PIN asked for only when the token needs it. */
export function tokenOptions(
  uri: string,
  flags: TokenFlags,
  api: Pkcs11Api,
): { module?: string; pin: (token: { label: string }) => Promise<string>; surface: 'command-line' } {
  const parsed = api.parsePkcs11Uri(uri, { surface: 'command-line' });
  const module = flags.module ?? (process.env[api.MODULE_ENV] || undefined) ?? parsed.modulePath;
  const pinFile = flags.pinFile ?? parsed.pinSource;
  return {
    ...(module !== undefined ? { module } : {}),
    surface: 'command-line',
    pin: (token) => {
      const ask = async () => {
        if (pinFile !== undefined) return readPinFile(pinFile);
        const env = process.env[api.PIN_ENV];
        if (env !== undefined && env !== '') return env;
        return promptPin(token.label, api.PIN_ENV);
      };
      const pins = flags.run?.pins;
      if (!pins) return ask();
      let pin = pins.get(token.label);
      if (!pin) pins.set(token.label, (pin = ask()));
      return pin;
    },
  };
}

async function readPinFile(path: string): Promise<string> {
  const bytes = await readInputFile(path, 'the PIN file');
  try {
    // The first line: a file made with echo has a newline after the PIN.
    return new TextDecoder().decode(bytes).split(/\r?\n/)[0]!;
  } finally {
    bytes.fill(0);
  }
}

/** Asks for the PIN on the terminal, echo off; refused when there is no terminal to ask on. */
function promptPin(label: string, pinEnv: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY || typeof stdin.setRawMode !== 'function') {
    return Promise.reject(
      new KmsWrapError(
        ERROR_CODES.TOKEN_PIN,
        `token '${label}' needs its user PIN, and there is no terminal to ask on — set ${pinEnv} or pass --pin-file FILE (never the PIN itself on the command line)`,
      ),
    );
  }
  // Echo off before the prompt is shown: a PIN typed ahead is never echoed.
  stdin.setRawMode(true);
  process.stderr.write(`PIN for token '${label}': `);
  return new Promise((done, fail) => {
    let pin = '';
    const finish = (error?: KmsWrapError) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      if (error) fail(error);
      else done(pin);
    };
    const onData = (chunk: Buffer) => {
      for (const c of chunk.toString('utf8')) {
        if (c === '\r' || c === '\n') return finish();
        if (c === '\u0003' || c === '\u0004') {
          return finish(new KmsWrapError(ERROR_CODES.TOKEN_PIN, `no PIN was given for token '${label}' — nothing was done`));
        }
        if (c === '\u007f' || c === '\b') pin = pin.slice(0, -1);
        else pin += c;
      }
    };
    stdin.resume();
    stdin.on('data', onData);
  });
}
