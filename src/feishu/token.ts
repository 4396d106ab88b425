// tenant_access_token for a self-built app, fetched through the SDK's auth API.
// Doc: 自建应用获取 tenant_access_token — valid up to 2 h; a new one is issued when < 30 min remain.
import { backoffDelay, NO_JITTER } from '../backoff.js';
import type * as lark from '@larksuiteoapi/node-sdk';
import { setTimeout as sleep } from 'node:timers/promises';
import { FeishuApiError, StartupError } from '../errors.js';
import type { Logger } from '../log.js';
import { callWithRetry, type CallPolicy, type TokenSource } from './call-with-retry.js';

/**
 * get(): a valid token; concurrent callers share one fetch. invalidate(token): forget `token` (Feishu said
 * 99991663); the next get() fetches a new one.
 */
export interface TenantTokenProvider extends TokenSource {
  /** How many times a token was fetched (for the benchmark's API-economy figures). */
  readonly fetchCount: number;
}

interface CachedToken {
  value: string;
  /** From then on a new token is fetched in the background… */
  refreshAt: number;
  /** …and this one still used until then (a call made with it must not meet its expiry). */
  usableUntil: number;
}

export function createTenantTokenProvider(
  client: lark.Client,
  credentials: { appId: string; appSecret: string },
  policy: CallPolicy,
  now: () => number = Date.now,
): TenantTokenProvider {
  let cached: CachedToken | undefined;
  let inflight: Promise<string> | undefined;
  let fetchCount = 0;

  async function fetchToken(): Promise<string> {
    fetchCount += 1;
    const body = await callWithRetry('auth.tenant_access_token', policy, () =>
      client.auth.tenantAccessToken.internal({
        data: { app_id: credentials.appId, app_secret: credentials.appSecret },
      }),
    );
    // The endpoint answers at the top level (not under data), unlike what the SDK's types say.
    const flat = body as {
      tenant_access_token?: string;
      expire?: number;
      data?: { tenant_access_token?: string; expire?: number };
    };
    const value = flat.tenant_access_token ?? flat.data?.tenant_access_token;
    const expireSeconds = flat.expire ?? flat.data?.expire ?? 0;
    if (!value) throw new Error('tenant_access_token missing from a successful token response');
    // Refresh ahead of expiry: 5 minutes early, or half the lifetime for short-lived tokens; meanwhile the
    // current token serves callers until a minute before it expires (a quarter of the lifetime if shorter).
    const lifetimeMs = expireSeconds * 1000;
    const expiresAt = now() + lifetimeMs;
    cached = {
      value,
      refreshAt: expiresAt - Math.min(5 * 60_000, lifetimeMs / 2),
      usableUntil: expiresAt - Math.min(60_000, lifetimeMs / 4),
    };
    return value;
  }

  function fetchOnce(): Promise<string> {
    inflight ??= fetchToken().finally(() => {
      inflight = undefined;
    });
    return inflight;
  }

  return {
    get fetchCount() {
      return fetchCount;
    },
    async get() {
      const at = now();
      if (cached && at < cached.refreshAt) return cached.value;
      if (cached && at < cached.usableUntil) {
        // A valid token is known: no caller waits for its successor (one round trip off that message's path).
        fetchOnce().catch((error: unknown) =>
          policy.logger.warn({ err: error }, 'tenant token refresh failed; the current one serves until it expires'),
        );
        return cached.value;
      }
      return fetchOnce();
    },
    invalidate(token) {
      if (cached?.value === token) cached = undefined;
    },
  };
}

/** While Feishu cannot be reached at start: try again after 1 s, doubling up to 30 s (docs/operations.md). */
export const START_RETRY_FIRST_DELAY_MS = 1_000;
export const START_RETRY_MAX_DELAY_MS = 30_000;

export interface CredentialsCheckOptions {
  logger: Logger;
  /** Aborted when the process stops: the check ends quietly. */
  signal?: AbortSignal;
  /** First pause while Feishu cannot be reached, doubling up to maxDelayMs (tests shorten them). */
  firstDelayMs?: number;
  maxDelayMs?: number;
}

/**
 * Fetches one tenant token at start, so that a wrong App ID or Secret shows at once rather than as a
 * missing reply to every `/room`. Resolves when Feishu issues a token. Rejects with a StartupError naming
 * FEISHU_APP_ID / FEISHU_APP_SECRET when Feishu answers that it will not (通用错误码: 10003 invalid param
 * for an unknown app_id, 10014 app secret invalid; any other permanent answer too). While Feishu cannot
 * be reached (network, timeout, 5xx, rate limit) it keeps trying, with backoff, until it can.
 */
export async function waitForTenantToken(
  tokens: TenantTokenProvider,
  domain: string,
  options: CredentialsCheckOptions,
): Promise<void> {
  const firstDelayMs = options.firstDelayMs ?? START_RETRY_FIRST_DELAY_MS;
  const maxDelayMs = options.maxDelayMs ?? START_RETRY_MAX_DELAY_MS;
  for (let attempt = 1; ; attempt += 1) {
    try {
      await tokens.get();
      if (attempt > 1) options.logger.info({ attempts: attempt }, 'Feishu reachable: tenant token issued');
      return;
    } catch (error) {
      if (!(error instanceof FeishuApiError)) throw error;
      if (error.kind !== 'unavailable' && error.kind !== 'rate_limited') throw credentialsRejected(error, domain);
      const delay = backoffDelay(attempt, { baseMs: firstDelayMs, maxMs: maxDelayMs, jitter: NO_JITTER });
      options.logger.warn(
        { ...error.toLog(), attempt, retry_in_ms: delay },
        'Feishu not reachable at start; trying again',
      );
      try {
        await sleep(delay, undefined, { signal: options.signal });
      } catch {
        return; // stopping
      }
    }
  }
}

export function credentialsRejected(error: FeishuApiError, domain: string): StartupError {
  const said = `code ${error.code ?? '-'}: ${error.feishuMsg ?? 'no message'}, http ${error.httpStatus ?? '-'}, log_id ${error.logId ?? '-'}`;
  // No Feishu code at all: what answered is not the Open API.
  const domainHint =
    error.code === undefined ? `, and FEISHU_DOMAIN (${domain}): it did not answer as Feishu's Open API` : '';
  return new StartupError(
    `Feishu refused the app credentials FEISHU_APP_ID / FEISHU_APP_SECRET (${said}): check them against the app's Credentials & Basic Info page in the developer console${domainHint}`,
  );
}
