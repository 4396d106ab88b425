// Prometheus metrics (GET /metrics), every name prefixed roombot_. One registry per bot, not prom-client's
// global one, so several bots in one process (the tests) keep their counts apart. The rest of the code sees
// the BotMetrics interface only: what happened, never how it is counted.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { IntakeQueueStats } from './bot/ports.js';

export interface BotMetrics {
  /** An event or callback taken in by a transport, by what became of it (accepted, duplicate, ignored, …). */
  event(outcome: string): void;
  /**
   * A message event accepted or ignored, by what the triage made of it: command, addressed_lookup (room IDs
   * without /room), addressed_help, or why it was not answered (not_a_command, external_sender, chat_not_allowed, …).
   */
  triage(outcome: string): void;
  /** A message, card click or command refused by the access policy (bot/access.ts), by entry point and reason. */
  accessRefused(entry: string, reason: string): void;
  /** A request refused before it reached the intake, by reason (bad_signature, body_too_large, …). */
  rejection(reason: string): void;
  /** One call to the Feishu Open API: its api name, Feishu's code (0 = success; "http_503", "network" when Feishu did not answer with one) and its duration. */
  feishuCall(api: string, code: string, seconds: number): void;
  /** A retry: of one Feishu call ("call"), or of a whole message by the queue ("message"). */
  retry(scope: 'call' | 'message'): void;
  /** A recorded message finished: answered, or given up. */
  message(outcome: 'answered' | 'given_up'): void;
  /** The long connection changed state (websocket event mode only). */
  longConnection(change: LongConnectionChange): void;
  /** Store app: a tenant's app changed state (stopped, uninstalled, started, purged, reinstalled by a message). */
  tenant(change: TenantChange): void;
  /** Store app: Feishu refused a tenant's tenant_access_token, by Feishu's code. */
  tenantTokenRefused(code: string): void;
  /** Store app: a token fetched from Feishu (app_access_token, or a tenant's tenant_access_token). */
  tokenFetch(kind: 'app' | 'tenant'): void;
  /** Store app: an app_ticket recorded from its push, or a resend asked for. */
  appTicket(outcome: 'recorded' | 'resend_requested'): void;
  /** A message put back for later without a call: its tenant had TENANT_MAX_CONCURRENT answers in progress, or is rate-limited. */
  deferred(reason: 'tenant_busy' | 'tenant_rate_limited'): void;
  /** A directory sync ended: synced, failed (the last good directory is kept), or loaded (another replica's). */
  directorySync(outcome: 'synced' | 'failed' | 'loaded'): void;
}

export type TenantChange = 'stopped' | 'uninstalled' | 'started' | 'reinstalled' | 'purged';

/** Up for the first time, lost (the SDK reconnects), up again, or refused by Feishu for good. */
export type LongConnectionChange = 'connected' | 'disconnected' | 'reconnected' | 'refused';

export interface MetricsRegistry extends BotMetrics {
  readonly contentType: string;
  /** The exposition text; reads the queue's depth at scrape time. */
  render(): Promise<string>;
}

export interface MetricsSources {
  /** Where accepted messages are recorded: 'local' or 'redis'. */
  intakeMode: string;
  queueStats: () => Promise<IntakeQueueStats>;
  /** How events arrive: 'webhook' or 'websocket' (the long connection; its metrics exist only then). */
  eventMode?: string;
}

export function createMetrics(sources: MetricsSources): MetricsRegistry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'roombot_' });
  const registers = [registry];
  const directorySyncs = new Counter({
    name: 'roombot_directory_syncs_total',
    help: 'Room directory syncs: synced (read from Feishu), failed (the last good directory kept), loaded (synced by another replica)',
    labelNames: ['outcome'],
    registers,
  });
  const events = new Counter({
    name: 'roombot_events_total',
    help: 'Events and callbacks taken in, by outcome',
    labelNames: ['outcome'],
    registers,
  });
  const triaged = new Counter({
    name: 'roombot_messages_triaged_total',
    help: 'Message events accepted or ignored, by what the triage made of them (command, addressed_lookup, addressed_help, not_a_command, external_sender, chat_not_allowed, …)',
    labelNames: ['outcome'],
    registers,
  });
  const accessRefusals = new Counter({
    name: 'roombot_access_refused_total',
    help: 'Messages, card clicks and commands refused by the access policy (ALLOW_EXTERNAL_SENDERS, ALLOWED_CHAT_IDS), by entry (message, card_action, …) and reason (external_sender, chat_not_allowed)',
    labelNames: ['entry', 'reason'],
    registers,
  });
  const rejections = new Counter({
    name: 'roombot_rejections_total',
    help: 'Requests refused before the intake, by reason',
    labelNames: ['reason'],
    registers,
  });
  const calls = new Counter({
    name: 'roombot_feishu_calls_total',
    help: 'Calls to the Feishu Open API, by api and Feishu code',
    labelNames: ['api', 'code'],
    registers,
  });
  const callSeconds = new Histogram({
    name: 'roombot_feishu_call_duration_seconds',
    help: 'Duration of one call to the Feishu Open API (each attempt), by api',
    labelNames: ['api'],
    buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const retries = new Counter({
    name: 'roombot_retries_total',
    help: 'Retries: of one Feishu call (call) or of a whole message by the intake queue (message)',
    labelNames: ['scope'],
    registers,
  });
  const messages = new Counter({
    name: 'roombot_messages_total',
    help: 'Recorded messages finished, by outcome (answered, given_up)',
    labelNames: ['outcome'],
    registers,
  });
  const queueJobs = new Gauge({
    name: 'roombot_intake_queue_jobs',
    help: 'Messages in the intake queue, by state (waiting, running, delayed)',
    labelNames: ['state'],
    registers,
  });
  const oldestAge = new Gauge({
    name: 'roombot_intake_queue_oldest_age_seconds',
    help: 'Age of the oldest message waiting to be answered (0 when none)',
    registers,
  });
  const mode = new Gauge({
    name: 'roombot_intake_store',
    help: 'Where accepted messages are recorded (1 for the store in use): local journal or redis',
    labelNames: ['mode'],
    registers,
  });
  mode.set({ mode: sources.intakeMode }, 1);
  const longConnection =
    sources.eventMode === undefined ? undefined : longConnectionMetrics(registers, sources.eventMode);

  return {
    contentType: registry.contentType,
    async render() {
      try {
        const stats = await sources.queueStats();
        queueJobs.set({ state: 'waiting' }, stats.waiting);
        queueJobs.set({ state: 'running' }, stats.running);
        queueJobs.set({ state: 'delayed' }, stats.delayed);
        oldestAge.set((stats.oldestAgeMs ?? 0) / 1000);
      } catch {
        // the store is down (Redis): the gauges keep their last values; readiness says the rest
      }
      return registry.metrics();
    },
    event: (outcome) => events.inc({ outcome }),
    triage: (outcome) => triaged.inc({ outcome }),
    accessRefused: (entry, reason) => accessRefusals.inc({ entry, reason }),
    rejection: (reason) => rejections.inc({ reason }),
    feishuCall(api, code, seconds) {
      calls.inc({ api, code });
      callSeconds.observe({ api }, seconds);
    },
    retry: (scope) => retries.inc({ scope }),
    message: (outcome) => messages.inc({ outcome }),
    longConnection: (change) => longConnection?.(change),
    directorySync: (outcome) => directorySyncs.inc({ outcome }),
    ...tenantMetrics(registers),
  };
}

/** The store app's tenants: lifecycle, tokens, tickets, deferrals. */
function tenantMetrics(
  registers: Registry[],
): Pick<BotMetrics, 'tenant' | 'tenantTokenRefused' | 'tokenFetch' | 'appTicket' | 'deferred'> {
  const counter = (name: string, help: string, label: string) =>
    new Counter({ name, help, labelNames: [label], registers });
  const lifecycle = counter(
    'roombot_tenant_lifecycle_total',
    "Store app: tenants' app state changes (stopped, uninstalled, started, reinstalled) and purges of their cached data",
    'change',
  );
  const refused = counter(
    'roombot_tenant_token_refused_total',
    "Store app: tenant_access_token requests Feishu refused, by Feishu's code (that tenant's messages are not answered)",
    'code',
  );
  const fetches = counter(
    'roombot_token_fetches_total',
    'Tokens fetched from Feishu, by kind (app: app_access_token, tenant: a tenant_access_token)',
    'kind',
  );
  const tickets = counter(
    'roombot_app_tickets_total',
    'Store app: app_ticket pushes recorded, and resends asked for',
    'outcome',
  );
  const deferrals = counter(
    'roombot_messages_deferred_total',
    'Messages put back for later without a call: their tenant was at TENANT_MAX_CONCURRENT or rate-limited',
    'reason',
  );
  return {
    tenant: (change) => lifecycle.inc({ change }),
    tenantTokenRefused: (code) => refused.inc({ code }),
    tokenFetch: (kind) => fetches.inc({ kind }),
    appTicket: (outcome) => tickets.inc({ outcome }),
    deferred: (reason) => deferrals.inc({ reason }),
  };
}

/** roombot_event_mode, and in websocket mode the long connection's state and its changes. */
function longConnectionMetrics(
  registers: Registry[],
  eventMode: string,
): ((change: LongConnectionChange) => void) | undefined {
  new Gauge({
    name: 'roombot_event_mode',
    help: 'How events arrive (1 for the mode in use): webhook or websocket (long connection)',
    labelNames: ['mode'],
    registers,
  }).set({ mode: eventMode }, 1);
  if (eventMode !== 'websocket') return undefined;
  const up = new Gauge({
    name: 'roombot_long_connection_up',
    help: 'The long connection to Feishu is open and receiving (1) or not (0)',
    registers,
  });
  const changes = new Counter({
    name: 'roombot_long_connection_changes_total',
    help: 'Changes of the long connection: connected (first time), disconnected, reconnected, refused (Feishu refused the app; the bot exits)',
    labelNames: ['change'],
    registers,
  });
  for (const change of ['connected', 'disconnected', 'reconnected', 'refused'] as const) changes.inc({ change }, 0);
  return (change) => {
    changes.inc({ change });
    up.set(change === 'connected' || change === 'reconnected' ? 1 : 0);
  };
}

/** For code paths built without metrics (unit tests, the emulator's own tools). */
export const NO_METRICS: BotMetrics = {
  event: () => undefined,
  triage: () => undefined,
  accessRefused: () => undefined,
  rejection: () => undefined,
  feishuCall: () => undefined,
  retry: () => undefined,
  message: () => undefined,
  longConnection: () => undefined,
  tenant: () => undefined,
  tenantTokenRefused: () => undefined,
  tokenFetch: () => undefined,
  appTicket: () => undefined,
  deferred: () => undefined,
  directorySync: () => undefined,
};
