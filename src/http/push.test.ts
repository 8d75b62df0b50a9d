import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { UnsupportedMediaError } from '../model/index.ts';
import { remoteWriteVersion } from './push.ts';

describe('remote write Content-Type negotiation', () => {
  it('reads 1.0 without a type or proto, and the proto parameter otherwise', () => {
    const cases: Array<[string | undefined, 1 | 2]> = [
      [undefined, 1],
      ['', 1],
      ['application/x-protobuf', 1],
      ['application/x-protobuf;proto=prometheus.WriteRequest', 1],
      ['application/x-protobuf;proto=io.prometheus.write.v2.Request', 2],
      // Wider than Prometheus (which would read these as 1.0 or refuse them):
      ['application/x-protobuf; proto=io.prometheus.write.v2.Request', 2],
      [' APPLICATION/X-PROTOBUF ;  PROTO = io.prometheus.write.v2.Request ', 2],
      ['application/x-protobuf;proto="io.prometheus.write.v2.Request"', 2],
      ['application/x-protobuf;charset=utf-8;proto=io.prometheus.write.v2.Request', 2],
      ['application/x-protobuf;proto=io.prometheus.write.v2.Request;', 2],
    ];
    for (const [type, version] of cases) assert.equal(remoteWriteVersion(type), version, String(type));
  });

  it('refuses other media types, messages and malformed parameters with 415', () => {
    for (const type of [
      'application/json',
      'application/x-protobuf;proto=io.prometheus.write.v2.request',
      'application/x-protobuf;proto=prometheus.ReadRequest',
      'application/x-protobuf;proto',
      'application/x-protobuf;proto=a=b',
      'text/plain;proto=io.prometheus.write.v2.Request',
    ]) {
      assert.throws(() => remoteWriteVersion(type), UnsupportedMediaError, type);
    }
  });
});
