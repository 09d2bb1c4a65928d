/**
 * The OPTIONAL fields that end a SEQUENCE, matched in order as keygen's readers have always
 * matched them (asn1js's compareSchema, before core read DER itself): each field takes the next
 * value if it fits and is skipped if not; the last field tried must have fitted; values after the
 * last field are not read (RFC 5958's extension marker `...`).
 */
import type { Asn1 } from '@kms-wrap/core/encoding';

/** The value each field took (undefined where skipped), or undefined if `values` do not match. */
export function optionalFields(values: readonly Asn1[], fits: readonly ((node: Asn1) => boolean)[]): (Asn1 | undefined)[] | undefined {
  const taken: (Asn1 | undefined)[] = [];
  let next = 0;
  let fitted = true;
  for (const fit of fits) {
    const value = values[next];
    if (value === undefined) {
      taken.push(undefined);
      continue;
    }
    fitted = fit(value);
    taken.push(fitted ? values[next++] : undefined);
  }
  return fitted ? taken : undefined;
}
