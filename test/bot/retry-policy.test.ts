import { describe, expect, it } from 'vitest';
import appConfig from '../../app.config.json' with { type: 'json' };
import { decideRetry, type RetryPolicy } from '../../src/bot/retry-policy.js';

const defaults: RetryPolicy = {
  baseDelayMs: appConfig.queue.retryBaseDelayMs,
  maxDelayMs: appConfig.queue.retryMaxDelayMs,
  giveUpAfterMs: appConfig.queue.giveUpAfterSeconds * 1000,
};

describe('retry policy', () => {
  it('doubles the pause from the base up to the cap, with ±20 % jitter', () => {
    const policy = { baseDelayMs: 1000, maxDelayMs: 10_000, giveUpAfterMs: 1e9 };
    const middle = () => 0.5;
    expect([1, 2, 3, 4, 5, 6].map((attempt) => decideRetry(policy, attempt, 0, middle))).toEqual(
      [1000, 2000, 4000, 8000, 10_000, 10_000].map((delayMs) => ({ kind: 'retry', delayMs })),
    );
    expect(decideRetry(policy, 1, 0, () => 0)).toEqual({ kind: 'retry', delayMs: 800 });
    expect(decideRetry(policy, 1, 0, () => 0.999999)).toEqual({ kind: 'retry', delayMs: 1200 });
    expect(decideRetry(policy, 1000, 0, middle)).toEqual({ kind: 'retry', delayMs: 10_000 });
  });

  it('gives up once the next attempt would come after the deadline', () => {
    const policy = { baseDelayMs: 1000, maxDelayMs: 1000, giveUpAfterMs: 5000 };
    expect(decideRetry(policy, 3, 3999, () => 0.5)).toEqual({ kind: 'retry', delayMs: 1000 });
    expect(decideRetry(policy, 3, 4001, () => 0.5)).toEqual({ kind: 'give_up', reason: 'expired' });
  });

  it('with the defaults, keeps a message alive through a Feishu outage of an hour, and not forever', () => {
    for (const random of [() => 0, () => 0.5, () => 0.999]) {
      let age = 0;
      let attempt = 1;
      for (;;) {
        const decision = decideRetry(defaults, attempt, age, random);
        if (decision.kind === 'give_up') break;
        age += decision.delayMs;
        attempt += 1;
      }
      expect(age).toBeGreaterThan(60 * 60_000);
      expect(age).toBeLessThanOrEqual(defaults.giveUpAfterMs);
    }
  });
});
