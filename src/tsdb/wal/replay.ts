import { STALE_NAN_HI, STALE_NAN_LO } from '../../model/index.ts';
import type { TsdbFs } from '../fs.ts';
import { WalState, type Head } from '../head/head.ts';
import type { ExemplarStore, MetadataStore, Tombstones } from '../meta-stores.ts';
import { RecordReader, RecordType, scanRecords } from './record.ts';
import { readHistogram } from '../chunk/histogram.ts';
import { readLabels, readMetadata, readTombstone } from './encode.ts';

export interface ReplayTarget {
  readonly head: Head;
  readonly tombstones: Tombstones;
  readonly metadata: MetadataStore;
  readonly exemplars: ExemplarStore;
}

export interface ReplayStats {
  records: number;
  samples: number;
  series: number;
  /** Human-readable notes about repaired tails or skipped corruption. */
  warnings: string[];
}

/**
 * Applies WAL records to the head. Samples go straight to the head without the ingest rules (they
 * were accepted once), except that samples older than the head's min valid time are skipped: that
 * range is already in blocks. Replaying a record twice is harmless (series records for a known
 * ref/labels and samples already present are no-ops), which checkpoints rely on.
 */
export class Replayer {
  readonly stats: ReplayStats = { records: 0, samples: 0, series: 0, warnings: [] };
  private readonly t: ReplayTarget;
  private readonly r = new RecordReader();
  /** WAL ref → head ref, when the WAL names the same labels under two refs. */
  readonly alias = new Map<number, number>();

  constructor(target: ReplayTarget) {
    this.t = target;
  }

  /** Replays one file of records; returns the offset past the last intact record. */
  replayBuffer(buf: Uint8Array): number {
    return scanRecords(buf, 0, (type, from, to) => this.apply(buf, type, from, to));
  }

  private viewOf(buf: Uint8Array): DataView {
    if (this.dvBuf !== buf) {
      this.dvBuf = buf;
      this.dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    }
    return this.dv;
  }
  private dvBuf: Uint8Array | null = null;
  private dv: DataView = new DataView(new ArrayBuffer(0));

  private ref(walRef: number): number {
    return this.alias.get(walRef) ?? walRef;
  }

  private apply(buf: Uint8Array, type: number, from: number, to: number): void {
    const { head } = this.t;
    const r = this.r;
    r.reset(buf, from, to);
    this.stats.records++;
    switch (type) {
      case RecordType.Series: {
        const sym = head.symbols;
        const dv = this.viewOf(buf);
        while (r.more()) {
          const walRef = r.uvarint();
          const n = 2 * r.uvarint();
          const ids = head.scratchIds(n);
          for (let i = 0; i < n; i++) {
            const len = r.uvarint();
            if (r.pos + len > r.end) throw new Error('label runs past the record');
            ids[i] = sym.internBytes(dv, buf, r.pos, r.pos + len);
            r.pos += len;
          }
          // A ref the head already uses for other labels (cannot happen unless the WAL named one
          // series under two refs) gets a fresh ref and an alias.
          const taken = walRef < head.n && head.dead[walRef] === 0;
          const ref = head.findOrCreateIds(n, taken ? head.n : walRef);
          if (ref !== walRef) this.alias.set(walRef, ref);
          if (head.created) {
            head.walState[ref] = WalState.Durable;
            this.stats.series++;
          }
        }
        return;
      }
      case RecordType.Samples: {
        let t = 0;
        const minValid = head.minValidTime;
        while (r.more()) {
          const ref = this.ref(r.uvarint());
          t += r.varint();
          r.bits();
          if (ref >= head.n || head.dead[ref] === 1 || t < minValid) continue;
          const last = head.f64[ref * 8 + 0] as number;
          if (t > last) head.append(ref, t, r.hi, r.lo);
          else if (t < last && !head.findSample(ref, t)) head.insertOoo(ref, t, r.hi, r.lo);
          this.stats.samples++;
        }
        return;
      }
      case RecordType.Chunks:
        while (r.more()) {
          const ref = this.ref(r.uvarint());
          const hasLast = r.u8() === 1;
          const lastT = hasLast ? r.varint() : -Infinity;
          if (hasLast) r.bits();
          const { hi, lo } = r;
          const n = r.uvarint();
          const alive = ref < head.n && head.dead[ref] === 0;
          for (let i = 0; i < n; i++) {
            const mint = r.varint();
            const maxt = mint + r.uvarint();
            const count = r.uvarint();
            const len = r.uvarint();
            if (r.pos + len > r.end) throw new Error('chunk runs past the record');
            if (alive && maxt >= head.minValidTime) {
              // The newest chunk, ending at the series' newest sample, was the open chunk when
              // the checkpoint was taken: appends go on in it.
              if (i === n - 1 && hasLast && maxt === lastT)
                head.loadOpenChunk(ref, buf, r.pos, len, mint, maxt, count);
              else head.loadChunk(ref, buf, r.pos, len, mint, maxt, count);
            }
            r.pos += len;
            this.stats.samples += count;
          }
          if (alive && hasLast && lastT > (head.f64[ref * 8 + 0] as number)) head.setLast(ref, lastT, hi, lo);
        }
        return;
      case RecordType.Histograms: {
        let t = 0;
        const minValid = head.minValidTime;
        while (r.more()) {
          const ref = this.ref(r.uvarint());
          t += r.varint();
          const h = readHistogram(r);
          if (ref >= head.n || head.dead[ref] === 1 || t < minValid) continue;
          if (!head.hists.find(ref, t)) head.insertHist(ref, t, h);
          this.stats.samples++;
        }
        return;
      }
      case RecordType.Tombstone:
        while (r.more()) this.t.tombstones.add(readTombstone(r));
        return;
      case RecordType.Metadata:
        while (r.more()) this.t.metadata.put(readMetadata(r));
        return;
      case RecordType.Exemplars:
        while (r.more()) {
          const refPlusOne = r.uvarint();
          const series = refPlusOne === 0 ? readLabels(r) : null;
          const ref = this.ref(refPlusOne - 1);
          const t = r.varint();
          const v = r.f64();
          const labels = readLabels(r);
          if (series !== null) this.t.exemplars.add(series, { labels, t, v });
          else if (ref < head.n && head.dead[ref] === 0)
            this.t.exemplars.add(head.labelsOf(ref), { labels, t, v });
        }
        return;
      default:
        return;
    }
  }
}

export function isStaleBits(hi: number, lo: number): boolean {
  return hi === STALE_NAN_HI && lo === STALE_NAN_LO;
}

/** Lists WAL segment numbers and the newest complete checkpoint in `dir`. */
export async function listWal(
  fs: TsdbFs,
  dir: string,
): Promise<{ segments: number[]; checkpoint: number | null }> {
  const names = await fs.readdir(dir);
  const segments: number[] = [];
  let checkpoint: number | null = null;
  for (const n of names) {
    if (/^\d{8}$/.test(n)) segments.push(Number(n));
    const m = /^checkpoint\.(\d{8})$/.exec(n);
    if (m) checkpoint = Math.max(checkpoint ?? -1, Number(m[1]));
  }
  segments.sort((a, b) => a - b);
  return { segments, checkpoint };
}
