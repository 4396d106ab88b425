// The one backoff of the bot: the queue's retries, each Feishu call's retries, the start-up token check and the
// bot-info retries all pause this way, each with its own numbers.

export interface Backoff {
  /** Pause after the first failure, ms; it doubles with each further failure. */
  baseMs: number;
  /** Most the doubling reaches, ms (before jitter). */
  maxMs: number;
  /**
   * The pause drawn uniformly between these multiples of the doubled, capped pause: [0.8, 1.2] is ±20 % (replicas
   * that failed together do not retry together), [0.5, 1] never exceeds maxMs; NO_JITTER for a fixed pause.
   */
  jitter: readonly [low: number, high: number];
}

export const NO_JITTER = [1, 1] as const;

/** The pause after failed attempt number `attempt` (1-based), ms: at least 1. */
export function backoffDelay(attempt: number, backoff: Backoff, random: () => number = Math.random): number {
  const doubled = backoff.baseMs * 2 ** Math.min(Math.max(attempt - 1, 0), 30);
  const capped = Math.min(doubled, backoff.maxMs);
  const [low, high] = backoff.jitter;
  return Math.max(1, Math.round(capped * (low + (high - low) * random())));
}
