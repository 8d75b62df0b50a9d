import type { ProtoReader } from '../../codec/index.ts';
import { BadDataError, Matcher, type MatchType } from '../../model/index.ts';

/** `ReadRequest.ResponseType`: how the client would like the answer. */
export const ReadResponseType = { Samples: 0, StreamedXorChunks: 1 } as const;
export type ReadResponseType = (typeof ReadResponseType)[keyof typeof ReadResponseType];

/** `ReadHints`: advisory, storage may ignore them. Times in ms. */
export interface ReadHints {
  readonly stepMs: number;
  readonly func: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly grouping: readonly string[];
  readonly by: boolean;
  readonly rangeMs: number;
}

export interface ReadQuery {
  /** Inclusive bounds in ms. */
  readonly startMs: number;
  readonly endMs: number;
  /** Compiled matchers, ANDed. */
  readonly matchers: readonly Matcher[];
  readonly hints: ReadHints | null;
}

export interface ReadRequest {
  readonly queries: readonly ReadQuery[];
  /** In the client's order of preference; empty means SAMPLES. Unknown numbers are kept. */
  readonly acceptedResponseTypes: readonly number[];
}

const MATCH_TYPES: readonly MatchType[] = ['=', '!=', '=~', '!~'];

/**
 * Decodes a remote-read `ReadRequest` (already snappy-decompressed). Unlike the write path this
 * is not hot (a handful of queries per request), so it builds plain objects. Regex matchers are
 * compiled here (RE2, anchored); an invalid one is a BadDataError naming the matcher.
 */
export function decodeReadRequest(r: ProtoReader): ReadRequest {
  // message ReadRequest { repeated Query queries = 1; repeated ResponseType accepted_response_types = 2; }
  const queries: ReadQuery[] = [];
  const accepted: number[] = [];
  while (r.next()) {
    if (r.field === 1) queries.push(query(r));
    else if (r.field === 2) r.packed(() => accepted.push(r.rawVarint32()), 0);
    else r.skip();
  }
  return { queries, acceptedResponseTypes: accepted };
}

function query(r: ProtoReader): ReadQuery {
  // message Query { int64 start_timestamp_ms = 1; int64 end_timestamp_ms = 2;
  //                 repeated LabelMatcher matchers = 3; ReadHints hints = 4; }
  const outer = r.enter();
  let startMs = 0;
  let endMs = 0;
  const matchers: Matcher[] = [];
  let hints: ReadHints | null = null;
  while (r.next()) {
    switch (r.field) {
      case 1:
        startMs = r.int64();
        break;
      case 2:
        endMs = r.int64();
        break;
      case 3:
        matchers.push(matcher(r));
        break;
      case 4:
        hints = readHints(r);
        break;
      default:
        r.skip();
    }
  }
  r.exit(outer);
  return { startMs, endMs, matchers, hints };
}

function matcher(r: ProtoReader): Matcher {
  // message LabelMatcher { Type type = 1; string name = 2; string value = 3; }  EQ=0 NEQ=1 RE=2 NRE=3
  const outer = r.enter();
  let type = 0;
  let name = '';
  let value = '';
  while (r.next()) {
    if (r.field === 1) type = r.uint32();
    else if (r.field === 2) name = r.string();
    else if (r.field === 3) value = r.string();
    else r.skip();
  }
  r.exit(outer);
  const op = MATCH_TYPES[type];
  if (op === undefined)
    throw new BadDataError(`remote read: unknown label matcher type ${type} for "${name}"`);
  return new Matcher(op, name, value);
}

function readHints(r: ProtoReader): ReadHints {
  // message ReadHints { int64 step_ms = 1; string func = 2; int64 start_ms = 3; int64 end_ms = 4;
  //                     repeated string grouping = 5; bool by = 6; int64 range_ms = 7; }
  const outer = r.enter();
  let stepMs = 0;
  let func = '';
  let startMs = 0;
  let endMs = 0;
  const grouping: string[] = [];
  let by = false;
  let rangeMs = 0;
  while (r.next()) {
    switch (r.field) {
      case 1:
        stepMs = r.int64();
        break;
      case 2:
        func = r.string();
        break;
      case 3:
        startMs = r.int64();
        break;
      case 4:
        endMs = r.int64();
        break;
      case 5:
        grouping.push(r.string());
        break;
      case 6:
        by = r.bool();
        break;
      case 7:
        rangeMs = r.int64();
        break;
      default:
        r.skip();
    }
  }
  r.exit(outer);
  return { stepMs, func, startMs, endMs, grouping, by, rangeMs };
}
