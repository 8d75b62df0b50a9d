import { writeHistogram } from '../chunk/histogram.ts';
import { fsyncDir, writeAll, type TsdbFs } from '../fs.ts';
import type { Head } from '../head/head.ts';
import type { ExemplarStore, MetadataStore, Tombstones } from '../meta-stores.ts';
import { writeExemplar, writeMetadata, writeTombstone } from './encode.ts';
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
/** Series written between two yields to the event loop. */
const SLICE = 4096;

/**
 * Writes `checkpoint.<upTo>`: a snapshot of the head (series, their encoded chunks, out-of-order
 * samples, tombstones, metadata, exemplars), then deletes WAL segments up to `upTo` and older
 * checkpoints. Replay then loads chunks as bytes instead of re-appending every sample, and only
 * the segments after `upTo` are replayed sample by sample, so restart time is bounded by the head
 * size and the checkpoint interval, not by uptime.
 *
 * Contract: call right after `wal.cut()` returned `upTo + 1`: every record in segments ≤ upTo is
 * then reflected in the head. Series are captured and written in slices with the event loop
 * running in between (so even millions of series never stall ingest for long): each series is
 * captured whole, at least as new as at the cut; samples appended meanwhile are in later segments
 * too, and replay ignores such repeats. A slice's Series entries precede its Chunks entries.
 *
 * Crash safety: written to `.tmp`, fsynced and renamed; segments are deleted only after that, and
 * replay ignores `.tmp` directories. Returns the checkpoint's size in bytes.
 */
export async function writeCheckpoint(
  fs: TsdbFs,
  walDir: string,
  upTo: number,
  src: CheckpointSource,
): Promise<number> {
  const head = src.head;
  // 1. Synchronous copies of the small parts that can change (out-of-order samples, ...).
  const ch = head.chunks;
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

  // 2. Encode and write, yielding now and then.
  const name = `checkpoint.${segmentName(upTo)}`;
  const tmp = `${walDir}/${name}.tmp`;
  await fs.rm(tmp);
  await fs.mkdir(tmp);
  const fd = await fs.open(`${tmp}/${segmentName(0)}`, 'w');
  const w = new RecordWriter();
  let fileOff = 0;
  let size = 0;
  const flush = async (force: boolean): Promise<void> => {
    if (w.pos === 0 || (!force && w.pos < FLUSH_BYTES)) return;
    await writeAll(fs, fd, w.bytes(), fileOff);
    fileOff += w.pos;
    w.reset();
  };
  try {
    for (let from = 0; from < head.n; from += SLICE) {
      // One slice, synchronously from the head: no append can change it until the next await.
      const to = Math.min(head.n, from + SLICE);
      // Sealed chunk rows of live series ref: rows[rowStart[ref - from] .. rowStart[ref - from + 1]).
      const rowStart = new Int32Array(to - from + 1);
      let nrows = 0;
      let live = 0;
      for (let ref = from; ref < to; ref++) {
        rowStart[ref - from] = nrows;
        if (head.dead[ref] === 1) continue;
        live++;
        for (let row = head.firstChunk[ref] as number; row >= 0; row = ch.next[row] as number) nrows++;
      }
      rowStart[to - from] = nrows;
      if (live === 0) continue;
      const rows = new Int32Array(nrows);
      // Series entries straight from the symbol arena.
      w.begin(RecordType.Series);
      for (let ref = from, r = 0; ref < to; ref++) {
        if (head.dead[ref] === 1) continue;
        head.writeSeriesRecord(w, ref);
        for (let row = head.firstChunk[ref] as number; row >= 0; row = ch.next[row] as number)
          rows[r++] = row;
      }
      w.end();
      // Sealed chunk bytes come from the head chunk files in one batch per slice.
      const bufs = new Array<Uint8Array>(nrows);
      const offs = new Uint32Array(nrows);
      // A scan of the whole head: through the cache, but filling it with nothing.
      ch.files.withoutFill(() => ch.fetch(rows, nrows, bufs, offs));
      w.begin(RecordType.Chunks);
      for (let ref = from; ref < to; ref++) {
        if (head.dead[ref] === 1) continue;
        const r0 = rowStart[ref - from] as number;
        const r1 = rowStart[ref - from + 1] as number;
        const open = head.hasOpen(ref);
        const lastT = head.lastT(ref);
        if (r1 === r0 && !open && lastT === -Infinity) continue;
        w.uvarint(ref);
        const hasLast = lastT !== -Infinity;
        w.u8(hasLast ? 1 : 0);
        if (hasLast) {
          w.varint(lastT);
          w.bits(head.lastHi(ref), head.lastLo(ref));
        }
        w.uvarint(r1 - r0 + (open ? 1 : 0));
        for (let r = r0; r < r1; r++) {
          const row = rows[r] as number;
          writeChunk(
            w,
            ch.mint[row] as number,
            ch.maxt[row] as number,
            ch.count[row] as number,
            bufs[r] as Uint8Array,
            offs[r] as number,
            ch.len[row] as number,
          );
        }
        if (open) {
          const start = head.openOff(ref);
          writeChunk(
            w,
            head.openMint(ref),
            lastT,
            head.openCount(ref),
            head.openPage(ref),
            start,
            head.openBytes(ref),
          );
        }
      }
      w.end();
      await flush(false);
      await new Promise((res) => setImmediate(res));
    }
    for (const o of ooo) {
      w.begin(RecordType.Samples);
      let prev = 0;
      for (let k = 0; k < o.t.length; k++) {
        w.sample(o.ref, (o.t[k] as number) - prev, o.hi[k] as number, o.lo[k] as number);
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
    size = fileOff;
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
  return size;
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
