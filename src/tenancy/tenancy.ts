// What answers messages and clicks, for each kind of app (FEISHU_APP_TYPE):
//   self_built  one bot for the one tenant, its tenant token from tenant_access_token/internal (feishu/token.ts);
//   store       one bot per tenant that installed the app (tenant-bots.ts), each calling Feishu with its own
//               tenant_access_token (feishu/store-auth.ts) and caching under its own prefix (state/scoped.ts);
//               the app events (app_ticket, app_status_change, app_uninstalled) handled at the edge.
// The tenant is decided at the edge (the event's header.tenant_key), recorded with the message, and picks
// the bot that answers it.
import { createAppEventIntake, type AppEventIntake } from '../bot/app-events.js';
import { createCardActionIntake, type CardActionIntake } from '../bot/card-actions.js';
import { createBookingClicks } from '../bot/booking/clicks.js';
import { createBookingRunner } from '../bot/booking/job.js';
import { createTypedBooking } from '../bot/booking/typed.js';
import { createTenantLimiter, type TenantLimiter } from '../bot/fairness.js';
import { createDirectoryAnswers } from '../bot/directory/answer.js';
import { createRoomBot, type RoomBot } from '../bot/handler.js';
import type { BookingRunner } from '../bot/intake.js';
import type { AppTicketStore, IntakeQueue, StateStore } from '../bot/ports.js';
import { accessPolicy } from '../bot/triage.js';
import type { AppConfig } from '../config.js';
import { StartupError } from '../errors.js';
import { startBotIdentity } from '../feishu/bot-info.js';
import { createFeishuBookingCalendar } from '../feishu/calendar.js';
import type { CallPolicy } from '../feishu/call-with-retry.js';
import type { createFeishuClient } from '../feishu/client.js';
import { createFeishuDirectorySource } from '../feishu/directory.js';
import { createFeishuRoomCalendar } from '../feishu/freebusy.js';
import { createPacer } from '../feishu/pace.js';
import { createFeishuMessenger } from '../feishu/messages.js';
import { createFeishuRoomDirectory } from '../feishu/rooms.js';
import { createStoreAuth, waitForAppToken } from '../feishu/store-auth.js';
import { createTenantTokenProvider, waitForTenantToken, type TenantTokenProvider } from '../feishu/token.js';
import type { Logger } from '../log.js';
import type { BotMetrics } from '../metrics.js';
import type { EventHeader } from '../protocol/events.js';
import { createDirectorySync, type DirectorySync } from '../state/directory-sync.js';
import { scopedStore, tenantPrefix } from '../state/scoped.js';
import { createTenantLifecycle } from './lifecycle.js';
import { createTenantBots, type BotCallStats, type TenantBot } from './tenant-bots.js';

export interface TenancyStats extends BotCallStats {
  /** Tenant tokens fetched (store app: of every tenant). */
  tokenFetches: number;
  /** Store app: tenants with a bot held in memory, and app_access_token fetches. */
  tenants?: number;
  appTokenFetches?: number;
}

export interface Tenancy {
  /** The message's triage, by the bot of its tenant. */
  triage: RoomBot['triage'];
  /** Answers a recorded message as its tenant. */
  answer: RoomBot['answer'];
  onCardAction: CardActionIntake;
  /** Runs a booking job as the tenant it carries (task.tenant_key); undefined when booking is off. */
  bookings: BookingRunner | undefined;
  /** Store app: the schema 1.0 app events. */
  onAppEvent: AppEventIntake | undefined;
  /** Store app: per-tenant caps and rate-limit pauses. */
  limiter: TenantLimiter | undefined;
  /** Store app: a message's tenant has a usable key; a self-built app takes any (access.ts judges senders). */
  acceptsTenant(header: Pick<EventHeader, 'tenant_key'>): boolean;
  /** A message arrived from the tenant (store app: a tenant that had stopped the app is back). */
  seen(tenantKey: string): Promise<void>;
  /** Resolves once Feishu issues the first token (self-built: a tenant token; store: the app_access_token). */
  firstToken(signal: AbortSignal): Promise<void>;
  /** What /readyz says until then. */
  readonly waitingFor: string;
  stats(): TenancyStats;
  /** Starts the background work once listening (the directory sync of a self-built app; a store app's as tenants come). */
  start(): void;
  stop(): void;
  /** The self-built app's directory sync (a store app has one per tenant: this one stays empty). */
  readonly directory: DirectorySync;
}

/** After a failed directory sync, the next try waits at least this long. */
const DIRECTORY_RETRY_MS = 60_000;
/** A replica that dies while syncing holds the lock at most this long (a 10,000-room sync takes ~2 min at 10/s). */
const DIRECTORY_LOCK_TTL_MS = 10 * 60_000;

/** A store app's stand-in for RunningBot.directory: its directories are per tenant. */
const NO_DIRECTORY: DirectorySync = {
  status: () => ({ state: 'loading' }),
  view: async () => undefined,
  start: () => undefined,
  stop: () => undefined,
  tick: async () => undefined,
  syncNow: async () => undefined,
  stats: { syncs: 0, failures: 0, loads: 0 },
};

export interface TenancyDeps {
  config: AppConfig;
  client: ReturnType<typeof createFeishuClient>;
  /** Lookup and free/busy cache (Redis shared by the replicas, or memory). */
  cache: StateStore;
  /** Card-callback replay marks (Redis, or a journal in DATA_DIR). */
  marks: StateStore;
  /** Store app: where the app_ticket is kept. */
  tickets: AppTicketStore;
  /** The intake a booking click is recorded in. */
  queue: Pick<IntakeQueue, 'add'>;
  policy: CallPolicy;
  logger: Logger;
  metrics: BotMetrics;
  retry: { baseDelayMs: number; maxDelayMs: number };
}

/** A Feishu tenant_key: 16 hex digits in practice; anything unlike a key is never used in a cache key. */
const TENANT_KEY = /^[A-Za-z0-9_-]{1,64}$/;

export function buildTenancy(deps: TenancyDeps): Tenancy {
  return deps.config.feishu.appType === 'store' ? storeTenancy(deps) : selfBuiltTenancy(deps);
}

/** The adapters and bot of one tenant, calling Feishu with `tokens` and caching in `cache` / `marks`. */
function tenantBot(
  tenant: string,
  deps: TenancyDeps,
  tokens: TenantTokenProvider | ReturnType<ReturnType<typeof createStoreAuth>['tenant']>,
  cache: StateStore,
  marks: StateStore,
  logger: Logger,
): TenantBot {
  const { config, client, policy, metrics } = deps;
  const directory = createFeishuRoomDirectory({
    client,
    tokens,
    policy,
    batchSize: config.lookup.batchSize,
    cache,
    cacheTtlMs: config.lookup.cacheTtlSeconds * 1000,
  });
  const calendar = createFeishuRoomCalendar({
    client,
    tokens,
    policy,
    cache,
    cacheTtlMs: config.availability.cacheTtlSeconds * 1000,
  });
  const messenger = createFeishuMessenger({ client, tokens, policy });
  const directorySource = createFeishuDirectorySource({
    client,
    tokens,
    policy,
    pacer: createPacer(config.directory.maxCallsPerSecond),
  });
  const directorySync = createDirectorySync({
    reader: directorySource,
    store: cache,
    tenant,
    refreshMs: config.directory.refreshSeconds * 1000,
    pollMs: config.directory.pollMs,
    retryMs: Math.max(config.directory.pollMs, DIRECTORY_RETRY_MS),
    lockTtlMs: DIRECTORY_LOCK_TTL_MS,
    logger: logger.child({ component: 'directory' }),
    metrics,
  });
  // In the background: the start never waits for it (see feishu/bot-info.ts).
  const identity = startBotIdentity({ client, tokens, policy, logger, retry: deps.retry });
  const access = accessPolicy(config.access);
  const timeZone = config.availability.timezone;
  const booking = config.booking.enabled ? { maxMinutes: config.booking.maxMinutes } : undefined;
  // Bookings are jobs in the same intake as messages; this tenant's runner calls Feishu as this tenant.
  const bookingCalendar = createFeishuBookingCalendar({ client, tokens, policy, timeZone });
  const bookings = booking
    ? createBookingRunner({
        calendar: bookingCalendar,
        rooms: calendar,
        patcher: messenger,
        messenger,
        timeZone,
        logger,
      })
    : undefined;
  const bot = createRoomBot({
    directory,
    calendar,
    timeZone,
    messenger,
    limits: config.lookup,
    access,
    ...(booking ? { booking } : {}),
    ...(bookings
      ? {
          typedBooking: createTypedBooking({
            directory,
            rooms: { directory: directorySync, waitMs: config.directory.waitMs },
            runner: bookings,
            messenger,
            limits: booking,
            timeZone,
            logger,
          }),
        }
      : {}),
    botIdentity: identity.current,
    logger,
    directoryAnswers: createDirectoryAnswers({
      directory: directorySync,
      calendar,
      timeZone,
      clock: Date.now,
      waitMs: config.directory.waitMs,
      freeMinMinutes: config.free.minMinutes,
      freeMaxCandidates: config.free.maxCandidates,
      logger,
    }),
  });
  const bookingClicks = createBookingClicks({
    queue: deps.queue,
    enabled: booking !== undefined,
    limits: { maxMinutes: config.booking.maxMinutes },
    timeZone,
    logger,
  });
  const onCardAction = createCardActionIntake({
    bot,
    bookings: bookingClicks,
    store: marks,
    access,
    replayWindowMs: config.server.signatureToleranceSeconds * 1000,
    logger,
    metrics,
  });
  return {
    bot,
    onCardAction,
    bookings,
    stats: () => ({
      batchGetIdCalls: directory.stats.batchGetIdCalls,
      batchGetCalls: directory.stats.batchGetCalls,
      freeBusyCalls: calendar.stats.freeBusyCalls,
      replyCalls: messenger.stats.replyCalls,
      patchCalls: messenger.stats.patchCalls,
      calendarCalls: bookingCalendar.stats.calendarCalls,
      botInfoCalls: identity.fetchCount,
      botIdentityKnown: identity.current() !== undefined,
      directoryCalls: Object.values(directorySource.stats).reduce((sum, calls) => sum + calls, 0),
    }),
    directory: directorySync,
    stop: () => {
      identity.stop();
      directorySync.stop();
    },
  };
}

/** Until refused credentials or the first token: resolves, or rejects with a StartupError. */
function asStartup(waiting: Promise<void>): Promise<void> {
  return waiting.catch((error: unknown) => {
    throw error instanceof StartupError ? error : new StartupError(String(error));
  });
}

function selfBuiltTenancy(deps: TenancyDeps): Tenancy {
  const { config, logger } = deps;
  const tokens = createTenantTokenProvider(deps.client, config.feishu, deps.policy);
  // the app's own tenant: the directory's keys as before store apps (directory:self:…)
  const one = tenantBot('self', deps, tokens, deps.cache, deps.marks, logger);
  return {
    triage: one.bot.triage,
    answer: one.bot.answer,
    onCardAction: one.onCardAction,
    bookings: one.bookings,
    onAppEvent: undefined,
    limiter: undefined,
    acceptsTenant: () => true,
    seen: async () => undefined,
    firstToken: (signal) => asStartup(waitForTenantToken(tokens, config.feishu.domain, { logger, signal })),
    waitingFor: 'no tenant token from Feishu yet (FEISHU_DOMAIN unreachable?)',
    stats: () => ({ ...one.stats(), tokenFetches: tokens.fetchCount }),
    start: () => one.directory.start(),
    stop: () => one.stop(),
    directory: one.directory,
  };
}

function storeTenancy(deps: TenancyDeps): Tenancy {
  const { config, logger, metrics } = deps;
  const auth = createStoreAuth({
    client: deps.client,
    credentials: config.feishu,
    tickets: deps.tickets,
    shared: deps.cache,
    policy: deps.policy,
    logger: logger.child({ component: 'store-auth' }),
    metrics,
  });
  const bots = createTenantBots((tenantKey) => {
    const prefix = tenantPrefix(tenantKey);
    const tenantLogger = logger.child({ tenant_key: tenantKey });
    const bot = tenantBot(
      tenantKey,
      deps,
      auth.tenant(tenantKey),
      scopedStore(deps.cache, prefix),
      scopedStore(deps.marks, prefix),
      tenantLogger,
    );
    // a tenant's directory syncs in the background from its first message on (the bot is listening by then)
    if (started) bot.directory.start();
    return bot;
  });
  let started = false;
  const lifecycle = createTenantLifecycle({
    store: deps.cache,
    purge: deps.marks === deps.cache ? [deps.cache] : [deps.cache, deps.marks],
    forgetLocally: (tenantKey) => {
      bots.drop(tenantKey);
      auth.forget(tenantKey);
    },
    logger,
    metrics,
  });
  const limiter = createTenantLimiter({ maxConcurrent: config.tenant.maxConcurrent });
  const valid = (tenantKey: unknown): tenantKey is string =>
    typeof tenantKey === 'string' && TENANT_KEY.test(tenantKey);
  /** The bot of a record's tenant; undefined (logged) for a record without one, or from before its tenant stopped. */
  async function botFor(
    tenantKey: string | undefined,
    job: { message_id: string; received_at: number },
  ): Promise<TenantBot | undefined> {
    if (!valid(tenantKey)) {
      logger.error(
        { message_id: job.message_id, outcome: 'given_up', reason: 'tenant_key' },
        'store app: a record without its tenant; not answered',
      );
      return undefined;
    }
    const stoppedAt = await lifecycle.stoppedAt(tenantKey);
    if (stoppedAt !== undefined && job.received_at <= stoppedAt) {
      logger.info(
        { message_id: job.message_id, tenant_key: tenantKey, outcome: 'not_answered', reason: 'tenant_stopped' },
        'message not answered: its tenant stopped or removed the app since',
      );
      return undefined;
    }
    return bots.get(tenantKey);
  }
  return {
    triage: (event, header) => bots.get(header.tenant_key).bot.triage(event, header),
    async answer(job) {
      const bot = await botFor(job.tenant_key, job);
      if (bot) await bot.bot.answer(job);
    },
    bookings: config.booking.enabled
      ? {
          async run(job) {
            const bot = await botFor(job.task.tenant_key, job);
            // enabled for every tenant alike: each tenant's bot has its runner
            if (bot?.bookings) await bot.bookings.run(job);
          },
        }
      : undefined,
    onCardAction: (envelope) => bots.get(envelope.header.tenant_key).onCardAction(envelope),
    onAppEvent: createAppEventIntake({
      appId: config.feishu.appId,
      recordTicket: (ticket) => auth.recordTicket(ticket),
      lifecycle,
      logger,
      metrics,
    }),
    limiter,
    acceptsTenant: (header) => valid(header.tenant_key),
    seen: (tenantKey) => lifecycle.seen(tenantKey),
    firstToken: (signal) => asStartup(waitForAppToken(auth, config.feishu.domain, { logger, signal })),
    waitingFor: 'no app_access_token from Feishu yet (waiting for the app_ticket push, or FEISHU_DOMAIN unreachable)',
    stats() {
      const all = bots.all().map((bot) => bot.stats());
      const sum = (pick: (s: (typeof all)[number]) => number) => all.reduce((total, s) => total + pick(s), 0);
      return {
        tokenFetches: auth.tenantTokenFetches,
        appTokenFetches: auth.appTokenFetches,
        tenants: bots.size,
        batchGetIdCalls: sum((s) => s.batchGetIdCalls),
        batchGetCalls: sum((s) => s.batchGetCalls),
        freeBusyCalls: sum((s) => s.freeBusyCalls),
        replyCalls: sum((s) => s.replyCalls),
        patchCalls: sum((s) => s.patchCalls),
        calendarCalls: sum((s) => s.calendarCalls),
        botInfoCalls: sum((s) => s.botInfoCalls),
        directoryCalls: sum((s) => s.directoryCalls),
        botIdentityKnown: all.length > 0 && all.every((s) => s.botIdentityKnown),
      };
    },
    start: () => {
      started = true;
      for (const bot of bots.all()) bot.directory.start();
    },
    stop: () => bots.stopAll(),
    directory: NO_DIRECTORY,
  };
}
