/**
 * Copy-paste configuration for every way of sending and querying metrics, filled with the tenant,
 * this server's public URL and (when the user just created one) a token. Pure functions, no DOM:
 * the dashboard tests check every rule of the user docs against them.
 *
 * The rules (from the docs' troubleshooting pages):
 * - remote write goes to `<base>/api/v1/push` (not /api/v1/write, not /push);
 * - prometheus.yml: `authorization: credentials: <token>` and `headers: X-Scope-OrgID: <tenant>`;
 * - Alloy: `credentials` is the raw token, without `Bearer`;
 * - OTel Collector (otlphttp): `endpoint` is the base URL only, the exporter appends the path;
 * - OTel SDKs: the full `<base>/otlp/v1/metrics`;
 * - Grafana: URL ends in `/prometheus`, both headers in the HTTP Headers section, not Basic Auth;
 * - every request carries `Authorization: Bearer <token>` and `X-Scope-OrgID: <tenant>`.
 */

export type ClientId = 'prometheus' | 'alloy' | 'collector' | 'python' | 'nodejs' | 'go' | 'grafana' | 'curl';

export interface SnippetContext {
  /** This server as clients reach it, without a trailing slash (`https://euw1-01.example.com`). */
  readonly baseUrl: string;
  readonly tenant: string;
  /** A real token when the user just created one; otherwise the `<token>` placeholder is used. */
  readonly token?: string | undefined;
}

export interface Snippet {
  readonly title: string;
  /** A file name to save it as, when there is one. */
  readonly filename?: string;
  readonly language: 'yaml' | 'alloy' | 'python' | 'javascript' | 'go' | 'shell' | 'text';
  readonly code: string;
}

export interface ClientGuide {
  readonly id: ClientId;
  readonly name: string;
  /** The scope a token for this client needs. */
  readonly scope: 'read' | 'write' | 'read+write';
  readonly summary: string;
  readonly snippets: readonly Snippet[];
  /** Things people get wrong, said before they get them wrong. */
  readonly notes: readonly string[];
}

export const TOKEN_PLACEHOLDER = '<token>';

export interface Endpoints {
  readonly push: string;
  readonly otlpBase: string;
  readonly otlpMetrics: string;
  readonly prometheus: string;
}

export function endpoints(baseUrl: string): Endpoints {
  const base = baseUrl.replace(/\/+$/, '');
  return {
    push: `${base}/api/v1/push`,
    otlpBase: base,
    otlpMetrics: `${base}/otlp/v1/metrics`,
    prometheus: `${base}/prometheus`,
  };
}

/** Every client's guide, in the order the Connect page shows them. */
export function clientGuides(ctx: SnippetContext): readonly ClientGuide[] {
  const e = endpoints(ctx.baseUrl);
  const token = ctx.token ?? TOKEN_PLACEHOLDER;
  const tenant = ctx.tenant;
  return [
    {
      id: 'prometheus',
      name: 'Prometheus',
      scope: 'write',
      summary: 'Send everything your Prometheus scrapes with remote_write.',
      snippets: [
        {
          title: 'prometheus.yml',
          filename: 'prometheus.yml',
          language: 'yaml',
          code: `remote_write:
  - url: ${e.push}
    authorization:
      credentials: ${token}
    headers:
      X-Scope-OrgID: ${tenant}
`,
        },
      ],
      notes: [
        `The URL ends in /api/v1/push — not /api/v1/write, not /push.`,
        'authorization.credentials is the token alone; Prometheus adds "Bearer" itself.',
        'Reload Prometheus (SIGHUP or POST /-/reload with --web.enable-lifecycle) to apply it.',
        'Seeing 429? Lower queue_config.max_shards or raise batch_send_deadline.',
      ],
    },
    {
      id: 'alloy',
      name: 'Grafana Alloy',
      scope: 'read+write',
      summary: 'Remote-write from Grafana Alloy (this example also sends Alloy’s own metrics).',
      snippets: [
        {
          title: 'config.alloy',
          filename: 'config.alloy',
          language: 'alloy',
          code: `prometheus.remote_write "xscaler" {
  endpoint {
    url = "${e.push}"

    headers = {
      "X-Scope-OrgID" = "${tenant}",
    }

    authorization {
      type        = "Bearer"
      credentials = "${token}"
    }
  }
}

// Alloy's own metrics, to see data arrive right away.
prometheus.exporter.self "alloy" { }

prometheus.scrape "alloy" {
  targets    = prometheus.exporter.self.alloy.targets
  forward_to = [prometheus.remote_write.xscaler.receiver]
}
`,
        },
      ],
      notes: [
        'credentials is the raw token, without a "Bearer" prefix: type = "Bearer" adds it.',
        'A read+write token lets the same Alloy send and query metrics.',
        'Components shown in red at http://localhost:12345 have errors; click them for the message.',
      ],
    },
    {
      id: 'collector',
      name: 'OpenTelemetry Collector',
      scope: 'write',
      summary: 'Export metrics from an OpenTelemetry Collector with the otlphttp exporter.',
      snippets: [
        {
          title: 'otel-collector.yaml',
          filename: 'otel-collector.yaml',
          language: 'yaml',
          code: `receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 0.0.0.0:4317
      http:
        endpoint: 0.0.0.0:4318

processors:
  batch: {}

exporters:
  otlphttp/xscaler:
    endpoint: ${e.otlpBase}
    headers:
      Authorization: "Bearer ${token}"
      X-Scope-OrgID: "${tenant}"

service:
  pipelines:
    metrics:
      receivers: [otlp]
      processors: [batch]
      exporters: [otlphttp/xscaler]
`,
        },
      ],
      notes: [
        `endpoint is the base URL only (${e.otlpBase}): do not append /otlp/v1/metrics, the otlphttp exporter adds the path.`,
        'Authorization is "Bearer <token>": capital B, one space, then the token.',
        'Look for "failed to export" in the Collector log: it includes the HTTP status.',
      ],
    },
    {
      id: 'python',
      name: 'OTel SDK: Python',
      scope: 'write',
      summary: 'Push metrics straight from a Python application over OTLP/HTTP.',
      snippets: [
        {
          title: 'Install',
          language: 'shell',
          code: `pip install opentelemetry-sdk opentelemetry-exporter-otlp-proto-http
`,
        },
        {
          title: 'Environment',
          language: 'shell',
          code: envBlock(token, tenant),
        },
        {
          title: 'metrics.py',
          filename: 'metrics.py',
          language: 'python',
          code: `import os

from opentelemetry import metrics
from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader

exporter = OTLPMetricExporter(
    endpoint="${e.otlpMetrics}",
    headers={
        "Authorization": f"Bearer {os.environ['XSCALER_TOKEN']}",
        "X-Scope-OrgID": os.environ["XSCALER_TENANT_ID"],
    },
)
reader = PeriodicExportingMetricReader(exporter, export_interval_millis=15_000)
metrics.set_meter_provider(MeterProvider(metric_readers=[reader]))

meter = metrics.get_meter("my-service", version="1.0.0")
requests = meter.create_counter("http_requests_total", unit="1", description="Total HTTP requests")
requests.add(1, {"method": "GET", "status": "200"})
`,
        },
      ],
      notes: [
        `The SDK needs the full path: ${e.otlpMetrics} (unlike the Collector).`,
        'The first export happens after 15 s: keep the process running that long.',
      ],
    },
    {
      id: 'nodejs',
      name: 'OTel SDK: Node.js',
      scope: 'write',
      summary: 'Push metrics from a Node.js application over OTLP/HTTP.',
      snippets: [
        {
          title: 'Install',
          language: 'shell',
          code: `npm install @opentelemetry/api @opentelemetry/sdk-metrics @opentelemetry/exporter-metrics-otlp-http
`,
        },
        {
          title: 'Environment',
          language: 'shell',
          code: envBlock(token, tenant),
        },
        {
          title: 'metrics.mjs',
          filename: 'metrics.mjs',
          language: 'javascript',
          code: `import { metrics } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';

const exporter = new OTLPMetricExporter({
  url: '${e.otlpMetrics}',
  headers: {
    Authorization: \`Bearer \${process.env.XSCALER_TOKEN}\`,
    'X-Scope-OrgID': process.env.XSCALER_TENANT_ID,
  },
});
const provider = new MeterProvider({
  readers: [new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 15_000 })],
});
metrics.setGlobalMeterProvider(provider);

const meter = metrics.getMeter('my-service', '1.0.0');
const requests = meter.createCounter('http_requests_total', { description: 'Total HTTP requests' });
requests.add(1, { method: 'GET', status: '200' });
`,
        },
      ],
      notes: [
        `The SDK needs the full path: ${e.otlpMetrics}.`,
        'Call provider.shutdown() before exit to flush.',
      ],
    },
    {
      id: 'go',
      name: 'OTel SDK: Go',
      scope: 'write',
      summary: 'Push metrics from a Go program over OTLP/HTTP.',
      snippets: [
        {
          title: 'Install',
          language: 'shell',
          code: `go get go.opentelemetry.io/otel/sdk/metric go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp
`,
        },
        {
          title: 'Environment',
          language: 'shell',
          code: envBlock(token, tenant),
        },
        {
          title: 'metrics.go',
          filename: 'metrics.go',
          language: 'go',
          code: `package main

import (
	"context"
	"os"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
)

func main() {
	ctx := context.Background()
	exporter, err := otlpmetrichttp.New(ctx,
		otlpmetrichttp.WithEndpointURL("${e.otlpMetrics}"),
		otlpmetrichttp.WithHeaders(map[string]string{
			"Authorization": "Bearer " + os.Getenv("XSCALER_TOKEN"),
			"X-Scope-OrgID": os.Getenv("XSCALER_TENANT_ID"),
		}),
	)
	if err != nil {
		panic(err)
	}
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(
		sdkmetric.NewPeriodicReader(exporter, sdkmetric.WithInterval(15*time.Second)),
	))
	defer provider.Shutdown(ctx)
	otel.SetMeterProvider(provider)

	meter := otel.Meter("my-service")
	requests, _ := meter.Int64Counter("http_requests_total", metric.WithDescription("Total HTTP requests"))
	requests.Add(ctx, 1, metric.WithAttributes(attribute.String("method", "GET"), attribute.String("status", "200")))
}
`,
        },
      ],
      notes: [`WithEndpointURL takes the full path: ${e.otlpMetrics}.`],
    },
    {
      id: 'grafana',
      name: 'Grafana data source',
      scope: 'read',
      summary: 'Query xScaler from Grafana as a Prometheus data source.',
      snippets: [
        {
          title: 'In Grafana: Connections → Data sources → Add → Prometheus',
          language: 'text',
          code: `Prometheus server URL:  ${e.prometheus}
Authentication:         No Authentication   (not Basic Auth)
HTTP Headers → Add header:
  Header: Authorization    Value: Bearer ${token}
  Header: X-Scope-OrgID    Value: ${tenant}
Then: Save & test
`,
        },
        {
          title: 'Or provision it: datasources/xscaler.yaml',
          filename: 'xscaler.yaml',
          language: 'yaml',
          code: `apiVersion: 1
datasources:
  - name: xScaler
    type: prometheus
    access: proxy
    url: ${e.prometheus}
    jsonData:
      httpHeaderName1: Authorization
      httpHeaderName2: X-Scope-OrgID
    secureJsonData:
      httpHeaderValue1: Bearer ${token}
      httpHeaderValue2: ${tenant}
`,
        },
      ],
      notes: [
        `The URL must end in /prometheus: ${e.prometheus}.`,
        'Put both headers in the HTTP Headers section, not in Basic Auth.',
        'Grafana only queries: a read token is enough (read+write works too).',
        'Save & test shows the exact error when something is wrong.',
      ],
    },
    {
      id: 'curl',
      name: 'curl',
      scope: 'read+write',
      summary: 'Try it from a terminal: push one sample over OTLP/JSON, then query it back.',
      snippets: [
        {
          title: 'Environment',
          language: 'shell',
          code: envBlock(token, tenant),
        },
        {
          title: 'Push a sample (OTLP/JSON)',
          language: 'shell',
          code: `curl -sS "${e.otlpMetrics}" \\
  -H "Authorization: Bearer $XSCALER_TOKEN" \\
  -H "X-Scope-OrgID: $XSCALER_TENANT_ID" \\
  -H "Content-Type: application/json" \\
  --data '{"resourceMetrics":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"curl"}}]},"scopeMetrics":[{"metrics":[{"name":"hello_xscaler","gauge":{"dataPoints":[{"asDouble":1,"timeUnixNano":"'"$(date +%s)"'000000000"}]}}]}]}]}'
`,
        },
        {
          title: 'Query it',
          language: 'shell',
          code: `curl -sS "${e.prometheus}/api/v1/query" \\
  -H "Authorization: Bearer $XSCALER_TOKEN" \\
  -H "X-Scope-OrgID: $XSCALER_TENANT_ID" \\
  --data-urlencode 'query=hello_xscaler'
`,
        },
      ],
      notes: [
        'Both headers go on every request: a missing X-Scope-OrgID is 400 "no org id", a bad token 401.',
        'A write-only token cannot query (403) and a read-only one cannot push (403).',
      ],
    },
  ];
}

function envBlock(token: string, tenant: string): string {
  return `export XSCALER_TOKEN='${token}'
export XSCALER_TENANT_ID='${tenant}'
`;
}
