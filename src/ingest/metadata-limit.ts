import type { MetricMetadata } from '../model/index.ts';
import type { Storage } from '../storage/index.ts';

/**
 * `max_metadata_per_tenant` for one tenant: the metric families that have metadata, seeded from
 * storage the first time the limit is on, and grown as new families are admitted. Families already
 * known always pass, like series under the series limit.
 */
export class MetadataLimiter {
  private families: Set<string> | null = null;

  /**
   * Returns the entries of `metadata` within the limit: `metadata` itself when all pass (the usual
   * case, no allocation), else a new array without the refused ones. `refused` is set to how many
   * were left out. A limit of 0 admits everything.
   */
  admit(metadata: readonly MetricMetadata[], limit: number, storage: Storage): readonly MetricMetadata[] {
    this.refused = 0;
    if (limit <= 0) {
      // Forget what we knew: when the limit returns, storage is asked again.
      this.families = null;
      return metadata;
    }
    if (metadata.length === 0) return metadata;
    const families = (this.families ??= new Set(storage.metadata(undefined, 0).keys()));
    let kept: MetricMetadata[] | null = null;
    for (let i = 0; i < metadata.length; i++) {
      const m = metadata[i] as MetricMetadata;
      let ok = families.has(m.family);
      if (!ok && families.size < limit) {
        families.add(m.family);
        ok = true;
      }
      if (ok) {
        kept?.push(m);
      } else {
        if (kept === null) kept = metadata.slice(0, i);
        this.refused++;
      }
    }
    return kept ?? metadata;
  }

  /** Entries refused by the last `admit`. */
  refused = 0;
}
