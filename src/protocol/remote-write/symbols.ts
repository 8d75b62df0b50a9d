import { WireType, decodeUtf8, type ProtoReader } from '../../codec/index.ts';

/**
 * The `symbols` of a remote write 2.0 request as byte offsets into the body, so references resolve
 * to bytes without decoding text. Reused between requests; valid until the next `clear`.
 */
export class SymbolTable {
  start = new Uint32Array(256);
  end = new Uint32Array(256);
  /** 1 where the symbol is `__name__`. */
  isMetricName = new Uint8Array(256);
  count = 0;

  clear(): void {
    this.count = 0;
  }

  add(buf: Uint8Array, start: number, end: number): void {
    const i = this.count;
    if (i === this.start.length) {
      this.start = grow(this.start);
      this.end = grow(this.end);
      this.isMetricName = grow(this.isMetricName);
    }
    this.start[i] = start;
    this.end[i] = end;
    this.isMetricName[i] = isMetricNameBytes(buf, start, end) ? 1 : 0;
    this.count++;
  }

  /** The text of symbol `ref` (< count). Allocates; throws BadDataError for invalid UTF-8. */
  text(buf: Uint8Array, ref: number): string {
    return decodeUtf8(buf, this.start[ref] as number, this.end[ref] as number);
  }
}

/** A growable list of symbol references (`labels_refs`), reused between series. */
export class RefList {
  a = new Uint32Array(64);
  n = 0;

  /** Appends the field's uint32s, packed (the proto3 default) or one unpacked element. */
  read(r: ProtoReader): void {
    if (r.wireType === WireType.Len) {
      const outer = r.enter();
      while (r.pos < r.limit) this.push(r.rawVarint32());
      r.exit(outer);
    } else {
      this.push(r.uint32());
    }
  }

  private push(v: number): void {
    if (this.n === this.a.length) this.a = grow(this.a);
    this.a[this.n++] = v;
  }
}

/** True if the bytes are `__name__`. */
function isMetricNameBytes(buf: Uint8Array, start: number, end: number): boolean {
  return (
    end - start === 8 &&
    buf[start] === 0x5f &&
    buf[start + 1] === 0x5f &&
    buf[start + 2] === 0x6e &&
    buf[start + 3] === 0x61 &&
    buf[start + 4] === 0x6d &&
    buf[start + 5] === 0x65 &&
    buf[start + 6] === 0x5f &&
    buf[start + 7] === 0x5f
  );
}

export function grow<T extends Uint32Array | Uint8Array>(a: T): T {
  const bigger = new (a.constructor as new (length: number) => T)(a.length * 2);
  bigger.set(a);
  return bigger;
}
