// Redis StateStore: the lookup cache and card-callback replay marks shared by the replicas (SET NX PX).
// Tuned to fail fast: a dead or hanging Redis must surface as an error within about a second, so the
// caller (see failover.ts) can fall back instead of holding webhook answers hostage.
import { Redis } from 'ioredis';
import type { Logger } from '../log.js';
import type { StateStore } from '../bot/ports.js';

/** Fail fast (see above): one connect attempt and one command are given this long before they fail. */
const CONNECT_TIMEOUT_MS = 2_000;
const COMMAND_TIMEOUT_MS = 1_000;
/** How long the start waits for a first connection before it goes on without Redis (the failover probes it). */
export const READY_TIMEOUT_MS = 5_000;

export interface RedisStoreOptions {
  /** redis://[user:password@]host:port[/db] or rediss://… */
  url: string;
  logger: Logger;
  /** Prepended to every key, so several apps can share one Redis (service.ts: "roombot:<app id>:"). */
  keyPrefix: string;
  /** Limit of one TCP connect attempt, ms (tests shorten it); CONNECT_TIMEOUT_MS otherwise. */
  connectTimeoutMs?: number;
  /** Limit of one command, ms (tests shorten it); COMMAND_TIMEOUT_MS otherwise. */
  commandTimeoutMs?: number;
}

export interface RedisStore extends StateStore {
  /** Resolves once connected and ready; rejects if that does not happen within timeoutMs. */
  waitUntilReady(timeoutMs?: number): Promise<void>;
  /** True while the connection is up and ready for commands. */
  readonly isReady: boolean;
}

/** The URL without its password, for logs. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<unparseable redis url>';
  }
}

/** A literal for a SCAN MATCH pattern. */
function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, (char) => `\\${char}`);
}

/** PX needs a positive integer. */
function pxMs(ttlMs: number): number {
  return Math.max(1, Math.ceil(ttlMs));
}

export function createRedisStore(options: RedisStoreOptions): RedisStore {
  const { url, logger } = options;
  const where = redactRedisUrl(url);
  const client = new Redis(url, {
    keyPrefix: options.keyPrefix,
    connectTimeout: options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS,
    commandTimeout: options.commandTimeoutMs ?? COMMAND_TIMEOUT_MS,
    // No offline queue: while disconnected a command fails at once instead of waiting for a reconnect.
    enableOfflineQueue: false,
    // Never re-send a command after a reconnect: a re-sent SET NX that had in fact succeeded would answer
    // "already set" and the message would be dropped as a duplicate nobody processed.
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    // Keep reconnecting in the background, at most every 2 s.
    retryStrategy: (times) => Math.min(times * 200, 2_000),
  });

  let down = false;
  client.on('error', (error: Error) => {
    if (!down) logger.warn({ err: error, redis: where }, 'redis connection error');
    down = true;
  });
  client.on('ready', () => {
    if (down) logger.info({ redis: where }, 'redis connection ready again');
    else logger.info({ redis: where }, 'redis connected');
    down = false;
  });
  client.on('close', () => {
    down = true;
  });

  return {
    async setIfAbsent(key, value, ttlMs) {
      return (await client.set(key, value, 'PX', pxMs(ttlMs), 'NX')) === 'OK';
    },
    async set(key, value, ttlMs) {
      await client.set(key, value, 'PX', pxMs(ttlMs));
    },
    async get(key) {
      return (await client.get(key)) ?? undefined;
    },
    async delete(key) {
      await client.del(key);
    },
    async deleteByPrefix(prefix) {
      // SCAN sees whole keys: match with the client's keyPrefix, delete without it (ioredis adds it again).
      const own = options.keyPrefix ?? '';
      const match = `${globEscape(own + prefix)}*`;
      let cursor = '0';
      do {
        const [next, keys] = await client.scan(cursor, 'MATCH', match, 'COUNT', 500);
        cursor = next;
        if (keys.length > 0) await client.unlink(...keys.map((key) => key.slice(own.length)));
      } while (cursor !== '0');
    },
    async close() {
      try {
        if (client.status === 'ready') await client.quit();
      } catch {
        // the connection went away meanwhile; disconnect below is enough
      } finally {
        client.disconnect();
      }
    },
    async waitUntilReady(timeoutMs = READY_TIMEOUT_MS) {
      if (client.status === 'ready') return;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          client.off('ready', onReady);
          reject(new Error(`redis at ${where} not ready after ${timeoutMs} ms (check REDIS_URL)`));
        }, timeoutMs);
        const onReady = () => {
          clearTimeout(timer);
          resolve();
        };
        client.once('ready', onReady);
      });
    },
    get isReady() {
      return client.status === 'ready';
    },
  };
}
