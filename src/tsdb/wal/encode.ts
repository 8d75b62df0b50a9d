import { Labels, Matcher, type MatchType, type MetricMetadata, type MetricType } from '../../model/index.ts';
import type { Tombstone } from '../meta-stores.ts';
import type { RecordReader, RecordWriter } from './record.ts';

/** Payload encoders and decoders of the typed WAL records (see ../FORMAT.md). */

export function writeLabels(w: RecordWriter, labels: Labels): void {
  const raw = labels.raw();
  w.uvarint(raw.length >> 1);
  for (const s of raw) w.str(s);
}

export function readLabels(r: RecordReader): Labels {
  const n = r.uvarint();
  const flat = new Array<string>(2 * n);
  for (let i = 0; i < 2 * n; i++) flat[i] = r.str();
  return Labels.fromSortedFlat(flat);
}

/** One entry of a Series record: ref, labels. */
export function writeSeries(w: RecordWriter, ref: number, labels: Labels): void {
  w.uvarint(ref);
  writeLabels(w, labels);
}

/**
 * One entry of an Exemplars record: `uvarint ref + 1`, or 0 followed by the series labels (a
 * checkpoint keeping exemplars of series no longer in the head), then t, value, exemplar labels.
 */
export function writeExemplar(
  w: RecordWriter,
  ref: number,
  labels: Labels,
  t: number,
  v: number,
  series?: Labels,
): void {
  if (series !== undefined) {
    w.uvarint(0);
    writeLabels(w, series);
  } else w.uvarint(ref + 1);
  w.varint(t);
  w.f64(v);
  writeLabels(w, labels);
}

export function writeMetadata(w: RecordWriter, m: MetricMetadata): void {
  w.u8(m.type);
  w.str(m.family);
  w.str(m.help);
  w.str(m.unit);
}

export function readMetadata(r: RecordReader): MetricMetadata {
  const type = r.u8() as MetricType;
  return { type, family: r.str(), help: r.str(), unit: r.str() };
}

const MATCH_TYPES: readonly MatchType[] = ['=', '!=', '=~', '!~'];

export function writeTombstone(w: RecordWriter, t: Tombstone): void {
  w.f64(t.start);
  w.f64(t.end);
  w.uvarint(t.matchers.length);
  for (const m of t.matchers) {
    w.u8(MATCH_TYPES.indexOf(m.type));
    w.str(m.name);
    w.str(m.value);
  }
}

export function readTombstone(r: RecordReader): Tombstone {
  const start = r.f64();
  const end = r.f64();
  const n = r.uvarint();
  const matchers: Matcher[] = [];
  for (let i = 0; i < n; i++) {
    const type = MATCH_TYPES[r.u8()] ?? '=';
    const name = r.str();
    matchers.push(new Matcher(type, name, r.str()));
  }
  return { matchers, start, end };
}
