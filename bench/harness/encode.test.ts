import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compressSync, uncompressSync } from 'snappy';
import { encodeLabels, WriteRequestBuilder } from './encode.ts';

/** An independent, minimal decoder for what the builder writes (varints, LEN, I64 only). */
function decode(buf: Uint8Array): { labels: string[]; value: number; ts: number }[] {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const text = new TextDecoder();
  let p = 0;
  const varint = (): number => {
    let v = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      const b = buf[p++]!;
      v += (b & 0x7f) * mul;
      mul *= 128;
      if (b < 0x80) return v;
    }
    throw new Error('varint too long');
  };
  const out: { labels: string[]; value: number; ts: number }[] = [];
  while (p < buf.length) {
    assert.equal(buf[p++], 0x0a, 'WriteRequest.timeseries');
    const end = varint() + p;
    const labels: string[] = [];
    let value = NaN;
    let ts = -1;
    while (p < end) {
      const tag = buf[p++];
      const len = varint();
      const stop = p + len;
      if (tag === 0x0a) {
        while (p < stop) {
          const field = buf[p++];
          const n = varint();
          labels.push(`${field === 0x0a ? 'name' : 'value'}:${text.decode(buf.subarray(p, p + n))}`);
          p += n;
        }
      } else {
        assert.equal(tag, 0x12, 'TimeSeries.samples');
        assert.equal(buf[p++], 0x09);
        value = view.getFloat64(p, true);
        p += 8;
        assert.equal(buf[p++], 0x10);
        ts = varint();
      }
      assert.equal(p, stop);
    }
    out.push({ labels, value, ts });
  }
  return out;
}

describe('WriteRequestBuilder', () => {
  it('writes one TimeSeries per sample with the labels, value and timestamp', () => {
    const a = encodeLabels(['__name__', 'up', 'job', 'api']);
    const b = encodeLabels(['__name__', 'x_total', 'pod', 'p-' + 'x'.repeat(200)]);
    const builder = new WriteRequestBuilder(3, Math.max(a.length, b.length));
    builder.add(a, 1, 1_795_000_000_000, 7);
    builder.add(b, -0.5, 0, 8);
    builder.add(a, Number.MAX_VALUE, 2 ** 53 - 1, 9);
    assert.equal(builder.full(), true);
    assert.deepEqual([builder.firstScrape, builder.lastScrape], [7, 9]);
    const got = decode(builder.bytes());
    assert.deepEqual(got, [
      { labels: ['name:__name__', 'value:up', 'name:job', 'value:api'], value: 1, ts: 1_795_000_000_000 },
      {
        labels: ['name:__name__', 'value:x_total', 'name:pod', `value:p-${'x'.repeat(200)}`],
        value: -0.5,
        ts: 0,
      },
      {
        labels: ['name:__name__', 'value:up', 'name:job', 'value:api'],
        value: Number.MAX_VALUE,
        ts: 2 ** 53 - 1,
      },
    ]);
  });

  it('survives a snappy block round trip and starts over after reset', () => {
    const labels = encodeLabels(['__name__', 'g', 'a', 'b']);
    const builder = new WriteRequestBuilder(2, labels.length);
    builder.add(labels, 3.25, 1000, 0);
    const body = compressSync(builder.bytes());
    assert.notEqual(body[0], 0xff, 'a raw block, not the framed format');
    assert.deepEqual(decode(new Uint8Array(uncompressSync(body) as Buffer)), [
      { labels: ['name:__name__', 'value:g', 'name:a', 'value:b'], value: 3.25, ts: 1000 },
    ]);
    builder.reset();
    assert.equal(builder.bytes().length, 0);
    assert.equal(builder.samples, 0);
  });
});
