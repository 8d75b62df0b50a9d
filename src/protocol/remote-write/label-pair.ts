import type { ProtoReader } from '../../codec/index.ts';

/** message Label { string name = 1; string value = 2; } (remote write and remote read alike). */
export function labelPair(r: ProtoReader): [string, string] {
  const outer = r.enter();
  let name = '';
  let value = '';
  while (r.next()) {
    if (r.field === 1) name = r.string();
    else if (r.field === 2) value = r.string();
    else r.skip();
  }
  r.exit(outer);
  return [name, value];
}
