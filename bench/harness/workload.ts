import { createHash } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';
import { compressSync } from 'snappy';
import { buildCatalogue, type Catalogue } from './catalogue.ts';
import { encodeLabels, WriteRequestBuilder } from './encode.ts';
import { Simulator } from './simulator.ts';

/** The shape of the generated traffic; printed verbatim in the report. */
export interface WorkloadParams {
  /** Scrape targets (pods). */
  readonly targets: number;
  /** Metric families per target (counters, gauges, classic histograms). */
  readonly families: number;
  readonly intervalMs: number;
  /** Span of the backfilled history. */
  readonly backfillMs: number;
  /** Scrapes sent at the sustained (paced) rate after the backfill. */
  readonly sustainedScrapes: number;
  readonly samplesPerRequest: number;
  /** Concurrent senders; series are sharded over them like Prometheus's remote-write shards. */
  readonly senders: number;
  readonly seed: number;
  /** Wall-clock time the data must end before (the last scrape is at least one interval earlier). */
  readonly notAfterMs: number;
}

/** One compressed request in the workload file. */
export interface RequestRef {
  readonly offset: number;
  readonly length: number;
  readonly samples: number;
  /** Scrape indexes (0-based, over the whole workload) of its first and last sample. */
  readonly firstScrape: number;
  readonly lastScrape: number;
}

export interface Workload {
  readonly params: WorkloadParams;
  readonly path: string;
  readonly series: number;
  readonly metricNames: readonly string[];
  readonly backfillScrapes: number;
  /** Per sender, in sending order. */
  readonly backfill: readonly (readonly RequestRef[])[];
  readonly sustained: readonly (readonly RequestRef[])[];
  readonly backfillSamples: number;
  readonly sustainedSamples: number;
  readonly rawBytes: number;
  readonly compressedBytes: number;
  /** Timestamp of scrape 0 (targets add a fixed offset in [0, interval)). */
  readonly firstScrapeMs: number;
  /** Timestamp of the last scrape plus one interval: every series has its last sample in (evalMs − interval, evalMs]. */
  readonly evalMs: number;
  readonly sha256: string;
  readonly catalogue: Catalogue;
  readonly generateSeconds: number;
}

/**
 * Scrape offset of a target inside the interval, as Prometheus spreads targets by hash. Offsets are
 * in [1, interval) ms: no sample sits exactly on a multiple of the interval, where the query times
 * and window edges are, so left-closed (Prometheus 2) and left-open (Prometheus 3, MetricsQL)
 * range windows select the same samples.
 */
function targetOffsets(count: number, intervalMs: number): Float64Array {
  const out = new Float64Array(count);
  for (let t = 0; t < count; t++) {
    out[t] = 1 + Math.floor((((t * 2654435761) >>> 0) / 4294967296) * (intervalMs - 1));
  }
  return out;
}

/** Sender (shard) of a series: a multiplicative hash of its index, like a hash of its labels. */
function shardOf(series: number, senders: number): number {
  return ((Math.imul(series + 1, 0x9e3779b1) >>> 0) % 65521) % senders;
}

/**
 * Generates the whole workload once into `path`: every request snappy-compressed, back to back,
 * with an in-memory index. All systems are then sent these exact bytes (the report prints their
 * SHA-256). Bounded: scrapes × series iterations, no I/O besides appending to the file.
 */
export function generateWorkload(params: WorkloadParams, path: string): Workload {
  const started = performance.now();
  const { intervalMs, senders, samplesPerRequest } = params;
  const cat = buildCatalogue(params.targets, params.families, params.seed);
  const series = cat.kind.length;
  const backfillScrapes = Math.max(1, Math.round(params.backfillMs / intervalMs));
  const totalScrapes = backfillScrapes + params.sustainedScrapes;
  const lastScrapeMs = Math.floor(params.notAfterMs / intervalMs) * intervalMs - intervalMs;
  const firstScrapeMs = lastScrapeMs - (totalScrapes - 1) * intervalMs;
  const offsets = targetOffsets(cat.targets.length, intervalMs);

  const labelBytes = cat.labels.map(encodeLabels);
  const maxLabelBytes = labelBytes.reduce((m, b) => Math.max(m, b.length), 0);
  const shard = new Uint8Array(series);
  for (let i = 0; i < series; i++) shard[i] = shardOf(i, senders);
  const builders = Array.from(
    { length: senders },
    () => new WriteRequestBuilder(samplesPerRequest, maxLabelBytes),
  );

  const hash = createHash('sha256');
  const fd = openSync(path, 'w');
  let offset = 0;
  let rawBytes = 0;
  const phases: RequestRef[][][] = [[], []];
  for (const phase of phases) for (let s = 0; s < senders; s++) phase.push([]);
  const flush = (phase: RequestRef[][], s: number): void => {
    const b = builders[s]!;
    if (b.samples === 0) return;
    const raw = b.bytes();
    rawBytes += raw.length;
    const body = compressSync(raw);
    hash.update(body);
    writeSync(fd, body, 0, body.length, offset);
    phase[s]!.push({
      offset,
      length: body.length,
      samples: b.samples,
      firstScrape: b.firstScrape,
      lastScrape: b.lastScrape,
    });
    offset += body.length;
    b.reset();
  };

  try {
    const sim = new Simulator(cat, intervalMs, params.seed);
    for (let k = 0; k < totalScrapes; k++) {
      const phase = k < backfillScrapes ? phases[0]! : phases[1]!;
      sim.step();
      const base = firstScrapeMs + k * intervalMs;
      for (let i = 0; i < series; i++) {
        const s = shard[i]!;
        const b = builders[s]!;
        b.add(labelBytes[i]!, sim.values[i]!, base + offsets[cat.target[i]!]!, k);
        if (b.full()) flush(phase, s);
      }
      // Phases never share a request, so the backfill ends exactly at its last scrape.
      if (k === backfillScrapes - 1 || k === totalScrapes - 1)
        for (let s = 0; s < senders; s++) flush(phase, s);
    }
  } finally {
    closeSync(fd);
  }
  const count = (phase: RequestRef[][]): number => phase.flat().reduce((n, r) => n + r.samples, 0);
  return {
    params,
    path,
    series,
    metricNames: cat.metricNames,
    backfillScrapes,
    backfill: phases[0]!,
    sustained: phases[1]!,
    backfillSamples: count(phases[0]!),
    sustainedSamples: count(phases[1]!),
    rawBytes,
    compressedBytes: offset,
    firstScrapeMs,
    evalMs: lastScrapeMs + intervalMs,
    sha256: hash.digest('hex'),
    catalogue: cat,
    generateSeconds: (performance.now() - started) / 1000,
  };
}
