import type { FloatHistogram, Labels } from '../../model/index.ts';
import { formatSampleValue, formatScalarTimestamp, formatScalarValue, formatTimestamp } from './format.ts';
import { histogramJson } from './histogram-json.ts';

/**
 * JSON pieces of the Prometheus API, byte-compatible with Prometheus's encoder (Go's
 * encoding/json rules: `<`, `>`, `&`, U+2028 and U+2029 escaped as \u00XX; numbers as in
 * format.ts). Each function returns a string fragment; streaming them is the caller's business.
 */

const NEEDS_GO_ESCAPE = /[<>&\u2028\u2029]/;
const GO_ESCAPES = /[<>&\u2028\u2029]/g;

/**
 * A JSON string literal as Go writes it. Label names and values are nearly always printable ASCII
 * with nothing to escape: those are quoted as they are (a char scan, several times cheaper than
 * JSON.stringify on these short strings, and label values answers are made of nothing else).
 */
export function jsonString(s: string): string {
  return isPlain(s) ? '"' + s + '"' : escapedJsonString(s);
}

/** True when `s` goes into JSON as it is: printable ASCII without '"', '\\' or Go's '<', '>', '&'. */
function isPlain(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c || c === 0x3c || c === 0x3e || c === 0x26)
      return false;
  }
  return true;
}

function escapedJsonString(s: string): string {
  const j = JSON.stringify(s);
  if (!NEEDS_GO_ESCAPE.test(j)) return j;
  return j.replace(GO_ESCAPES, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * `["a","b",...]` of the first `count` strings, each as `jsonString` writes it. When none needs
 * escaping (label values nearly never do) the list is one join: a flat string built in one pass,
 * several times cheaper than concatenating element by element.
 */
export function jsonStringArray(values: readonly string[], count = values.length): string {
  const list = count < values.length ? values.slice(0, count) : values;
  for (let k = 0; k < list.length; k++)
    if (!isPlain(list[k] as string)) return `[${list.map(jsonString).join(',')}]`;
  return list.length === 0 ? '[]' : `["${list.join('","')}"]`;
}

/** `{"name":"value",...}` in label order. */
export function labelsJson(labels: Labels): string {
  const flat = labels.raw();
  let out = '{';
  for (let i = 0; i < flat.length; i += 2) {
    if (i > 0) out += ',';
    out += jsonString(flat[i] as string) + ':' + jsonString(flat[i + 1] as string);
  }
  return out + '}';
}

/** `[<ts>,"<v>"]` of a vector/matrix point. */
export function pointJson(t: number, v: number): string {
  return `[${formatTimestamp(t)},"${formatSampleValue(v)}"]`;
}

export function histogramPointJson(t: number, h: FloatHistogram): string {
  return `[${formatTimestamp(t)},${histogramJson(h)}]`;
}

/** One element of an instant vector. */
export function vectorSampleJson(labels: Labels, t: number, v: number, h: FloatHistogram | null): string {
  return h === null
    ? `{"metric":${labelsJson(labels)},"value":${pointJson(t, v)}}`
    : `{"metric":${labelsJson(labels)},"histogram":${histogramPointJson(t, h)}}`;
}

/** The `result` of a scalar query: `[<ts>,"<v>"]` with the scalar's own number rules. */
export function scalarJson(t: number, v: number): string {
  return `[${formatScalarTimestamp(t)},"${formatScalarValue(v)}"]`;
}

export function stringResultJson(t: number, s: string): string {
  return `[${formatScalarTimestamp(t)},${jsonString(s)}]`;
}

/** `,"warnings":[…],"infos":[…]` for a success envelope; empty lists are left out. */
export function annotationsJson(warnings: readonly string[], infos: readonly string[]): string {
  let out = '';
  if (warnings.length > 0) out += `,"warnings":[${warnings.map(jsonString).join(',')}]`;
  if (infos.length > 0) out += `,"infos":[${infos.map(jsonString).join(',')}]`;
  return out;
}

/** Most annotations of each kind listed; the rest are summarised in one line. */
export const MAX_ANNOTATIONS = 10;

/** Caps a list of annotations the way Prometheus does (`N more warning annotations omitted`). */
export function capAnnotations(list: readonly string[], kind: 'warning' | 'info'): readonly string[] {
  if (list.length <= MAX_ANNOTATIONS) return list;
  return [
    ...list.slice(0, MAX_ANNOTATIONS),
    `${list.length - MAX_ANNOTATIONS} more ${kind} annotations omitted`,
  ];
}

/** The whole body of an error reply. */
export function errorJson(errorType: string, message: string): string {
  return `{"status":"error","errorType":${jsonString(errorType)},"error":${jsonString(message)}}`;
}

/** The whole body of a small success reply whose data is already a JSON fragment. */
export function successJson(
  dataJson: string,
  warnings: readonly string[] = [],
  infos: readonly string[] = [],
): string {
  return `{"status":"success","data":${dataJson}${annotationsJson(warnings, infos)}}`;
}
