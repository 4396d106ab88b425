import { describe, expect, it } from 'vitest';
import { backoffDelay, NO_JITTER } from '../src/backoff.js';

describe('backoffDelay', () => {
  it('doubles from baseMs up to maxMs', () => {
    const backoff = { baseMs: 100, maxMs: 1000, jitter: NO_JITTER };
    expect([1, 2, 3, 4, 5, 6].map((attempt) => backoffDelay(attempt, backoff))).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ]);
  });

  it('draws the pause between the jitter multiples of the capped pause', () => {
    const backoff = { baseMs: 1000, maxMs: 4000, jitter: [0.8, 1.2] as const };
    expect(backoffDelay(1, backoff, () => 0)).toBe(800);
    expect(backoffDelay(1, backoff, () => 0.5)).toBe(1000);
    expect(backoffDelay(1, backoff, () => 0.999999)).toBe(1200);
    expect(backoffDelay(9, backoff, () => 0.999999)).toBe(4800);
    expect(backoffDelay(9, { ...backoff, jitter: [0.5, 1] }, () => 0.999999)).toBe(4000);
  });

  it('stays finite and positive for any attempt', () => {
    const backoff = { baseMs: 0.1, maxMs: 60_000, jitter: NO_JITTER };
    expect(backoffDelay(0, backoff)).toBe(1);
    expect(backoffDelay(-5, backoff)).toBe(1);
    expect(backoffDelay(10_000, backoff)).toBe(60_000);
  });
});
