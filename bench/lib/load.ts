// One autocannon run against a webhook URL, with a fresh signed push per request, and the latency
// of every 2xx response kept exactly (autocannon's own histogram rounds to whole milliseconds).
import autocannon from 'autocannon';
import type { PushCursor } from './events.js';

export interface LoadOptions {
  /** e.g. http://127.0.0.1:41234/webhook/event */
  url: string;
  cursor: PushCursor;
  connections: number;
  /** Run this long… */
  durationSeconds?: number;
  /** …or until this many responses (takes precedence). */
  amount?: number;
  /** Fixed offered rate over all connections, requests per second. */
  overallRate?: number;
}

export interface LoadResult {
  /** Responses received (any status). */
  responses: number;
  ok: number;
  /** Responses that were not 2xx (a refused or busy event), by status. */
  non2xx: number;
  statusCodes: Record<string, number>;
  /** Connection errors and timeouts. */
  errors: number;
  durationSeconds: number;
  /** 2xx responses per second. */
  okPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** CPU the load generator (this process) used meanwhile, in microseconds. */
  generatorCpuMicros: number;
}

/** The q-quantile (0 < q ≤ 1) of sorted values, nearest-rank. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** Growable list of latencies, sorted once at the end. */
export class Samples {
  private values = new Float64Array(1 << 16);
  private length = 0;

  add(value: number): void {
    if (this.length === this.values.length) {
      const bigger = new Float64Array(this.values.length * 2);
      bigger.set(this.values);
      this.values = bigger;
    }
    this.values[this.length++] = value;
  }

  sorted(): Float64Array {
    return this.values.slice(0, this.length).sort();
  }
}

export interface LoadRun {
  result: LoadResult;
  /** Latency of every 2xx answer, in ms, sorted. */
  latencies: Float64Array;
}

export function runLoad(options: LoadOptions): Promise<LoadRun> {
  const samples = new Samples();
  const statusCodes: Record<string, number> = {};
  const { cursor } = options;
  const cpuBefore = process.cpuUsage();
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        method: 'POST',
        connections: options.connections,
        pipelining: 1,
        timeout: 10,
        ...(options.amount !== undefined ? { amount: options.amount } : { duration: options.durationSeconds ?? 10 }),
        ...(options.overallRate !== undefined ? { overallRate: options.overallRate } : {}),
        requests: [
          {
            setupRequest(request) {
              const i = cursor.take();
              request.body = cursor.pool.body(i);
              request.headers = cursor.pool.headers(i);
              return request;
            },
          },
        ],
      },
      (error: unknown, summary: autocannon.Result) => {
        if (error) return reject(error instanceof Error ? error : new Error(String(error)));
        const cpu = process.cpuUsage(cpuBefore);
        const latencies = samples.sorted();
        const responses = Object.values(statusCodes).reduce((sum, n) => sum + n, 0);
        const result: LoadResult = {
          responses,
          ok: latencies.length,
          non2xx: responses - latencies.length,
          statusCodes,
          errors: summary.errors,
          durationSeconds: summary.duration,
          okPerSecond: latencies.length / summary.duration,
          p50Ms: quantile(latencies, 0.5),
          p99Ms: quantile(latencies, 0.99),
          maxMs: quantile(latencies, 1),
          generatorCpuMicros: cpu.user + cpu.system,
        };
        resolve({ result, latencies });
      },
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      statusCodes[statusCode] = (statusCodes[statusCode] ?? 0) + 1;
      if (statusCode >= 200 && statusCode < 300) samples.add(responseTime);
    });
  });
}
