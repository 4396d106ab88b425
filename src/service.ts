// Builds the running bot from a validated config in three steps: build (stores, queue, Feishu adapters, bot,
// transports), listen (server, workers, long connection), shutdown (drain, close). main.ts calls startBot;
// so do the end-to-end tests (several instances can run in one process).
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { createIntake, createJobWorker } from './bot/intake.js';
import type { AppConfig } from './config.js';
import type { CallPolicy } from './feishu/call-with-retry.js';
import { createFeishuClient } from './feishu/client.js';
import { createWebhookApp } from './transports/webhook/app.js';
import { handleClientErrors } from './transports/webhook/client-errors.js';
import { capConnections } from './transports/webhook/connection-cap.js';
import { StartupError } from './errors.js';
import type { Logger } from './log.js';
import { createFailoverStore } from './state/failover.js';
import { createJournalStore } from './state/journal-store.js';
import { createMemoryStore } from './state/memory.js';
import type { DirectorySync } from './state/directory-sync.js';
import type { DrainResult, IntakeQueue, IntakeQueueStats, StateStore } from './bot/ports.js';
import { createMetrics } from './metrics.js';
import { createLocalQueue } from './state/local-queue.js';
import { createAppEventDispatch, createDispatch } from './transports/dispatch.js';
import { createFileTicketStore, createStateTicketStore } from './state/ticket-store.js';
import { buildTenancy, type Tenancy, type TenancyStats } from './tenancy/tenancy.js';
import { createLongConnection, type LongConnection } from './transports/long-connection.js';

export interface RunningBot {
  /** Base URL the webhook listens on, e.g. http://127.0.0.1:3000. */
  readonly url: string;
  readonly server: Server;
  /** Where accepted messages are recorded: 'local' (journal in DATA_DIR) or 'redis' (BullMQ). */
  readonly intakeMode: IntakeQueue['mode'];
  /** How events arrive: 'webhook' (POSTs to `url`) or 'websocket' (the long connection the bot opened). */
  readonly eventMode: AppConfig['feishu']['eventMode'];
  /**
   * Resolves if the bot cannot work and should exit: Feishu refused the app credentials (the first tenant
   * token request), or refused the long connection on a reconnect (a refusal at start makes startBot reject).
   */
  readonly fatal: Promise<StartupError>;
  /** Resolves once Feishu has issued the first tenant token: from then on /readyz can say ready. */
  readonly tokenIssued: Promise<void>;
  /** Counters for health checks and the benchmark. */
  stats(): Promise<BotStats>;
  /** The room directory's sync (status; a sync on demand for tests and the bench). */
  readonly directory: Pick<DirectorySync, 'status' | 'view' | 'tick' | 'syncNow' | 'stats'>;
  /** Stops accepting (503), lets running answers finish within the deadline, then closes. */
  shutdown(deadlineMs?: number): Promise<DrainResult>;
}

export interface BotStats extends IntakeQueueStats, TenancyStats {}

/**
 * Every Redis key of this bot starts with the app ID: two apps (two tenants' room directories, or a test
 * app beside the production one) sharing a Redis must never answer each other's messages or read each
 * other's cached lookups.
 */
function redisPrefix(config: AppConfig): string {
  return `roombot:${config.feishu.appId}`;
}

/** Lookup cache and card-callback replay marks: memory, or Redis shared by the replicas (failing open to memory). */
async function createStore(config: AppConfig, logger: Logger): Promise<StateStore> {
  const memory = createMemoryStore({ maxEntries: config.dedupe.maxEntries, logger });
  if (!config.redisUrl) return memory;
  const { createRedisStore, redactRedisUrl } = await import('./state/redis.js');
  const redis = createRedisStore({ url: config.redisUrl, logger, keyPrefix: `${redisPrefix(config)}:` });
  try {
    await redis.waitUntilReady();
    logger.info({ redis: redactRedisUrl(config.redisUrl) }, 'lookup cache in Redis');
  } catch (error) {
    // Start anyway: the cache is an optimisation, and the failover store keeps probing Redis.
    logger.error(
      { err: error, redis: redactRedisUrl(config.redisUrl) },
      'Redis not reachable at start; new events get 503 until it is',
    );
  }
  return createFailoverStore(redis, memory, logger);
}

/** Where accepted messages wait until answered: BullMQ in Redis (replicas), or the local journal. */
async function createIntakeQueue(config: AppConfig, logger: Logger): Promise<IntakeQueue> {
  const common = {
    concurrency: config.queue.concurrency,
    maxPending: config.queue.maxPending,
    dedupeTtlMs: config.dedupe.ttlSeconds * 1000,
    logger,
  };
  if (config.redisUrl) {
    const { createRedisQueue } = await import('./state/redis-queue.js');
    return createRedisQueue({
      ...common,
      url: config.redisUrl,
      prefix: redisPrefix(config),
      lockMs: config.queue.redisLockMs,
      stalledCheckMs: config.queue.redisStalledCheckMs,
    });
  }
  return createLocalQueue({ ...common, dir: resolve(config.dataDir), maxDoneEntries: config.dedupe.maxEntries });
}

/**
 * Marks that must outlive a restart (the card-callback replay guard): Redis when there is one (the cache
 * store), else a journal in DATA_DIR beside the intake journal.
 */
async function createMarksStore(config: AppConfig, cache: StateStore, logger: Logger): Promise<StateStore> {
  if (config.redisUrl) return cache;
  return createJournalStore({
    dir: resolve(config.dataDir),
    name: MARKS_FILE,
    maxEntries: config.dedupe.maxEntries,
    logger,
  });
}

const MARKS_FILE = 'marks.jsonl';

/** Node checks its header/request timeouts only this often (default 30 s): slow clients would outstay them. */
const TIMEOUT_CHECK_INTERVAL_MS = 1_000;

/** Over the long connection the app authenticates itself with its secret: no signature, no encryption to set up. */
function warnAboutPushSecurity(config: AppConfig, logger: Logger): void {
  if (config.feishu.eventMode === 'websocket') return;
  if (!config.feishu.verificationToken) {
    logger.warn('FEISHU_VERIFICATION_TOKEN is not set: the token in pushes is not checked');
  }
  if (!config.feishu.encryptKey) {
    logger.warn(
      'FEISHU_ENCRYPT_KEY is not set: pushes are neither encrypted nor signed; set an Encrypt Key in the console',
    );
  }
}

/** The bot built but not yet taking events: what listen() starts and shutdownBot() stops. */
interface BotParts {
  config: AppConfig;
  logger: Logger;
  store: StateStore;
  /** Marks that survive a restart; the same object as store with Redis. */
  marks: StateStore;
  queue: IntakeQueue;
  metrics: ReturnType<typeof createMetrics>;
  /** What answers: one bot (self-built app), or one per tenant (store app). */
  tenancy: Tenancy;
  retry: { baseDelayMs: number; maxDelayMs: number; giveUpAfterMs: number };
  longConnection: LongConnection | undefined;
  server: Server;
  /** Whether the bot takes work now; what dispatch and /readyz read. */
  state: { ready: boolean; draining: boolean; tokenIssued: boolean };
}

/** What the config does not set: Feishu's own deadlines, which only tests shorten. */
export interface BotOptions {
  /** How long a card callback may take before it is answered "still working"; CARD_ACTION_TIMEOUT_MS otherwise. */
  cardActionTimeoutMs?: number;
}

/** Stores, queue, Feishu adapters, the bot, its intakes and transports: built, nothing listening yet. */
async function buildBot(config: AppConfig, logger: Logger, options: BotOptions = {}): Promise<BotParts> {
  const { eventMode } = config.feishu;
  warnAboutPushSecurity(config, logger);
  const store = await createStore(config, logger);
  const queue = await createIntakeQueue(config, logger);
  const marks = await createMarksStore(config, store, logger);
  const metrics = createMetrics({ intakeMode: queue.mode, queueStats: () => queue.stats(), eventMode });
  const policy: CallPolicy = {
    maxAttempts: config.feishu.maxAttempts,
    logger: logger.child({ component: 'feishu' }),
    metrics,
  };
  const client = createFeishuClient({ ...config.feishu, logger });
  const retry = {
    baseDelayMs: config.queue.retryBaseDelayMs,
    maxDelayMs: config.queue.retryMaxDelayMs,
    giveUpAfterMs: config.queue.giveUpAfterSeconds * 1000,
  };
  const tenancy = buildTenancy({
    config,
    client,
    cache: store,
    marks,
    // store app: the ticket in Redis with the replicas, else beside the journal in DATA_DIR
    tickets: config.redisUrl ? createStateTicketStore(store) : createFileTicketStore(resolve(config.dataDir)),
    queue,
    policy,
    logger,
    metrics,
    retry,
  });
  const intake = createIntake({ queue, bot: tenancy, logger, metrics });
  const onEvent: typeof intake = async (envelope) => {
    if (!tenancy.acceptsTenant(envelope.header)) {
      logger.warn(
        { event_id: envelope.header.event_id, outcome: 'invalid', reason: 'tenant_key' },
        'event without a usable tenant_key refused',
      );
      return 'invalid';
    }
    await tenancy.seen(envelope.header.tenant_key).catch(() => undefined);
    return intake(envelope);
  };
  const onCardAction = tenancy.onCardAction;

  // Ready once listening; Feishu's first tenant token is a readiness problem until it comes.
  const state = { ready: false, draining: false, tokenIssued: false };
  // One dispatch for whichever transport brings the events: it needs only whether the bot takes work now.
  const dispatch = createDispatch({
    appId: config.feishu.appId,
    onEvent,
    onCardAction,
    readiness: () => state,
    logger,
    cardActionTimeoutMs: options.cardActionTimeoutMs,
  });
  const longConnection: LongConnection | undefined =
    eventMode === 'websocket'
      ? createLongConnection({
          appId: config.feishu.appId,
          appSecret: config.feishu.appSecret,
          domain: config.feishu.domain,
          verificationToken: config.feishu.verificationToken,
          dispatch,
          logger,
          metrics,
        })
      : undefined;
  const problems = (): string[] => [
    ...(state.tokenIssued ? [] : [tenancy.waitingFor]),
    ...(queue.reachable ? [] : [`intake store (${queue.mode}) unreachable`]),
    ...(queue.problem === undefined ? [] : [queue.problem]),
    ...(longConnection?.problems() ?? []),
  ];
  const app = createWebhookApp({
    webhookRoutes: eventMode === 'webhook',
    verificationToken: config.feishu.verificationToken,
    encryptKey: config.feishu.encryptKey,
    bodyLimitBytes: config.server.bodyLimitBytes,
    signatureToleranceSeconds: config.server.signatureToleranceSeconds,
    logger,
    dispatch,
    dispatchAppEvent: tenancy.onAppEvent && createAppEventDispatch(tenancy.onAppEvent),
    readiness: () => ({
      ready: state.ready,
      draining: state.draining,
      problems: problems(),
      details: { intake: queue.mode, events: eventMode },
    }),
    metrics,
    renderMetrics: async () => ({ contentType: metrics.contentType, body: await metrics.render() }),
  });
  const server = createServer(
    {
      headersTimeout: config.server.headersTimeoutMs,
      requestTimeout: config.server.requestTimeoutMs,
      connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS,
    },
    app.callback(),
  );
  capConnections(server, config.server.maxConnections, logger, metrics);
  handleClientErrors(server, logger);
  return {
    config,
    logger,
    store,
    marks,
    queue,
    metrics,
    tenancy,
    retry,
    longConnection,
    server,
    state,
  };
}

/** The base URL a server listens on, with a wildcard address said as loopback. */
function baseUrl(server: Server): { url: string; listen: string } {
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${address.port}`;
  return { url, listen: `${host}:${address.port}` };
}

/**
 * Listens, starts the workers, then opens the long connection (in websocket mode). A failure to listen or a
 * refused connection closes what was built and rejects.
 */
async function listen(parts: BotParts): Promise<string> {
  const { config, logger, server, queue, longConnection } = parts;
  server.listen(config.server.port, config.server.host);
  await Promise.race([
    once(server, 'listening'),
    once(server, 'error').then(([error]) => {
      throw error;
    }),
  ]).catch(async (error: unknown) => {
    parts.tenancy.stop();
    await queue.close(0);
    await closeStores(parts);
    throw error;
  });
  const { url, listen: listening } = baseUrl(server);
  const { tenancy } = parts;
  queue.start(
    createJobWorker({
      bot: tenancy,
      ...(tenancy.bookings ? { bookings: tenancy.bookings } : {}),
      retry: parts.retry,
      logger,
      metrics: parts.metrics,
      ...(tenancy.limiter ? { limiter: tenancy.limiter } : {}),
    }),
  );
  tenancy.start(); // in the background: requests before the first sync wait (bounded) or are told
  parts.state.ready = true;
  if (longConnection) {
    logger.info(
      { url, feishu: config.feishu.domain, intake: queue.mode, events: config.feishu.eventMode },
      'listening for health checks and metrics; events come over the long connection',
    );
    // Until the connection is up /readyz says so; a refusal (bad credentials, too many connections) ends the start.
    await longConnection.start().catch(async (error: unknown) => {
      await closeAll(parts);
      throw error;
    });
  } else {
    logger.info(
      {
        url,
        listen: listening,
        feishu: config.feishu.domain,
        signed_events: config.feishu.encryptKey !== '',
        intake: queue.mode,
      },
      'webhook listening',
    );
  }
  return url;
}

/** Stops the background work, lets the queue finish within the deadline, then closes the server and the store. */
async function closeAll(parts: BotParts, deadlineMs = 0): Promise<DrainResult> {
  parts.tenancy.stop();
  const drained = await parts.queue.close(deadlineMs);
  const closed = new Promise<void>((resolve) => parts.server.close(() => resolve()));
  parts.server.closeIdleConnections();
  await closed;
  await closeStores(parts);
  return drained;
}

async function closeStores(parts: BotParts): Promise<void> {
  await parts.store.close();
  if (parts.marks !== parts.store) await parts.marks.close();
}

/**
 * Stops taking events (503, or the long connection closed), lets running answers finish within the
 * deadline, then closes everything.
 */
async function shutdownBot(parts: BotParts, deadlineMs: number): Promise<DrainResult> {
  const { logger, queue, longConnection } = parts;
  parts.state.draining = true;
  // The long connection first: Feishu gives new events to the other replicas' connections (or keeps them
  // for this one's restart), and those being taken in are recorded before the queue closes.
  await longConnection?.close();
  logger.info(
    await queue.stats().catch(() => ({ stats: 'unavailable' })),
    longConnection
      ? 'shutting down: long connection closed, running answers finish'
      : 'shutting down: new events get 503, running answers finish',
  );
  const drained = await closeAll(parts, deadlineMs);
  if (!drained.finished)
    logger.error(
      { remaining: drained.remaining },
      'shutdown deadline reached with answers unfinished; they stay recorded and are answered after a restart',
    );
  logger.info({ finished: drained.finished }, 'stopped');
  return drained;
}

/**
 * Waits in the background for Feishu's first tenant token: then the bot is ready. Refused credentials
 * resolve `refused` (main exits 1, naming the variables); an unreachable Feishu is retried until stopped.
 */
function awaitFirstToken(parts: BotParts, signal: AbortSignal) {
  const firstToken = parts.tenancy.firstToken(signal).then(() => {
    parts.state.tokenIssued = true;
  });
  return {
    issued: firstToken.catch(() => new Promise<never>(() => {})),
    refused: firstToken.then(
      () => new Promise<never>(() => {}),
      (error: unknown) => (error instanceof StartupError ? error : new StartupError(String(error))),
    ),
  };
}

function statsOf(parts: BotParts): () => Promise<BotStats> {
  return async () => ({ ...(await parts.queue.stats()), ...parts.tenancy.stats() });
}

export async function startBot(config: AppConfig, logger: Logger, options: BotOptions = {}): Promise<RunningBot> {
  const parts = await buildBot(config, logger, options);
  const url = await listen(parts);
  const stopWaiting = new AbortController();
  const token = awaitFirstToken(parts, stopWaiting.signal);
  let shutdownResult: Promise<DrainResult> | undefined;
  const shutdown = (deadlineMs: number): Promise<DrainResult> => {
    stopWaiting.abort();
    return shutdownBot(parts, deadlineMs);
  };
  return {
    url,
    server: parts.server,
    intakeMode: parts.queue.mode,
    eventMode: config.feishu.eventMode,
    fatal: Promise.race([token.refused, parts.longConnection?.refused ?? new Promise<never>(() => {})]),
    tokenIssued: token.issued,
    stats: statsOf(parts),
    directory: parts.tenancy.directory,
    shutdown: (deadlineMs = config.server.shutdownTimeoutMs) => (shutdownResult ??= shutdown(deadlineMs)),
  };
}
