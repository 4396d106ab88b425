// The emulator as Feishu serves a store app (商店应用): builds the StoreApp from the options, registers its auth
// routes, pushes app_ticket (every ticketIntervalMs and after each resend) and the tenants' lifecycle events.
import type Router from 'koa-router';
import type { EmulatorState } from '../api/state.js';
import type { TenantIdentity } from '../events/envelopes.js';
import type { DeliveryResult } from '../events/delivery.js';
import type { FaultInjector } from '../faults.js';
import type { LegacyEventEnvelope } from '../../protocol/events.js';
import type { EmulatedRoom } from '../rooms.js';
import { appStatusChangeEvent, appTicketEvent, appUninstalledEvent } from './app-events.js';
import { registerStoreAuthRoutes } from './auth-routes.js';
import { roomsForTenant, StoreApp, type StoreTenant, type TenantStatus } from './store-app.js';

/** Feishu pushes app_ticket every hour (app_ticket 事件). */
export const FEISHU_TICKET_INTERVAL_MS = 60 * 60 * 1000;

export interface StoreTenantInput {
  /** Default a random tenant_key. */
  tenantKey?: string;
  /** Default the seed's rooms under room_ids of this tenant's own (the same custom IDs, other rooms). */
  rooms?: readonly EmulatedRoom[];
}

export interface StoreOptions {
  /** The tenants that have installed the app; default two. */
  tenants?: readonly StoreTenantInput[];
  /** How often a new app_ticket is pushed to the event URL, ms; default 1 h; 0 = only on resend. */
  ticketIntervalMs?: number;
}

export type AppStatus = 'start_by_tenant' | 'stop_by_tenant' | 'stop_by_platform';

/** What a test or the control API can do with the store app's tenants. */
export interface StoreControl {
  tenants(): { identity: TenantIdentity; status: TenantStatus; rooms: EmulatedRoom[] }[];
  tenant(tenantKey: string): StoreTenant;
  currentTicket(): string | undefined;
  ticketsIssued(): number;
  /** A new app_ticket, pushed to the event URL now. */
  pushAppTicket(): Promise<DeliveryResult>;
  /** A new tenant, or one that removed the app installing it again: no event is pushed (the next message is the news). */
  install(input?: StoreTenantInput): TenantIdentity;
  /** 应用停启用: changes the app's state in the tenant and pushes app_status_change. */
  setStatus(tenantKey: string, status: AppStatus): Promise<DeliveryResult>;
  /** 应用卸载: removes the app from the tenant and pushes app_uninstalled. */
  uninstall(tenantKey: string): Promise<DeliveryResult>;
  /** That tenant's tenant_access_tokens stop working (→ 99991663). */
  expireTenantTokens(tenantKey: string): void;
}

export interface StoreModeDeps {
  app: { appId: string; appSecret: string; verificationToken: string };
  seed: readonly EmulatedRoom[];
  tokenExpireSeconds: number;
  now: () => number;
  newIdentity: (tenantKey?: string) => TenantIdentity;
  /** Pushes a schema 1.0 event to the event URL (rejects when none is set). */
  push: (envelope: LegacyEventEnvelope) => Promise<DeliveryResult>;
  hasEventUrl: () => boolean;
  onPushError: (error: unknown) => void;
}

export interface StoreMode {
  store: StoreApp;
  control: StoreControl;
  register(router: Router<EmulatorState>, faults: FaultInjector): void;
  close(): void;
}

export function createStoreMode(options: StoreOptions, deps: StoreModeDeps): StoreMode {
  const store = new StoreApp(deps.tokenExpireSeconds, deps.now);
  const first = { value: true };
  const install = (input: StoreTenantInput = {}): TenantIdentity => {
    const known = input.tenantKey !== undefined ? store.get(input.tenantKey) : undefined;
    if (known) {
      store.setStatus(known.identity.tenantKey, 'installed');
      return known.identity;
    }
    const identity = deps.newIdentity(input.tenantKey);
    const rooms = input.rooms ?? (first.value ? deps.seed : roomsForTenant(deps.seed, identity.tenantKey));
    first.value = false;
    store.add(identity, rooms);
    return identity;
  };
  for (const tenant of options.tenants ?? [{}, {}]) install(tenant);

  const pushAppTicket = () => deps.push(appTicketEvent(deps.app, store.nextTicket(), deps.now()));
  const quietly = () => {
    if (deps.hasEventUrl()) pushAppTicket().catch(deps.onPushError);
  };
  const interval = options.ticketIntervalMs ?? FEISHU_TICKET_INTERVAL_MS;
  const timer = interval > 0 ? setInterval(quietly, interval) : undefined;
  timer?.unref();

  const tenant = (tenantKey: string): StoreTenant => {
    const found = store.get(tenantKey);
    if (!found) throw new Error(`no tenant ${tenantKey} in this store app`);
    return found;
  };
  const control: StoreControl = {
    tenants: () => store.list().map((t) => ({ identity: t.identity, status: t.status, rooms: t.rooms.list() })),
    tenant,
    currentTicket: () => store.currentTicket(),
    ticketsIssued: () => store.ticketsIssued(),
    pushAppTicket,
    install,
    setStatus(tenantKey, status) {
      store.setStatus(tenantKey, status === 'start_by_tenant' ? 'installed' : 'stopped');
      return deps.push(appStatusChangeEvent(deps.app, tenantKey, status, tenant(tenantKey).identity.user, deps.now()));
    },
    uninstall(tenantKey) {
      store.setStatus(tenantKey, 'uninstalled');
      return deps.push(appUninstalledEvent(deps.app, tenantKey, deps.now()));
    },
    expireTenantTokens: (tenantKey) => tenant(tenantKey).tokens.expireAll(),
  };
  return {
    store,
    control,
    register: (router, faults) => registerStoreAuthRoutes(router, deps.app, store, faults, quietly),
    close: () => clearInterval(timer),
  };
}
