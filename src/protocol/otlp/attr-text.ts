/**
 * The label text of an OTel attribute value (`AnyValue`), as the OTel Collector's `Value.AsString`
 * gives it and Prometheus therefore stores it: strings as-is, booleans `true`/`false`, integers in
 * decimal, doubles in JavaScript's shortest form, bytes in standard base64, arrays and maps as
 * compact JSON of their raw values (map keys sorted, `<`, `>`, `&` escaped as Go does).
 */

/** Text of a double attribute. NaN and infinities get the odd strings the Collector produces. */
export function doubleText(v: number): string {
  if (Number.isNaN(v)) return 'json: unsupported value: NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

export function base64Text(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number);
    out += BASE64[n >> 18]! + BASE64[(n >> 12) & 63]! + BASE64[(n >> 6) & 63]! + BASE64[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = (bytes[i] as number) << 16;
    out += `${BASE64[n >> 18]!}${BASE64[(n >> 12) & 63]!}==`;
  } else if (rest === 2) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8);
    out += `${BASE64[n >> 18]!}${BASE64[(n >> 12) & 63]!}${BASE64[(n >> 6) & 63]!}=`;
  }
  return out;
}

/** Lower-case hex of trace and span ids. */
export function hexText(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += (bytes[i] as number).toString(16).padStart(2, '0');
  return out;
}

/**
 * A raw attribute value inside an array or map: what the decoders build for `array_value` and
 * `kvlist_value` members before they are turned into JSON text.
 */
export type RawValue =
  | string
  | boolean
  | number
  | bigint
  | Uint8Array
  | null
  | RawValue[]
  | { readonly map: ReadonlyMap<string, RawValue> };

class UnsupportedValue extends Error {}

/** Compact JSON of a raw array/map value, as Go's encoder writes it. */
export function rawValueJson(value: RawValue): string {
  try {
    return encode(value);
  } catch (err) {
    if (err instanceof UnsupportedValue) return err.message;
    throw err;
  }
}

function encode(value: RawValue): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return quote(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return value.toString();
    case 'number':
      if (!Number.isFinite(value))
        throw new UnsupportedValue(`json: unsupported value: ${doubleText(value)}`);
      return String(value);
  }
  if (value instanceof Uint8Array) return `"${base64Text(value)}"`;
  if (Array.isArray(value)) return `[${value.map(encode).join(',')}]`;
  const keys = [...value.map.keys()].sort();
  return `{${keys.map((k) => `${quote(k)}:${encode(value.map.get(k) ?? null)}`).join(',')}}`;
}

function quote(s: string): string {
  return JSON.stringify(s).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
