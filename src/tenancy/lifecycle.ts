// Each tenant's app state for a store app, kept in the shared store so every replica sees it: when a tenant
// stops or removes the app its cached data and tokens are purged (here and in the shared store), and records
// of its messages from before are not answered; a message from it later means it is back (a re-install may
// bring no event of its own), and it starts from scratch.
import type { StateStore, TenantLifecycle } from '../bot/ports.js';
import type { Logger } from '../log.js';
import { NO_METRICS, type BotMetrics } from '../metrics.js';
import { tenantPrefix } from '../state/scoped.js';

/** The stop mark outlives any record of the tenant's messages (QUEUE_GIVE_UP_AFTER_SECONDS is far shorter). */
const STOP_MARK_TTL_MS = 7 * 24 * 60 * 60 * 1000;

export interface TenantLifecycleOptions {
  /** Where the stop marks live: shared by the replicas (Redis), or this process's store. */
  store: StateStore;
  /** Every store that keeps data under the tenant's prefix (cache and tokens; callback marks). */
  purge: StateStore[];
  /** Drops what this process holds for the tenant (its bot, token source, limits). */
  forgetLocally: (tenantKey: string) => void;
  logger: Logger;
  metrics?: Pick<BotMetrics, 'tenant'>;
  now?: () => number;
}

const stopMark = (tenantKey: string) => `tenant-stopped:${tenantKey}`;

export function createTenantLifecycle(options: TenantLifecycleOptions): TenantLifecycle {
  const { store, purge, forgetLocally, logger, metrics = NO_METRICS, now = Date.now } = options;
  return {
    async stop(tenantKey) {
      await store.set(stopMark(tenantKey), String(now()), STOP_MARK_TTL_MS);
      forgetLocally(tenantKey);
      for (const each of purge) await each.deleteByPrefix(tenantPrefix(tenantKey));
      metrics.tenant('purged');
    },
    async start(tenantKey) {
      await store.delete(stopMark(tenantKey));
    },
    async seen(tenantKey) {
      if ((await store.get(stopMark(tenantKey))) === undefined) return;
      await store.delete(stopMark(tenantKey));
      metrics.tenant('reinstalled');
      logger.info({ tenant_key: tenantKey }, 'a message from a tenant that had stopped the app: serving it again');
    },
    async stoppedAt(tenantKey) {
      const raw = await store.get(stopMark(tenantKey));
      const at = raw === undefined ? Number.NaN : Number(raw);
      return Number.isFinite(at) ? at : undefined;
    },
  };
}
