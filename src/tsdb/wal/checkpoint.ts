import { fsyncDir, writeAll, type TsdbFs } from '../fs.ts';
import type { Head } from '../head/head.ts';
import type { ExemplarStore, MetadataStore, Tombstones } from '../meta-stores.ts';
import { writeExemplar, writeMetadata, writeSeries, writeTombstone } from './encode.ts';
import { RecordReader, RecordType, RecordWriter, scanRecords } from './record.ts';
import { listWal } from './replay.ts';
import { segmentName } from './wal.ts';

export interface CheckpointSource {
  readonly head: Head;
  readonly tombstones: Tombstones;
  readonly metadata: MetadataStore;
  readonly exemplars: ExemplarStore;
  /** WAL ref → head ref for refs replay had to rename. */
  readonly alias: ReadonlyMap<number, number>;
}

const FLUSH_BYTES = 8 * 1024 * 1024;
const RECORD_BYTES = 1024 * 1024;

/**
 * Folds WAL segments up to `upTo` (inclusive) and the previous checkpoint into
 * `checkpoint.<upTo>`, keeping only what the head still needs: series records of live series,
 * samples at or after `before` of live series, all tombstones, metadata and exemplars. Then deletes
 * the folded segments and older checkpoints. Replay time is thus bounded by the head's size,
 * not by uptime.
 *
 * Crash safety: the checkpoint is written to `.tmp`, fsynced and renamed; segments are deleted only
 * after that, and replay ignores `.tmp` directories. Replaying a checkpoint and a segment that
 * overlap is harmless (replay is idempotent).
 */
export async function writeCheckpoint(
  fs: TsdbFs,
  walDir: string,
  upTo: number,
  before: number,
  src: CheckpointSource,
): Promise<void> {
  const { segments, checkpoint: prev } = await listWal(fs, walDir);
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
  const head = src.head;
  try {
    // Live series first, so every sample below has its series.
    w.begin(RecordType.Series);
    for (let ref = 0; ref < head.n; ref++) {
      if (head.dead[ref] === 1) continue;
      writeSeries(w, ref, head.labelsOf(ref));
      if (w.recordLength() > RECORD_BYTES) {
        w.end();
        await flush(false);
        w.begin(RecordType.Series);
      }
    }
    w.end();
    w.begin(RecordType.Tombstone);
    for (const t of src.tombstones.list) writeTombstone(w, t);
    w.end();
    w.begin(RecordType.Metadata);
    for (const list of src.metadata.byFamily.values()) for (const m of list) writeMetadata(w, m);
    w.end();
    w.begin(RecordType.Exemplars);
    for (const { seriesLabels, e } of src.exemplars.all()) {
      const ref = head.findLabels(seriesLabels);
      if (ref >= 0) writeExemplar(w, ref, e.labels, e.t, e.v);
    }
    w.end();
    await flush(false);

    // Samples still in the head, from the previous checkpoint and the folded segments, in order.
    const files: string[] = [];
    if (prev !== null) {
      const cpDir = `${walDir}/checkpoint.${segmentName(prev)}`;
      for (const s of (await listWal(fs, cpDir)).segments) files.push(`${cpDir}/${segmentName(s)}`);
    }
    for (const s of segments)
      if (s <= upTo && (prev === null || s > prev)) files.push(`${walDir}/${segmentName(s)}`);
    const r = new RecordReader();
    for (const file of files) {
      const buf = await fs.readFile(file);
      scanRecords(buf, 0, (type, from, to) => {
        if (type !== RecordType.Samples) return;
        r.reset(buf, from, to);
        w.begin(RecordType.Samples);
        let t = 0;
        let prevOut = 0;
        while (r.more()) {
          const walRef = r.uvarint();
          t += r.varint();
          r.bits();
          const ref = src.alias.get(walRef) ?? walRef;
          if (t < before || ref >= head.n || head.dead[ref] === 1) continue;
          w.uvarint(ref);
          w.varint(t - prevOut);
          w.bits(r.hi, r.lo);
          prevOut = t;
        }
        w.end();
      });
      await flush(false);
    }
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
  for (const s of segments) if (s <= upTo) await fs.rm(`${walDir}/${segmentName(s)}`);
  for (const n of await fs.readdir(walDir)) {
    const m = /^checkpoint\.(\d{8})(\.tmp)?$/.exec(n);
    if (m && n !== name && (Number(m[1]) < upTo || m[2] !== undefined)) await fs.rm(`${walDir}/${n}`);
  }
}
