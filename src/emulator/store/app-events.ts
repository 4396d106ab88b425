// The schema 1.0 events of a store app, as Feishu pushes them: app_ticket, app_status_change, app_uninstalled.
import { randomBytes } from 'node:crypto';
import {
  APP_STATUS_CHANGE,
  APP_TICKET,
  APP_UNINSTALLED,
  type AppStatusChangeEvent,
  type AppTicketEvent,
  type AppUninstalledEvent,
  type LegacyEvent,
  type LegacyEventEnvelope,
  type UserId,
} from '../../protocol/events.js';

interface AppOf {
  appId: string;
  verificationToken: string;
}

function wrap<E extends LegacyEvent>(app: AppOf, event: E, now: number): LegacyEventEnvelope<E> {
  return {
    ts: (now / 1000).toFixed(7),
    uuid: randomBytes(16).toString('hex'),
    token: app.verificationToken,
    type: 'event_callback',
    event,
  };
}

export function appTicketEvent(app: AppOf, ticket: string, now: number): LegacyEventEnvelope<AppTicketEvent> {
  return wrap(app, { app_id: app.appId, app_ticket: ticket, type: APP_TICKET }, now);
}

export function appStatusChangeEvent(
  app: AppOf,
  tenantKey: string,
  status: AppStatusChangeEvent['status'],
  operator: UserId,
  now: number,
): LegacyEventEnvelope<AppStatusChangeEvent> {
  // operator only comes with start_by_tenant (the doc: 仅status=start_by_tenant时有此字段)
  const event: AppStatusChangeEvent = { app_id: app.appId, tenant_key: tenantKey, type: APP_STATUS_CHANGE, status };
  return wrap(app, status === 'start_by_tenant' ? { ...event, operator } : event, now);
}

export function appUninstalledEvent(
  app: AppOf,
  tenantKey: string,
  now: number,
): LegacyEventEnvelope<AppUninstalledEvent> {
  return wrap(app, { app_id: app.appId, tenant_key: tenantKey, type: APP_UNINSTALLED }, now);
}
