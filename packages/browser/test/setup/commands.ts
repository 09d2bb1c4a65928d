/** Server-side browser commands: the browser test calls them to have OpenSSL, in Node, check its output. */
import { join } from 'node:path';
import type { BrowserCommand } from 'vitest/node';
import type { UnwrapCommandArgs } from './context.js';
import { KEYS_DIR_ENV } from './global-setup.js';
import { WRAPPING_KEY_NAMES, opensslReencodePkcs8, opensslUnwrap } from './openssl.js';

function keysDir(): string {
  const dir = process.env[KEYS_DIR_ENV];
  if (!dir) throw new Error('the global setup has not made the test keys');
  return dir;
}

const unwrap: BrowserCommand<[UnwrapCommandArgs], string> = (_ctx, { algorithm, wrappingKey, ciphertext }) => {
  if (!WRAPPING_KEY_NAMES.includes(wrappingKey)) throw new Error(`unknown wrapping key ${wrappingKey}`);
  const pem = join(keysDir(), `wrap-${wrappingKey}.pem`);
  return opensslUnwrap(keysDir(), algorithm, pem, Buffer.from(ciphertext, 'base64')).toString('base64');
};

const reencode: BrowserCommand<[string], string> = (_ctx, der) =>
  opensslReencodePkcs8(keysDir(), Buffer.from(der, 'base64')).toString('base64');

export const commands = { opensslUnwrap: unwrap, opensslReencodePkcs8: reencode };
