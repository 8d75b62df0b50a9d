import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { Metadata } from '@grpc/grpc-js';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPMetricExporter as GrpcExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPMetricExporter as JsonExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  MeterProvider,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';

import { Matcher } from '../../src/model/index.ts';
import { ValueKind } from '../../src/storage/index.ts';
import { openTsdb } from '../../src/tsdb/index.ts';
import { startServer, type TestServer } from '../support/server.ts';

/**
 * The OpenTelemetry JS SDK against the real server, instrumented as in the seed guide
 * (otel-sdk-python.txt): a counter, a histogram and an up-down counter, exported over OTLP/HTTP
 * JSON, OTLP/HTTP protobuf (gzip) and OTLP/gRPC; then the series are read back with their
 * Prometheus names, labels, bucket counts and values; and the seeds' failure cases are seen by the
 * exporter as the seeds describe (400 no org id, 401, 404 wrong path).
 */

const EXPORT_TIMEOUT_MS = 10_000;

/** Records the seed guide's instruments with a MeterProvider whose reader we drive by hand. */
async function recordAndCollect(service: string): Promise<ResourceMetrics> {
  // The reader's exporter is never called: we collect and export ourselves, to see each result.
  const idle: PushMetricExporter = {
    export: (_m, done) => done({ code: ExportResultCode.SUCCESS }),
    forceFlush: async () => undefined,
    shutdown: async () => undefined,
  };
  const reader = new PeriodicExportingMetricReader({ exporter: idle, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': service, 'deployment.environment': 'test' }),
    readers: [reader],
  });
  const meter = provider.getMeter('my-service', '1.0.0');
  const requests = meter.createCounter('http_requests_total', {
    unit: '1',
    description: 'Total HTTP requests',
  });
  requests.add(1, { method: 'GET', status: '200' });
  requests.add(2, { method: 'GET', status: '200' });
  requests.add(1, { method: 'POST', status: '500' });
  const latency = meter.createHistogram('http_request_duration_seconds', {
    unit: 's',
    description: 'HTTP request duration',
  });
  latency.record(0.042, { route: '/api/v1/metrics' });
  latency.record(7, { route: '/api/v1/metrics' });
  const depth = meter.createUpDownCounter('job_queue_depth', {
    unit: '1',
    description: 'Number of pending jobs in queue',
  });
  depth.add(5);
  depth.add(-2);
  const { resourceMetrics, errors } = await reader.collect();
  assert.deepEqual(errors, []);
  await provider.shutdown();
  return resourceMetrics;
}

function exportOnce(exporter: PushMetricExporter, metrics: ResourceMetrics): Promise<ExportResult> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('export did not finish')), EXPORT_TIMEOUT_MS);
    exporter.export(metrics, (result) => {
      clearTimeout(timer);
      resolve(result);
    });
  });
}

/** The HTTP status and body an OTLP/HTTP exporter reports for a failed export. */
function httpFailure(result: ExportResult): { code: number; data: string } {
  assert.equal(result.code, ExportResultCode.FAILED);
  const err = result.error as (Error & { code?: number; data?: string }) | undefined;
  return { code: err?.code ?? 0, data: err?.data ?? '' };
}

type Kind = 'json' | 'proto' | 'grpc';

function exporterFor(
  kind: Kind,
  server: TestServer,
  grpcPort: number,
  headers: Record<string, string>,
): PushMetricExporter {
  const url = `${server.url}/otlp/v1/metrics`;
  if (kind === 'json') return new JsonExporter({ url, headers, timeoutMillis: EXPORT_TIMEOUT_MS });
  if (kind === 'proto') {
    return new ProtoExporter({
      url,
      headers,
      compression: CompressionAlgorithm.GZIP,
      timeoutMillis: EXPORT_TIMEOUT_MS,
    });
  }
  const metadata = new Metadata();
  for (const [k, v] of Object.entries(headers)) metadata.set(k.toLowerCase(), v);
  return new GrpcExporter({
    url: `http://127.0.0.1:${grpcPort}`,
    metadata,
    timeoutMillis: EXPORT_TIMEOUT_MS,
  });
}

/** Every float sample of the tenant's storage: `series` → value (the latest). */
async function storedSeries(dataDir: string, tenant: string): Promise<Map<string, number>> {
  const db = await openTsdb(join(dataDir, 'tenants', tenant), { maintenanceIntervalMs: 0 });
  try {
    const q = await db.querier(-Infinity, Infinity);
    const out = new Map<string, number>();
    const signal = new AbortController().signal;
    for (const s of await q.select(
      [new Matcher('=~', '__name__', '.+')],
      { start: -Infinity, end: Infinity },
      signal,
    )) {
      const it = s.iterator();
      for (let k = it.next(); k !== ValueKind.None; k = it.next()) {
        if (k === ValueKind.Float) out.set(s.labels.toString(), it.v);
      }
    }
    q.close();
    return out;
  } finally {
    await db.close();
  }
}

describe('OpenTelemetry JS SDK → OTLP → xScaler', () => {
  let server: TestServer;
  let grpcPort = 0;
  let token = '';
  let readToken = '';
  const headers = (): Record<string, string> => ({
    Authorization: `Bearer ${token}`,
    'X-Scope-OrgID': 'acme',
  });

  before(async () => {
    server = await startServer();
    const m = /"grpc":"127\.0\.0\.1:(\d+)"/.exec(server.output());
    assert.ok(m, 'the server logs its gRPC address');
    grpcPort = Number(m[1]);
    await server.createTenant('acme');
    token = await server.createToken('acme', 'read+write');
    readToken = await server.createToken('acme', 'read', 'reader');
  });
  after(async () => server.cleanup());

  for (const kind of ['json', 'proto', 'grpc'] as const) {
    it(`exports the seed guide's instruments over ${kind} with success`, async () => {
      const metrics = await recordAndCollect(`checkout-${kind}`);
      const exporter = exporterFor(kind, server, grpcPort, headers());
      const result = await exportOnce(exporter, metrics);
      await exporter.shutdown();
      assert.equal(result.code, ExportResultCode.SUCCESS, String(result.error));
    });
  }

  it('a missing X-Scope-OrgID is a 400 "no org id" for the exporter', async () => {
    const metrics = await recordAndCollect('nobody');
    for (const kind of ['json', 'proto'] as const) {
      const exporter = exporterFor(kind, server, grpcPort, { Authorization: `Bearer ${token}` });
      const failure = httpFailure(await exportOnce(exporter, metrics));
      await exporter.shutdown();
      assert.equal(failure.code, 400);
      assert.match(failure.data, /no org id/);
    }
    const grpc = exporterFor('grpc', server, grpcPort, { Authorization: `Bearer ${token}` });
    const result = await exportOnce(grpc, metrics);
    await grpc.shutdown();
    assert.equal(result.code, ExportResultCode.FAILED);
    assert.match(String(result.error), /no org id/);
  });

  it('a bad token is a 401, a read-only token a 403', async () => {
    const metrics = await recordAndCollect('nobody');
    const bad = exporterFor('proto', server, grpcPort, {
      Authorization: 'Bearer xsc_wrong',
      'X-Scope-OrgID': 'acme',
    });
    const failure = httpFailure(await exportOnce(bad, metrics));
    await bad.shutdown();
    assert.equal(failure.code, 401);
    const noBearer = exporterFor('json', server, grpcPort, { Authorization: token, 'X-Scope-OrgID': 'acme' });
    assert.equal(httpFailure(await exportOnce(noBearer, metrics)).code, 401);
    await noBearer.shutdown();
    const reader = exporterFor('json', server, grpcPort, {
      Authorization: `Bearer ${readToken}`,
      'X-Scope-OrgID': 'acme',
    });
    assert.equal(httpFailure(await exportOnce(reader, metrics)).code, 403);
    await reader.shutdown();
    const grpc = exporterFor('grpc', server, grpcPort, {
      Authorization: 'Bearer xsc_wrong',
      'X-Scope-OrgID': 'acme',
    });
    const result = await exportOnce(grpc, metrics);
    await grpc.shutdown();
    assert.equal(result.code, ExportResultCode.FAILED);
    assert.match(String(result.error), /UNAUTHENTICATED|invalid or revoked token/);
  });

  it('an endpoint without the /otlp/v1/metrics path is a 404 naming the right path', async () => {
    const metrics = await recordAndCollect('nobody');
    for (const path of ['', '/otlp', '/otlp/v1', '/otlp/v1/traces']) {
      const exporter = new JsonExporter({
        url: `${server.url}${path}`,
        headers: headers(),
        timeoutMillis: EXPORT_TIMEOUT_MS,
      });
      const failure = httpFailure(await exportOnce(exporter, metrics));
      await exporter.shutdown();
      assert.equal(failure.code, 404, path);
      if (path !== '') assert.match(failure.data, /\/otlp\/v1\/metrics/, path);
    }
  });

  it('stores the series under their Prometheus names with the right labels, buckets and values', async () => {
    await server.stop();
    const stored = await storedSeries(server.dataDir, 'acme');
    const scope = 'otel_scope_name="my-service", otel_scope_version="1.0.0"';
    for (const kind of ['json', 'proto', 'grpc'] as const) {
      const job = `job="checkout-${kind}"`;
      const want: Array<[string, number]> = [
        [`http_requests_total{${job}, method="GET", ${scope}, status="200"}`, 3],
        [`http_requests_total{${job}, method="POST", ${scope}, status="500"}`, 1],
        [`job_queue_depth{${job}, ${scope}}`, 3],
        [`http_request_duration_seconds_bucket{${job}, le="0", ${scope}, route="/api/v1/metrics"}`, 0],
        [`http_request_duration_seconds_bucket{${job}, le="5", ${scope}, route="/api/v1/metrics"}`, 1],
        [`http_request_duration_seconds_bucket{${job}, le="10", ${scope}, route="/api/v1/metrics"}`, 2],
        [`http_request_duration_seconds_bucket{${job}, le="10000", ${scope}, route="/api/v1/metrics"}`, 2],
        [`http_request_duration_seconds_bucket{${job}, le="+Inf", ${scope}, route="/api/v1/metrics"}`, 2],
        [`http_request_duration_seconds_count{${job}, ${scope}, route="/api/v1/metrics"}`, 2],
        [`http_request_duration_seconds_sum{${job}, ${scope}, route="/api/v1/metrics"}`, 7.042],
      ];
      for (const [series, value] of want) {
        assert.equal(
          stored.get(series),
          value,
          `${series} among\n${[...stored.keys()].filter((k) => k.includes(kind)).join('\n')}`,
        );
      }
      const info = [...stored.keys()].find((k) => k.startsWith('target_info{') && k.includes(job));
      assert.ok(info, `target_info for ${job}`);
      assert.match(info, /deployment_environment="test"/);
    }
    // Nothing of the refused exports was stored.
    assert.equal([...stored.keys()].filter((k) => k.includes('job="nobody"')).length, 0);
  });
});
