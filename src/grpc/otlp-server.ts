import { readFileSync } from 'node:fs';

import {
  Server,
  ServerCredentials,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServiceDefinition,
} from '@grpc/grpc-js';
import type { Logger } from 'pino';

import { encodeExportResponse } from '../protocol/index.ts';
import type { OtlpReceiver } from '../http/index.ts';
import type { Authenticator } from '../tenancy/index.ts';
import { grpcErrorReply } from './errors.ts';

export const OTLP_EXPORT_PATH = '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export';

/**
 * The service with identity (de)serializers: grpc-js moves bytes, our own allocation-light decoder
 * does the protobuf work, and responses are encoded by `protocol/`.
 */
const METRICS_SERVICE: ServiceDefinition = {
  Export: {
    path: OTLP_EXPORT_PATH,
    requestStream: false,
    responseStream: false,
    requestSerialize: (value: Uint8Array) => Buffer.from(value.buffer, value.byteOffset, value.byteLength),
    requestDeserialize: (bytes: Buffer) => bytes,
    responseSerialize: (value: Uint8Array) => Buffer.from(value.buffer, value.byteOffset, value.byteLength),
    responseDeserialize: (bytes: Buffer) => bytes,
  },
};

export interface GrpcTlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
}

export interface OtlpGrpcServerOptions {
  readonly log: Logger;
  readonly auth: Authenticator;
  readonly receiver: OtlpReceiver;
  /** Serve TLS with this certificate chain and key (PEM files); plaintext when absent. */
  readonly tls?: GrpcTlsFiles | undefined;
  /** Largest request message (after decompression); RESOURCE_EXHAUSTED above. */
  readonly maxReceiveBytes?: number;
}

/**
 * OTLP/gRPC: `MetricsService/Export` with tenant and token from the `x-scope-orgid` and
 * `authorization` metadata, the same gate as HTTP, and errors as gRPC status codes with a
 * `google.rpc.Status` (RetryInfo for rate limits and retryable storage errors) in
 * `grpc-status-details-bin`.
 */
export class OtlpGrpcServer {
  private readonly server: Server;
  private readonly options: OtlpGrpcServerOptions;

  constructor(options: OtlpGrpcServerOptions) {
    this.options = options;
    const max = options.maxReceiveBytes ?? 64 * 1024 * 1024;
    this.server = new Server({ 'grpc.max_receive_message_length': max });
    this.server.addService(METRICS_SERVICE, { Export: this.exportCall.bind(this) });
  }

  /** Binds and starts serving; resolves with the bound port (useful with port 0). */
  async listen(host: string, port: number): Promise<number> {
    const tls = this.options.tls;
    const credentials =
      tls === undefined
        ? ServerCredentials.createInsecure()
        : ServerCredentials.createSsl(
            null,
            [{ cert_chain: readFileSync(tls.certFile), private_key: readFileSync(tls.keyFile) }],
            false,
          );
    const address = `${host === '' ? '0.0.0.0' : host.includes(':') ? `[${host}]` : host}:${port}`;
    return new Promise((resolve, reject) => {
      this.server.bindAsync(address, credentials, (err, bound) => (err ? reject(err) : resolve(bound)));
    });
  }

  /** Stops taking calls, lets running ones finish for up to `drainMs`, then cuts the rest. */
  async close(drainMs: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, drainMs);
      timer.unref();
      this.server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private exportCall(call: ServerUnaryCall<Buffer, Uint8Array>, callback: sendUnaryData<Uint8Array>): void {
    this.handle(call).then(
      (response) => callback(null, response),
      (err: unknown) => {
        const reply = grpcErrorReply(err);
        if (reply.unexpected) this.options.log.error({ err, path: OTLP_EXPORT_PATH }, 'unexpected error');
        callback({ code: reply.code, details: reply.details, metadata: reply.metadata });
      },
    );
  }

  private async handle(call: ServerUnaryCall<Buffer, Uint8Array>): Promise<Uint8Array> {
    const caller = await this.options.auth.authorize(
      first(call.metadata.get('x-scope-orgid')),
      first(call.metadata.get('authorization')),
      'write',
    );
    const outcome = await this.options.receiver.export(caller.tenant, call.request, 'protobuf');
    return encodeExportResponse('protobuf', outcome.rejected, outcome.message) as Uint8Array;
  }
}

function first(values: ReadonlyArray<string | Buffer>): string | undefined {
  const v = values[0];
  return v === undefined ? undefined : typeof v === 'string' ? v : v.toString('utf8');
}
