/**
 * The order in which to read many sealed chunks: by file, then by offset, so that nearby chunks
 * share one read (see ChunkStore.fetch). A query asks for about one chunk per series and hour, so
 * this sorts hundreds of thousands of rows; a comparator sort calls back into JavaScript
 * n·log n times, while this LSD radix sort makes three counting passes (offset low and high 16
 * bits, then file) through one scratch array (the caller's, or a new one).
 */

const RADIX = 1 << 16;
const counts = new Uint32Array(RADIX);

/** One stable counting pass: `src` sorted by (key(src[i]) >>> shift) & 0xffff into `dst`. */
function pass(src: Uint32Array, dst: Uint32Array, n: number, keys: Uint32Array, shift: number): void {
  const c = counts;
  c.fill(0);
  for (let i = 0; i < n; i++) {
    const d = ((keys[src[i] as number] as number) >>> shift) & 0xffff;
    c[d] = (c[d] as number) + 1;
  }
  let sum = 0;
  for (let d = 0; d < RADIX; d++) {
    const k = c[d] as number;
    c[d] = sum;
    sum += k;
  }
  for (let i = 0; i < n; i++) {
    const x = src[i] as number;
    const d = ((keys[x] as number) >>> shift) & 0xffff;
    const at = c[d] as number;
    dst[at] = x;
    c[d] = at + 1;
  }
}

/**
 * Fills `order[0, n)` with the indexes 0..n−1 sorted by (files[i], offs[i]) ascending; ties keep
 * index order (the sort is stable). `tmp` (at least n long, not `order`) is scratch.
 */
export function readOrder(
  files: Uint32Array,
  offs: Uint32Array,
  n: number,
  order: Uint32Array,
  tmp?: Uint32Array,
): void {
  let maxFile = 0;
  let maxOff = 0;
  for (let i = 0; i < n; i++) {
    order[i] = i;
    if ((files[i] as number) > maxFile) maxFile = files[i] as number;
    if ((offs[i] as number) > maxOff) maxOff = offs[i] as number;
  }
  if (n < 256 || maxFile >= RADIX) {
    // Few rows (a comparator sort is cheaper than clearing the counts), or file numbers past
    // what one pass orders.
    order
      .subarray(0, n)
      .sort(
        (a, b) => (files[a] as number) - (files[b] as number) || (offs[a] as number) - (offs[b] as number),
      );
    return;
  }
  let src: Uint32Array = order;
  let dst: Uint32Array = tmp !== undefined && tmp.length >= n && tmp !== order ? tmp : new Uint32Array(n);
  pass(src, dst, n, offs, 0);
  [src, dst] = [dst, src];
  if (maxOff >= RADIX) {
    pass(src, dst, n, offs, 16);
    [src, dst] = [dst, src];
  }
  if (maxFile > 0) {
    pass(src, dst, n, files, 0);
    [src, dst] = [dst, src];
  }
  if (src !== order) order.set(src.subarray(0, n));
}
