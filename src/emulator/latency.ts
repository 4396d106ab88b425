// Feishu's Open API answers in tens of milliseconds; the emulator, on loopback, in microseconds. A latency
// model holds every Open API answer as long as Feishu's would take (a fixed delay plus uniform jitter), so
// a benchmark sees the time users wait for a card. Off (0 ± 0) unless asked for: tests and npm start stay fast.
import type { Middleware } from 'koa';

/** Each Open API answer waits fixedMs ± jitterMs (uniform), never less than 0. */
export interface ApiLatency {
  fixedMs: number;
  jitterMs: number;
}

export const NO_LATENCY: ApiLatency = { fixedMs: 0, jitterMs: 0 };

/** Largest delay accepted, in ms: a typo should not hold every call for hours. */
export const MAX_LATENCY_MS = 60_000;

export function checkApiLatency(latency: ApiLatency): ApiLatency {
  const { fixedMs, jitterMs } = latency;
  for (const [name, value] of Object.entries({ fixedMs, jitterMs })) {
    if (!Number.isFinite(value) || value < 0 || value > MAX_LATENCY_MS)
      throw new Error(`${name} must be between 0 and ${MAX_LATENCY_MS} ms, got ${value}`);
  }
  return { fixedMs, jitterMs };
}

export class LatencyModel {
  private current: ApiLatency;

  constructor(
    initial: ApiLatency = NO_LATENCY,
    private readonly random: () => number = Math.random,
  ) {
    this.current = checkApiLatency(initial);
  }

  get(): ApiLatency {
    return { ...this.current };
  }

  set(latency: ApiLatency): ApiLatency {
    this.current = checkApiLatency(latency);
    return this.get();
  }

  /** One answer's delay, in ms. */
  sample(): number {
    const { fixedMs, jitterMs } = this.current;
    if (jitterMs === 0) return fixedMs;
    return Math.max(0, fixedMs + (2 * this.random() - 1) * jitterMs);
  }
}

/** Holds every Open API request (/open-apis/…) for one sample of the model before it is answered. */
export function apiLatency<S>(model: LatencyModel): Middleware<S> {
  return async (ctx, next) => {
    if (ctx.path.startsWith('/open-apis/')) {
      const delayMs = model.sample();
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
    await next();
  };
}
