// When a message could not be answered for a transient reason, when to try again, and when to stop.
// Pure. Both intake stores use it, so a retry pauses the same way whether the record is in the local
// journal or in Redis, and the pause survives restarts (it is recorded with the job).
//
// Feishu itself re-delivers an unacknowledged event for about 7 hours (15 s, 5 min, 1 h, 6 h); once we
// have acked, nobody else will try again, so we keep trying through an outage of at least an hour.

import { backoffDelay } from '../backoff.js';

export interface RetryPolicy {
  /** Pause before the first retry, ms; it doubles with each retry. */
  baseDelayMs: number;
  /** Longest pause between two attempts, ms. */
  maxDelayMs: number;
  /** A message still unanswered this long after it was accepted is given up, ms. */
  giveUpAfterMs: number;
}

export type RetryDecision = { kind: 'retry'; delayMs: number } | { kind: 'give_up'; reason: 'expired' };

/**
 * After failed attempt number `attempt` (1-based) of a message accepted `ageMs` ago: retry after an
 * exponential pause with ±20 % jitter (replicas that failed together do not retry together), or give up
 * once the next attempt would come after the deadline.
 */
export function decideRetry(
  policy: RetryPolicy,
  attempt: number,
  ageMs: number,
  random: () => number = Math.random,
): RetryDecision {
  const backoff = { baseMs: policy.baseDelayMs, maxMs: policy.maxDelayMs, jitter: [0.8, 1.2] as const };
  const delayMs = backoffDelay(attempt, backoff, random);
  if (ageMs + delayMs > policy.giveUpAfterMs) return { kind: 'give_up', reason: 'expired' };
  return { kind: 'retry', delayMs };
}
