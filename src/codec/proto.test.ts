import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { BadDataError } from '../model/index.ts';
import { ProtoReader, WireType } from './proto-reader.ts';
import { ProtoWriter } from './proto-writer.ts';

describe('ProtoReader and ProtoWriter', () => {
  it('round-trip every scalar kind', () => {
    const bytes = new ProtoWriter()
      .varint(1, 300)
      .varint(2, -1)
      .sint(3, -123456789012)
      .double(4, -0.5)
      .fixed64(5, 1_700_000_000_123_456_789n)
      .fixed32(6, 0xdeadbeef)
      .string(7, 'héllo')
      .bool(8, true)
      .varint(9, 2 ** 40)
      .finish();
    const r = new ProtoReader().reset(bytes);
    const seen: unknown[] = [];
    while (r.next()) {
      switch (r.field) {
        case 1:
          seen.push(r.uint32());
          break;
        case 2:
          seen.push(r.int64());
          break;
        case 3:
          seen.push(r.sint64());
          break;
        case 4:
          seen.push(r.double());
          break;
        case 5:
          seen.push(r.fixed64Big());
          break;
        case 6:
          seen.push(r.fixed32());
          break;
        case 7:
          seen.push(r.string());
          break;
        case 8:
          seen.push(r.bool());
          break;
        case 9:
          seen.push(r.uint64());
          break;
      }
    }
    assert.deepEqual(seen, [
      300,
      -1,
      -123456789012,
      -0.5,
      1_700_000_000_123_456_789n,
      0xdeadbeef,
      'héllo',
      true,
      2 ** 40,
    ]);
  });

  it('nests messages of every size and reads packed and unpacked repeated fields', () => {
    for (const n of [0, 1, 127, 128, 20_000]) {
      const values = Array.from({ length: n }, (_, i) => i * 3 - 7);
      const bytes = new ProtoWriter().message(1, (w) => w.packedSints(2, values).sint(2, 42)).finish();
      const r = new ProtoReader().reset(bytes);
      const got: number[] = [];
      while (r.next()) {
        const outer = r.enter();
        while (r.next()) r.packed(() => got.push(r.rawSint64()), WireType.Varint);
        r.exit(outer);
      }
      assert.deepEqual(got, [...values, 42]);
    }
  });

  it('throws BadDataError on truncation, wrong wire types and invalid UTF-8', () => {
    const bytes = new ProtoWriter().message(1, (w) => w.string(2, 'abc').double(3, 1)).finish();
    for (let cut = 1; cut < bytes.length; cut++) {
      const r = new ProtoReader().reset(bytes.subarray(0, cut));
      assert.throws(() => {
        while (r.next()) {
          const outer = r.enter();
          while (r.next()) r.skip();
          r.exit(outer);
        }
      }, BadDataError);
    }
    const r = new ProtoReader().reset(new ProtoWriter().varint(1, 5).finish());
    r.next();
    assert.throws(() => r.double(), /wire type 0/);
    const invalid = new ProtoWriter().bytes(1, Uint8Array.from([0xc3, 0x28])).finish();
    const r2 = new ProtoReader().reset(invalid);
    r2.next();
    assert.throws(() => r2.string(), /UTF-8/);
  });
});
