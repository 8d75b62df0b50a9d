import type { Labels } from '../model/index.ts';
import type { Matcher } from '../model/index.ts';
import type { MetricMetadata } from '../model/index.ts';
import type { Appender } from './appender.ts';
import type { Queryable } from './querier.ts';

export interface StoredExemplar {
  readonly labels: Labels;
  readonly t: number;
  readonly v: number;
}

export interface SeriesExemplars {
  readonly seriesLabels: Labels;
  readonly exemplars: readonly StoredExemplar[];
}

export interface NameCount {
  readonly name: string;
  readonly value: number;
}

/** What `/api/v1/status/tsdb` shows: head statistics and the top cardinality offenders. */
export interface StorageStats {
  readonly numSeries: number;
  readonly numLabelPairs: number;
  readonly chunkCount: number;
  /** Milliseconds; NaN-free: an empty head reports 0 for both. */
  readonly minTime: number;
  readonly maxTime: number;
  readonly seriesCountByMetricName: readonly NameCount[];
  readonly labelValueCountByLabelName: readonly NameCount[];
  readonly memoryInBytesByLabelName: readonly NameCount[];
  readonly seriesCountByLabelValuePair: readonly NameCount[];
}

/**
 * One tenant's storage as the rest of the program sees it: write, read, and the few extra reads
 * the API needs. The embedded engine (`tsdb/`) implements it; so does the in-memory fake.
 */
export interface Storage extends Appender, Queryable {
  /** Metadata received with writes, by metric family; `metric` filters, `limit` caps families (0 = all). */
  metadata(metric: string | undefined, limit: number): ReadonlyMap<string, readonly MetricMetadata[]>;
  /** Exemplars of the series matching any of the matcher lists, in [start, end] (ms, inclusive). */
  exemplars(
    matcherSets: readonly (readonly Matcher[])[],
    start: number,
    end: number,
  ): Promise<readonly SeriesExemplars[]>;
  /** Deletes samples of matching series in [start, end]; queries stop seeing them at once. */
  deleteSeries(matchers: readonly Matcher[], start: number, end: number): Promise<void>;
  /**
   * Writes everything held in memory into the long-term form now (the embedded engine: the head
   * into blocks, then compaction) and resolves when done. Stores without such a form resolve at once.
   */
  flush(): Promise<void>;
  stats(limit: number): StorageStats;
  /** Flushes and releases everything. The storage is unusable afterwards. */
  close(): Promise<void>;
}
