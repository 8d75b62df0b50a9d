import { open } from 'node:fs/promises';
import { REMOTE_WRITE_HEADERS, type HttpClient } from './http-client.ts';
import { sleep } from './supervisor.ts';
import type { RequestRef, Workload } from './workload.ts';

/** Outcome of sending one phase of the workload to one system. */
export interface SendResult {
  readonly requests: number;
  readonly samplesSent: number;
  /** Samples in requests answered 2xx. */
  readonly samplesAccepted: number;
  /** Samples in requests that were not accepted: 4xx (never retried, like Prometheus's sender) or retries exhausted. */
  readonly samplesRejected: number;
  readonly retries: number;
  /** Wall seconds from the first request to the last response. */
  readonly seconds: number;
  /** Distinct errors with how often they happened ("400: out of bounds" → 12). */
  readonly errors: ReadonlyMap<string, number>;
  /** True when the deadline stopped the phase before every request was sent. */
  readonly truncated: boolean;
  /** CPU seconds the harness itself (the load generator) used meanwhile: it must stay well below one core. */
  readonly clientCpuSeconds: number;
}

export interface SendOptions {
  readonly client: HttpClient;
  readonly writePath: string;
  readonly requests: readonly (readonly RequestRef[])[];
  /** Samples/s over all senders; 0 = as fast as the server takes them. */
  readonly rate: number;
  /** No sender runs more than this many scrapes ahead of the slowest (acceptance windows). */
  readonly maxSkewScrapes: number;
  readonly deadline: number;
  readonly requestTimeoutMs: number;
}

const MAX_ATTEMPTS = 6;

/**
 * Replays one phase of the workload file: one async loop per sender, each sending its requests in
 * order with at most one in flight (so every series arrives in timestamp order, like a
 * Prometheus shard). 5xx, 429 and network errors are retried with backoff (bounded attempts);
 * other statuses count as rejected. Every loop is bounded by the request list and the deadline.
 */
export async function sendPhase(workload: Workload, opts: SendOptions): Promise<SendResult> {
  const file = await open(workload.path, 'r');
  const senders = opts.requests.length;
  const progress = opts.requests.map((list) => list[0]?.firstScrape ?? Infinity);
  let waiters: (() => void)[] = [];
  const advance = (s: number, scrape: number): void => {
    progress[s] = scrape;
    const ready = waiters;
    waiters = [];
    for (const w of ready) w();
  };
  const errors = new Map<string, number>();
  const note = (key: string): void => void errors.set(key, (errors.get(key) ?? 0) + 1);
  let requests = 0;
  let sent = 0;
  let accepted = 0;
  let rejected = 0;
  let retries = 0;
  let truncated = false;
  const started = performance.now();
  const cpuStart = process.cpuUsage();
  let lastResponse = started;
  const perSenderRate = opts.rate / senders;

  const run = async (s: number): Promise<void> => {
    const list = opts.requests[s]!;
    const maxLength = list.reduce((m, r) => Math.max(m, r.length), 0);
    const buffer = Buffer.allocUnsafe(maxLength);
    let cumulative = 0;
    for (let i = 0; i < list.length; i++) {
      const req = list[i]!;
      // Wait for the slowest sender; it is never blocked itself, so this always ends.
      while (
        req.firstScrape > Math.min(...progress) + opts.maxSkewScrapes &&
        performance.now() < opts.deadline
      ) {
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 1_000).unref();
        });
      }
      cumulative += req.samples;
      if (perSenderRate > 0) {
        const due = started + (cumulative / perSenderRate) * 1000;
        const wait = due - performance.now();
        if (wait > 0) await sleep(Math.min(wait, Math.max(0, opts.deadline - performance.now())));
      }
      if (performance.now() >= opts.deadline) {
        truncated = true;
        break;
      }
      await file.read(buffer, 0, req.length, req.offset);
      const body = buffer.subarray(0, req.length);
      requests++;
      sent += req.samples;
      let ok = false;
      for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
        let retry = false;
        try {
          const res = await opts.client.send(
            'POST',
            opts.writePath,
            body,
            REMOTE_WRITE_HEADERS,
            opts.requestTimeoutMs,
            4096,
          );
          ok = res.status >= 200 && res.status < 300;
          if (!ok) {
            note(`${res.status}: ${res.body.trim().slice(0, 160)}`);
            retry = res.status >= 500 || res.status === 429;
          }
        } catch (err) {
          note(`network: ${(err as Error).message.slice(0, 160)}`);
          retry = true;
        }
        lastResponse = performance.now();
        if (!retry || attempt === MAX_ATTEMPTS || performance.now() >= opts.deadline) break;
        retries++;
        await sleep(100 * 2 ** attempt);
      }
      if (ok) accepted += req.samples;
      else rejected += req.samples;
      advance(s, list[i + 1]?.firstScrape ?? Infinity);
    }
    advance(s, Infinity);
  };

  try {
    await Promise.all(Array.from({ length: senders }, (_, s) => run(s)));
  } finally {
    await file.close();
  }
  return {
    requests,
    samplesSent: sent,
    samplesAccepted: accepted,
    samplesRejected: rejected,
    retries,
    seconds: (lastResponse - started) / 1000,
    errors,
    truncated,
    clientCpuSeconds: ((u) => (u.user + u.system) / 1e6)(process.cpuUsage(cpuStart)),
  };
}
