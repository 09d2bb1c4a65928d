/** Assertions about refusals: one KmsWrapError, the expected code, one line, no key material. */
import { expect } from 'vitest';
import { KmsWrapError, type ErrorCode } from '@kms-wrap/core';

function windows(secret: Uint8Array, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i + size <= secret.length; i++) {
    const chunk = Buffer.from(secret.subarray(i, i + size));
    out.push(
      chunk.toString('hex'),
      chunk.toString('hex').toUpperCase(),
      chunk.toString('base64').slice(0, 8),
      chunk.toString('base64url').slice(0, 8),
    );
  }
  return out;
}

const cache = new WeakMap<Uint8Array, string[]>();
function forbidden(secret: Uint8Array): string[] {
  let w = cache.get(secret);
  if (w === undefined) cache.set(secret, (w = windows(secret, 6)));
  return w;
}

/** Checks a refusal's shape; `secrets` are bytes that must not show in the message in any encoding. */
export function expectRefusalShape(error: unknown, code: ErrorCode, secrets: readonly Uint8Array[] = []): KmsWrapError {
  expect(error).toBeInstanceOf(KmsWrapError);
  const e = error as KmsWrapError;
  expect(e.code).toBe(code);
  expect(e.message).not.toMatch(/[\r\n]/);
  // "what is wrong — what to do"
  expect(e.message).toMatch(/\S — \S/);
  // No blob that looks like key material: long hex or base64 runs.
  expect(e.message).not.toMatch(/[0-9a-fA-F]{16,}/);
  expect(e.message).not.toMatch(/[A-Za-z0-9+/_-]{24,}/);
  const leaked = secrets.flatMap((s) => forbidden(s)).filter((w) => e.message.includes(w));
  expect(leaked).toEqual([]);
  return e;
}

export function refusalOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a refusal, but the call succeeded');
}

export async function asyncRefusalOf(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a refusal, but the call succeeded');
}

export function expectRefusal(fn: () => unknown, code: ErrorCode, secrets: readonly Uint8Array[] = []): KmsWrapError {
  return expectRefusalShape(refusalOf(fn), code, secrets);
}
