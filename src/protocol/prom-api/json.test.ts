import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import { Labels, type FloatHistogram } from '../../model/index.ts';
import { exponentialBound, histogramJson } from './histogram-json.ts';
import {
  capAnnotations,
  errorJson,
  jsonString,
  labelsJson,
  scalarJson,
  successJson,
  vectorSampleJson,
} from './json.ts';
import {
  JsonChunker,
  exceedsLimit,
  matrixSeriesJson,
  statsJson,
  writeQueryData,
  type QueryValueLike,
} from './stream.ts';

function hist(over: Partial<FloatHistogram>): FloatHistogram {
  return {
    counterResetHint: 0,
    schema: 0,
    zeroThreshold: 0.001,
    zeroCount: 0,
    count: 0,
    sum: 0,
    positiveSpans: [],
    positiveBuckets: [],
    negativeSpans: [],
    negativeBuckets: [],
    customValues: [],
    ...over,
  };
}

async function collect(
  value: QueryValueLike,
  limit = 0,
  flushAt = 16,
): Promise<{ text: string; chunks: number }> {
  const parts: string[] = [];
  const out = new JsonChunker({ write: async (c) => void parts.push(c) }, flushAt);
  await writeQueryData(out, value, limit, null, null);
  await out.flush();
  return { text: parts.join(''), chunks: parts.length };
}

describe('JSON pieces', () => {
  it('escapes strings the way Go does', () => {
    assert.equal(jsonString('a<b>&c'), '"a\\u003cb\\u003e\\u0026c"');
    assert.equal(jsonString('line\u2028sep'), '"line\\u2028sep"');
    assert.equal(jsonString('quote " and \\'), '"quote \\" and \\\\"');
    assert.equal(jsonString('tab\there\u0000\u007f'), '"tab\\there\\u0000\u007f"');
    assert.equal(jsonString(''), '""');
  });

  it("quotes any string exactly as JSON.stringify plus Go's escapes would (ASCII fast path included)", () => {
    const reference = (s: string): string =>
      JSON.stringify(s).replace(
        /[<>&\u2028\u2029]/g,
        (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
      );
    const chars = fc.oneof(
      fc.constantFrom(
        '"',
        '\\',
        '<',
        '>',
        '&',
        '\u2028',
        '\u2029',
        '\n',
        '\u0000',
        '\u007f',
        '\ud800',
        'é',
        '😀',
      ),
      fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 1 }),
    );
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: chars })), (s) => {
        assert.equal(jsonString(s), reference(s));
      }),
      { numRuns: 2000 },
    );
  });

  it('writes labels, samples and scalars with Prometheus numbers', () => {
    const l = Labels.fromObject({ __name__: 'up', job: 'a&b' });
    assert.equal(labelsJson(l), '{"__name__":"up","job":"a\\u0026b"}');
    assert.equal(
      vectorSampleJson(l, 1435781451780, 1e-7, null),
      '{"metric":{"__name__":"up","job":"a\\u0026b"},"value":[1435781451.780,"1e-07"]}',
    );
    assert.equal(scalarJson(1435781451780, 1e21), '[1435781451.78,"1000000000000000000000"]');
    assert.equal(scalarJson(4000, 2), '[4,"2"]');
  });

  it('writes the envelopes', () => {
    assert.equal(successJson('[]'), '{"status":"success","data":[]}');
    assert.equal(
      successJson('[]', ['w'], ['i']),
      '{"status":"success","data":[],"warnings":["w"],"infos":["i"]}',
    );
    assert.equal(
      errorJson('bad_data', 'x "y"'),
      '{"status":"error","errorType":"bad_data","error":"x \\"y\\""}',
    );
  });

  it('caps annotations at ten with a summary line', () => {
    const many = Array.from({ length: 13 }, (_, i) => `w${i}`);
    const capped = capAnnotations(many, 'warning');
    assert.equal(capped.length, 11);
    assert.equal(capped[10], '3 more warning annotations omitted');
    assert.equal(capAnnotations(['a'], 'info').length, 1);
  });
});

describe('histogram JSON', () => {
  it('lists non-empty buckets in order with their boundary rules', () => {
    const h = hist({
      count: 10,
      sum: 3.5,
      zeroCount: 2,
      negativeSpans: [{ offset: 0, length: 2 }],
      negativeBuckets: [1, 0],
      positiveSpans: [
        { offset: 0, length: 1 },
        { offset: 1, length: 1 },
      ],
      positiveBuckets: [3, 4],
    });
    assert.equal(
      histogramJson(h),
      '{"count":"10","sum":"3.5","buckets":[' +
        '[1,"-1","-0.5","1"],' + // negative bucket 0: [-1, -0.5)
        '[3,"-0.001","0.001","2"],' + // the zero bucket, closed
        '[0,"0.5","1","3"],' + // positive bucket 0: (0.5, 1]
        '[0,"2","4","4"]]}', // positive bucket 2: (2, 4]
    );
  });

  it('leaves buckets out entirely when all are empty', () => {
    assert.equal(histogramJson(hist({ count: 0, sum: 0 })), '{"count":"0","sum":"0"}');
  });

  it('uses custom bounds for NHCB, the first bucket closed at -Inf', () => {
    const h = hist({
      schema: -53,
      count: 6,
      sum: 10,
      customValues: [1, 5],
      positiveSpans: [{ offset: 0, length: 3 }],
      positiveBuckets: [1, 2, 3],
    });
    assert.equal(
      histogramJson(h),
      '{"count":"6","sum":"10","buckets":[[3,"-Inf","1","1"],[0,"1","5","2"],[0,"5","+Inf","3"]]}',
    );
  });

  it("computes bucket bounds like Prometheus's constant table (correctly rounded)", () => {
    // Values from Prometheus's exponentialBounds table, where Math.pow is one ulp off.
    assert.equal(exponentialBound(5, 3) / 2, 0.7711054127039704);
    assert.equal(exponentialBound(3, 2) / 2, 0.8408964152537145);
    assert.equal(exponentialBound(15, 5) / 2, 0.691954940981916);
    assert.equal(exponentialBound(0, 0), 1);
    assert.equal(exponentialBound(-1, 0), 0.5);
    assert.equal(exponentialBound(1, -1), 4);
    assert.equal(exponentialBound(1023, 0), 2 ** 1023);
    assert.equal(exponentialBound(1024, 0), Number.MAX_VALUE);
    assert.equal(exponentialBound(1025, 0), Infinity);
  });
});

describe('writeQueryData', () => {
  const a = Labels.fromObject({ __name__: 'x', i: 'a' });
  const b = Labels.fromObject({ __name__: 'x', i: 'b' });

  it('streams vectors, matrices, scalars and strings in chunks', async () => {
    const vec = await collect({
      type: 'vector',
      vector: [
        { labels: a, t: 1000, v: 1, h: null },
        { labels: b, t: 1000, v: NaN, h: null },
      ],
    });
    assert.equal(
      vec.text,
      '{"resultType":"vector","result":[{"metric":{"__name__":"x","i":"a"},"value":[1,"1"]},' +
        '{"metric":{"__name__":"x","i":"b"},"value":[1,"NaN"]}]}',
    );
    assert.ok(vec.chunks > 1, 'a small flush size splits the answer');
    const mat = await collect({
      type: 'matrix',
      matrix: [
        {
          labels: a,
          floatTimes: [1000, 2000],
          floatValues: [1, Infinity],
          histogramTimes: [],
          histograms: [],
        },
        {
          labels: b,
          floatTimes: [],
          floatValues: [],
          histogramTimes: [3000],
          histograms: [hist({ count: 1, sum: 1 })],
        },
      ],
    });
    assert.deepEqual(JSON.parse(mat.text), {
      resultType: 'matrix',
      result: [
        {
          metric: { __name__: 'x', i: 'a' },
          values: [
            [1, '1'],
            [2, '+Inf'],
          ],
        },
        { metric: { __name__: 'x', i: 'b' }, histograms: [[3, { count: '1', sum: '1' }]] },
      ],
    });
    assert.equal(
      (await collect({ type: 'scalar', t: 4000, v: 2 })).text,
      '{"resultType":"scalar","result":[4,"2"]}',
    );
    assert.equal(
      (await collect({ type: 'string', t: 1500, v: 'hi' })).text,
      '{"resultType":"string","result":[1.5,"hi"]}',
    );
  });

  it('applies the series limit to vectors and matrices only', async () => {
    const v: QueryValueLike = {
      type: 'vector',
      vector: [
        { labels: a, t: 0, v: 1, h: null },
        { labels: b, t: 0, v: 2, h: null },
      ],
    };
    assert.equal(JSON.parse((await collect(v, 1)).text).result.length, 1);
    assert.ok(exceedsLimit(v, 1));
    assert.ok(!exceedsLimit(v, 2));
    assert.ok(!exceedsLimit({ type: 'scalar', t: 0, v: 1 }, 1));
  });

  it('writes an empty series list as []', async () => {
    assert.equal((await collect({ type: 'matrix', matrix: [] })).text, '{"resultType":"matrix","result":[]}');
    assert.equal(
      matrixSeriesJson({ labels: a, floatTimes: [], floatValues: [], histogramTimes: [], histograms: [] }),
      '{"metric":{"__name__":"x","i":"a"}}',
    );
  });

  it('renders stats as Prometheus does', () => {
    const s = JSON.parse(statsJson({ samplesScanned: 12, peakSamples: 4, prepareMs: 1, evalMs: 2 }));
    assert.deepEqual(s.samples, { totalQueryableSamples: 12, peakSamples: 4 });
    assert.equal(s.timings.execTotalTime, 0.003);
  });
});
