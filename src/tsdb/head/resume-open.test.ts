import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Labels, STALE_NAN_HI, STALE_NAN_LO } from '../../model/index.ts';
import { floatBits } from '../chunk/xor.ts';
import { rng } from '../test-util.ts';
import { Head, MAX_CHUNK_SAMPLES } from './head.ts';

const H = 3_600_000;

/** Seeded samples with every kind of change: steady and jittered steps, repeats, stale markers, wild values. */
function samples(seed: number, n: number): Array<[number, number, number]> {
  const r = rng(seed);
  const out: Array<[number, number, number]> = [];
  let t = 1000 + Math.floor(r() * 1000);
  let v = r() * 100;
  for (let i = 0; i < n; i++) {
    t += r() < 0.7 ? 15_000 : 1 + Math.floor(r() * 40_000);
    const u = r();
    if (u < 0.05) {
      out.push([t, STALE_NAN_HI, STALE_NAN_LO]);
      continue;
    }
    if (u < 0.3)
      v += 0; // repeat
    else if (u < 0.6) v += 1;
    else if (u < 0.8) v = -v * r() * 1e6;
    else v = Math.round(r() * 1000) / 8;
    floatBits.of(v);
    out.push([t, floatBits.hi, floatBits.lo]);
  }
  return out;
}

function openBytes(h: Head, ref: number): number[] {
  const page = h.openPage(ref);
  const off = h.openOff(ref);
  return [...page.subarray(off, off + h.openBytes(ref))];
}

test('a head that loads an open chunk from its bytes goes on appending exactly as one that never stopped', () => {
  for (let seed = 1; seed <= 40; seed++) {
    const all = samples(seed, MAX_CHUNK_SAMPLES - 5);
    const cut = 1 + ((seed * 7) % (all.length - 2));
    const a = new Head(1000 * H);
    const b = new Head(1000 * H);
    const la = a.create(Labels.fromObject({ __name__: 'm', s: String(seed) }));
    const lb = b.create(Labels.fromObject({ __name__: 'm', s: String(seed) }));
    for (let i = 0; i < cut; i++) a.append(la, ...all[i]!);
    // b restarts from a's open chunk as a checkpoint would carry it: bytes, mint, maxt, count,
    // copied into a buffer with garbage around them (u32 slot 10 of the row: bits written).
    const bytes = openBytes(a, la);
    const buf = new Uint8Array(bytes.length + 16).fill(0xa5);
    buf.set(bytes, 8);
    // The unused low bits of the last byte are set too: the loaded chunk must not keep them.
    const bits = a.u32[la * 16 + 10] as number;
    if ((bits & 7) !== 0)
      buf[8 + bytes.length - 1] = (buf[8 + bytes.length - 1] as number) | (0xff >>> (bits & 7));
    b.loadOpenChunk(lb, buf, 8, bytes.length, a.openMint(la), a.lastT(la), a.openCount(la));
    assert.equal(b.hasOpen(lb), true, `seed ${seed}: loaded as the open chunk`);
    assert.equal(b.firstChunk[lb], -1, `seed ${seed}: nothing sealed`);
    for (let i = cut; i < all.length; i++) {
      a.append(la, ...all[i]!);
      b.append(lb, ...all[i]!);
    }
    assert.equal(b.openCount(lb), a.openCount(la), `seed ${seed}`);
    assert.deepEqual(openBytes(b, lb), openBytes(a, la), `seed ${seed}: same bytes`);
  }
});

test('a full or inconsistent chunk is loaded sealed, and the next sample starts a new chunk', () => {
  const a = new Head(1000 * H);
  const ref = a.create(Labels.fromObject({ __name__: 'm' }));
  const all = samples(99, MAX_CHUNK_SAMPLES);
  for (const s of all) a.append(ref, ...s);
  const bytes = Uint8Array.from(openBytes(a, ref));
  const b = new Head(1000 * H);
  const full = b.create(Labels.fromObject({ __name__: 'full' }));
  b.loadOpenChunk(full, bytes, 0, bytes.length, a.openMint(ref), a.lastT(ref), MAX_CHUNK_SAMPLES);
  assert.equal(b.hasOpen(full), false);
  assert.notEqual(b.firstChunk[full], -1);
  // Wrong maxt: the bytes do not end where the meta says.
  const bad = b.create(Labels.fromObject({ __name__: 'bad' }));
  b.loadOpenChunk(bad, bytes, 0, bytes.length, a.openMint(ref), a.lastT(ref) + 1, 50);
  assert.equal(b.hasOpen(bad), false);
  assert.notEqual(b.firstChunk[bad], -1);
});
