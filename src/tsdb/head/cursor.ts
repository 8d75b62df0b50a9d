import { XorReader } from '../chunk/xor.ts';
import type { ChunkStore } from './chunk-store.ts';

/** What the cursor reads of the head (structural, so this file does not import head.ts). */
export interface CursorHead {
  readonly chunks: ChunkStore;
  readonly firstChunk: Int32Array;
  hasOpen(ref: number): boolean;
  openPage(ref: number): Uint8Array;
  openOff(ref: number): number;
  openMint(ref: number): number;
  openCount(ref: number): number;
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
  private readonly x = new XorReader();
  /** Whether `x` is on a chunk. */
  private active = false;

  reset(head: CursorHead, ref: number, mint: number, maxt: number): void {
    this.head = head;
    this.ref = ref;
    this.mint = mint;
    this.maxt = maxt;
    this.row = head.firstChunk[ref] as number;
    this.inOpen = false;
    this.done = false;
    this.active = false;
  }

  nextSample(): boolean {
    const head = this.head as CursorHead;
    const ch = head.chunks;
    const x = this.x;
    for (;;) {
      if (this.done) return false;
      if (!this.active) {
        if (this.row >= 0) {
          const row = this.row;
          this.row = ch.next[row] as number;
          if ((ch.maxt[row] as number) < this.mint) continue;
          if ((ch.mint[row] as number) > this.maxt) {
            this.done = true;
            return false;
          }
          x.reset(ch.read(row), 0, ch.mint[row] as number, ch.count[row] as number);
          this.active = true;
        } else if (!this.inOpen && head.hasOpen(this.ref)) {
          this.inOpen = true;
          x.reset(
            head.openPage(this.ref),
            head.openOff(this.ref),
            head.openMint(this.ref),
            head.openCount(this.ref),
          );
          this.active = true;
        } else {
          this.done = true;
          return false;
        }
      }
      if (!x.next()) {
        this.active = false;
        continue;
      }
      const t = x.t;
      if (t < this.mint) continue;
      if (t > this.maxt) {
        this.done = true;
        return false;
      }
      this.t = t;
      this.vhi = x.vhi;
      this.vlo = x.vlo;
      return true;
    }
  }
}
