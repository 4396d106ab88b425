// The one place the SDK is loaded and its client built. Every call to Feishu goes through this client.
import type * as Lark from '@larksuiteoapi/node-sdk';
import axios, { type AxiosResponse } from 'axios';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { createRequire } from 'node:module';
import type { Logger } from '../log.js';

// Loaded with require, not import: an ESM import of this CommonJS package makes Node scan its 6 MB
// bundle for export names, which costs ~35 MB of RSS and ~0.1 s at every start.
const lark = createRequire(import.meta.url)('@larksuiteoapi/node-sdk') as typeof Lark;

/** Request options that make one SDK call use the given tenant_access_token. */
export const withTenantToken: typeof Lark.withTenantToken = lark.withTenantToken;

export interface FeishuClientOptions {
  appId: string;
  appSecret: string;
  /** Base URL: https://open.feishu.cn, https://open.larksuite.com, or the local emulator. */
  domain: string;
  /** Per-call timeout; the SDK's default HTTP instance has none. */
  timeoutMs: number;
  logger: Logger;
}

/**
 * An SDK client with its own HTTP instance (so every call has a timeout) and with the SDK's token
 * cache off: tenant tokens come from TenantTokenProvider, which coalesces concurrent fetches and
 * refreshes on 99991663 (the SDK's cache does neither).
 */
export function createFeishuClient(options: FeishuClientOptions): Lark.Client {
  // Keep-alive: every lookup and reply would otherwise open (and TLS-handshake) a new connection.
  const httpInstance = axios.create({
    timeout: options.timeoutMs,
    maxRedirects: 0, // the Open API does not redirect; this also skips follow-redirects on every call
    // keepAliveMsecs as axios sets per request, so Node need not reset it on every call
    httpAgent: new HttpAgent({ keepAlive: true, keepAliveMsecs: 60_000 }),
    httpsAgent: new HttpsAgent({ keepAlive: true, keepAliveMsecs: 60_000 }),
  });
  // Same contract as the SDK's defaultHttpInstance: resolve to the response body.
  httpInstance.interceptors.response.use((response: AxiosResponse) => response.data);
  return new lark.Client({
    appId: options.appId,
    appSecret: options.appSecret,
    domain: options.domain,
    appType: lark.AppType.SelfBuild,
    disableTokenCache: true,
    httpInstance: httpInstance as unknown as Lark.Client['httpInstance'],
    loggerLevel: lark.LoggerLevel.warn,
    logger: sdkLogger(options.logger.child({ component: 'sdk' })),
  });
}

/** The SDK logs every failed call at error level; we log outcomes ourselves, so keep its lines at debug. */
function sdkLogger(logger: Logger): { error: Log; warn: Log; info: Log; debug: Log; trace: Log } {
  const toDebug: Log = (...msg) => logger.debug({ sdk: msg.map(describe) }, 'sdk log');
  return { error: toDebug, warn: toDebug, info: toDebug, debug: toDebug, trace: toDebug };
}

type Log = (...msg: unknown[]) => void;

/** SDK log arguments as short text: its error objects carry request config, Authorization header included. */
function describe(value: unknown): string {
  if (value instanceof Error) return value.message;
  if (typeof value !== 'object' || value === null) return String(value);
  const { config: _config, headers: _headers, request: _request, ...rest } = value as Record<string, unknown>;
  try {
    return JSON.stringify(rest)?.slice(0, 500) ?? '';
  } catch {
    return '[unserialisable SDK log argument]'; // e.g. a circular structure
  }
}

/** Query strings with repeated keys (a=1&a=2): what meeting_room v1 expects; axios would send a[]=1&a[]=2. */
export function repeatKeysSerializer(params: Record<string, string | number | readonly (string | number)[]>): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    for (const item of Array.isArray(value) ? value : [value]) query.append(key, String(item));
  }
  return query.toString();
}
