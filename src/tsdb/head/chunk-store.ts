import { growF64, growI32, growU16, growU32 } from './symbols.ts';

/**
 * Memory for the head's chunks, as byte ranges in big buffers rather than one object per chunk.
 *
 * Open chunks (one per series, still being appended to) live in fixed-size slots of a few size
 * classes; when a chunk outgrows its slot it moves to the next class. Sealed chunks are copied to
 * their exact size into append-only pages and described by rows of typed-array columns, linked per
 * series in time order. Pages are never rewritten, so a reader holding a page reference sees
 * stable bytes even after the head drops the chunk (the page is then freed by the GC).
 */
export const SLOT_SIZES = [32, 64, 128, 256, 512, 1024, 2048, 4096] as const;
const SLOT_PAGE_BYTES = 64 * 1024;
/** Sealed pages start small (an idle tenant stays cheap) and double up to this size. */
const SEALED_PAGE_BYTES = 1024 * 1024;
const FIRST_SEALED_PAGE_BYTES = 16 * 1024;

class SlotArena {
  readonly size: number;
  readonly perPage: number;
  readonly pages: Uint8Array[] = [];
  private free = new Int32Array(64);
  private freeN = 0;
  private next = 0;

  constructor(size: number) {
    this.size = size;
    this.perPage = SLOT_PAGE_BYTES / size;
  }

  /** A zeroed slot id. */
  alloc(): number {
    if (this.freeN > 0) {
      const id = this.free[--this.freeN] as number;
      this.page(id).fill(0, this.offset(id), this.offset(id) + this.size);
      return id;
    }
    const id = this.next++;
    if (((id / this.perPage) | 0) >= this.pages.length) this.pages.push(new Uint8Array(SLOT_PAGE_BYTES));
    return id;
  }

  release(id: number): void {
    if (this.freeN === this.free.length) this.free = growI32(this.free, this.freeN + 1);
    this.free[this.freeN++] = id;
  }

  page(id: number): Uint8Array {
    return this.pages[(id / this.perPage) | 0] as Uint8Array;
  }

  offset(id: number): number {
    return (id % this.perPage) * this.size;
  }

  bytesAllocated(): number {
    return this.pages.length * SLOT_PAGE_BYTES;
  }
}

export class ChunkStore {
  readonly slots = SLOT_SIZES.map((s) => new SlotArena(s));

  /** Sealed chunk rows. `next` links the chunks of one series (-1 ends the list). */
  mint = new Float64Array(64);
  maxt = new Float64Array(64);
  page = new Uint32Array(64);
  off = new Uint32Array(64);
  len = new Uint32Array(64);
  count = new Uint16Array(64);
  next = new Int32Array(64);
  private rows = 0;
  private freeRows = new Int32Array(64);
  private freeRowsN = 0;
  /** Sealed chunks currently alive. */
  live = 0;

  readonly pages: Array<Uint8Array | null> = [];
  private readonly pageLive: number[] = [];
  private pageUsed = 0;
  private sealedBytes = 0;

  /** Copies `bytes` into a sealed page and returns the new row. */
  seal(src: Uint8Array, start: number, length: number, mint: number, maxt: number, count: number): number {
    const current = this.pages[this.pages.length - 1];
    if (
      this.pages.length === 0 ||
      current === null ||
      current === undefined ||
      this.pageUsed + length > current.length
    ) {
      const size = Math.min(SEALED_PAGE_BYTES, Math.max(FIRST_SEALED_PAGE_BYTES, 2 * (current?.length ?? 0)));
      this.pages.push(new Uint8Array(Math.max(size, length)));
      this.pageLive.push(0);
      this.pageUsed = 0;
    }
    const p = this.pages.length - 1;
    (this.pages[p] as Uint8Array).set(src.subarray(start, start + length), this.pageUsed);
    const row = this.newRow();
    this.mint[row] = mint;
    this.maxt[row] = maxt;
    this.page[row] = p;
    this.off[row] = this.pageUsed;
    this.len[row] = length;
    this.count[row] = count;
    this.next[row] = -1;
    this.pageUsed += length;
    this.pageLive[p] = (this.pageLive[p] as number) + 1;
    this.sealedBytes += length;
    this.live++;
    return row;
  }

  /** Drops a sealed chunk; its page goes when its last chunk does. */
  drop(row: number): void {
    const p = this.page[row] as number;
    const n = (this.pageLive[p] as number) - 1;
    this.pageLive[p] = n;
    this.sealedBytes -= this.len[row] as number;
    if (n === 0 && p !== this.pages.length - 1) this.pages[p] = null;
    if (this.freeRowsN === this.freeRows.length) this.freeRows = growI32(this.freeRows, this.freeRowsN + 1);
    this.freeRows[this.freeRowsN++] = row;
    this.live--;
  }

  bytes(row: number): Uint8Array {
    return this.pages[this.page[row] as number] as Uint8Array;
  }

  memoryBytes(): number {
    let n = 0;
    for (const a of this.slots) n += a.bytesAllocated();
    for (const p of this.pages) if (p !== null) n += p.length;
    return n + this.mint.length * 38;
  }

  private newRow(): number {
    if (this.freeRowsN > 0) return this.freeRows[--this.freeRowsN] as number;
    const row = this.rows++;
    if (row === this.mint.length) {
      const need = row + 1;
      this.mint = growF64(this.mint, need);
      this.maxt = growF64(this.maxt, need);
      this.page = growU32(this.page, need);
      this.off = growU32(this.off, need);
      this.len = growU32(this.len, need);
      this.count = growU16(this.count, need);
      this.next = growI32(this.next, need);
    }
    return row;
  }
}
