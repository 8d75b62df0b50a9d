/**
 * The series a selector matches in the head, in label order, kept while the head's series set
 * does not change (Head.seriesVersion): dashboards re-run the same selectors on every refresh, and
 * the postings intersection and the label sort are then done once. An index cache, like
 * VictoriaMetrics's tag-filters cache; it never holds samples.
 *
 * Bounded: at most MAX_ENTRIES selectors and MAX_REFS refs in all; the oldest entry goes first.
 */
export interface Selection {
  /** Matching refs in ascending ref order (reads go through the rows in memory order). */
  readonly refs: Uint32Array;
  /** rank[i]: the position of refs[i] in label order. */
  readonly rank: Uint32Array;
}

const MAX_ENTRIES = 128;
const MAX_REFS = 1 << 20;

export class SelectionCache {
  private readonly entries = new Map<string, { version: number; sel: Selection }>();
  private refs = 0;

  get(key: string, version: number): Selection | null {
    const e = this.entries.get(key);
    if (e === undefined) return null;
    if (e.version !== version) {
      this.drop(key);
      return null;
    }
    return e.sel;
  }

  set(key: string, version: number, sel: Selection): void {
    if (sel.refs.length > MAX_REFS / 4) return;
    this.drop(key);
    while (
      this.entries.size >= MAX_ENTRIES ||
      (this.refs + sel.refs.length > MAX_REFS && this.entries.size > 0)
    ) {
      this.drop(this.entries.keys().next().value as string);
    }
    this.entries.set(key, { version, sel });
    this.refs += sel.refs.length;
  }

  private drop(key: string): void {
    const e = this.entries.get(key);
    if (e === undefined) return;
    this.entries.delete(key);
    this.refs -= e.sel.refs.length;
  }
}
