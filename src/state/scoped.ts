// A view of a StateStore whose keys all carry one prefix: a store app's tenant gets `t:<tenant_key>:` before
// every cached lookup, free/busy answer, callback mark and token, so no key of one tenant can answer another,
// and removing a tenant's data is one deleteByPrefix.
import type { StateStore } from '../bot/ports.js';

/** The prefix of everything kept for one tenant. */
export function tenantPrefix(tenantKey: string): string {
  return `t:${tenantKey}:`;
}

export function scopedStore(store: StateStore, prefix: string): StateStore {
  return {
    setIfAbsent: (key, value, ttlMs) => store.setIfAbsent(prefix + key, value, ttlMs),
    set: (key, value, ttlMs) => store.set(prefix + key, value, ttlMs),
    get: (key) => store.get(prefix + key),
    delete: (key) => store.delete(prefix + key),
    deleteByPrefix: (more) => store.deleteByPrefix(prefix + more),
    // the underlying store is shared: whoever made it closes it
    close: async () => undefined,
  };
}
