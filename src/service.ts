// Builds the running bot from a validated config: stores, Feishu adapter, bot, queue, webhook, server.
// main.ts calls it; so do the end-to-end tests (several instances can run in one process).
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRoomBot } from './bot/handler.js';
import { createEventIntake } from './bot/intake.js';
import { createWorkQueue, type DrainResult } from './bot/work-queue.js';
import type { AppConfig } from './config.js';
import type { CallPolicy } from './feishu/call.js';
import { createFeishuClient } from './feishu/client.js';
import { createFeishuRoomCalendar } from './feishu/freebusy.js';
import { createFeishuMessenger } from './feishu/messages.js';
import { createFeishuRoomDirectory } from './feishu/rooms.js';
import { createTenantTokenProvider } from './feishu/token.js';
import { createWebhookApp } from './http/app.js';
import type { Logger } from './log.js';
import { createFailoverStore } from './state/failover.js';
import { createMemoryStore } from './state/memory.js';
import { createRedisStore, redactRedisUrl } from './state/redis.js';
import type { StateStore } from './state/store.js';

export interface RunningBot {
  /** Base URL the webhook listens on, e.g. http://127.0.0.1:3000. */
  readonly url: string;
  readonly server: Server;
  /** Counters for health checks and the benchmark. */
  stats(): BotStats;
  /** Stops accepting (503), finishes every accepted event within the deadline, then closes. */
  shutdown(deadlineMs?: number): Promise<DrainResult>;
}

export interface BotStats {
  queued: number;
  running: number;
  tokenFetches: number;
  batchGetIdCalls: number;
  batchGetCalls: number;
  replyCalls: number;
}

async function createStore(config: AppConfig, logger: Logger): Promise<StateStore> {
  const memory = createMemoryStore({ maxEntries: config.dedupe.maxEntries, logger });
  if (!config.redisUrl) return memory;
  const redis = createRedisStore({ url: config.redisUrl, logger });
  try {
    await redis.waitUntilReady(5_000);
    logger.info({ redis: redactRedisUrl(config.redisUrl) }, 'dedupe marks and lookup cache in Redis');
  } catch (error) {
    // Start anyway (fail open, as during an outage): the failover store keeps probing Redis.
    logger.error({ err: error, redis: redactRedisUrl(config.redisUrl) }, 'Redis not reachable at start; using memory until it is');
  }
  return createFailoverStore(redis, memory, logger);
}

export async function startBot(config: AppConfig, logger: Logger): Promise<RunningBot> {
  if (!config.feishu.verificationToken) {
    logger.warn('FEISHU_VERIFICATION_TOKEN is not set: the token in pushes is not checked');
  }
  if (!config.feishu.encryptKey) {
    logger.warn('FEISHU_ENCRYPT_KEY is not set: pushes are neither encrypted nor signed; set an Encrypt Key in the console');
  }
  const store = await createStore(config, logger);
  const policy: CallPolicy = { maxAttempts: config.feishu.maxAttempts, logger: logger.child({ component: 'feishu' }) };
  const client = createFeishuClient({ ...config.feishu, logger });
  const tokens = createTenantTokenProvider(client, config.feishu, policy);
  const directory = createFeishuRoomDirectory({
    client,
    tokens,
    policy,
    batchSize: config.lookup.batchSize,
    cache: store,
    cacheTtlMs: config.lookup.cacheTtlSeconds * 1000,
  });
  const calendar = createFeishuRoomCalendar({ client, tokens, policy, cache: store, cacheTtlMs: config.availability.cacheTtlSeconds * 1000 });
  const messenger = createFeishuMessenger({ client, tokens, policy });
  const bot = createRoomBot({ directory, calendar, timeZone: config.availability.timezone, messenger, limits: config.lookup, logger });
  const queue = createWorkQueue({ concurrency: config.queue.concurrency, maxPending: config.queue.maxPending, logger });
  const onEvent = createEventIntake({
    store,
    queue,
    handleMessage: bot.handleMessage,
    ignoreReason: bot.ignoreReason,
    dedupeTtlMs: config.dedupe.ttlSeconds * 1000,
    retryDelaysMs: config.queue.retryDelaysMs,
    logger,
  });

  let ready = false;
  let draining = false;
  const app = createWebhookApp({
    verificationToken: config.feishu.verificationToken,
    encryptKey: config.feishu.encryptKey,
    bodyLimitBytes: config.server.bodyLimitBytes,
    signatureToleranceSeconds: config.server.signatureToleranceSeconds,
    logger,
    onEvent,
    onCardAction: (envelope) => bot.handleCardAction(envelope.event),
    readiness: () => ({ ready, draining, details: { queued: queue.pending, running: queue.running } }),
  });

  const server = app.listen(config.server.port, config.server.host);
  // Feishu sends small bodies quickly; a client trickling bytes must not hold a socket for Node's default 300 s.
  server.requestTimeout = 15_000;
  server.headersTimeout = 10_000;
  await once(server, 'listening');
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${address.port}`;
  ready = true;
  logger.info({ url, feishu: config.feishu.domain, signed_events: config.feishu.encryptKey !== '' }, 'webhook listening');

  let shutdownResult: Promise<DrainResult> | undefined;
  async function shutdown(deadlineMs = config.server.shutdownTimeoutMs): Promise<DrainResult> {
    draining = true;
    logger.info({ queued: queue.pending, running: queue.running }, 'shutting down: no new events, finishing accepted ones');
    const drained = await queue.drain(deadlineMs);
    if (!drained.finished) logger.error({ remaining: drained.remaining }, 'shutdown deadline reached with events unfinished');
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    await closed;
    await store.close();
    logger.info({ finished: drained.finished }, 'stopped');
    return drained;
  }

  return {
    url,
    server,
    stats: () => ({
      queued: queue.pending,
      running: queue.running,
      tokenFetches: tokens.fetchCount,
      batchGetIdCalls: directory.stats.batchGetIdCalls,
      batchGetCalls: directory.stats.batchGetCalls,
      replyCalls: messenger.stats.replyCalls,
    }),
    shutdown: (deadlineMs) => (shutdownResult ??= shutdown(deadlineMs)),
  };
}
