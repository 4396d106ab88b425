// The one place the SDK is loaded and its client built. Every call to Feishu goes through this client.
import type * as Lark from '@larksuiteoapi/node-sdk';
import { createRequire } from 'node:module';
import type { Logger } from '../log.js';
import { createLeanHttpInstance, type LeanHttpInstance } from './http-instance.js';

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
  /** The SDK's HTTP instance; default ours (http-instance.ts). The bench passes axios to compare. */
  httpInstance?: LeanHttpInstance;
}

/**
 * An SDK client with our own HTTP instance (every call has a timeout, connections are kept alive, and a call
 * costs less CPU than through axios) and with the SDK's token cache off: tenant tokens come from
 * TenantTokenProvider, which coalesces concurrent fetches and refreshes ahead of expiry (the SDK's does neither).
 */
export function createFeishuClient(options: FeishuClientOptions): Lark.Client {
  const httpInstance = options.httpInstance ?? createLeanHttpInstance({ timeoutMs: options.timeoutMs });
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

/** Times of the long connection's own health checks (Feishu's defaults leave both unbounded). */
const LONG_CONNECTION_TIMEOUTS = {
  /** A WebSocket handshake that hangs (stuck proxy, NAT) is abandoned and retried. */
  handshakeMs: 10_000,
  /** A connection that does not answer a ping within this time is taken for dead and reopened. */
  pongSeconds: 10,
};

export interface LongConnectionClientOptions {
  appId: string;
  appSecret: string;
  /** Base URL: https://open.feishu.cn, https://open.larksuite.com, or the local emulator. */
  domain: string;
  logger: Logger;
  /**
   * Takes one event or card callback, as Feishu sent it. What it resolves to is the acknowledgement's
   * answer (a callback's toast and card; undefined for events); a rejection is not an acknowledgement.
   */
  receive: (envelope: unknown) => Promise<unknown>;
  /** The connection is up for the first time (the SDK listens for frames by then). */
  onReady: () => void;
  /** The connection was lost; the SDK reconnects on its own. */
  onReconnecting: () => void;
  /** The connection is up again. */
  onReconnected: () => void;
  /** Feishu refused the app (any endpoint code but 1000040343, which the SDK retries): the client has stopped. */
  onError: (error: Error) => void;
}

export interface LongConnectionClient {
  /** Opens the connection in the background; the callbacks say how it went. */
  start(): void;
  /** Closes it (with a close frame) and stops reconnecting; frames in flight go unacknowledged. */
  close(): void;
}

/**
 * The long connection (长连接), opened by the SDK's WSClient. The SDK's EventDispatcher is handed the
 * frame's JSON exactly as Feishu sent it ({schema, header, event}: plain, never encrypted on this channel;
 * WSClient.handleEventData → eventDispatcher.invoke(data, {needCheck: false})), but its invoke() merges header
 * and event into one object before any handler sees it (RequestHandle.parse), and a card callback's
 * card-update `token` then overwrites the header's verification token. So the dispatcher given to WSClient
 * overrides invoke() and passes the envelope on whole: the verification token is checked in the header it
 * came in, and the bot's intake gets the same EventEnvelope as from the webhook.
 */
export function createLongConnectionClient(options: LongConnectionClientOptions): LongConnectionClient {
  const logger = sdkLogger(options.logger.child({ component: 'sdk' }));
  const client = new lark.WSClient({
    appId: options.appId,
    appSecret: options.appSecret,
    domain: options.domain,
    loggerLevel: lark.LoggerLevel.warn,
    logger,
    handshakeTimeoutMs: LONG_CONNECTION_TIMEOUTS.handshakeMs,
    wsConfig: { pingTimeout: LONG_CONNECTION_TIMEOUTS.pongSeconds },
    onReady: options.onReady,
    onReconnecting: options.onReconnecting,
    onReconnected: options.onReconnected,
    onError: options.onError,
  });
  const dispatcher = new WholeEnvelopeDispatcher(options.receive, { loggerLevel: lark.LoggerLevel.warn, logger });
  return {
    start: () => void client.start({ eventDispatcher: dispatcher }),
    close: () => client.close(),
  };
}

/** An EventDispatcher whose invoke() gets the envelope unmerged (see createLongConnectionClient). */
class WholeEnvelopeDispatcher extends lark.EventDispatcher {
  constructor(
    private readonly receive: (envelope: unknown) => Promise<unknown>,
    params: ConstructorParameters<typeof lark.EventDispatcher>[0],
  ) {
    super(params);
  }

  override invoke(envelope: unknown): Promise<unknown> {
    return this.receive(envelope);
  }
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
