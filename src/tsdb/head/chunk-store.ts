import { growF64, growI32, growU16, growU32 } from './symbols.ts';

/**
 * Memory for the head's chunks, as byte ranges in big append-only pages rather than one object
 * per chunk.
 *
 * A chunk being appended to (the open chunk of a series) reserves a region in the current page,
 * sized from the series' previous chunk; when it outgrows the region it moves to a bigger one and
 * the old region becomes garbage. Sealing a chunk just records a row for it (no copy). A page is
 * freed (left to the GC) once every region in it is dropped: chunks are opened and dropped in
 * roughly time order, so pages empty out as the head is truncated. Pages are never rewritten, so a
 * reader holding a page sees stable bytes even after the head dropped the chunk.
 *
 * Rows (typed-array columns) describe sealed chunks and link the chunks of one series in time
 * order.
 */
const PAGE_BYTES = 1024 * 1024;
/** Pages start small (an idle tenant stays cheap) and double up to PAGE_BYTES. */
const FIRST_PAGE_BYTES = 16 * 1024;

export class ChunkStore {
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
  /** Page and offset of the last `reserve`. */
  rp = 0;
  ro = 0;

  /** Reserves `bytes` zeroed bytes (left in `rp`/`ro`). */
  reserve(bytes: number): void {
    const current = this.pages[this.pages.length - 1];
    if (current === undefined || current === null || this.pageUsed + bytes > current.length) {
      const size = Math.min(PAGE_BYTES, Math.max(FIRST_PAGE_BYTES, 2 * (current?.length ?? 0)));
      this.pages.push(new Uint8Array(Math.max(size, bytes)));
      this.pageLive.push(0);
      this.pageUsed = 0;
    }
    this.rp = this.pages.length - 1;
    this.ro = this.pageUsed;
    this.pageUsed += bytes;
    this.pageLive[this.rp] = (this.pageLive[this.rp] as number) + 1;
  }

  /** Gives back a region of page `p` (a moved or dropped open chunk, or a dropped sealed one). */
  release(p: number): void {
    const n = (this.pageLive[p] as number) - 1;
    this.pageLive[p] = n;
    if (n === 0 && p !== this.pages.length - 1) this.pages[p] = null;
  }

  /** Records the chunk in a reserved region as a sealed chunk; returns its row. */
  sealAt(page: number, off: number, length: number, mint: number, maxt: number, count: number): number {
    const row = this.newRow();
    this.mint[row] = mint;
    this.maxt[row] = maxt;
    this.page[row] = page;
    this.off[row] = off;
    this.len[row] = length;
    this.count[row] = count;
    this.next[row] = -1;
    this.live++;
    return row;
  }

  /** Copies an encoded chunk in as a sealed chunk (replay); returns its row. */
  seal(src: Uint8Array, start: number, length: number, mint: number, maxt: number, count: number): number {
    this.reserve(length);
    (this.pages[this.rp] as Uint8Array).set(src.subarray(start, start + length), this.ro);
    return this.sealAt(this.rp, this.ro, length, mint, maxt, count);
  }

  /** Drops a sealed chunk. */
  drop(row: number): void {
    this.release(this.page[row] as number);
    if (this.freeRowsN === this.freeRows.length) this.freeRows = growI32(this.freeRows, this.freeRowsN + 1);
    this.freeRows[this.freeRowsN++] = row;
    this.live--;
  }

  bytes(row: number): Uint8Array {
    return this.pages[this.page[row] as number] as Uint8Array;
  }

  memoryBytes(): number {
    let n = 0;
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
