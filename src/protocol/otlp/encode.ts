import { ProtoWriter } from '../../codec/index.ts';

/**
 * Encodes an OTLP/JSON-shaped request object (lowerCamelCase keys, as in specs/otlp-metrics.md §2.3)
 * as a binary `ExportMetricsServiceRequest`. Not on a hot path: tests, benchmarks and tools use it
 * to make the same request in both encodings. Only the fields the decoder reads are written.
 */
export function encodeOtlpJsonAsProtobuf(request: unknown): Uint8Array {
  const w = new ProtoWriter();
  for (const rm of arr(obj(request)['resourceMetrics'])) {
    w.message(1, () => resourceMetrics(w, obj(rm)));
  }
  return w.finish();
}

type O = Record<string, unknown>;

function obj(v: unknown): O {
  return typeof v === 'object' && v !== null ? (v as O) : {};
}

function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

function big(v: unknown): bigint {
  return BigInt(typeof v === 'string' || typeof v === 'number' ? v : 0);
}

function num(v: unknown): number {
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  return Number(v ?? 0);
}

function resourceMetrics(w: ProtoWriter, rm: O): void {
  if (rm['resource'] !== undefined) {
    w.message(1, () => attributes(w, 1, obj(rm['resource'])['attributes']));
  }
  for (const sm of arr(rm['scopeMetrics'])) w.message(2, () => scopeMetrics(w, obj(sm)));
  if (typeof rm['schemaUrl'] === 'string') w.string(3, rm['schemaUrl']);
}

function scopeMetrics(w: ProtoWriter, sm: O): void {
  if (sm['scope'] !== undefined) {
    const s = obj(sm['scope']);
    w.message(1, () => {
      if (typeof s['name'] === 'string') w.string(1, s['name']);
      if (typeof s['version'] === 'string') w.string(2, s['version']);
      attributes(w, 3, s['attributes']);
    });
  }
  for (const m of arr(sm['metrics'])) w.message(2, () => metric(w, obj(m)));
  if (typeof sm['schemaUrl'] === 'string') w.string(3, sm['schemaUrl']);
}

function metric(w: ProtoWriter, m: O): void {
  if (typeof m['name'] === 'string') w.string(1, m['name']);
  if (typeof m['description'] === 'string') w.string(2, m['description']);
  if (typeof m['unit'] === 'string') w.string(3, m['unit']);
  const members: Array<[string, number, (p: O) => void]> = [
    ['gauge', 5, (p) => numberPoint(w, p)],
    ['sum', 7, (p) => numberPoint(w, p)],
    ['histogram', 9, (p) => histogramPoint(w, p)],
    ['exponentialHistogram', 10, (p) => exponentialPoint(w, p)],
    ['summary', 11, (p) => summaryPoint(w, p)],
  ];
  for (const [key, field, point] of members) {
    if (m[key] === undefined) continue;
    const d = obj(m[key]);
    w.message(field, () => {
      for (const p of arr(d['dataPoints'])) w.message(1, () => point(obj(p)));
      if (d['aggregationTemporality'] !== undefined) w.varint(2, temporality(d['aggregationTemporality']));
      if (d['isMonotonic'] === true) w.bool(3, true);
    });
  }
}

function temporality(v: unknown): number {
  const names = [
    'AGGREGATION_TEMPORALITY_UNSPECIFIED',
    'AGGREGATION_TEMPORALITY_DELTA',
    'AGGREGATION_TEMPORALITY_CUMULATIVE',
  ];
  return typeof v === 'string' && names.includes(v) ? names.indexOf(v) : num(v);
}

function times(w: ProtoWriter, p: O): void {
  if (p['startTimeUnixNano'] !== undefined) w.fixed64(2, big(p['startTimeUnixNano']));
  if (p['timeUnixNano'] !== undefined) w.fixed64(3, big(p['timeUnixNano']));
}

function numberPoint(w: ProtoWriter, p: O): void {
  attributes(w, 7, p['attributes']);
  times(w, p);
  if (p['asDouble'] !== undefined) w.double(4, num(p['asDouble']));
  if (p['asInt'] !== undefined) w.fixed64(6, BigInt.asUintN(64, big(p['asInt'])));
  for (const e of arr(p['exemplars'])) w.message(5, () => exemplar(w, obj(e)));
  if (p['flags'] !== undefined) w.varint(8, num(p['flags']));
}

function histogramPoint(w: ProtoWriter, p: O): void {
  attributes(w, 9, p['attributes']);
  times(w, p);
  if (p['count'] !== undefined) w.fixed64(4, big(p['count']));
  if (p['sum'] !== undefined) w.double(5, num(p['sum']));
  // Packed fixed64 is no ProtoWriter primitive; unpacked elements are equally valid protobuf.
  for (const c of arr(p['bucketCounts'])) w.fixed64(6, big(c));
  w.packedDoubles(7, arr(p['explicitBounds']).map(num));
  for (const e of arr(p['exemplars'])) w.message(8, () => exemplar(w, obj(e)));
  if (p['flags'] !== undefined) w.varint(10, num(p['flags']));
}

function exponentialPoint(w: ProtoWriter, p: O): void {
  attributes(w, 1, p['attributes']);
  times(w, p);
  if (p['count'] !== undefined) w.fixed64(4, big(p['count']));
  if (p['sum'] !== undefined) w.double(5, num(p['sum']));
  if (p['scale'] !== undefined) w.sint(6, num(p['scale']));
  if (p['zeroCount'] !== undefined) w.fixed64(7, big(p['zeroCount']));
  for (const [key, field] of [
    ['positive', 8],
    ['negative', 9],
  ] as const) {
    if (p[key] === undefined) continue;
    const b = obj(p[key]);
    w.message(field, () => {
      if (b['offset'] !== undefined) w.sint(1, num(b['offset']));
      w.packedVarints(2, arr(b['bucketCounts']).map(num));
    });
  }
  if (p['flags'] !== undefined) w.varint(10, num(p['flags']));
  for (const e of arr(p['exemplars'])) w.message(11, () => exemplar(w, obj(e)));
  if (p['zeroThreshold'] !== undefined) w.double(14, num(p['zeroThreshold']));
}

function summaryPoint(w: ProtoWriter, p: O): void {
  attributes(w, 7, p['attributes']);
  times(w, p);
  if (p['count'] !== undefined) w.fixed64(4, big(p['count']));
  if (p['sum'] !== undefined) w.double(5, num(p['sum']));
  for (const q of arr(p['quantileValues'])) {
    const qv = obj(q);
    w.message(6, () => w.double(1, num(qv['quantile'])).double(2, num(qv['value'])));
  }
  if (p['flags'] !== undefined) w.varint(8, num(p['flags']));
}

function exemplar(w: ProtoWriter, e: O): void {
  attributes(w, 7, e['filteredAttributes']);
  if (e['timeUnixNano'] !== undefined) w.fixed64(2, big(e['timeUnixNano']));
  if (e['asDouble'] !== undefined) w.double(3, num(e['asDouble']));
  if (e['asInt'] !== undefined) w.fixed64(6, BigInt.asUintN(64, big(e['asInt'])));
  if (typeof e['spanId'] === 'string') w.bytes(4, hex(e['spanId']));
  if (typeof e['traceId'] === 'string') w.bytes(5, hex(e['traceId']));
}

function hex(s: string): Uint8Array {
  const out = new Uint8Array(s.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function attributes(w: ProtoWriter, field: number, list: unknown): void {
  for (const kv of arr(list)) {
    const { key, value } = obj(kv);
    w.message(field, () => {
      w.string(1, String(key ?? ''));
      if (value !== undefined) w.message(2, () => anyValue(w, obj(value)));
    });
  }
}

function anyValue(w: ProtoWriter, v: O): void {
  if (typeof v['stringValue'] === 'string') w.string(1, v['stringValue']);
  else if (typeof v['boolValue'] === 'boolean') w.bool(2, v['boolValue']);
  else if (v['intValue'] !== undefined) w.varint(3, BigInt.asUintN(64, big(v['intValue'])));
  else if (v['doubleValue'] !== undefined) w.double(4, num(v['doubleValue']));
  else if (v['arrayValue'] !== undefined) {
    w.message(5, () => {
      for (const item of arr(obj(v['arrayValue'])['values'])) w.message(1, () => anyValue(w, obj(item)));
    });
  } else if (v['kvlistValue'] !== undefined) {
    w.message(6, () => attributes(w, 1, obj(v['kvlistValue'])['values']));
  } else if (typeof v['bytesValue'] === 'string') {
    w.bytes(
      7,
      Uint8Array.from(atob(v['bytesValue']), (c) => c.charCodeAt(0)),
    );
  }
}
