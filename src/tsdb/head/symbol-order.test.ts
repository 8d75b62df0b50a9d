import assert from 'node:assert/strict';
import { test } from 'node:test';

import fc from 'fast-check';

import { Labels } from '../../model/index.ts';
import { Slicer } from '../slicer.ts';
import { SymbolOrder, type OrderedHead } from './symbol-order.ts';

/** A tiny head: interned strings and series as sorted (name, value) id pairs. */
class FakeHead implements OrderedHead {
  readonly symbols = { strings: [] as string[] };
  lblOff = new Uint32Array(0);
  lblCnt = new Uint16Array(0);
  pairs = new Uint32Array(0);
  readonly labels: Labels[] = [];
  private readonly ids = new Map<string, number>();

  add(l: Labels): number {
    const flat: number[] = [];
    l.forEach((name, value) => flat.push(this.intern(name), this.intern(value)));
    const ref = this.labels.length;
    this.labels.push(l);
    const off = this.pairs.length;
    const pairs = new Uint32Array(off + flat.length);
    pairs.set(this.pairs);
    pairs.set(flat, off);
    this.pairs = pairs;
    const lblOff = new Uint32Array(ref + 1);
    lblOff.set(this.lblOff);
    lblOff[ref] = off;
    this.lblOff = lblOff;
    const lblCnt = new Uint16Array(ref + 1);
    lblCnt.set(this.lblCnt);
    lblCnt[ref] = flat.length / 2;
    this.lblCnt = lblCnt;
    return ref;
  }

  private intern(s: string): number {
    let id = this.ids.get(s);
    if (id === undefined) {
      id = this.symbols.strings.length;
      this.symbols.strings.push(s);
      this.ids.set(s, id);
    }
    return id;
  }
}

const labelSet = fc
  .dictionary(
    fc.constantFrom('__name__', 'job', 'instance', 'a', 'B', 'le', 'zz'),
    fc.oneof(
      fc.constantFrom('x', 'xy', 'y', '0.5', '+Inf', 'é', '\u{1F600}', 'Z'),
      fc.string({ minLength: 1, maxLength: 4 }),
    ),
    { minKeys: 1 },
  )
  .map((o) => Labels.fromObject(o));

test('SymbolOrder sorts series exactly as Labels.compare, also as new symbols arrive', () => {
  fc.assert(
    fc.property(
      fc.array(fc.array(labelSet, { minLength: 1, maxLength: 30 }), { minLength: 1, maxLength: 4 }),
      (rounds) => {
        const head = new FakeHead();
        const order = new SymbolOrder();
        const seen = new Set<string>();
        for (const round of rounds) {
          for (const l of round) {
            if (seen.has(l.key())) continue;
            seen.add(l.key());
            head.add(l);
          }
          const refs = Uint32Array.from(head.labels.keys()).reverse();
          order.sort(head, refs);
          const got = Array.from(refs, (r) => head.labels[r]!.toString());
          const want = [...head.labels].sort(Labels.compare).map((l) => l.toString());
          assert.deepEqual(got, want);
        }
      },
    ),
    { numRuns: 300 },
  );
});

test('sortSliced sorts like Labels.compare across many runs and yields, mixed with sync sorts', async () => {
  const head = new FakeHead();
  const order = new SymbolOrder();
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 3000; i++)
      head.add(
        Labels.fromObject({
          __name__: `m${(i * 7919 + round) % 13}`,
          instance: `10.0.${round}.${(i * 104729) % 3001}:9100`,
          job: `j${i % 5}`,
        }),
      );
    const refs = Uint32Array.from(head.labels.keys()).reverse();
    // A budget of 0 ms yields at every check; a synchronous sort meanwhile must not break it.
    const slicer = new Slicer(0);
    const done = order.sortSliced(head, refs, slicer);
    if (round === 1) order.sort(head, Uint32Array.from(head.labels.keys()));
    const got = Array.from(await done, (r) => head.labels[r]!.toString());
    const want = [...head.labels].sort(Labels.compare).map((l) => l.toString());
    assert.deepEqual(got, want);
  }
});
