import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { Labels } from '../../model/index.ts';
import { HeadChunkCursor } from './cursor.ts';
import { Head } from './head.ts';

const H = 3_600_000;

/**
 * A wave of series starting their chunks together, as after a block-range boundary. Series differ
 * in how many value bits change per sample (`ref * 7 % 33`: constants up to fully random 32 bits),
 * so their chunks climb the size classes at different speeds and the slow ones are left scattered
 * over the slabs the fast ones moved out of. Returns the head and every value appended, per series.
 */
function wave(series: number, samples: number): { head: Head; want: number[][] } {
  const head = new Head(2 * H);
  const want: number[][] = [];
  for (let i = 0; i < series; i++) {
    head.create(Labels.fromObject({ __name__: 'm', i: String(i) }));
    want.push([]);
  }
  let x = 12345;
  for (let k = 0; k < samples; k++) {
    for (let ref = 0; ref < series; ref++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      const bits = (ref * 7) % 33;
      const lo = bits === 0 ? 0 : x >>> (32 - bits);
      head.append(ref, 1000 + k * 60_000, 0x40000000, lo);
      (want[ref] as number[]).push(lo);
    }
  }
  return { head, want };
}

function readBack(head: Head, ref: number): number[] {
  const it = new HeadChunkCursor();
  it.reset(head, ref, -Infinity, Infinity);
  const out: number[] = [];
  while (it.nextSample()) {
    assert.equal(it.vhi, 0x40000000);
    out.push(it.vlo);
  }
  return out;
}

describe('ChunkStore slab evacuation', () => {
  it('moves the regions of slabs that slow series keep sparse, and every sample reads back', () => {
    const { head, want } = wave(6000, 100);
    assert.ok(head.chunks.moved > 0, 'some regions were moved');
    for (let ref = 0; ref < want.length; ref++)
      assert.deepEqual(readBack(head, ref), want[ref], `series ${ref}`);
    // Appends after the moves go on where the moved chunks left off.
    for (let ref = 0; ref < want.length; ref++) {
      head.append(ref, 1000 + 100 * 60_000, 0x40000000, ref);
      (want[ref] as number[]).push(ref);
    }
    for (let ref = 0; ref < want.length; ref += 7)
      assert.deepEqual(readBack(head, ref), want[ref], `series ${ref}`);
  });

  it('holds little more than the regions in use', () => {
    const { head } = wave(6000, 100);
    // Capacity of the open chunks' regions (the head's row column of region sizes).
    let regions = 0;
    for (let ref = 0; ref < 6000; ref++) regions += head.u16[ref * 32 + 27] as number;
    // This wave leaves slabs kept by a few slow series: 1.68× the region bytes without evacuation,
    // 1.53× with it (the inputs are fixed, so are the figures).
    const held = head.chunks.memoryBytes();
    assert.ok(held < regions * 1.6, `${held} B held for ${regions} B of regions`);
  });

  it('seals and drops chunks whose regions were moved', () => {
    const { head, want } = wave(3000, 60);
    assert.ok(head.chunks.moved > 0);
    for (let ref = 0; ref < want.length; ref++) head.sealOpen(ref);
    for (let ref = 0; ref < want.length; ref++)
      assert.deepEqual(readBack(head, ref), want[ref], `series ${ref}`);
  });
});
