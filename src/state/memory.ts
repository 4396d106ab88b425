// In-process StateStore (lookup cache, card-callback replay marks): for a single replica (no REDIS_URL) and
// as the fail-open fallback of Redis.
// Bounded: a Map keeps insertion order, so the first key is always the least recently written one.
// Expiry is lazy (checked on read) plus a small sweep of the oldest entries on every write, so there
// are no timers to keep the process alive and the cost per operation stays O(1) amortised.
import type { Logger } from '../log.js';
import type { StateStore } from '../bot/ports.js';

export interface MemoryStoreOptions {
  /** Entries kept at most; beyond it the least recently written entry is evicted. */
  maxEntries: number;
  /** Clock in ms (injectable for tests). */
  now?: () => number;
  /** Told (at most once a minute) when live entries are evicted: cached entries may be forgotten early. */
  logger?: Logger;
}

export interface MemoryStore extends StateStore {
  /** Entries held now, expired ones not yet swept included. */
  readonly size: number;
  /** The entries still live, oldest write first, with the time each expires (ms). */
  liveEntries(): { key: string; value: string; expiresAt: number }[];
}

interface Entry {
  value: string;
  expiresAt: number;
}

/** Oldest entries looked at per write; keeps expired entries from piling up behind live ones. */
const SWEEP_PER_WRITE = 2;
const EVICTION_WARNING_INTERVAL_MS = 60_000;

export function createMemoryStore(options: MemoryStoreOptions): MemoryStore {
  const { maxEntries } = options;
  if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError('maxEntries must be a positive integer');
  const now = options.now ?? Date.now;
  const entries = new Map<string, Entry>();
  let evictedSinceWarning = 0;
  let lastWarningAt = -Infinity;

  function noteEviction(at: number): void {
    evictedSinceWarning += 1;
    if (options.logger && at - lastWarningAt >= EVICTION_WARNING_INTERVAL_MS) {
      options.logger.warn(
        { max_entries: maxEntries, evicted: evictedSinceWarning },
        'memory store full: evicting live entries (raise DEDUPE_MAX_ENTRIES or set REDIS_URL)',
      );
      lastWarningAt = at;
      evictedSinceWarning = 0;
    }
  }

  function live(key: string, at: number): Entry | undefined {
    const entry = entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= at) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  }

  /** Drops a few expired entries from the old end, then the oldest ones while over the cap. */
  function makeRoom(at: number): void {
    let looked = 0;
    for (const [key, entry] of entries) {
      if (looked++ >= SWEEP_PER_WRITE) break;
      if (entry.expiresAt <= at) entries.delete(key);
    }
    while (entries.size >= maxEntries) {
      const oldest = entries.entries().next();
      if (oldest.done) break;
      const [key, entry] = oldest.value;
      entries.delete(key);
      if (entry.expiresAt > at) noteEviction(at);
    }
  }

  function write(key: string, value: string, ttlMs: number, at: number): void {
    // delete first so the key moves to the young end of the insertion order
    entries.delete(key);
    makeRoom(at);
    entries.set(key, { value, expiresAt: at + Math.max(1, ttlMs) });
  }

  return {
    async setIfAbsent(key, value, ttlMs) {
      const at = now();
      if (live(key, at) !== undefined) return false;
      write(key, value, ttlMs, at);
      return true;
    },
    async set(key, value, ttlMs) {
      write(key, value, ttlMs, now());
    },
    async get(key) {
      return live(key, now())?.value;
    },
    async delete(key) {
      entries.delete(key);
    },
    async deleteByPrefix(prefix) {
      for (const key of [...entries.keys()]) if (key.startsWith(prefix)) entries.delete(key);
    },
    async close() {
      entries.clear();
    },
    get size() {
      return entries.size;
    },
    liveEntries() {
      const at = now();
      const live: { key: string; value: string; expiresAt: number }[] = [];
      for (const [key, entry] of entries) if (entry.expiresAt > at) live.push({ key, ...entry });
      return live;
    },
  };
}
