/**
 * "Did you mean ...?" for a name the user typed: the known name closest to it, when one is close
 * enough to be what was meant. Names are compared without case, `_` and `-` (so RSA2048 is
 * RSA_2048 and rsaes-oaep-sha256 is RSAES_OAEP_SHA_256), by optimal string alignment distance
 * (Levenshtein with adjacent transpositions: `wrpa` is one edit from `wrap`).
 */

const fold = (s: string): string => s.toLowerCase().replace(/[-_\s]/g, '');

/** Edits (insert, delete, substitute, swap two neighbours) from a to b. */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The one known name closest to `typed`, or undefined when none is close (or two tie). Close:
 * at most `limit` edits (default 1 for names of up to 4 letters, else 2).
 */
export function closestName(typed: string, known: readonly string[], limit = fold(typed).length <= 4 ? 1 : 2): string | undefined {
  const t = fold(typed);
  if (t === '' || t.length > 64) return undefined;
  let best: string | undefined;
  let bestDistance = Infinity;
  let tie = false;
  for (const name of known) {
    const n = distance(t, fold(name));
    if (n < bestDistance) [best, bestDistance, tie] = [name, n, false];
    else if (n === bestDistance && name !== best) tie = true;
  }
  return best !== undefined && bestDistance <= limit && !tie ? best : undefined;
}

/** "did you mean X? Otherwise " to put before a message's list of names, or "" when none is close. */
export function didYouMean(typed: string, known: readonly string[], limit?: number): string {
  const near = closestName(typed, known, limit);
  return near === undefined ? '' : `did you mean ${near}? Otherwise `;
}
