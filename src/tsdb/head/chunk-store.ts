import { keepView } from '../chunk/xor-bulk.ts';
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
 * Queries read open chunks in place (no copy): a ChunkRef points into the slab page. That is safe
 * because a region's bytes change only while its series appends (after the bits a reader
 * snapshotted) or when the region is handed out again (`reserve` zeroes a freed slot). So a reader
 * is pinned for its lifetime (`pin`/`unpin`), and a region freed while readers are pinned waits on
 * a retire list, tagged with the reader clock, until every reader pinned before it was freed has
 * unpinned (epoch-based reclamation). Giving a slab back (empty or evacuated) needs no wait: its
 * page array is never written again, so whoever holds it keeps reading the old bytes, and the
 * page number may be reused with a new array. With no reader pinned a freed region is reusable at
 * once, as if this did not exist.
 *
 * Sealed chunks are appended to the head chunk files (see HeadChunkFiles) and leave memory; rows
 * (typed-array columns) say where each one is and link the chunks of one series in time order.
 * Readers get their bytes through `read` (one chunk) or `fetch` (many, batched into few reads).
 */
const CLASSES = [32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 1536, 2304];
/** Slabs of a class start small (an idle tenant stays cheap) and double up to this. */
const SLAB_BYTES = 64 * 1024;
/**
 * Spare bytes after the last region of a page: the bulk decoder peeks up to 8 bytes past a chunk
 * (see chunk/xor-bulk.ts), so a chunk read in place at the end of its page needs no copy.
 */
export const PAGE_PAD = 8;

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
  /** Its page number (while it is `slabs[page]`). */
  readonly page: number;
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
  constructor(cls: number, slots: number, page: number) {
    this.cls = cls;
    this.slots = slots;
    this.page = page;
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

  /** Reader clock: bumped by every `pin`, so pin ids grow. */
  private clock = 0;
  /** Ids of the pinned readers, ascending (few: one per query in flight). */
  private readonly pins: number[] = [];
  /**
   * Retire list (FIFO, tags ascending): slot `retSlot[i]` of slab `retSlab[i]` was freed when the
   * clock was `retTag[i]`; it becomes reusable once no reader with id <= that tag is pinned.
   * Entries from `retHead` on are pending. A slab given back meanwhile leaves stale entries
   * (`slabs[slab.page] !== slab`), which are dropped.
   */
  private retSlab: Slab[] = [];
  private retSlot: number[] = [];
  private retTag: number[] = [];
  private retHead = 0;
  /** Regions waiting on the retire list (statistics, tests). */
  retired = 0;

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
    // Only slots whose readers are gone are on the free lists (see release), so zeroing and
    // handing one out cannot change bytes a pinned reader still reads.
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
    const slab = new Slab(ci, Math.floor(bytes / c.size), page);
    slab.listed = true;
    const buf = new Uint8Array(bytes + PAGE_PAD);
    keepView(buf);
    this.pages[page] = buf;
    this.slabs[page] = slab;
    this.slabBytes += bytes + PAGE_PAD + slab.owner.byteLength;
    c.room.push(page);
    return page;
  }

  /**
   * Gives back the region at `off` of page `page` (a moved, sealed or dropped open chunk). May move
   * other regions (see `onMove`), and so change `rp`/`ro`. While readers are pinned the region is
   * not reused before they unpin (see the class comment).
   */
  release(page: number, off: number, _cap?: number): void {
    const slab = this.slabs[page] as Slab;
    const c = this.classes[slab.cls] as SizeClass;
    const slot = off / c.size;
    slab.live--;
    // No owner any more: an evacuation never moves (or calls onMove for) a dead slot.
    slab.owner[slot] = -1;
    if (slab.live === 0 && c.room.length > 1) {
      // Empty, and the class has other slabs with room: give it back (its array is never
      // written again, so pinned readers holding it are unaffected).
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
    if (this.pins.length > 0) {
      this.retSlab.push(slab);
      this.retSlot.push(slot);
      this.retTag.push(this.clock);
      this.retired++;
      return;
    }
    this.freeSlot(slab, slot);
  }

  /** Puts a dead slot of a slab still in use on its free list. */
  private freeSlot(slab: Slab, slot: number): void {
    const c = this.classes[slab.cls] as SizeClass;
    if (slab.freeN === slab.free.length) {
      const grown = new Uint16Array(Math.min(slab.slots, slab.free.length * 2));
      grown.set(slab.free);
      slab.free = grown;
    }
    slab.free[slab.freeN++] = slot;
    if (!slab.listed) {
      slab.listed = true;
      c.room.push(slab.page);
    }
  }

  /**
   * Pins a reader: regions freed from now on are not reused (their bytes stay as they are) until
   * `unpin` with the returned id. Readers must unpin exactly once.
   */
  pin(): number {
    const id = ++this.clock;
    this.pins.push(id);
    return id;
  }

  /** Unpins the reader `id` and makes reusable the regions no pinned reader can see any more. */
  unpin(id: number): void {
    const pins = this.pins;
    const i = pins.indexOf(id);
    if (i < 0) throw new Error(`chunk reader ${id} is not pinned (unpinned twice?)`);
    pins.splice(i, 1);
    // Readers pinned after a region was freed (id > its tag) never saw it in use.
    const oldest = pins.length > 0 ? (pins[0] as number) : Infinity;
    const tags = this.retTag;
    let k = this.retHead;
    while (k < tags.length && (tags[k] as number) < oldest) {
      const slab = this.retSlab[k] as Slab;
      if (this.slabs[slab.page] === slab && !slab.draining) this.freeSlot(slab, this.retSlot[k] as number);
      k++;
    }
    this.retired -= k - this.retHead;
    if (k === tags.length) {
      this.retSlab = [];
      this.retSlot = [];
      this.retTag = [];
      this.retHead = 0;
    } else if (k > 1024 && k * 2 > tags.length) {
      this.retSlab = this.retSlab.slice(k);
      this.retSlot = this.retSlot.slice(k);
      this.retTag = tags.slice(k);
      this.retHead = 0;
    } else this.retHead = k;
  }

  /** Readers pinned now (statistics, tests). */
  get pinned(): number {
    return this.pins.length;
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
    // `pages[page]` includes PAGE_PAD.
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
