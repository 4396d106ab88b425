// A StateStore that prefers Redis and fails OPEN to the in-memory store while Redis is away. It holds
// what may be lost without harm: cached lookups and card-callback replay marks. (Accepted messages are
// not here: they live in the intake queue, which answers 503 while Redis is away; see redis-queue.ts.)
//
// Why fail open: a cache miss costs a lookup, and a replay mark kept per replica during an outage still
// stops replays to that replica.
//
// While out, the primary is probed at most once per retryIntervalMs (the next operation tries it);
// the outage is logged once at error level when it starts, and once more when Redis answers again.
import type { Logger } from '../log.js';
import type { StateStore } from '../bot/ports.js';

/** During an outage, an operation tries Redis again at most this often: often enough to come back within a second, rare enough not to add a timeout to every operation. */
const PRIMARY_RETRY_INTERVAL_MS = 1_000;

export interface FailoverStoreOptions {
  /** During an outage, how often an operation tries the primary again, ms (tests shorten it); PRIMARY_RETRY_INTERVAL_MS otherwise. */
  retryIntervalMs?: number;
  /** Clock in ms (injectable for tests). */
  now?: () => number;
}

export interface FailoverStore extends StateStore {
  /** True while operations are served by the fallback. */
  readonly usingFallback: boolean;
}

export function createFailoverStore(
  primary: StateStore,
  fallback: StateStore,
  logger: Logger,
  options: FailoverStoreOptions = {},
): FailoverStore {
  const retryIntervalMs = options.retryIntervalMs ?? PRIMARY_RETRY_INTERVAL_MS;
  const now = options.now ?? Date.now;
  let outageSince: number | undefined;
  let lastProbeAt = 0;
  let fallbackOperations = 0;
  // Once the fallback has taken writes, it may hold marks Redis never saw: consult it after recovery too.
  let fallbackHoldsData = false;

  async function route<T>(operation: string, onPrimary: () => Promise<T>, onFallback: () => Promise<T>): Promise<T> {
    if (outageSince !== undefined) {
      if (now() - lastProbeAt < retryIntervalMs) {
        fallbackOperations += 1;
        fallbackHoldsData = true;
        return onFallback();
      }
      lastProbeAt = now();
    }
    try {
      const result = await onPrimary();
      if (outageSince !== undefined) {
        logger.warn(
          { outage_ms: now() - outageSince, operations_on_fallback: fallbackOperations },
          'state store: redis is back, leaving the in-memory fallback',
        );
        outageSince = undefined;
      }
      return result;
    } catch (error) {
      if (outageSince === undefined) {
        outageSince = now();
        lastProbeAt = outageSince;
        fallbackOperations = 0;
        logger.error(
          { err: error, operation },
          'state store: redis unavailable, failing open to the in-memory store (dedupe is per replica until it is back)',
        );
      }
      fallbackOperations += 1;
      fallbackHoldsData = true;
      return onFallback();
    }
  }

  return {
    async setIfAbsent(key, value, ttlMs) {
      const claimed = await route(
        'setIfAbsent',
        () => primary.setIfAbsent(key, value, ttlMs),
        () => fallback.setIfAbsent(key, value, ttlMs),
      );
      // claimed in Redis, but this replica already claimed it during the outage: still a duplicate
      if (claimed && fallbackHoldsData && outageSince === undefined && (await fallback.get(key)) !== undefined) {
        return false;
      }
      return claimed;
    },
    async set(key, value, ttlMs) {
      await route(
        'set',
        () => primary.set(key, value, ttlMs),
        () => fallback.set(key, value, ttlMs),
      );
    },
    async get(key) {
      const value = await route(
        'get',
        () => primary.get(key),
        () => fallback.get(key),
      );
      if (value === undefined && fallbackHoldsData && outageSince === undefined) return fallback.get(key);
      return value;
    },
    async delete(key) {
      await route(
        'delete',
        () => primary.delete(key),
        () => fallback.delete(key),
      );
      if (fallbackHoldsData) await fallback.delete(key);
    },
    async deleteByPrefix(prefix) {
      await route(
        'deleteByPrefix',
        () => primary.deleteByPrefix(prefix),
        () => fallback.deleteByPrefix(prefix),
      );
      await fallback.deleteByPrefix(prefix);
    },
    async close() {
      await Promise.allSettled([primary.close(), fallback.close()]);
    },
    get usingFallback() {
      return outageSince !== undefined;
    },
  };
}
