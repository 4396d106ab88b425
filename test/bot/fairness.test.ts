// Per-tenant limits of a store app: TENANT_MAX_CONCURRENT answers in progress per tenant, a rate-limited
// tenant waiting alone, and a put-back message holding no worker (the worker returns at once).
import { describe, expect, it } from 'vitest';
import { createTenantLimiter, TENANT_PAUSE_MAX_MS } from '../../src/bot/fairness.js';
import { createJobWorker } from '../../src/bot/intake.js';
import type { MessageJob } from '../../src/bot/ports.js';
import { createLogger } from '../../src/log.js';

const fixed = () => 0.5; // no jitter

describe('tenant limiter', () => {
  it('admits maxConcurrent answers per tenant; the next waits, while another tenant still starts', () => {
    const limiter = createTenantLimiter({ maxConcurrent: 2, random: fixed });
    const first = limiter.admit('a');
    const second = limiter.admit('a');
    expect([first.kind, second.kind]).toEqual(['start', 'start']);
    expect(limiter.admit('a')).toMatchObject({ kind: 'wait', reason: 'tenant_busy' });
    expect(limiter.admit('b').kind).toBe('start');
    expect(limiter.running('a')).toBe(2);
    if (first.kind === 'start') first.release();
    if (first.kind === 'start') first.release(); // twice is once
    expect(limiter.running('a')).toBe(1);
    expect(limiter.admit('a').kind).toBe('start');
  });

  it("spreads a tenant's backlog: the pause grows with the messages waiting, up to the cap", () => {
    const limiter = createTenantLimiter({ maxConcurrent: 1, basePauseMs: 100, random: fixed });
    limiter.admit('a');
    const pauses = [...Array(200)].map(() => {
      const admission = limiter.admit('a');
      return admission.kind === 'wait' ? admission.delayMs : 0;
    });
    expect(pauses[0]).toBe(100);
    expect(pauses[9]).toBe(1000);
    expect(Math.max(...pauses)).toBe(TENANT_PAUSE_MAX_MS);
  });

  it('a rate-limited tenant waits until its pause ends; other tenants do not', () => {
    let now = 1_000;
    const limiter = createTenantLimiter({ maxConcurrent: 4, now: () => now, random: fixed });
    limiter.rateLimited('a', 3_000);
    expect(limiter.admit('a')).toEqual({ kind: 'wait', delayMs: 3_000, reason: 'tenant_rate_limited' });
    expect(limiter.admit('b').kind).toBe('start');
    now += 3_000;
    expect(limiter.admit('a').kind).toBe('start');
  });
});

describe('job worker with a tenant limiter', () => {
  const job = (tenant: string, id: string): MessageJob => ({
    message_id: id,
    event_id: id,
    chat_type: 'p2p',
    command: { kind: 'help', reason: 'requested' },
    received_at: Date.now(),
    tenant_key: tenant,
  });

  it('puts a message of a busy tenant back at once, without calling the bot; answers another tenant meanwhile', async () => {
    const answered: string[] = [];
    let finish: () => void = () => undefined;
    const slow = new Promise<void>((resolve) => (finish = resolve));
    const worker = createJobWorker({
      bot: {
        answer: async (j) => {
          answered.push(j.message_id);
          if (j.message_id === 'om_a1') await slow;
        },
      },
      retry: { baseDelayMs: 1000, maxDelayMs: 10_000, giveUpAfterMs: 60_000 },
      logger: createLogger('silent'),
      limiter: createTenantLimiter({ maxConcurrent: 1, random: fixed }),
    });
    const running = worker(job('a', 'om_a1'), 1);
    expect(await worker(job('a', 'om_a2'), 1)).toMatchObject({ kind: 'retry' });
    expect(await worker(job('b', 'om_b1'), 1)).toEqual({ kind: 'done' });
    finish();
    expect(await running).toEqual({ kind: 'done' });
    expect(await worker(job('a', 'om_a2'), 2)).toEqual({ kind: 'done' });
    expect(answered).toEqual(['om_a1', 'om_b1', 'om_a2']);
  });
});
