/**
 * The batch manifest: JSON Lines, one wrap a line, paths relative to the manifest's folder:
 *
 *   {"material": PATH, "publicKey": PATH, "algorithm": ALG, "output": PATH}
 *   {"material": PATH, "parameters": PATH, "algorithm": ALG, "keySpec": SPEC, "region": "china", "output": PATH}
 *
 * Blank lines are skipped. Every malformed line is reported with its number, not only the first.
 */
import { readFile, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ERROR_CODES, KmsWrapError } from '@kms-wrap/core';
import type { BatchEntry } from './batch.js';
import { errnoText } from './batch-files.js';

/** A manifest of 100,000 lines is about 20 MB; this bound only stops a wrong path early. */
export const MAX_MANIFEST_BYTES = 256 << 20;

export interface ManifestProblem {
  /** 1-based line number. */
  readonly line: number;
  readonly error: KmsWrapError;
}

export interface BatchManifest {
  /** The well-formed lines, paths made absolute. */
  readonly entries: BatchEntry[];
  /** The line number of each entry. */
  readonly lines: number[];
  readonly problems: ManifestProblem[];
}

const FIELDS = new Set(['material', 'publicKey', 'parameters', 'algorithm', 'keySpec', 'region', 'output']);
const SHAPE = 'one JSON object a line: {"material": PATH, "publicKey": PATH or "parameters": PATH, "algorithm": ALG, "output": PATH}';

/** Parses manifest text; `baseDir` anchors relative paths (the manifest's folder). */
export function parseBatchManifest(text: string, baseDir: string): BatchManifest {
  const entries: BatchEntry[] = [];
  const lines: number[] = [];
  const problems: ManifestProblem[] = [];
  const rows = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const resolved = new Map<string, string>(); // the wrapping key's path, on every line
  rows.forEach((row, i) => {
    const line = i + 1;
    if (row.trim() === '') return;
    const bad = (message: string): void => {
      problems.push({ line, error: new KmsWrapError(ERROR_CODES.MANIFEST_INVALID, message) });
    };
    let value: unknown;
    try {
      value = JSON.parse(row);
    } catch {
      return bad(`not JSON — ${SHAPE}`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return bad(`not a JSON object — ${SHAPE}`);
    const o = value as Record<string, unknown>;
    const unknown = Object.keys(o).filter((k) => !FIELDS.has(k));
    if (unknown.length > 0) return bad(`unknown field ${unknown.map((k) => JSON.stringify(k.slice(0, 40))).join(', ')} — the fields are ${[...FIELDS].join(', ')}`);
    for (const k of Object.keys(o)) {
      if (typeof o[k] !== 'string' || (o[k] as string).trim() === '') return bad(`"${k}" must be a non-empty string`);
    }
    const s = o as Record<string, string | undefined>;
    for (const k of ['material', 'algorithm', 'output'] as const) {
      if (s[k] === undefined) return bad(`"${k}" is missing — ${SHAPE}`);
    }
    if ((s['publicKey'] === undefined) === (s['parameters'] === undefined)) {
      return bad('give exactly one of "publicKey" (WrappingPublicKey.bin) and "parameters" (the GetParametersForImport JSON)');
    }
    const at = (p: string) => {
      let r = resolved.get(p);
      if (r === undefined) resolved.set(p, (r = resolve(baseDir, p)));
      return r;
    };
    entries.push({
      material: at(s['material']!),
      ...(s['publicKey'] === undefined ? { parameters: at(s['parameters']!) } : { publicKey: at(s['publicKey']) }),
      algorithm: s['algorithm']!,
      ...(s['keySpec'] === undefined ? {} : { keySpec: s['keySpec'] }),
      ...(s['region'] === undefined ? {} : { region: s['region'] }),
      output: at(s['output']!),
    });
    lines.push(line);
  });
  return { entries, lines, problems };
}

/** Reads and parses a manifest file. Throws only when the file itself cannot be read. */
export async function readBatchManifest(path: string): Promise<BatchManifest> {
  let text: string;
  try {
    const s = await stat(path);
    if (s.isDirectory()) throw new KmsWrapError(ERROR_CODES.FILE_UNREADABLE, `the manifest path ${path} is a directory — name the .jsonl file`);
    if (s.size > MAX_MANIFEST_BYTES) throw new KmsWrapError(ERROR_CODES.FILE_UNREADABLE, `the manifest ${path} is ${s.size} bytes — split it into smaller batches`);
    text = await readFile(path, 'utf8');
  } catch (cause) {
    if (cause instanceof KmsWrapError) throw cause;
    throw new KmsWrapError(ERROR_CODES.FILE_UNREADABLE, `cannot read the manifest ${path}: ${errnoText(cause)} — check the path`, { cause });
  }
  const m = parseBatchManifest(text, dirname(path));
  if (m.entries.length === 0 && m.problems.length === 0) {
    throw new KmsWrapError(ERROR_CODES.MANIFEST_INVALID, `the manifest ${path} has no lines — ${SHAPE}`);
  }
  return m;
}
