// Fairness between the tenants of a store app: at most TENANT_MAX_CONCURRENT answers in progress per tenant,
// and a tenant that Feishu rate-limits waits alone. A message that may not start now is put back in the queue
// for a short pause (it holds no worker meanwhile), so one tenant's flood or 429s never hold up the others.
// Pure: the clock and randomness are injected.

export interface TenantLimiterOptions {
  maxConcurrent: number;
  /** Pause before a put-back message is tried again, ms; grows with the tenant's backlog, ±20 % jitter. */
  basePauseMs?: number;
  maxPauseMs?: number;
  now?: () => number;
  random?: () => number;
}

export type Admission =
  /** Start now; call release() when the answer is done (or failed). */
  | { kind: 'start'; release: () => void }
  /** Not now: put the message back for this long. */
  | { kind: 'wait'; delayMs: number; reason: 'tenant_busy' | 'tenant_rate_limited' };

export interface TenantLimiter {
  admit(tenantKey: string): Admission;
  /** Feishu rate-limited this tenant: its messages wait at least `ms` before the next call. */
  rateLimited(tenantKey: string, ms: number): void;
  /** Answers in progress for the tenant (for tests and stats). */
  running(tenantKey: string): number;
}

interface TenantState {
  running: number;
  /** Put back and not yet started again: the tenant's backlog, which spreads their retries. */
  waiting: number;
  coolUntil: number;
}

export const TENANT_PAUSE_BASE_MS = 200;
export const TENANT_PAUSE_MAX_MS = 5_000;

export function createTenantLimiter(options: TenantLimiterOptions): TenantLimiter {
  const { maxConcurrent, now = Date.now, random = Math.random } = options;
  const basePauseMs = options.basePauseMs ?? TENANT_PAUSE_BASE_MS;
  const maxPauseMs = options.maxPauseMs ?? TENANT_PAUSE_MAX_MS;
  const tenants = new Map<string, TenantState>();

  const stateOf = (tenantKey: string): TenantState => {
    let state = tenants.get(tenantKey);
    if (!state) tenants.set(tenantKey, (state = { running: 0, waiting: 0, coolUntil: 0 }));
    return state;
  };
  /** Forget idle tenants: memory grows with the tenants busy now, not with every tenant ever seen. */
  const tidy = (tenantKey: string, state: TenantState) => {
    if (state.running === 0 && state.waiting <= 0 && state.coolUntil <= now()) tenants.delete(tenantKey);
  };
  const jitter = (ms: number) => Math.max(1, Math.round(ms * (0.8 + 0.4 * random())));

  return {
    admit(tenantKey) {
      const state = stateOf(tenantKey);
      const at = now();
      if (state.coolUntil > at) {
        state.waiting += 1;
        return { kind: 'wait', delayMs: jitter(state.coolUntil - at), reason: 'tenant_rate_limited' };
      }
      if (state.running >= maxConcurrent) {
        state.waiting += 1;
        // a backlog of n waits about n / maxConcurrent rounds of answers: spread the retries over that
        const rounds = Math.ceil(state.waiting / maxConcurrent);
        return { kind: 'wait', delayMs: jitter(Math.min(maxPauseMs, basePauseMs * rounds)), reason: 'tenant_busy' };
      }
      state.waiting = Math.max(0, state.waiting - 1);
      state.running += 1;
      let released = false;
      return {
        kind: 'start',
        release: () => {
          if (released) return;
          released = true;
          state.running -= 1;
          tidy(tenantKey, state);
        },
      };
    },
    rateLimited(tenantKey, ms) {
      const state = stateOf(tenantKey);
      state.coolUntil = Math.max(state.coolUntil, now() + ms);
    },
    running: (tenantKey) => tenants.get(tenantKey)?.running ?? 0,
  };
}
