import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { ProtoWriter, snappyEncode } from '../../src/codec/index.ts';
import { push } from '../support/remote-write.ts';
import { startServer, type TestServer } from '../support/server.ts';

/** Remote write through the real server: every row of the gate and every answer of the push endpoint. */
describe('POST /api/v1/push', () => {
  let server: TestServer;
  const tokens: Record<string, string> = {};
  const now = Date.now();
  const series = [{ labels: { __name__: 'up', job: 'api' }, samples: [[now, 1]] as const }];

  before(async () => {
    server = await startServer();
    await server.createTenant('acme');
    await server.createTenant('other');
    tokens['write'] = await server.createToken('acme', 'write');
    tokens['read'] = await server.createToken('acme', 'read');
    tokens['rw'] = await server.createToken('acme', 'read+write');
    tokens['other'] = await server.createToken('other', 'read+write');
  });
  after(async () => server.cleanup());

  const post = (
    headers: Record<string, string>,
    body: Uint8Array | string = new Uint8Array(0),
  ): Promise<Response> =>
    fetch(`${server.url}/api/v1/push`, {
      method: 'POST',
      headers,
      body: typeof body === 'string' ? body : Buffer.from(body),
    });

  it('answers 400 "no org id" without X-Scope-OrgID, before looking at the token', async () => {
    const res = await push(server.url, series, { token: tokens['write'] as string });
    assert.equal(res.status, 400);
    assert.equal((await res.text()).trim(), 'no org id');
    const res2 = await push(server.url, series, {});
    assert.equal(res2.status, 400);
    assert.equal((await res2.text()).trim(), 'no org id');
  });

  it('answers 400 naming the bad character of an invalid tenant id', async () => {
    const res = await push(server.url, series, { tenant: 'acme/../x', token: tokens['write'] as string });
    assert.equal(res.status, 400);
    assert.match(await res.text(), /unsupported character '\/'/);
  });

  it('answers 401 saying what is wrong with the Authorization header', async () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{}, /^missing Authorization header: expected "Authorization: Bearer <token>"/],
      [{ authorization: tokens['write'] as string }, /^malformed Authorization header/],
      [{ authorization: `Token ${tokens['write']}` }, /^malformed Authorization header/],
      [
        { authorization: 'Bearer xsc_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
        /^invalid or revoked token/,
      ],
      [{ authorization: `Bearer ${tokens['other']}` }, /^invalid or revoked token/],
    ];
    for (const [headers, message] of cases) {
      const res = await post({ 'x-scope-orgid': 'acme', ...headers });
      assert.equal(res.status, 401, JSON.stringify(headers));
      assert.match(await res.text(), message);
    }
  });

  it('answers 403 naming the write scope for a read token', async () => {
    const res = await push(server.url, series, { tenant: 'acme', token: tokens['read'] as string });
    assert.equal(res.status, 403);
    assert.match(await res.text(), /needs the write scope/);
  });

  it('accepts samples with a write or read+write token: 204', async () => {
    for (const token of [tokens['write'], tokens['rw']] as string[]) {
      const res = await push(server.url, series, { tenant: 'acme', token });
      assert.equal(res.status, 204, await res.text());
    }
  });

  it('answers 400 for bodies that are not snappy or not protobuf, and for a wrong Content-Encoding', async () => {
    const headers = {
      'x-scope-orgid': 'acme',
      authorization: `Bearer ${tokens['write']}`,
      'content-type': 'application/x-protobuf',
    };
    let res = await post({ ...headers, 'content-encoding': 'snappy' }, 'definitely not snappy');
    assert.equal(res.status, 400);
    assert.match(await res.text(), /snappy/);
    // Valid snappy around invalid protobuf.
    res = await post(
      { ...headers, 'content-encoding': 'snappy' },
      snappyEncode(Uint8Array.from([0x0a, 0x05, 0x01])),
    );
    assert.equal(res.status, 400);
    assert.match(await res.text(), /protobuf/);
    res = await post({ ...headers, 'content-encoding': 'gzip' }, new Uint8Array(4));
    assert.equal(res.status, 400);
    assert.match(await res.text(), /Content-Encoding "gzip"/);
  });

  it('answers 413 when the body declares more than the decompressed size limit', async () => {
    // A snappy preamble claiming 1 GiB, followed by nothing: refused before any allocation.
    const res = await post(
      { 'x-scope-orgid': 'acme', authorization: `Bearer ${tokens['write']}`, 'content-encoding': 'snappy' },
      Uint8Array.from([0x80, 0x80, 0x80, 0x80, 0x04]),
    );
    assert.equal(res.status, 413);
    assert.match(await res.text(), /exceeds the limit/);
  });

  it('answers 415 for other content types and remote write messages (2.0: remote-write-v2.test.ts)', async () => {
    for (const type of ['application/json', 'application/x-protobuf;proto=prometheus.ReadRequest']) {
      const res = await push(server.url, series, {
        tenant: 'acme',
        token: tokens['write'] as string,
        headers: { 'content-type': type },
      });
      assert.equal(res.status, 415, type);
      assert.match(await res.text(), /prometheus\.WriteRequest.*io\.prometheus\.write\.v2\.Request/, type);
      assert.equal(res.headers.get('x-prometheus-remote-write-samples-written'), null);
    }
  });

  it('stores the valid part of a request and answers 400 naming refused series', async () => {
    const body = new ProtoWriter()
      .message(1, (ts) =>
        ts
          .message(1, (l) => l.string(1, 'job').string(2, 'no-name'))
          .message(2, (s) => s.double(1, 1).varint(2, now)),
      )
      .message(1, (ts) =>
        ts
          .message(1, (l) => l.string(1, '__name__').string(2, 'ok_metric'))
          .message(2, (s) => s.double(1, 1).varint(2, now)),
      )
      .finish();
    const res = await post(
      { 'x-scope-orgid': 'acme', authorization: `Bearer ${tokens['write']}`, 'content-encoding': 'snappy' },
      snappyEncode(body),
    );
    assert.equal(res.status, 400);
    const text = await res.text();
    assert.match(text, /invalid_labels=1/);
    assert.match(text, /\{job="no-name"\}/);
    assert.match(text, /1 were stored/);
  });

  it('points senders using the wrong path at /api/v1/push with 404', async () => {
    for (const path of ['/api/v1/write', '/push']) {
      const res = await fetch(`${server.url}${path}`, { method: 'POST', body: 'x' });
      assert.equal(res.status, 404, path);
      assert.match(await res.text(), /POST \/api\/v1\/push/);
    }
  });

  it('answers 405 for GET on the push endpoint', async () => {
    const res = await fetch(`${server.url}/api/v1/push`);
    assert.equal(res.status, 405);
    assert.equal(res.headers.get('allow'), 'POST');
  });
});
