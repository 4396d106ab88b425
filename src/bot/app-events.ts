// The app events of a store app (商店应用), taken in at the edge like messages: verified by the transport,
// recorded, then acknowledged. They carry no message, so nothing is queued: the ticket is stored durably
// (Redis, or DATA_DIR), a lifecycle change is applied to the tenant (its data purged when it stops or removes
// the app). A failure to record is a refusal: Feishu pushes again.
//   app_ticket         {app_id, app_ticket}             every hour, and after auth/v3/app_ticket/resend
//   app_status_change  {app_id, tenant_key, status}     start_by_tenant / stop_by_tenant / stop_by_platform
//   app_uninstalled    {app_id, tenant_key}
import type { Logger } from '../log.js';
import { NO_METRICS, type BotMetrics } from '../metrics.js';
import { APP_STATUS_CHANGE, APP_TICKET, APP_UNINSTALLED, type LegacyEvent } from '../protocol/events.js';
import type { TenantLifecycle } from './ports.js';

export type AppEventOutcome = 'accepted' | 'ignored' | 'unavailable';

export type AppEventIntake = (event: LegacyEvent) => Promise<AppEventOutcome>;

export interface AppEventIntakeOptions {
  /** Events for another app are ignored (one Feishu console can point several apps at one URL). */
  appId: string;
  recordTicket(ticket: string): Promise<void>;
  lifecycle: TenantLifecycle;
  logger: Logger;
  metrics?: Pick<BotMetrics, 'event' | 'tenant'>;
}

/** tenant_key: Feishu's are 16 hex digits; anything unlike a key is not used as one. */
const TENANT_KEY = /^[A-Za-z0-9_-]{1,64}$/;
/** Tickets are short opaque strings; a longer one is not Feishu's. */
const MAX_TICKET_LENGTH = 512;

export function createAppEventIntake(options: AppEventIntakeOptions): AppEventIntake {
  const { appId, lifecycle, logger, metrics = NO_METRICS } = options;

  /** Runs the change; a store failure is 'unavailable' (Feishu re-delivers), logged with what failed. */
  async function apply(what: string, fields: Record<string, unknown>, change: () => Promise<void>) {
    try {
      await change();
    } catch (error) {
      logger.error(
        { ...fields, err: error, outcome: 'unavailable' },
        `${what}: could not record it; Feishu will push it again`,
      );
      return 'unavailable' as const;
    }
    logger.info({ ...fields, outcome: 'accepted' }, what);
    return 'accepted' as const;
  }

  async function take(event: LegacyEvent): Promise<AppEventOutcome> {
    const type = String(event.type).slice(0, 64);
    if (event.app_id !== appId) {
      logger.warn({ event_type: type, outcome: 'ignored', reason: 'other_app' }, 'app event for another app ignored');
      return 'ignored';
    }
    if (type === APP_TICKET) {
      const ticket = event.app_ticket;
      if (typeof ticket !== 'string' || ticket === '' || ticket.length > MAX_TICKET_LENGTH) {
        logger.warn(
          { event_type: type, outcome: 'ignored', reason: 'app_ticket' },
          'app_ticket event without a ticket',
        );
        return 'ignored';
      }
      // the ticket is a credential: never logged
      return apply('app_ticket recorded', { event_type: type }, () => options.recordTicket(ticket));
    }
    if (type !== APP_STATUS_CHANGE && type !== APP_UNINSTALLED) {
      logger.info({ event_type: type, outcome: 'ignored' }, 'schema 1.0 event ignored');
      return 'ignored';
    }
    const tenantKey = event.tenant_key;
    if (typeof tenantKey !== 'string' || !TENANT_KEY.test(tenantKey)) {
      logger.warn({ event_type: type, outcome: 'ignored', reason: 'tenant_key' }, 'app event without a tenant_key');
      return 'ignored';
    }
    const fields = { event_type: type, tenant_key: tenantKey, status: String(event.status ?? '').slice(0, 32) };
    if (type === APP_UNINSTALLED) {
      metrics.tenant('uninstalled');
      return apply('tenant removed the app: its data purged', fields, () => lifecycle.stop(tenantKey, 'uninstalled'));
    }
    if (event.status === 'start_by_tenant') {
      metrics.tenant('started');
      return apply('tenant started the app', fields, () => lifecycle.start(tenantKey));
    }
    if (event.status === 'stop_by_tenant' || event.status === 'stop_by_platform') {
      metrics.tenant('stopped');
      return apply('tenant stopped the app: its data purged', fields, () => lifecycle.stop(tenantKey, 'stopped'));
    }
    logger.warn(
      { ...fields, outcome: 'ignored', reason: 'status' },
      'app_status_change with an unknown status ignored',
    );
    return 'ignored';
  }

  return async (event) => {
    const outcome = await take(event);
    metrics.event(`app_event_${outcome}`);
    return outcome;
  };
}
