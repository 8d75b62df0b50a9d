import { SampleBatch, SampleFlag } from '../../model/index.ts';
import { DeltaAccumulator } from './delta.ts';
import { encodeOtlpJsonAsProtobuf } from './encode.ts';
import { otlpTranslationOptions, type OtlpTranslationOptions } from './options.ts';
import { OtlpTranslator, type OtlpTranslateResult } from './translate.ts';
import { translateOtlpRequest } from './translate-request.ts';

/** One produced sample in readable form: `series text` → value (`stale`), timestamp, start. */
export interface Row {
  readonly series: string;
  readonly t: number;
  readonly v: number | 'stale';
  readonly st: number;
}

export interface Translated {
  readonly rows: Row[];
  readonly result: OtlpTranslateResult;
  readonly batch: SampleBatch;
}

export function seriesText(batch: SampleBatch, s: number): string {
  const pairs = batch.seriesLabelPairs(s);
  const name = pairs.find(([n]) => n === '__name__')?.[1] ?? '';
  const rest = pairs.filter(([n]) => n !== '__name__').map(([n, v]) => `${n}="${v}"`);
  return `${name}{${rest.join(',')}}`;
}

export function rows(batch: SampleBatch): Row[] {
  const out: Row[] = [];
  for (let i = 0; i < batch.sampleCount; i++) {
    const s = batch.sampleSeries[i] as number;
    const stale = ((batch.flags[i] as number) & SampleFlag.Stale) !== 0;
    out.push({
      series: seriesText(batch, s),
      t: batch.timestamps[i] as number,
      v: stale ? 'stale' : (batch.values[i] as number),
      st: batch.startTimestamps[i] as number,
    });
  }
  return out;
}

/**
 * Translates a JSON-shaped request through both decoders with fresh state and returns the JSON
 * result after checking (by the caller) that both agree: `both(...)` gives `[json, protobuf]`.
 */
export function both(
  request: unknown,
  overrides: Partial<OtlpTranslationOptions> = {},
): [Translated, Translated] {
  const options = otlpTranslationOptions(overrides);
  const json = run(new TextEncoder().encode(JSON.stringify(request)), 'json', options);
  const proto = run(encodeOtlpJsonAsProtobuf(request), 'protobuf', options);
  return [json, proto];
}

function run(body: Uint8Array, encoding: 'json' | 'protobuf', options: OtlpTranslationOptions): Translated {
  const batch = new SampleBatch();
  const translator = new OtlpTranslator(options, new DeltaAccumulator());
  const result = translateOtlpRequest(body, encoding, translator, batch);
  return { rows: rows(batch), result, batch };
}

/** A request with one resource and one scope holding `metrics`. */
export function request(
  metrics: unknown[],
  resourceAttrs: Record<string, string> = { 'service.name': 'api' },
): unknown {
  return {
    resourceMetrics: [
      {
        resource: {
          attributes: Object.entries(resourceAttrs).map(([key, v]) => ({ key, value: { stringValue: v } })),
        },
        scopeMetrics: [{ scope: { name: 'lib', version: '1.2' }, metrics }],
      },
    ],
  };
}

export const T0 = 1_700_000_000_000; // ms
export const ns = (ms: number): string => `${ms}000000`;
