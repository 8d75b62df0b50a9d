import { BadDataError } from '../../model/index.ts';
import type { PosRange } from './ast.ts';

/** One problem found while parsing; the parser may find several and reports the first. */
export interface ParseProblem {
  readonly message: string;
  /** UTF-16 offsets into the query, like every position in the AST. */
  readonly posRange: PosRange;
}

/**
 * A query that does not parse or does not type-check. The message reads like Prometheus 3.x,
 * `1:12: parse error: unexpected <op:*>`, with a 1-based line and a 1-based column counted in
 * bytes of the query's UTF-8 (as Prometheus counts), because Grafana shows it to users verbatim.
 */
export class ParseError extends BadDataError {
  readonly query: string;
  /** Where the (first) problem is, in UTF-16 offsets. */
  readonly posRange: PosRange;
  readonly line: number;
  /** 1-based column in bytes of UTF-8. */
  readonly column: number;
  /** The message without the `line:col: parse error: ` prefix. */
  readonly detail: string;
  /** Every problem found, in the order found; the message is built from the first. */
  readonly problems: readonly ParseProblem[];

  constructor(query: string, problems: readonly ParseProblem[]) {
    const first = problems[0] ?? {
      message: 'error contains no error message',
      posRange: { start: 0, end: 0 },
    };
    const { line, column } = lineAndByteColumn(query, first.posRange.start);
    super(`${line}:${column}: parse error: ${first.message}`);
    this.query = query;
    this.posRange = first.posRange;
    this.line = line;
    this.column = column;
    this.detail = first.message;
    this.problems = problems;
  }
}

/**
 * Converts a UTF-16 offset to Prometheus's `line:col`: lines count `\n`, the column is the number
 * of UTF-8 bytes from the start of the line to the offset, plus one.
 */
export function lineAndByteColumn(query: string, offset: number): { line: number; column: number } {
  const at = Math.max(0, Math.min(offset, query.length));
  let line = 1;
  let lineStart = 0;
  for (let i = query.indexOf('\n'); i >= 0 && i < at; i = query.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  let bytes = 0;
  for (let i = lineStart; i < at; i++) {
    const c = query.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < at) {
      bytes += 4; // a surrogate pair is one 4-byte rune
      i++;
    } else bytes += 3;
  }
  return { line, column: bytes + 1 };
}
