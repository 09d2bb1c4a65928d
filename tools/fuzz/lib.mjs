/** What run.mjs and its worker share: how input i is made, and how a thrown value is judged. */
import { makeRng, randomMutations } from './mutate.mjs';

/** Input `i` of a run with `seed`: the same corpus, seed and index give the same input. */
export function inputFor(seeds, seed, i, target) {
  const rng = makeRng((seed ^ Math.imul(i + 1, 0x9e3779b1)) >>> 0);
  const n = rng();
  const mutations = randomMutations(rng, rng() % 5); // none one time in five: the seeds themselves, and what accepts them
  return { input: target.make(seeds, n, mutations), n };
}

/** The longest message a refusal may have: one line a person reads. */
export const MAX_MESSAGE = 1000;

/**
 * A thrown value, judged: kms-wrap's own KmsWrapError with a known code and a one-line message
 * is a refusal (`coded`); anything else is a crash, a broken property or a malformed error.
 */
export function describeError(e, codes) {
  if (e?.name === 'PropertyFailure') return { coded: false, kind: 'property', detail: e.message };
  if (e?.name === 'KmsWrapError' && codes.has(e.code)) {
    if (typeof e.message !== 'string' || e.message.length === 0 || /[\r\n]/.test(e.message)) {
      return {
        coded: false,
        kind: 'message',
        detail: `${e.code}: a message that is not one line: ${JSON.stringify(String(e.message).slice(0, 200))}`,
      };
    }
    if (e.message.length > MAX_MESSAGE) {
      return {
        coded: false,
        kind: 'message',
        detail: `${e.code}: a ${e.message.length}-character message: ${JSON.stringify(e.message.slice(0, 200))}…`,
      };
    }
    return { coded: true, code: e.code };
  }
  const stack = typeof e?.stack === 'string' ? e.stack.split('\n').slice(0, 6).join(' | ') : '';
  return { coded: false, kind: 'crash', detail: `${e?.name ?? typeof e}: ${String(e?.message ?? e).slice(0, 300)} ${stack}` };
}
