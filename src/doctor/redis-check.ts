// Redis as the intake store (REDIS_URL), checked by `npm run doctor`: reachable, recent enough for BullMQ,
// persistent, and never evicting.
import { Redis } from 'ioredis';
import { redactRedisUrl } from '../state/redis.js';
import { evictionProblem, parseRedisInfo, readEvictionPolicy } from '../state/redis-policy.js';
import { errorText, fail, pass, warn, type CheckResult } from './report.js';

/** BullMQ's recommended minimum (it warns below it, and refuses to start below 5.0). */
export const MIN_REDIS_VERSION: readonly [number, number] = [6, 2];

/** "7.0.15" ≥ [6, 2]? Unparseable versions count as too old. */
export function versionAtLeast(version: string, [major, minor]: readonly [number, number]): boolean {
  const [actualMajor, actualMinor] = version.split('.').map(Number);
  if (actualMajor === undefined || actualMinor === undefined || Number.isNaN(actualMajor) || Number.isNaN(actualMinor))
    return false;
  return actualMajor > major || (actualMajor === major && actualMinor >= minor);
}

/** Connects, PINGs, and reads the version, the persistence and the eviction policy. One line each. */
/** The doctor's one connect attempt and each command: a Redis that answers slower is reported as unreachable. */
const REDIS_CHECK_TIMEOUT_MS = 2_000;

export async function checkRedis(url: string, timeoutMs = REDIS_CHECK_TIMEOUT_MS): Promise<CheckResult[]> {
  const where = redactRedisUrl(url);
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null, // one attempt: the doctor reports, it does not wait for Redis to come back
  });
  // ioredis rejects connect() with "Connection is closed."; the error event says why (ECONNREFUSED, …)
  let connectionError: unknown;
  client.on('error', (error: unknown) => (connectionError ??= error));
  try {
    await client.connect();
    await client.ping();
    const server = parseRedisInfo(await client.info('server'));
    const persistence = parseRedisInfo(await client.info('persistence'));
    return [
      redisVersionResult(where, server.get('redis_version') ?? 'unknown'),
      persistenceResult(persistence),
      evictionResult(await readEvictionPolicy(client)),
    ];
  } catch (error) {
    const text = errorText(connectionError ?? error);
    const hint = /NOAUTH|WRONGPASS|invalid password/i.test(text)
      ? 'check the user and password in REDIS_URL'
      : 'check REDIS_URL and that Redis is running';
    return [fail('redis', `cannot use Redis at ${where} (${text}): ${hint}`)];
  } finally {
    client.disconnect();
  }
}

function redisVersionResult(where: string, version: string): CheckResult {
  if (versionAtLeast(version, MIN_REDIS_VERSION)) return pass('redis', `${where} answers PING, version ${version}`);
  return fail(
    'redis',
    `${where} runs Redis ${version}; the queue needs ${MIN_REDIS_VERSION.join('.')} or newer: upgrade Redis`,
  );
}

function persistenceResult(persistence: Map<string, string>): CheckResult {
  if (persistence.get('aof_enabled') === '1') return pass('redis persistence', 'appendonly yes');
  return warn(
    'redis persistence',
    'appendonly is no: accepted messages would not survive a Redis restart; set appendonly yes (and appendfsync always to survive a Redis crash)',
  );
}

/** BullMQ's jobs must never be evicted: the bot is not ready with any other policy, so neither is the doctor. */
function evictionResult(policy: string): CheckResult {
  const problem = evictionProblem(policy);
  return problem === undefined
    ? pass('redis eviction', 'maxmemory-policy noeviction')
    : fail('redis eviction', problem);
}
