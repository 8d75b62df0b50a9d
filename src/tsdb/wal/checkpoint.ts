import { writeHistogram } from '../chunk/histogram.ts';
import { fsyncDir, writeAll, type TsdbFs } from '../fs.ts';
import type { Head } from '../head/head.ts';
import type { ExemplarStore, MetadataStore, Tombstones } from '../meta-stores.ts';
import { writeExemplar, writeMetadata, writeSeries, writeTombstone } from './encode.ts';
import { RecordType, RecordWriter } from './record.ts';
import { listWal } from './replay.ts';
import { segmentName } from './wal.ts';

export interface CheckpointSource {
  readonly head: Head;
  readonly tombstones: Tombstones;
  readonly metadata: MetadataStore;
  readonly exemplars: ExemplarStore;
}

const FLUSH_BYTES = 8 * 1024 * 1024;
const RECORD_BYTES = 1024 * 1024;
const YIELD_EVERY = 20_000;

/** What a checkpoint needs of one series, captured synchronously. */
interface SeriesSnap {
  ref: number;
  /** Sealed chunk rows (immutable until the head is truncated, which never runs concurrently). */
  rows: number[];
  open: { bytes: Uint8Array; mint: number; maxt: number; count: number } | null;
  lastT: number;
  lastHi: number;
  lastLo: number;
}

/**
 * Writes `checkpoint.<upTo>`: a snapshot of the head (series, their encoded chunks, out-of-order
 * samples, tombstones, metadata, exemplars), then deletes WAL segments up to `upTo` and older
 * checkpoints. Replay then loads chunks as bytes instead of re-appending every sample, and only
 * the segments after `upTo` are replayed sample by sample, so restart time is bounded by the head
 * size and the checkpoint interval, not by uptime.
 *
 * Contract: call right after `wal.cut()` returned `upTo + 1`, without awaiting in between: every
 * record in segments ≤ upTo is then reflected in the head. The snapshot may also hold samples
 * that are in later segments; replay ignores such repeats.
 *
 * Crash safety: written to `.tmp`, fsynced and renamed; segments are deleted only after that, and
 * replay ignores `.tmp` directories.
 */
export async function writeCheckpoint(
  fs: TsdbFs,
  walDir: string,
  upTo: number,
  src: CheckpointSource,
): Promise<void> {
  const head = src.head;
  // 1. Synchronous capture: which rows, plus copies of what can still change (open chunks, OOO).
  const snaps: SeriesSnap[] = [];
  const ch = head.chunks;
  for (let ref = 0; ref < head.n; ref++) {
    if (head.dead[ref] === 1) continue;
    const rows: number[] = [];
    for (let row = head.firstChunk[ref] as number; row >= 0; row = ch.next[row] as number) rows.push(row);
    let open: SeriesSnap['open'] = null;
    if (head.u8[ref * 64 + 60] === 1) {
      const start = head.openOff(ref);
      open = {
        bytes: head.openPage(ref).slice(start, start + head.openBytes(ref)),
        mint: head.f64[ref * 8 + 1] as number,
        maxt: head.f64[ref * 8 + 0] as number,
        count: head.u16[ref * 32 + 26] as number,
      };
    }
    snaps.push({
      ref,
      rows,
      open,
      lastT: head.f64[ref * 8 + 0] as number,
      lastHi: head.u32[ref * 16 + 8] as number,
      lastLo: head.u32[ref * 16 + 9] as number,
    });
  }
  const ooo = [...head.ooo.bySeries].map(([ref, s]) => ({
    ref,
    t: s.t.slice(),
    hi: s.hi.slice(),
    lo: s.lo.slice(),
  }));
  const hists = [...head.hists.bySeries].map(([ref, s]) => ({ ref, t: s.t.slice(), h: s.h.slice() }));
  const tombstones = src.tombstones.list.slice();
  const metadata = [...src.metadata.byFamily.values()].flat();
  const exemplars = src.exemplars.all();
  const labels = snaps.map((s) => head.labelsOf(s.ref));

  // 2. Encode and write, yielding now and then.
  const name = `checkpoint.${segmentName(upTo)}`;
  const tmp = `${walDir}/${name}.tmp`;
  await fs.rm(tmp);
  await fs.mkdir(tmp);
  const fd = await fs.open(`${tmp}/${segmentName(0)}`, 'w');
  const w = new RecordWriter();
  let fileOff = 0;
  const flush = async (force: boolean): Promise<void> => {
    if (w.pos === 0 || (!force && w.pos < FLUSH_BYTES)) return;
    await writeAll(fs, fd, w.bytes(), fileOff);
    fileOff += w.pos;
    w.reset();
  };
  try {
    w.begin(RecordType.Series);
    for (let i = 0; i < snaps.length; i++) {
      writeSeries(w, (snaps[i] as SeriesSnap).ref, labels[i]!);
      if (w.recordLength() > RECORD_BYTES) {
        w.end();
        await flush(false);
        w.begin(RecordType.Series);
      }
    }
    w.end();
    w.begin(RecordType.Chunks);
    for (let i = 0; i < snaps.length; i++) {
      const s = snaps[i] as SeriesSnap;
      if (s.rows.length === 0 && s.open === null && s.lastT === -Infinity) continue;
      w.uvarint(s.ref);
      const hasLast = s.lastT !== -Infinity;
      w.u8(hasLast ? 1 : 0);
      if (hasLast) {
        w.varint(s.lastT);
        w.bits(s.lastHi, s.lastLo);
      }
      w.uvarint(s.rows.length + (s.open ? 1 : 0));
      for (const row of s.rows) {
        const off = ch.off[row] as number;
        const len = ch.len[row] as number;
        writeChunk(
          w,
          ch.mint[row] as number,
          ch.maxt[row] as number,
          ch.count[row] as number,
          ch.bytes(row),
          off,
          len,
        );
      }
      if (s.open) writeChunk(w, s.open.mint, s.open.maxt, s.open.count, s.open.bytes, 0, s.open.bytes.length);
      if (w.recordLength() > RECORD_BYTES) {
        w.end();
        await flush(false);
        if (i % YIELD_EVERY === 0) await new Promise((r) => setImmediate(r));
        w.begin(RecordType.Chunks);
      }
    }
    w.end();
    for (const o of ooo) {
      w.begin(RecordType.Samples);
      let prev = 0;
      for (let k = 0; k < o.t.length; k++) {
        w.uvarint(o.ref);
        w.varint((o.t[k] as number) - prev);
        w.bits(o.hi[k] as number, o.lo[k] as number);
        prev = o.t[k] as number;
      }
      w.end();
    }
    for (const o of hists) {
      w.begin(RecordType.Histograms);
      let prev = 0;
      for (let k = 0; k < o.t.length; k++) {
        w.uvarint(o.ref);
        w.varint((o.t[k] as number) - prev);
        writeHistogram(w, o.h[k] ?? null);
        prev = o.t[k] as number;
      }
      w.end();
    }
    w.begin(RecordType.Tombstone);
    for (const t of tombstones) writeTombstone(w, t);
    w.end();
    w.begin(RecordType.Metadata);
    for (const m of metadata) writeMetadata(w, m);
    w.end();
    w.begin(RecordType.Exemplars);
    for (const { seriesLabels, e } of exemplars) writeExemplar(w, 0, e.labels, e.t, e.v, seriesLabels);
    w.end();
    await flush(true);
    await fs.fsync(fd);
  } finally {
    await fs.close(fd);
  }
  await fsyncDir(fs, tmp);
  await fs.rm(`${walDir}/${name}`);
  await fs.rename(tmp, `${walDir}/${name}`);
  await fsyncDir(fs, walDir);
  // The checkpoint is durable: drop what it replaces.
  const { segments } = await listWal(fs, walDir);
  for (const s of segments) if (s <= upTo) await fs.rm(`${walDir}/${segmentName(s)}`);
  for (const n of await fs.readdir(walDir)) {
    const m = /^checkpoint\.(\d{8})(\.tmp)?$/.exec(n);
    if (m && n !== name && (Number(m[1]) < upTo || m[2] !== undefined)) await fs.rm(`${walDir}/${n}`);
  }
}

function writeChunk(
  w: RecordWriter,
  mint: number,
  maxt: number,
  count: number,
  buf: Uint8Array,
  off: number,
  len: number,
): void {
  w.varint(mint);
  w.uvarint(maxt - mint);
  w.uvarint(count);
  w.bytesOf(buf, off, off + len);
}
