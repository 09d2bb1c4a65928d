/**
 * PKCS#11 URIs (RFC 7512): `pkcs11:token=prod;object=hmac-1;type=secret-key?module-path=/usr/lib/x.so`.
 * The path names the token and the object; the query may name the module. A PIN in the URI
 * (pin-value) is refused: the URI is a command-line argument, and the PIN is never on a command line.
 */
import { ERROR_CODES, KmsWrapError, type Surface } from '@kms-wrap/core';
import { sayOption } from '@kms-wrap/core/internal';

export type ObjectType = 'secret-key' | 'private' | 'public' | 'cert' | 'data';

export interface Pkcs11Uri {
  /** The token's attributes that the URI names (CK_TOKEN_INFO: label, manufacturerID, model, serialNumber). */
  readonly token: { readonly label?: string; readonly manufacturer?: string; readonly model?: string; readonly serial?: string };
  /** slot-id (RFC 7512 §2.3): a slot by its number. */
  readonly slotId?: number;
  /** The object's CKA_LABEL. */
  readonly object?: string;
  /** The object's CKA_ID, as bytes. */
  readonly id?: Uint8Array;
  readonly type?: ObjectType;
  /** module-path from the query: the PKCS#11 library to load. */
  readonly modulePath?: string;
  /** pin-source from the query: a file that holds the PIN (a path, or a file: URI). */
  readonly pinSource?: string;
}

const PATH_ATTRIBUTES = new Set([
  'token',
  'manufacturer',
  'model',
  'serial',
  'object',
  'id',
  'type',
  'slot-id',
  'slot-description',
  'slot-manufacturer',
  'library-manufacturer',
  'library-description',
  'library-version',
]);
const TYPES: readonly ObjectType[] = ['secret-key', 'private', 'public', 'cert', 'data'];

export function isPkcs11Uri(text: string): boolean {
  return /^pkcs11:/i.test(text.trim());
}

/** Parses an RFC 7512 URI. Unknown path attributes are refused (a typo would otherwise widen the match). */
export function parsePkcs11Uri(text: string, options: { readonly surface?: Surface } = {}): Pkcs11Uri {
  const bad = (why: string) =>
    new KmsWrapError(
      ERROR_CODES.TOKEN_URI_INVALID,
      `${why} — write it as pkcs11:token=LABEL;object=LABEL;type=secret-key (RFC 7512), quoted for the shell`,
    );
  const trimmed = text.trim();
  if (!isPkcs11Uri(trimmed)) throw bad('a PKCS#11 URI starts with pkcs11:');
  const body = trimmed.slice('pkcs11:'.length);
  const q = body.indexOf('?');
  const path = q < 0 ? body : body.slice(0, q);
  const query = q < 0 ? '' : body.slice(q + 1);
  const seen = new Map<string, Uint8Array>();
  // RFC 7512 §2.3: pk11-path-attr = name "=" value, separated by ";".
  for (const part of path.split(';').filter((s) => s !== '')) {
    const eq = part.indexOf('=');
    if (eq < 1) throw bad(`'${part}' in the URI's path is not name=value`);
    const name = part.slice(0, eq).toLowerCase();
    if (!PATH_ATTRIBUTES.has(name)) throw bad(`'${name}' is not a PKCS#11 URI path attribute (${[...PATH_ATTRIBUTES].join(', ')})`);
    if (seen.has(name)) throw bad(`'${name}' appears twice in the URI`);
    seen.set(name, percentDecode(part.slice(eq + 1), bad));
  }
  const queryValues = new Map<string, string>();
  // §2.3: pk11-query-attr, separated by "&".
  for (const part of query.split('&').filter((s) => s !== '')) {
    const eq = part.indexOf('=');
    const name = (eq < 0 ? part : part.slice(0, eq)).toLowerCase();
    if (name === 'pin-value') {
      throw new KmsWrapError(
        ERROR_CODES.TOKEN_URI_INVALID,
        `the URI holds the PIN (pin-value), and a URI is a command-line argument that every user of this machine can read — remove pin-value; give the PIN in KMS_WRAP_PKCS11_PIN${options.surface === 'command-line' ? ', with --pin-file FILE, or at the prompt' : ` or ${sayOption(options.surface, 'pinFile')}`}`,
      );
    }
    if (eq < 0) throw bad(`'${part}' in the URI's query is not name=value`);
    queryValues.set(name, new TextDecoder().decode(percentDecode(part.slice(eq + 1), bad)));
  }
  const str = (name: string) => {
    const v = seen.get(name);
    return v === undefined ? undefined : new TextDecoder().decode(v);
  };
  const type = str('type');
  if (type !== undefined && !(TYPES as readonly string[]).includes(type)) {
    throw bad(`type=${type} is not an object type (${TYPES.join(', ')})`);
  }
  const slot = str('slot-id');
  if (slot !== undefined && !/^\d+$/.test(slot)) throw bad(`slot-id=${slot} is not a number`);
  const token = {
    ...(str('token') !== undefined ? { label: str('token')! } : {}),
    ...(str('manufacturer') !== undefined ? { manufacturer: str('manufacturer')! } : {}),
    ...(str('model') !== undefined ? { model: str('model')! } : {}),
    ...(str('serial') !== undefined ? { serial: str('serial')! } : {}),
  };
  const pinSource = queryValues.get('pin-source');
  return {
    token,
    ...(slot !== undefined ? { slotId: Number(slot) } : {}),
    ...(str('object') !== undefined ? { object: str('object')! } : {}),
    ...(seen.has('id') ? { id: seen.get('id')! } : {}),
    ...(type !== undefined ? { type: type as ObjectType } : {}),
    ...(queryValues.has('module-path') ? { modulePath: queryValues.get('module-path')! } : {}),
    ...(pinSource !== undefined ? { pinSource: pinSource.replace(/^file:(\/\/)?/i, '') } : {}),
  };
}

/** The URI of an object, for messages and keygen's output (RFC 7512's escaping of what is not unreserved). */
export function formatPkcs11Uri(uri: Pkcs11Uri): string {
  const enc = (s: string) => [...new TextEncoder().encode(s)].map(encodeByte).join('');
  const parts = [
    uri.token.label !== undefined ? `token=${enc(uri.token.label)}` : undefined,
    uri.token.serial !== undefined ? `serial=${enc(uri.token.serial)}` : undefined,
    uri.object !== undefined ? `object=${enc(uri.object)}` : undefined,
    uri.id !== undefined ? `id=${[...uri.id].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('')}` : undefined,
    uri.type !== undefined ? `type=${uri.type}` : undefined,
  ].filter((p) => p !== undefined);
  return `pkcs11:${parts.join(';')}`;
}

function encodeByte(b: number): string {
  const c = String.fromCharCode(b);
  return /[A-Za-z0-9\-._~:\[\]@!$'()*+,=&]/.test(c) && b < 0x80 ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
}

/** RFC 3986 §2.1 percent-decoding, to bytes (CKA_ID is binary). */
function percentDecode(value: string, bad: (why: string) => KmsWrapError): Uint8Array {
  const out: number[] = [];
  const utf8 = new TextEncoder();
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c === '%') {
      const hex = value.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw bad(`'%${hex}' is not a percent-encoded byte`);
      out.push(parseInt(hex, 16));
      i += 2;
    } else {
      out.push(...utf8.encode(c));
    }
  }
  return Uint8Array.from(out);
}
