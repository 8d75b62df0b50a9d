import { ProtoReader } from '../../src/codec/index.ts';

/** Fields of a protobuf message: field number → raw values (varints as numbers, LEN as bytes). */
export function protoFields(bytes: Uint8Array): Map<number, Array<number | Uint8Array>> {
  const r = new ProtoReader().reset(bytes);
  const out = new Map<number, Array<number | Uint8Array>>();
  while (r.next()) {
    const list = out.get(r.field) ?? [];
    out.set(r.field, list);
    if (r.wireType === 0) list.push(r.uint64());
    else {
      r.bytes();
      list.push(r.buf.slice(r.start, r.end));
    }
  }
  return out;
}

/**
 * The `grpc-status-details-bin` of a refused call, read as a google.rpc.Status whose first detail
 * is a RetryInfo: the status code, the detail's type URL and the retry delay's whole seconds.
 */
export function grpcRetryDetails(details: Uint8Array): { code: unknown; typeUrl: string; seconds: unknown } {
  // Status { int32 code = 1; string message = 2; repeated Any details = 3; }
  const st = protoFields(details);
  // Any { string type_url = 1; bytes value = 2; }  RetryInfo { Duration retry_delay = 1; }
  const any = protoFields(st.get(3)?.[0] as Uint8Array);
  const delay = protoFields(protoFields(any.get(2)?.[0] as Uint8Array).get(1)?.[0] as Uint8Array);
  return {
    code: st.get(1)?.[0],
    typeUrl: new TextDecoder().decode(any.get(1)?.[0] as Uint8Array),
    seconds: delay.get(1)?.[0],
  };
}
