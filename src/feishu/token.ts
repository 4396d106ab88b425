// tenant_access_token for a self-built app, fetched through the SDK's auth API.
// Doc: 自建应用获取 tenant_access_token — valid up to 2 h; a new one is issued when < 30 min remain.
import type * as lark from '@larksuiteoapi/node-sdk';
import { callFeishu, type CallPolicy } from './call.js';

export interface TenantTokenProvider {
  /** A valid token; concurrent callers share one fetch. */
  get(): Promise<string>;
  /** Forget `token` (Feishu said 99991663); the next get() fetches a new one. */
  invalidate(token: string): void;
  /** How many times a token was fetched (for the benchmark's API-economy figures). */
  readonly fetchCount: number;
}

interface CachedToken {
  value: string;
  refreshAt: number;
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
    const body = await callFeishu("auth.tenant_access_token", policy, () =>
      client.auth.tenantAccessToken.internal({ data: { app_id: credentials.appId, app_secret: credentials.appSecret } }),
    );
    // The endpoint answers at the top level (not under data), unlike what the SDK's types say.
    const flat = body as { tenant_access_token?: string; expire?: number; data?: { tenant_access_token?: string; expire?: number } };
    const value = flat.tenant_access_token ?? flat.data?.tenant_access_token;
    const expireSeconds = flat.expire ?? flat.data?.expire ?? 0;
    if (!value) throw new Error('tenant_access_token missing from a successful token response');
    // Refresh ahead of expiry: 5 minutes early, or half the lifetime for short-lived tokens.
    const marginMs = Math.min(5 * 60_000, (expireSeconds * 1000) / 2);
    cached = { value, refreshAt: now() + expireSeconds * 1000 - marginMs };
    return value;
  }

  return {
    get fetchCount() {
      return fetchCount;
    },
    async get() {
      if (cached && now() < cached.refreshAt) return cached.value;
      inflight ??= fetchToken().finally(() => {
        inflight = undefined;
      });
      return inflight;
    },
    invalidate(token) {
      if (cached?.value === token) cached = undefined;
    },
  };
}
