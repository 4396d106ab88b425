// Store app (商店应用) auth through the SDK's typed auth API:
//   app_ticket (pushed by Feishu, kept in the AppTicketStore) → app_access_token (POST auth/v3/app_access_token)
//   → each tenant's tenant_access_token (POST auth/v3/tenant_access_token, {app_access_token, tenant_key}).
// Both tokens live up to 2 h (a new one is issued when < 30 min remain). The SDK's own ISV token manager
// (AppType.ISV + withTenantKey) neither shares one fetch between concurrent callers nor forgets a token
// Feishu refused, so tokens come from here and reach each call through withTenantToken, as token.ts does
// for a self-built app. Tokens are cached in the shared store too, and fetched under a lock there: across
// the replicas, one fetch per tenant per token lifetime.
import type * as lark from '@larksuiteoapi/node-sdk';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { backoffDelay, NO_JITTER } from '../backoff.js';
import type { AppTicketStore, StateStore } from '../bot/ports.js';
import { FeishuApiError } from '../errors.js';
import type { Logger } from '../log.js';
import { NO_METRICS, type BotMetrics } from '../metrics.js';
import { tenantPrefix } from '../state/scoped.js';
import { callWithRetry, type CallPolicy, type TokenSource } from './call-with-retry.js';
import {
  credentialsRejected,
  START_RETRY_FIRST_DELAY_MS,
  START_RETRY_MAX_DELAY_MS,
  type CredentialsCheckOptions,
} from './token.js';

/** 10012 (get app access token fail): the app_ticket is wrong or old; Feishu must push a new one. */
export const APP_TICKET_INVALID = 10012;
/** 99991664 invalid app token: the app_access_token expired or was replaced. */
export const APP_TOKEN_INVALID = 99991664;
/** Feishu will not issue a token for this tenant (20009 not installed, 99991662 stopped, 99991673 app unusable). */
export const TENANT_REFUSED_CODES: ReadonlySet<number> = new Set([20009, 99991662, 99991673]);

/** What a token fetch says while no ticket has been pushed yet. */
const NO_TICKET = 'no app_ticket yet';

/** Resends at most this often per process: Feishu pushes within seconds, and answers every resend with a push. */
const RESEND_MIN_INTERVAL_MS = 10_000;
/** How long a replica may hold the fetch lock of a token; another fetches once it lapses (the holder died). */
const LOCK_TTL_MS = 10_000;
/** How often a replica waiting for another's fetch looks for its answer. */
const LOCK_POLL_MS = 50;

interface CachedToken {
  value: string;
  refreshAt: number;
}

export interface StoreAuthOptions {
  client: lark.Client;
  credentials: { appId: string; appSecret: string };
  tickets: AppTicketStore;
  /** Shared by the replicas (Redis) or this process's memory: cached tokens and fetch locks. */
  shared: StateStore;
  policy: CallPolicy;
  logger: Logger;
  metrics?: Pick<BotMetrics, 'tokenFetch' | 'tenantTokenRefused' | 'appTicket'>;
  now?: () => number;
}

export interface StoreAuth {
  /** A valid app_access_token; concurrent callers share one fetch. Rejects with a FeishuApiError. */
  appToken(): Promise<string>;
  /** The token source of one tenant (made once per tenant and kept until purged). */
  tenant(tenantKey: string): TokenSource;
  /** Forgets the tenant's token here (its shared copy goes with the tenant's data). */
  forget(tenantKey: string): void;
  /** A ticket Feishu pushed: kept durably; rejects when it could not be stored. */
  recordTicket(ticket: string): Promise<void>;
  /** Asks Feishu to push the ticket again (at most every RESEND_MIN_INTERVAL_MS). */
  requestTicket(reason: string): Promise<void>;
  /** Resolves at the next ticket recorded by this process (or after `ms`). */
  ticketRecorded(ms: number): Promise<void>;
  readonly tenantTokenFetches: number;
  readonly appTokenFetches: number;
  /** Tenants with a token source held in memory. */
  readonly tenants: number;
}

/** The token fields of an auth answer: at the top level, whatever the SDK's types say (as in token.ts). */
function tokenOf(body: unknown, field: 'app_access_token' | 'tenant_access_token'): { value: string; expire: number } {
  const flat = body as Record<string, unknown> & { data?: Record<string, unknown> };
  const value = flat[field] ?? flat.data?.[field];
  const expire = flat.expire ?? flat.data?.expire;
  if (typeof value !== 'string' || value === '') throw new Error(`${field} missing from a successful token response`);
  return { value, expire: typeof expire === 'number' ? expire : 0 };
}

/** Refresh ahead of expiry: 5 minutes early, or half the lifetime for short-lived tokens (as token.ts). */
function cachedUntil(value: string, expireSeconds: number, now: number): CachedToken {
  const marginMs = Math.min(5 * 60_000, (expireSeconds * 1000) / 2);
  return { value, refreshAt: now + expireSeconds * 1000 - marginMs };
}

function parseCached(raw: string | undefined): CachedToken | undefined {
  if (raw === undefined) return undefined;
  try {
    const parsed = JSON.parse(raw) as Partial<CachedToken>;
    return typeof parsed.value === 'string' && typeof parsed.refreshAt === 'number'
      ? { value: parsed.value, refreshAt: parsed.refreshAt }
      : undefined;
  } catch {
    return undefined;
  }
}

export function createStoreAuth(options: StoreAuthOptions): StoreAuth {
  const { client, credentials, tickets, shared, policy, logger, metrics = NO_METRICS, now = Date.now } = options;
  let appTokenFetches = 0;
  let tenantTokenFetches = 0;
  let lastResendAt = -Infinity;
  let ticketWaiters: (() => void)[] = [];

  /**
   * A token from this process's cache, the shared cache, or one fetch under the shared lock: a replica that
   * finds the lock taken waits for the holder's answer instead of asking Feishu itself.
   */
  function sharedToken(key: string, fetch: () => Promise<CachedToken>) {
    let local: CachedToken | undefined;
    let inflight: Promise<string> | undefined;
    /** The token Feishu last refused: its shared copy may still be there (another replica's, or not yet deleted). */
    let refused: string | undefined;
    const lockKey = `${key}-lock`;

    async function fromShared(): Promise<CachedToken | undefined> {
      const found = parseCached(await shared.get(key).catch(() => undefined));
      return found && now() < found.refreshAt && found.value !== refused ? found : undefined;
    }

    async function obtain(): Promise<string> {
      const deadline = now() + LOCK_TTL_MS;
      for (;;) {
        const found = await fromShared();
        if (found) return (local = found).value;
        const owner = randomUUID();
        // the store unreachable: fetch anyway (a token is worth more than the one-fetch rule)
        const mine = await shared.setIfAbsent(lockKey, owner, LOCK_TTL_MS).catch(() => true);
        if (mine || now() > deadline) {
          try {
            local = await fetch();
            await shared.set(key, JSON.stringify(local), Math.max(1, local.refreshAt - now())).catch(() => undefined);
            return local.value;
          } finally {
            if ((await shared.get(lockKey).catch(() => undefined)) === owner)
              await shared.delete(lockKey).catch(() => undefined);
          }
        }
        await sleep(LOCK_POLL_MS);
      }
    }

    return {
      get(): Promise<string> {
        if (local && now() < local.refreshAt) return Promise.resolve(local.value);
        inflight ??= obtain().finally(() => {
          inflight = undefined;
        });
        return inflight;
      },
      invalidate(token: string): void {
        refused = token;
        if (local?.value === token) local = undefined;
        // the shared copy too, unless another replica has already put a newer one there
        void shared
          .get(key)
          .then((raw) => (parseCached(raw)?.value === token ? shared.delete(key) : undefined))
          .catch(() => undefined);
      },
      forget(): void {
        local = undefined;
      },
    };
  }

  async function fetchAppToken(): Promise<CachedToken> {
    const ticket = await tickets.get();
    if (ticket === undefined) {
      await requestTicket('no app_ticket held');
      throw new FeishuApiError('unavailable', 'auth.app_access_token', undefined, NO_TICKET, undefined, undefined);
    }
    appTokenFetches += 1;
    metrics.tokenFetch('app');
    try {
      const body = await callWithRetry('auth.app_access_token', policy, () =>
        client.auth.appAccessToken.create({
          data: { app_id: credentials.appId, app_secret: credentials.appSecret, app_ticket: ticket },
        }),
      );
      const token = tokenOf(body, 'app_access_token');
      return cachedUntil(token.value, token.expire, now());
    } catch (error) {
      if (error instanceof FeishuApiError && error.code === APP_TICKET_INVALID) {
        await requestTicket('Feishu refused the app_ticket (10012)');
        // transient: a new ticket is on its way
        throw new FeishuApiError('unavailable', error.api, error.code, error.feishuMsg, error.logId, error.httpStatus);
      }
      throw error;
    }
  }

  const app = sharedToken('token:app', fetchAppToken);
  const tenants = new Map<string, ReturnType<typeof sharedToken>>();

  async function fetchTenantToken(tenantKey: string): Promise<CachedToken> {
    for (let attempt = 1; ; attempt += 1) {
      const appToken = await app.get();
      tenantTokenFetches += 1;
      metrics.tokenFetch('tenant');
      try {
        const body = await callWithRetry('auth.tenant_access_token', policy, () =>
          client.auth.tenantAccessToken.create({ data: { app_access_token: appToken, tenant_key: tenantKey } }),
        );
        const token = tokenOf(body, 'tenant_access_token');
        return cachedUntil(token.value, token.expire, now());
      } catch (error) {
        if (!(error instanceof FeishuApiError)) throw error;
        if (error.code === APP_TOKEN_INVALID && attempt === 1) {
          app.invalidate(appToken);
          continue;
        }
        if (error.code !== undefined && TENANT_REFUSED_CODES.has(error.code)) {
          metrics.tenantTokenRefused(String(error.code));
          logger.warn(
            { tenant_key: tenantKey, ...error.toLog() },
            'Feishu refused the tenant_access_token of this tenant; its messages are not answered',
          );
        }
        throw error;
      }
    }
  }

  async function requestTicket(reason: string): Promise<void> {
    if (now() - lastResendAt < RESEND_MIN_INTERVAL_MS) return;
    lastResendAt = now();
    metrics.appTicket('resend_requested');
    logger.info({ reason }, 'asking Feishu to push the app_ticket again');
    try {
      await callWithRetry('auth.app_ticket.resend', policy, () =>
        client.auth.appTicket.resend({ data: { app_id: credentials.appId, app_secret: credentials.appSecret } }),
      );
    } catch (error) {
      // the hourly push comes anyway; the next need asks again after the interval
      logger.warn(error instanceof FeishuApiError ? error.toLog() : { err: error }, 'app_ticket resend failed');
      if (error instanceof FeishuApiError && error.kind === 'rejected') throw error;
    }
  }

  return {
    appToken: () => app.get(),
    tenant(tenantKey) {
      let source = tenants.get(tenantKey);
      if (!source) {
        source = sharedToken(`${tenantPrefix(tenantKey)}token`, () => fetchTenantToken(tenantKey));
        tenants.set(tenantKey, source);
      }
      return source;
    },
    forget(tenantKey) {
      tenants.get(tenantKey)?.forget();
      tenants.delete(tenantKey);
    },
    async recordTicket(ticket) {
      await tickets.set(ticket);
      metrics.appTicket('recorded');
      const waiting = ticketWaiters;
      ticketWaiters = [];
      for (const wake of waiting) wake();
    },
    requestTicket,
    ticketRecorded: (ms) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        ticketWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
    get tenantTokenFetches() {
      return tenantTokenFetches;
    },
    get appTokenFetches() {
      return appTokenFetches;
    },
    get tenants() {
      return tenants.size;
    },
  };
}

/**
 * Waits at start until an app_access_token can be had (then the bot is ready): asks for a ticket when none is
 * held or Feishu refuses the one held, and waits for its push (to this replica or, through the shared store,
 * another). Rejects with a StartupError when Feishu refuses the app's credentials; keeps trying while Feishu
 * cannot be reached.
 */
export async function waitForAppToken(
  auth: StoreAuth,
  domain: string,
  options: CredentialsCheckOptions,
): Promise<void> {
  const firstDelayMs = options.firstDelayMs ?? START_RETRY_FIRST_DELAY_MS;
  const maxDelayMs = options.maxDelayMs ?? START_RETRY_MAX_DELAY_MS;
  for (let attempt = 1; !options.signal?.aborted; attempt += 1) {
    try {
      await auth.appToken();
      options.logger.info({ attempts: attempt }, 'store app: app_access_token issued');
      return;
    } catch (error) {
      if (!(error instanceof FeishuApiError)) throw error;
      if (error.kind !== 'unavailable' && error.kind !== 'rate_limited') throw credentialsRejected(error, domain);
      const waitingForTicket =
        error.code === APP_TICKET_INVALID || (error.code === undefined && error.feishuMsg === NO_TICKET);
      if (waitingForTicket) {
        if (attempt === 1) options.logger.info('store app: waiting for Feishu to push the app_ticket');
        // a push to this replica wakes it at once; one to another replica shows in the shared store within a second
        await auth.ticketRecorded(1_000);
        continue;
      }
      const delay = backoffDelay(attempt, { baseMs: firstDelayMs, maxMs: maxDelayMs, jitter: NO_JITTER });
      options.logger.warn(
        { ...error.toLog(), attempt, retry_in_ms: delay },
        'Feishu not reachable at start; trying again',
      );
      await sleep(delay, undefined, { signal: options.signal }).catch(() => undefined);
    }
  }
}
