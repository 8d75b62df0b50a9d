import { XorReader } from '../chunk/xor.ts';
import type { ChunkStore } from './chunk-store.ts';

/** What the cursor reads of the head (structural, so this file does not import head.ts). */
export interface CursorHead {
  readonly chunks: ChunkStore;
  readonly firstChunk: Int32Array;
  readonly f64: Float64Array;
  readonly u16: Uint16Array;
  readonly u8: Uint8Array;
  openPage(ref: number): Uint8Array;
  openOff(ref: number): number;
}

/**
 * Walks the in-order samples of one head series within [mint, maxt], chunk by chunk (a sealed
 * chunk is read from the head chunk files into a fresh buffer; nothing is allocated per sample).
 * Valid only while the head is not appended to (used synchronously); queries copy the open chunk
 * instead (see read.ts).
 */
export class HeadChunkCursor {
  t = 0;
  vhi = 0;
  vlo = 0;
  private head: CursorHead | null = null;
  private ref = 0;
  private row = -1;
  private inOpen = false;
  private done = true;
  private maxt = 0;
  private mint = 0;
  private readonly reader = new XorReaderRef();

  reset(head: CursorHead, ref: number, mint: number, maxt: number): void {
    this.head = head;
    this.ref = ref;
    this.mint = mint;
    this.maxt = maxt;
    this.row = head.firstChunk[ref] as number;
    this.inOpen = false;
    this.done = false;
    this.reader.active = false;
  }

  nextSample(): boolean {
    const head = this.head as CursorHead;
    const ch = head.chunks;
    const r = this.reader;
    for (;;) {
      if (this.done) return false;
      if (!r.active) {
        if (this.row >= 0) {
          const row = this.row;
          this.row = ch.next[row] as number;
          if ((ch.maxt[row] as number) < this.mint) continue;
          if ((ch.mint[row] as number) > this.maxt) {
            this.done = true;
            return false;
          }
          r.x.reset(ch.read(row), 0, ch.mint[row] as number, ch.count[row] as number);
          r.active = true;
        } else if (!this.inOpen && head.u8[this.ref * 64 + 60] === 1) {
          this.inOpen = true;
          r.x.reset(
            head.openPage(this.ref),
            head.openOff(this.ref),
            head.f64[this.ref * 8 + 1] as number,
            head.u16[this.ref * 32 + 26] as number,
          );
          r.active = true;
        } else {
          this.done = true;
          return false;
        }
      }
      if (!r.x.next()) {
        r.active = false;
        continue;
      }
      const t = r.x.t;
      if (t < this.mint) continue;
      if (t > this.maxt) {
        this.done = true;
        return false;
      }
      this.t = t;
      this.vhi = r.x.vhi;
      this.vlo = r.x.vlo;
      return true;
    }
  }
}

class XorReaderRef {
  readonly x = new XorReader();
  active = false;
}
