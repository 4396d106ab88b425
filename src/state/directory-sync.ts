// The room directory of one tenant, kept in the state store (memory, or Redis shared by replicas) and synced in
// the background (docs/directory.md). Every pollMs a replica reads the stored version: a newer one is loaded,
// and one older than refreshMs is synced again by whichever replica takes the lock first. A failed sync keeps
// the last good directory (one log line, a metric) and is tried again after retryMs.
import { randomUUID } from 'node:crypto';
import type { DirectorySnapshot } from '../bot/directory/model.js';
import { createDirectoryView } from '../bot/directory/view.js';
import type { DirectoryReader, DirectoryStatus, DirectoryView, StateStore, SyncedDirectory } from '../bot/ports.js';
import { FeishuApiError } from '../errors.js';
import type { Logger } from '../log.js';
import type { BotMetrics } from '../metrics.js';

export interface DirectorySyncOptions {
  reader: DirectoryReader;
  store: StateStore;
  /** Part of every key (the tenant_key of a store app; the app's own tenant otherwise). */
  tenant: string;
  /** DIRECTORY_REFRESH_SECONDS, in ms: a directory older than this is synced again. */
  refreshMs: number;
  /** How often a replica looks for a newer directory (and whether one is due). */
  pollMs: number;
  /** Pause after a failed sync before the next try. */
  retryMs: number;
  /** How long the sync lock outlives a replica that died holding it. */
  lockTtlMs: number;
  logger: Logger;
  metrics?: Pick<BotMetrics, 'directorySync'>;
  clock?: () => number;
}

export interface DirectorySync extends SyncedDirectory {
  /** Starts the background loop (the first tick now). */
  start(): void;
  stop(): void;
  /** One tick, awaited (tests, the bench). */
  tick(): Promise<void>;
  /** A sync now, whatever the stored directory's age (when no other replica holds the lock). */
  syncNow(): Promise<void>;
  readonly stats: { syncs: number; failures: number; loads: number };
}

/** Stored directories outlive many refreshes, so a replica starting during a Feishu outage still has one. */
const SNAPSHOT_TTL_MS = 30 * 24 * 3_600_000;

export function createDirectorySync(options: DirectorySyncOptions): DirectorySync {
  const { store, logger, clock = Date.now } = options;
  const keys = {
    snapshot: `directory:${options.tenant}:snapshot`,
    version: `directory:${options.tenant}:version`,
    lock: `directory:${options.tenant}:lock`,
  };
  const replica = randomUUID();
  const stats = { syncs: 0, failures: 0, loads: 0 };
  let view: DirectoryView | undefined;
  let loadedVersion: string | undefined;
  let lastError: string | undefined;
  let retryAt = 0;
  let toldNoCustomIds = false;
  let running: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  const waiters = new Set<(view: DirectoryView) => void>();

  function install(snapshot: DirectorySnapshot, version: string): void {
    view = createDirectoryView(snapshot);
    loadedVersion = version;
    if (!snapshot.custom_ids && !toldNoCustomIds) {
      toldNoCustomIds = true;
      logger.warn(
        { tenant: options.tenant },
        'room directory without custom room IDs: the app lacks vc:room:readonly (find, free and omm_ lookups still work)',
      );
    }
    for (const resolve of waiters) resolve(view);
    waiters.clear();
  }

  async function load(version: string): Promise<void> {
    const raw = await store.get(keys.snapshot);
    if (raw === undefined) return;
    install(JSON.parse(raw) as DirectorySnapshot, version);
    stats.loads += 1;
    options.metrics?.directorySync('loaded');
  }

  async function sync(): Promise<void> {
    if (!(await store.setIfAbsent(keys.lock, replica, options.lockTtlMs))) return; // another replica syncs
    const started = clock();
    try {
      const fetched = await options.reader.fetch();
      const snapshot: DirectorySnapshot = { synced_at: clock(), custom_ids: fetched.customIds, rooms: fetched.rooms };
      const version = String(snapshot.synced_at);
      install(snapshot, version);
      await store.set(keys.snapshot, JSON.stringify(snapshot), SNAPSHOT_TTL_MS);
      await store.set(keys.version, version, SNAPSHOT_TTL_MS);
      stats.syncs += 1;
      lastError = undefined;
      options.metrics?.directorySync('synced');
      logger.info(
        {
          tenant: options.tenant,
          rooms: snapshot.rooms.length,
          custom_ids: snapshot.custom_ids,
          ms: clock() - started,
        },
        'room directory synced',
      );
    } catch (error) {
      stats.failures += 1;
      retryAt = clock() + options.retryMs;
      lastError = error instanceof Error ? error.message.slice(0, 200) : 'unknown error';
      options.metrics?.directorySync('failed');
      const detail = error instanceof FeishuApiError ? error.toLog() : { err: lastError };
      logger.error(
        { tenant: options.tenant, ...detail, keeping: view ? view.size : 0 },
        'room directory sync failed; keeping the last good directory',
      );
    } finally {
      await store.delete(keys.lock).catch(() => undefined);
    }
  }

  async function tickOnce(): Promise<void> {
    const version = await store.get(keys.version).catch(() => undefined);
    if (version !== undefined && version !== loadedVersion) await load(version).catch(() => undefined);
    const age = version === undefined ? Number.POSITIVE_INFINITY : clock() - Number(version);
    if (age >= options.refreshMs && clock() >= retryAt) await sync();
  }

  function tick(): Promise<void> {
    running ??= tickOnce()
      .catch((error: unknown) =>
        logger.warn({ err: error, tenant: options.tenant }, 'room directory store unreachable'),
      )
      .finally(() => (running = undefined));
    return running;
  }

  return {
    stats,
    tick,
    async syncNow() {
      await running;
      running = sync().finally(() => (running = undefined));
      return running;
    },
    start() {
      void tick();
      timer = setInterval(() => void tick(), options.pollMs);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
    status(): DirectoryStatus {
      const error = lastError === undefined ? {} : { lastError };
      return view
        ? { state: 'ready', syncedAt: view.syncedAt, rooms: view.size, customIds: view.customIds, ...error }
        : { state: 'loading', ...error };
    },
    view(timeoutMs) {
      if (view || timeoutMs <= 0) return Promise.resolve(view);
      return new Promise((resolve) => {
        const done = (ready: DirectoryView | undefined) => {
          clearTimeout(timeout);
          waiters.delete(done);
          resolve(ready);
        };
        const timeout = setTimeout(() => done(view), timeoutMs);
        waiters.add(done);
      });
    },
  };
}
