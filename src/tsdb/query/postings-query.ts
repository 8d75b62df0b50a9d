import type { Matcher } from '../../model/index.ts';
import { EMPTY, intersect, subtract, unionDisjoint } from '../head/postings.ts';

/**
 * What the matcher→postings algorithm needs from an index (the head's or a block's). Value ids and
 * name ids are whatever the index uses; lists are ascending series ids.
 */
export interface PostingsSource {
  /** Id of a label name, or -1. */
  nameId(name: string): number;
  /** Id of a value of `nameId`, or -1. */
  valueId(nameId: number, value: string): number;
  /** Calls fn for each value of a label name. */
  forEachValue(nameId: number, fn: (valueId: number, value: string) => void): void;
  postings(nameId: number, valueId: number): Uint32Array;
  /** Every live series, ascending. */
  all(): Uint32Array;
}

/**
 * Series matching all matchers (ANDed). A matcher that does not match "" selects the union of the
 * postings of the values it matches; one that matches "" (so also series without the label)
 * instead subtracts the postings of the values it does not match. Literal sets (`=`, `=~"a|b"`) are
 * looked up directly; other regexes run once per distinct value, never per series.
 */
export function selectPostings(src: PostingsSource, matchers: readonly Matcher[]): Uint32Array {
  let result: Uint32Array | null = null;
  const negatives: Uint32Array[] = [];
  // Most selective first: exact matchers before regexes.
  const ordered = [...matchers].sort((a, b) => rank(a) - rank(b));
  for (const m of ordered) {
    const nameId = src.nameId(m.name);
    if (!m.matchesEmpty) {
      if (nameId < 0) return EMPTY;
      const lists: Uint32Array[] = [];
      if (m.set !== null && (m.type === '=' || m.type === '=~')) {
        for (const v of m.set) {
          const vid = src.valueId(nameId, v);
          if (vid >= 0) lists.push(src.postings(nameId, vid));
        }
      } else {
        src.forEachValue(nameId, (vid, v) => {
          if (m.matches(v)) lists.push(src.postings(nameId, vid));
        });
      }
      const p = unionDisjoint(lists);
      result = result === null ? p : intersect(result, p);
      if (result.length === 0) return EMPTY;
    } else {
      if (nameId < 0) continue;
      const lists: Uint32Array[] = [];
      const literal = m.type === '!=' ? [m.value] : m.type === '!~' ? m.set : null;
      if (literal !== null) {
        for (const v of literal) {
          const vid = src.valueId(nameId, v);
          if (vid >= 0) lists.push(src.postings(nameId, vid));
        }
      } else {
        src.forEachValue(nameId, (vid, v) => {
          if (!m.matches(v)) lists.push(src.postings(nameId, vid));
        });
      }
      if (lists.length > 0) negatives.push(unionDisjoint(lists));
    }
  }
  let out = result ?? src.all();
  for (const n of negatives) out = subtract(out, n);
  return out;
}

function rank(m: Matcher): number {
  if (m.matchesEmpty) return 3;
  if (m.type === '=') return 0;
  return m.set !== null ? 1 : 2;
}
