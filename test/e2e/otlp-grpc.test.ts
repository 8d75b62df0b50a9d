import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect, type ClientHttp2Session } from 'node:http2';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';

import {
  Client,
  credentials,
  Metadata,
  status,
  type ChannelCredentials,
  type ServiceError,
} from '@grpc/grpc-js';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPMetricExporter as GrpcExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  MeterProvider,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
} from '@opentelemetry/sdk-metrics';

import { encodeOtlpJsonAsProtobuf, RETRY_INFO_TYPE } from '../../src/protocol/index.ts';
import { grpcRetryDetails } from '../support/proto.ts';
import { instantQuery, type QueryAuth } from '../support/query.ts';
import { selfSignedCertificate } from '../support/self-signed.ts';
import { startServer, type TestServer } from '../support/server.ts';

/**
 * OTLP/gRPC on the real server started with `--grpc-tls-cert/--grpc-tls-key`: TLS with a throwaway
 * self-signed certificate (grpc-js, the OTel SDK exporter, and a raw HTTP/2 client), messages
 * compressed with gzip (the exporter's `compression`, grpc-js's channel option, and a hand-made
 * frame with the compressed flag), and the rate limit's RESOURCE_EXHAUSTED with RetryInfo for a
 * tenant with a tiny `ingestion_rate`. Data sent is found through the query API.
 */

const EXPORT_PATH = '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export';
const ns = (ms: number): string => `${ms}000000`;

/** An export with `points` gauge points of metric `name` (one series each) at `t`. */
function exportRequest(name: string, t: number, points = 1): Uint8Array {
  return encodeOtlpJsonAsProtobuf({
    resourceMetrics: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'grpc-test' } }] },
        scopeMetrics: [
          {
            metrics: [
              {
                name,
                gauge: {
                  dataPoints: Array.from({ length: points }, (_, i) => ({
                    asDouble: i + 0.5,
                    timeUnixNano: ns(t),
                    attributes: [{ key: 'n', value: { intValue: String(i) } }],
                  })),
                },
              },
            ],
          },
        ],
      },
    ],
  });
}

describe('OTLP/gRPC with TLS, gzip and rate limits', () => {
  let server: TestServer;
  let dir = '';
  let grpcPort = 0;
  let certPem = '';
  const tokens: Record<string, string> = {};
  const t0 = Math.floor(Date.now() / 1000) * 1000 - 60_000;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'xscaler-grpc-tls-')); // the certificate and key
    const cert = selfSignedCertificate();
    certPem = cert.certPem;
    writeFileSync(join(dir, 'cert.pem'), cert.certPem);
    writeFileSync(join(dir, 'key.pem'), cert.keyPem, { mode: 0o600 });
    server = await startServer({
      args: ['--grpc-tls-cert', join(dir, 'cert.pem'), '--grpc-tls-key', join(dir, 'key.pem')],
      limits: 'overrides:\n  slow:\n    ingestion_rate: 1\n    ingestion_burst_size: 5\n',
    });
    const m = /"grpc":"127\.0\.0\.1:(\d+)"/.exec(server.output());
    assert.ok(m, 'the server logs its gRPC address');
    grpcPort = Number(m[1]);
    for (const tenant of ['acme', 'slow']) {
      await server.createTenant(tenant);
      tokens[tenant] = await server.createToken(tenant, 'read+write');
    }
  });
  after(async () => {
    await server.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  const tls = (): ChannelCredentials => credentials.createSsl(Buffer.from(certPem));
  const auth = (tenant: string): QueryAuth => ({ tenant, token: tokens[tenant] as string });

  /** One unary Export call with grpc-js; `options` are channel options (e.g. compression). */
  const call = (
    creds: ChannelCredentials,
    tenant: string,
    body: Uint8Array,
    options: Record<string, number | string> = {},
  ): Promise<{ err: ServiceError | null; response: Buffer | undefined }> => {
    const client = new Client(`127.0.0.1:${grpcPort}`, creds, options);
    const md = new Metadata();
    md.set('x-scope-orgid', tenant);
    md.set('authorization', `Bearer ${tokens[tenant]}`);
    return new Promise((resolve) => {
      client.makeUnaryRequest(
        EXPORT_PATH,
        (b: Uint8Array) => Buffer.from(b),
        (b: Buffer) => b,
        body,
        md,
        { deadline: Date.now() + 15_000 },
        (err, response) => {
          client.close();
          resolve({ err, response });
        },
      );
    });
  };

  const valueOf = async (tenant: string, query: string): Promise<string | undefined> =>
    (await instantQuery(server.url, auth(tenant), query, t0)).data.result[0]?.value?.[1];

  it('serves TLS with the given certificate; a plaintext client cannot talk to it', async () => {
    const ok = await call(tls(), 'acme', exportRequest('over_tls', t0));
    assert.equal(ok.err, null, ok.err?.message);
    assert.equal(ok.response?.length, 0, 'full success: an empty ExportMetricsServiceResponse');
    assert.equal(await valueOf('acme', 'over_tls'), '0.5');

    const plain = await call(credentials.createInsecure(), 'acme', exportRequest('over_plaintext', t0));
    assert.equal(plain.err?.code, status.UNAVAILABLE, String(plain.err));
    assert.equal(await valueOf('acme', 'over_plaintext'), undefined);
  });

  it('the OTel SDK gRPC exporter exports over TLS with gzip compression', async () => {
    const idle: PushMetricExporter = {
      export: (_m, done) => done({ code: ExportResultCode.SUCCESS }),
      forceFlush: async () => undefined,
      shutdown: async () => undefined,
    };
    const reader = new PeriodicExportingMetricReader({ exporter: idle, exportIntervalMillis: 3_600_000 });
    const provider = new MeterProvider({
      resource: resourceFromAttributes({ 'service.name': 'sdk-tls' }),
      readers: [reader],
    });
    provider.getMeter('m').createCounter('tls_requests_total').add(42, { path: '/x' });
    const { resourceMetrics } = await reader.collect();
    await provider.shutdown();
    const md = new Metadata();
    md.set('x-scope-orgid', 'acme');
    md.set('authorization', `Bearer ${tokens['acme']}`);
    const exporter = new GrpcExporter({
      url: `https://127.0.0.1:${grpcPort}`,
      credentials: tls(),
      metadata: md,
      compression: CompressionAlgorithm.GZIP,
      timeoutMillis: 10_000,
    });
    const result = await new Promise<ExportResult>((resolve) => exporter.export(resourceMetrics, resolve));
    await exporter.shutdown();
    assert.equal(result.code, ExportResultCode.SUCCESS, String(result.error));
    const reply = await instantQuery(server.url, auth('acme'), 'tls_requests_total');
    assert.deepEqual(
      reply.data.result.map((r) => [r.metric['job'], r.metric['path'], r.value?.[1]]),
      [['sdk-tls', '/x', '42']],
    );
  });

  it('takes gzip-compressed messages: grpc-js compression and a hand-made compressed frame', async () => {
    const gz = await call(tls(), 'acme', exportRequest('gzip_channel', t0, 3), {
      'grpc.default_compression_algorithm': 2, // gzip
    });
    assert.equal(gz.err, null, gz.err?.message);
    assert.equal((await instantQuery(server.url, auth('acme'), 'gzip_channel', t0)).data.result.length, 3);

    // The frame: compressed flag 1, big-endian length, the gzip of the message.
    const payload = gzipSync(exportRequest('gzip_frame', t0, 2));
    const frame = Buffer.alloc(5 + payload.length);
    frame[0] = 1;
    frame.writeUInt32BE(payload.length, 1);
    payload.copy(frame, 5);
    const session: ClientHttp2Session = connect(`https://127.0.0.1:${grpcPort}`, { ca: certPem });
    try {
      const answer = await new Promise<{
        headers: Record<string, unknown>;
        trailers: Record<string, unknown>;
      }>((resolve, reject) => {
        const req = session.request({
          ':method': 'POST',
          ':path': EXPORT_PATH,
          'content-type': 'application/grpc',
          te: 'trailers',
          'grpc-encoding': 'gzip',
          'grpc-accept-encoding': 'identity,gzip',
          'x-scope-orgid': 'acme',
          authorization: `Bearer ${tokens['acme']}`,
        });
        let headers: Record<string, unknown> = {};
        req.on('response', (h) => (headers = h));
        req.on('trailers', (trailers) => resolve({ headers, trailers }));
        req.on('error', reject);
        req.resume();
        req.end(frame);
      });
      assert.equal(answer.headers[':status'], 200);
      assert.equal(answer.trailers['grpc-status'], '0', JSON.stringify(answer.trailers));
    } finally {
      session.close();
    }
    assert.equal(await valueOf('acme', 'gzip_frame{n="1"}'), '1.5');
  });

  it('a rate-limited tenant gets RESOURCE_EXHAUSTED with RetryInfo, and nothing is stored', async () => {
    // ingestion_rate 1/s, burst 5. A full bucket admits a request larger than the burst (11 items:
    // 10 points and their metadata), which leaves it in debt; the next request must wait.
    const first = await call(tls(), 'slow', exportRequest('limited', t0, 10));
    assert.equal(first.err, null, first.err?.message);
    const second = await call(tls(), 'slow', exportRequest('limited_again', t0, 10));
    assert.equal(second.err?.code, status.RESOURCE_EXHAUSTED, String(second.err));
    assert.match(
      second.err?.details ?? '',
      /ingestion rate limit exceeded: tenant "slow" may send ingestion_rate=1/,
    );
    const details = second.err?.metadata.get('grpc-status-details-bin')[0] as Buffer;
    const retry = grpcRetryDetails(details);
    assert.equal(retry.code, status.RESOURCE_EXHAUSTED);
    assert.equal(retry.typeUrl, RETRY_INFO_TYPE);
    const seconds = retry.seconds as number;
    assert.ok(seconds >= 1 && seconds <= 20, `retry delay ${seconds}s`);
    assert.equal(await valueOf('slow', 'count(limited)'), '10');
    assert.equal(await valueOf('slow', 'count(limited_again)'), undefined, 'nothing of the refused export');
  });
});
