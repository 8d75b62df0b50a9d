import { HeadChunkFiles } from './chunk-files.ts';
import { readOrder } from './read-order.ts';
import { growF64, growI32, growU16, growU32 } from './symbols.ts';

/**
 * The head's chunk memory.
 *
 * Open chunks (one per series being appended to) live in memory, in regions of a few size classes.
 * Each class carves its regions from its own slabs (up to 64 KiB). A chunk that outgrows its region
 * moves to the next class up; the old region is freed to its slab and reused by the next chunk of
 * that class, and a slab whose regions are all free is given back at once. Series move through the
 * small classes at about the same time (chunks start together at block-range boundaries), so the
 * small classes' slabs empty out and go: memory follows the open chunks' real sizes (a region is at
 * most ~1.5× the bytes it holds) instead of keeping every class's peak. Series whose chunks grow
 * slowly (constant gauges like `up`) would keep a few regions in every small-class slab of that
 * wave, and with them the whole slab: a slab left at most 1/4 full once it was full is therefore
 * evacuated — its regions are copied to other slabs of the class, `onMove` tells their owners (the
 * head updates the series' rows) and the slab is given back.
 *
 * Sealed chunks are appended to the head chunk files (see HeadChunkFiles) and leave memory; rows
 * (typed-array columns) say where each one is and link the chunks of one series in time order.
 * Readers get their bytes through `read` (one chunk) or `fetch` (many, batched into few reads).
 */
const CLASSES = [32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 1536, 2304];
/** Slabs of a class start small (an idle tenant stays cheap) and double up to this. */
const SLAB_BYTES = 64 * 1024;

/** Class index of the smallest class holding `bytes`. */
function classOf(bytes: number): number {
  for (let c = 0; c < CLASSES.length; c++) if ((CLASSES[c] as number) >= bytes) return c;
  throw new Error(`no chunk region class holds ${bytes} bytes`);
}

/** A slab at most 1/SPARSE full, once it has been full, is evacuated. */
const SPARSE = 4;
/** Slabs with fewer slots are never evacuated (too little to gain). */
const MIN_EVACUATE_SLOTS = 32;

/** One slab: regions of one class, a stack of freed slots, and slots never handed out yet. */
class Slab {
  readonly cls: number;
  readonly slots: number;
  free: Uint16Array;
  freeN = 0;
  /** Slots below this were handed out at least once. */
  bump = 0;
  live = 0;
  /** On its class's list of slabs with room. */
  listed = false;
  /** Being evacuated: `reserve` takes no region from it. */
  draining = false;
  /** The owner `reserve` was given for each slot in use, -1 for a free slot. */
  readonly owner: Int32Array;
  constructor(cls: number, slots: number) {
    this.cls = cls;
    this.slots = slots;
    this.free = new Uint16Array(Math.min(slots, 16));
    this.owner = new Int32Array(slots).fill(-1);
  }
}

class SizeClass {
  readonly size: number;
  slabBytes: number;
  /** Slabs (page numbers) that may have room; stale entries are skipped. */
  room: number[] = [];
  constructor(size: number) {
    this.size = size;
    this.slabBytes = Math.max(size * 4, 4096);
  }
}

export class ChunkStore {
  /** Sealed chunk rows. `next` links the chunks of one series (-1 ends the list). */
  mint = new Float64Array(64);
  maxt = new Float64Array(64);
  file = new Uint32Array(64);
  off = new Uint32Array(64);
  len = new Uint16Array(64);
  count = new Uint16Array(64);
  next = new Int32Array(64);
  private rows = 0;
  private freeRows = new Int32Array(64);
  private freeRowsN = 0;
  /** Sealed chunks currently alive. */
  live = 0;
  readonly files: HeadChunkFiles;

  /** Slabs of open-chunk regions by page number (null = given back, number reusable). */
  readonly pages: Array<Uint8Array | null> = [];
  private readonly slabs: Array<Slab | null> = [];
  private readonly freePages: number[] = [];
  private readonly classes = CLASSES.map((s) => new SizeClass(s));
  /** Bytes of the slabs held (regions and owner columns). */
  private slabBytes = 0;
  /** Page and offset of the last `reserve`. */
  rp = 0;
  ro = 0;
  /**
   * Called when the region of `owner` moved to `page`/`off` (same size, same bytes) while another
   * region was released.
   */
  private readonly onMove: (owner: number, page: number, off: number) => void;
  /** Regions moved by evacuations (statistics, tests). */
  moved = 0;

  constructor(
    onMove: (owner: number, page: number, off: number) => void,
    files: HeadChunkFiles = new HeadChunkFiles(null, ''),
  ) {
    this.files = files;
    this.onMove = onMove;
  }

  /**
   * Reserves a zeroed region of at least `bytes` (≤ 2304) for an open chunk of `owner` (≥ 0, passed
   * to `onMove` if the region is ever moved); leaves it in `rp`/`ro` and returns its capacity.
   */
  reserve(bytes: number, owner: number): number {
    const ci = classOf(bytes);
    const c = this.classes[ci] as SizeClass;
    let page = -1;
    while (c.room.length > 0) {
      const p = c.room[c.room.length - 1] as number;
      const slab = this.slabs[p];
      if (
        slab !== null &&
        slab !== undefined &&
        slab.cls === ci &&
        !slab.draining &&
        (slab.freeN > 0 || slab.bump < slab.slots)
      ) {
        page = p;
        break;
      }
      if (slab !== null && slab !== undefined && slab.cls === ci) slab.listed = false;
      c.room.pop();
    }
    if (page < 0) page = this.newSlab(ci);
    const slab = this.slabs[page] as Slab;
    const buf = this.pages[page] as Uint8Array;
    let slot: number;
    if (slab.freeN > 0) {
      slot = slab.free[--slab.freeN] as number;
      buf.fill(0, slot * c.size, (slot + 1) * c.size);
    } else slot = slab.bump++;
    slab.live++;
    slab.owner[slot] = owner;
    this.rp = page;
    this.ro = slot * c.size;
    return c.size;
  }

  private newSlab(ci: number): number {
    const c = this.classes[ci] as SizeClass;
    const bytes = c.slabBytes;
    c.slabBytes = Math.min(SLAB_BYTES, c.slabBytes * 2);
    const page = this.freePages.length > 0 ? (this.freePages.pop() as number) : this.pages.length;
    const slab = new Slab(ci, Math.floor(bytes / c.size));
    slab.listed = true;
    this.pages[page] = new Uint8Array(bytes);
    this.slabs[page] = slab;
    this.slabBytes += bytes + slab.owner.byteLength;
    c.room.push(page);
    return page;
  }

  /**
   * Gives back the region at `off` of page `page` (a moved, sealed or dropped open chunk). May move
   * other regions (see `onMove`), and so change `rp`/`ro`.
   */
  release(page: number, off: number, _cap?: number): void {
    const slab = this.slabs[page] as Slab;
    const c = this.classes[slab.cls] as SizeClass;
    slab.live--;
    slab.owner[off / c.size] = -1;
    if (slab.live === 0 && c.room.length > 1) {
      // Empty, and the class has other slabs with room: give it back.
      this.dropSlab(page);
      return;
    }
    if (
      !slab.draining &&
      slab.bump === slab.slots &&
      slab.slots >= MIN_EVACUATE_SLOTS &&
      slab.live > 0 &&
      slab.live * SPARSE <= slab.slots
    ) {
      this.evacuate(page);
      return;
    }
    if (slab.freeN === slab.free.length) {
      const grown = new Uint16Array(Math.min(slab.slots, slab.free.length * 2));
      grown.set(slab.free);
      slab.free = grown;
    }
    slab.free[slab.freeN++] = off / c.size;
    if (!slab.listed) {
      slab.listed = true;
      c.room.push(page);
    }
  }

  /** Moves every region of slab `page` into other slabs of its class, then gives the slab back. */
  private evacuate(page: number): void {
    const slab = this.slabs[page] as Slab;
    const size = (this.classes[slab.cls] as SizeClass).size;
    const from = this.pages[page] as Uint8Array;
    const onMove = this.onMove;
    slab.draining = true;
    for (let slot = 0; slot < slab.bump && slab.live > 0; slot++) {
      const owner = slab.owner[slot] as number;
      if (owner < 0) continue;
      this.reserve(size, owner);
      (this.pages[this.rp] as Uint8Array).set(from.subarray(slot * size, (slot + 1) * size), this.ro);
      slab.owner[slot] = -1;
      slab.live--;
      this.moved++;
      onMove(owner, this.rp, this.ro);
    }
    this.dropSlab(page);
  }

  private dropSlab(page: number): void {
    this.slabBytes -= (this.pages[page] as Uint8Array).length + (this.slabs[page] as Slab).owner.byteLength;
    this.pages[page] = null;
    this.slabs[page] = null;
    this.freePages.push(page);
  }

  /** Appends an encoded chunk to the head chunk files as a sealed chunk; returns its row. */
  seal(src: Uint8Array, start: number, length: number, mint: number, maxt: number, count: number): number {
    this.files.append(src, start, length);
    const row = this.newRow();
    this.mint[row] = mint;
    this.maxt[row] = maxt;
    this.file[row] = this.files.file;
    this.off[row] = this.files.off;
    this.len[row] = length;
    this.count[row] = count;
    this.next[row] = -1;
    this.live++;
    return row;
  }

  /** Drops a sealed chunk. */
  drop(row: number): void {
    this.files.release(this.file[row] as number);
    if (this.freeRowsN === this.freeRows.length) this.freeRows = growI32(this.freeRows, this.freeRowsN + 1);
    this.freeRows[this.freeRowsN++] = row;
    this.live--;
  }

  /**
   * The bytes of one sealed chunk (offset 0): a view of a cached segment if there is one, else a
   * fresh buffer. Read only; valid for as long as it is held.
   */
  read(row: number): Uint8Array {
    const len = this.len[row] as number;
    const hit = this.files.cached(this.file[row] as number, this.off[row] as number, len);
    if (hit !== null) return hit;
    const out = new Uint8Array(len);
    this.files.readInto(this.file[row] as number, this.off[row] as number, len, out, 0);
    return out;
  }

  /**
   * The bytes of many sealed chunks: for `rows[i]` (i < n), `outBuf[i]` holds them from
   * `outOff[i]`: segments of the head chunk cache (shared, read only) or fresh buffers where chunks
   * near each other in the files share one read. Either stays valid for as long as it is held.
   */
  fetch(rows: Int32Array, n: number, outBuf: Uint8Array[], outOff: Uint32Array): void {
    if (n === 0) return;
    // A query through the cache borrows the cache's shared columns (fetch runs synchronously to
    // the end) and allocates nothing here.
    const s = this.files.scratch(n);
    const files = s.files;
    const offs = s.offs;
    const lens = s.lens;
    for (let i = 0; i < n; i++) {
      const row = rows[i] as number;
      files[i] = this.file[row] as number;
      offs[i] = this.off[row] as number;
      lens[i] = this.len[row] as number;
    }
    readOrder(files, offs, n, s.order, s.tmp);
    this.files.readMany(files, offs, lens, s.order, n, outBuf, outOff, s);
  }

  /** Bytes of memory held: open-chunk slabs, rows, the chunk files' buffer and cached segments. */
  memoryBytes(): number {
    return this.slabBytes + this.mint.length * 32 + this.files.memoryBytes();
  }

  private newRow(): number {
    if (this.freeRowsN > 0) return this.freeRows[--this.freeRowsN] as number;
    const row = this.rows++;
    if (row === this.mint.length) {
      const need = row + 1;
      this.mint = growF64(this.mint, need);
      this.maxt = growF64(this.maxt, need);
      this.file = growU32(this.file, need);
      this.off = growU32(this.off, need);
      this.len = growU16(this.len, need);
      this.count = growU16(this.count, need);
      this.next = growI32(this.next, need);
    }
    return row;
  }
}
