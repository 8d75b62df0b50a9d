import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';

import { Client, credentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { pino } from 'pino';

import { controlPlanePath, startServer, type RunningServer } from '../../src/app/index.ts';
import { UnavailableError } from '../../src/model/index.ts';
import { encodeOtlpJsonAsProtobuf, RETRY_INFO_TYPE } from '../../src/protocol/index.ts';
import { MemoryStorage } from '../../src/storage/index.ts';
import { SqliteControlPlane } from '../../src/tenancy/index.ts';
import { grpcRetryDetails, protoFields } from '../support/proto.ts';

/**
 * The OTLP edges' own answers, in process with in-memory storage: content types and encodings,
 * partial success in both encodings, google.rpc.Status error bodies, retryable storage errors with
 * Retry-After / RetryInfo, the /v1/metrics alias, and gRPC status codes.
 */

const T = Date.now();
const ns = (ms: number): string => `${ms}000000`;
const storages = new Map<string, MemoryStorage>();

function request(points: unknown[]): unknown {
  return {
    resourceMetrics: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'api' } }] },
        scopeMetrics: [{ metrics: [{ name: 'up', gauge: { dataPoints: points } }] }],
      },
    ],
  };
}
const good = request([{ asInt: 1, timeUnixNano: ns(T) }]);
const partial = request([{ asInt: 1, timeUnixNano: ns(T) }, { asInt: 2 }]);

const text = (b: unknown): string => new TextDecoder().decode(b as Uint8Array);

describe('OTLP edges', () => {
  let dataDir: string;
  let server: RunningServer;
  let url: string;
  let token = '';

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'xscaler-otlp-'));
    const store = new SqliteControlPlane(controlPlanePath(dataDir));
    await store.createTenant('acme');
    await store.createTenant('flaky');
    token = (await store.createToken({ tenant: 'acme', scope: 'read+write', name: 't' })).token;
    const flakyToken = (await store.createToken({ tenant: 'flaky', scope: 'write', name: 'f' })).token;
    store.close();
    tokens.flaky = flakyToken;
    server = await startServer(
      {
        listen: { host: '127.0.0.1', port: 0 },
        grpcListen: { host: '127.0.0.1', port: 0 },
        dataDir,
        logLevel: 'silent',
        drainMs: 1000,
      },
      {
        logger: pino({ level: 'silent' }),
        storageFactory: async (tenant) => {
          const s = new MemoryStorage();
          if (tenant === 'flaky') {
            s.append = async () => {
              throw new UnavailableError('disk full: cannot write the WAL', { retryAfterSeconds: 3 });
            };
          }
          storages.set(tenant, s);
          return s;
        },
      },
    );
    url = `http://127.0.0.1:${server.httpAddress.port}`;
  });
  after(async () => {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const tokens: { flaky: string } = { flaky: '' };

  const post = (
    body: Uint8Array | string,
    headers: Record<string, string>,
    path = '/otlp/v1/metrics',
    tenant = 'acme',
  ): Promise<Response> =>
    fetch(`${url}${path}`, {
      method: 'POST',
      headers: {
        'x-scope-orgid': tenant,
        authorization: `Bearer ${tenant === 'acme' ? token : tokens.flaky}`,
        ...headers,
      },
      body: typeof body === 'string' ? body : Buffer.from(body),
    });

  it('full success: 200, empty protobuf / {} JSON, same content type, nosniff', async () => {
    const proto = await post(encodeOtlpJsonAsProtobuf(good), { 'content-type': 'application/x-protobuf' });
    assert.equal(proto.status, 200);
    assert.equal(proto.headers.get('content-type'), 'application/x-protobuf');
    assert.equal(proto.headers.get('x-content-type-options'), 'nosniff');
    assert.equal((await proto.arrayBuffer()).byteLength, 0);
    const json = await post(JSON.stringify(good), { 'content-type': 'application/json; charset=utf-8' });
    assert.equal(json.status, 200);
    assert.equal(json.headers.get('content-type'), 'application/json');
    assert.equal(await json.text(), '{}');
  });

  it('partial success: 200 with rejected_data_points and a message, in the request encoding', async () => {
    const json = await post(JSON.stringify(partial), { 'content-type': 'application/json' });
    assert.equal(json.status, 200);
    const body = (await json.json()) as {
      partialSuccess: { rejectedDataPoints: string; errorMessage: string };
    };
    assert.equal(body.partialSuccess.rejectedDataPoints, '1');
    assert.match(body.partialSuccess.errorMessage, /1 data point was rejected: .*no time_unix_nano/);
    const proto = await post(encodeOtlpJsonAsProtobuf(partial), { 'content-type': 'application/x-protobuf' });
    const ps = protoFields(new Uint8Array(await proto.arrayBuffer())).get(1)?.[0] as Uint8Array;
    const inner = protoFields(ps);
    assert.equal(inner.get(1)?.[0], 1);
    assert.match(text(inner.get(2)?.[0]), /no time_unix_nano/);
  });

  it('gzip bodies are accepted; corrupt gzip is a 400 Status', async () => {
    const ok = await post(gzipSync(encodeOtlpJsonAsProtobuf(good)), {
      'content-type': 'application/x-protobuf',
      'content-encoding': 'gzip',
    });
    assert.equal(ok.status, 200);
    const bad = await post('not gzip', { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    assert.equal(bad.status, 400);
    const status = (await bad.json()) as { code: number; message: string };
    assert.equal(status.code, 3);
    assert.match(status.message, /not valid gzip/);
  });

  it('415 for an unsupported content type (protobuf Status) or encoding', async () => {
    const res = await post('x', { 'content-type': 'text/plain' });
    assert.equal(res.status, 415);
    assert.equal(res.headers.get('content-type'), 'application/x-protobuf');
    const f = protoFields(new Uint8Array(await res.arrayBuffer()));
    assert.match(
      text(f.get(2)?.[0]),
      /unsupported content type: text\/plain, supported: \[application\/json, application\/x-protobuf\]/,
    );
    const enc = await post('x', { 'content-type': 'application/json', 'content-encoding': 'br' });
    assert.equal(enc.status, 415);
    assert.match(((await enc.json()) as { message: string }).message, /unsupported compression: br/);
  });

  it('400 Status for an undecodable body, in the request encoding', async () => {
    const proto = await post(new Uint8Array([0x0a, 0xff]), { 'content-type': 'application/x-protobuf' });
    assert.equal(proto.status, 400);
    assert.match(text(protoFields(new Uint8Array(await proto.arrayBuffer())).get(2)?.[0]), /truncated/);
    const json = await post('{', { 'content-type': 'application/json' });
    assert.equal(json.status, 400);
    assert.match(((await json.json()) as { message: string }).message, /cannot parse/);
  });

  it('storage that cannot write: 503 with Retry-After and RetryInfo (OTLP clients retry)', async () => {
    const res = await post(
      JSON.stringify(good),
      { 'content-type': 'application/json' },
      '/otlp/v1/metrics',
      'flaky',
    );
    assert.equal(res.status, 503);
    assert.equal(res.headers.get('retry-after'), '3');
    const body = (await res.json()) as {
      code: number;
      message: string;
      details: Array<Record<string, string>>;
    };
    assert.equal(body.code, 14);
    assert.match(body.message, /disk full/);
    assert.deepEqual(body.details, [{ '@type': RETRY_INFO_TYPE, retryDelay: '3s' }]);
  });

  it('/v1/metrics (the OTLP default path a Collector appends to a base URL) is the same endpoint', async () => {
    const res = await post(JSON.stringify(good), { 'content-type': 'application/json' }, '/v1/metrics');
    assert.equal(res.status, 200);
    const stored = await (storages.get('acme') as MemoryStorage).querier(-Infinity, Infinity);
    const names = await stored.labelValues('__name__', [], new AbortController().signal);
    assert.deepEqual(names, ['up']);
  });

  describe('gRPC', () => {
    const call = (
      metadata: Record<string, string>,
      body: Uint8Array,
    ): Promise<{ err: ServiceError | null; response: Buffer | undefined }> => {
      const client = new Client(`127.0.0.1:${server.grpcAddress.port}`, credentials.createInsecure());
      const md = new Metadata();
      for (const [k, v] of Object.entries(metadata)) md.set(k, v);
      return new Promise((resolve) => {
        client.makeUnaryRequest(
          '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
          (b: Uint8Array) => Buffer.from(b),
          (b: Buffer) => b,
          body,
          md,
          { deadline: Date.now() + 10_000 },
          (err, response) => {
            client.close();
            resolve({ err, response });
          },
        );
      });
    };

    it('answers partial success like HTTP', async () => {
      const { err, response } = await call(
        { 'x-scope-orgid': 'acme', authorization: `Bearer ${token}` },
        encodeOtlpJsonAsProtobuf(partial),
      );
      assert.equal(err, null);
      const inner = protoFields(protoFields(response as Buffer).get(1)?.[0] as Uint8Array);
      assert.equal(inner.get(1)?.[0], 1);
    });

    it('maps the gate and bad data to INVALID_ARGUMENT / UNAUTHENTICATED', async () => {
      const body = encodeOtlpJsonAsProtobuf(good);
      assert.equal(
        (await call({ authorization: `Bearer ${token}` }, body)).err?.code,
        status.INVALID_ARGUMENT,
      );
      assert.equal(
        (await call({ 'x-scope-orgid': 'acme', authorization: 'Bearer nope' }, body)).err?.code,
        status.UNAUTHENTICATED,
      );
      const { err } = await call(
        { 'x-scope-orgid': 'acme', authorization: `Bearer ${token}` },
        new Uint8Array([0x0a, 0x05]),
      );
      assert.equal(err?.code, status.INVALID_ARGUMENT);
      assert.match(err?.details ?? '', /truncated/);
    });

    it('retryable storage errors are UNAVAILABLE with RetryInfo in grpc-status-details-bin', async () => {
      const { err } = await call(
        { 'x-scope-orgid': 'flaky', authorization: `Bearer ${tokens.flaky}` },
        encodeOtlpJsonAsProtobuf(good),
      );
      assert.equal(err?.code, status.UNAVAILABLE);
      const details = err?.metadata.get('grpc-status-details-bin')[0] as Buffer;
      const retry = grpcRetryDetails(details);
      assert.equal(retry.code, status.UNAVAILABLE);
      assert.equal(retry.typeUrl, RETRY_INFO_TYPE);
      assert.equal(retry.seconds, 3);
    });
  });
});
