import assert from 'node:assert/strict';
import { test } from 'node:test';

import { BadDataError, SampleBatch } from '../../model/index.ts';
import { nanosPartsToMs } from './decode-proto.ts';
import { DeltaAccumulator } from './delta.ts';
import { encodeOtlpJsonAsProtobuf } from './encode.ts';
import { DEFAULT_OTLP_TRANSLATION } from './options.ts';
import { ns, request, T0 } from './test-helpers.ts';
import { OtlpTranslator } from './translate.ts';
import { translateOtlpRequest } from './translate-request.ts';

const sample = request(
  [
    {
      name: 'http.server.duration',
      unit: 's',
      description: 'd',
      histogram: {
        aggregationTemporality: 2,
        dataPoints: [
          {
            startTimeUnixNano: ns(T0 - 1000),
            timeUnixNano: ns(T0),
            count: 3,
            sum: 1.5,
            bucketCounts: [1, 2],
            explicitBounds: [0.5],
            attributes: [{ key: 'route', value: { stringValue: '/x' } }],
            exemplars: [{ asDouble: 0.2, timeUnixNano: ns(T0), traceId: '00ff00ff00ff00ff00ff00ff00ff00ff' }],
          },
        ],
      },
    },
    {
      name: 'e',
      exponentialHistogram: {
        aggregationTemporality: 2,
        dataPoints: [
          {
            timeUnixNano: ns(T0),
            count: 2,
            scale: 2,
            zeroCount: 1,
            positive: { offset: -2, bucketCounts: [1] },
          },
        ],
      },
    },
    {
      name: 'q',
      summary: {
        dataPoints: [
          { timeUnixNano: ns(T0), count: 1, sum: 1, quantileValues: [{ quantile: 0.5, value: 1 }] },
        ],
      },
    },
  ],
  { 'service.name': 'api', 'host.name': 'h' },
);

function translate(body: Uint8Array, encoding: 'protobuf' | 'json'): number {
  const batch = new SampleBatch();
  translateOtlpRequest(
    body,
    encoding,
    new OtlpTranslator(DEFAULT_OTLP_TRANSLATION, new DeltaAccumulator()),
    batch,
  );
  return batch.sampleCount;
}

test('a protobuf request cut at any byte offset fails with BadDataError or decodes a prefix, never crashes', () => {
  const full = encodeOtlpJsonAsProtobuf(sample);
  assert.ok(translate(full, 'protobuf') > 0);
  let failures = 0;
  for (let cut = 0; cut < full.length; cut++) {
    try {
      translate(full.subarray(0, cut), 'protobuf');
    } catch (err) {
      assert.ok(err instanceof BadDataError, `cut at ${cut}: ${String(err)}`);
      failures++;
    }
  }
  // Every cut inside the single top-level message is a truncation.
  assert.equal(failures, full.length - 1);
});

test('a JSON request cut at any offset fails with BadDataError', () => {
  const text = new TextEncoder().encode(JSON.stringify(sample));
  for (let cut = 0; cut < text.length; cut++) {
    assert.throws(() => translate(text.subarray(0, cut), 'json'), BadDataError, `cut at ${cut}`);
  }
});

test('random byte flips never throw anything but BadDataError', () => {
  const full = encodeOtlpJsonAsProtobuf(sample);
  let seed = 42;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  for (let i = 0; i < 2000; i++) {
    const copy = full.slice();
    copy[rand(copy.length)] = rand(256);
    try {
      translate(copy, 'protobuf');
    } catch (err) {
      assert.ok(err instanceof BadDataError, String(err));
    }
  }
});

test('malformed JSON fields name the field', () => {
  const bad = (doc: unknown): RegExp | undefined => {
    try {
      translate(new TextEncoder().encode(JSON.stringify(doc)), 'json');
      return undefined;
    } catch (err) {
      assert.ok(err instanceof BadDataError);
      return new RegExp(err.message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    }
  };
  assert.match(String(bad({ resourceMetrics: {} })), /resourceMetrics must be an array/);
  assert.match(
    String(bad(request([{ name: 'g', gauge: { dataPoints: [{ timeUnixNano: 'soon', asInt: 1 }] } }]))),
    /timeUnixNano must be/,
  );
  assert.match(
    String(bad(request([{ name: 'g', gauge: { dataPoints: [{ timeUnixNano: '1', asDouble: 'x' }] } }]))),
    /asDouble/,
  );
  assert.throws(() => translate(new Uint8Array([0xff, 0xfe]), 'json'), /not valid UTF-8/);
});

test('JSON accepts snake_case, numbers for int64, enum names, special doubles and ignores unknown keys', () => {
  const doc = {
    resource_metrics: [
      {
        scope_metrics: [
          {
            metrics: [
              {
                name: 'g',
                gauge: { data_points: [{ time_unix_nano: T0 * 1e6, as_double: 'Infinity', extra: 1 }] },
                unknownField: true,
              },
            ],
          },
        ],
      },
    ],
  };
  const batch = new SampleBatch();
  translateOtlpRequest(
    new TextEncoder().encode(JSON.stringify(doc)),
    'json',
    new OtlpTranslator(DEFAULT_OTLP_TRANSLATION),
    batch,
  );
  assert.equal(batch.sampleCount, 1);
  assert.equal(batch.values[0], Infinity);
  assert.equal(batch.timestamps[0], T0);
});

test('an empty request is fine in both encodings', () => {
  assert.equal(translate(new Uint8Array(0), 'protobuf'), 0);
  assert.equal(translate(new TextEncoder().encode('{}'), 'json'), 0);
});

test('nanosecond timestamps convert to ms exactly (truncating) beyond 2^53', () => {
  const cases = [0n, 999_999n, 1_000_000n, 1_700_000_000_123_999_999n, 18_446_744_073_709_551_615n];
  for (const n of cases) {
    const lo = Number(n & 0xffffffffn);
    const hi = Number(n >> 32n);
    assert.equal(nanosPartsToMs(lo, hi), Number(n / 1_000_000n), String(n));
  }
});
