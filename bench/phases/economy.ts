// Phase 3, API economy at the Feishu adapter: the token provider, room directory and room calendar that
// startBot wires (src/feishu/token.ts, rooms.ts, freebusy.ts), built the same way, in this process, against
// the emulator.
// Each rule is expected vs measured, measured = calls the emulator recorded (and the adapter's counter).
import { restOfDay } from '../../src/bot/availability.js';
import type { Emulator } from '../../src/emulator/index.js';
import type { CallPolicy } from '../../src/feishu/call-with-retry.js';
import { createFeishuClient } from '../../src/feishu/client.js';
import { createFeishuRoomCalendar, FREEBUSY_MAX_ROOMS } from '../../src/feishu/freebusy.js';
import { createFeishuRoomDirectory } from '../../src/feishu/rooms.js';
import { createTenantTokenProvider } from '../../src/feishu/token.js';
import { createLogger } from '../../src/log.js';
import { createMemoryStore } from '../../src/state/memory.js';
import { callsSince } from '../lib/api-calls.js';
import { BENCH_APP, benchConfig, botEnv } from '../lib/app.js';
import { customIds } from '../lib/rooms.js';
import { rule, type RuleResult } from '../lib/rules.js';

export interface EconomySettings {
  /** custom_room_id prefix of rooms the emulator knows (at least 200 of them). */
  roomPrefix: string;
  /** IDs in the batching rule (K). */
  k: number;
  /** Identical lookups made at once in the coalescing rule. */
  concurrent: number;
  /** Cache TTL of the expiry rule, in ms (short, so the phase stays short). */
  shortTtlMs: number;
}

/** A fresh token provider + room directory + room calendar, configured as startBot configures them. */
function adapter(emulator: Emulator, cacheTtlMs?: number) {
  const config = benchConfig(botEnv(emulator.url));
  const logger = createLogger('silent');
  const policy: CallPolicy = { maxAttempts: config.feishu.maxAttempts, logger };
  const client = createFeishuClient({ ...config.feishu, logger });
  const tokens = createTenantTokenProvider(client, BENCH_APP, policy);
  const cache = createMemoryStore({ maxEntries: 10_000 });
  const directory = createFeishuRoomDirectory({
    client,
    tokens,
    policy,
    batchSize: config.lookup.batchSize,
    cache,
    cacheTtlMs: cacheTtlMs ?? config.lookup.cacheTtlSeconds * 1000,
  });
  const calendar = createFeishuRoomCalendar({
    client,
    tokens,
    policy,
    cache,
    cacheTtlMs: config.availability.cacheTtlSeconds * 1000,
  });
  return {
    tokens,
    directory,
    calendar,
    timeZone: config.availability.timezone,
    batchSize: config.lookup.batchSize,
    cacheTtlSeconds: config.lookup.cacheTtlSeconds,
    availabilityTtlSeconds: config.availability.cacheTtlSeconds,
  };
}

/** Runs `action` and returns the calls it caused, by API, and the directory's own counters over the same span. */
async function counted(
  emulator: Emulator,
  directory: ReturnType<typeof adapter>['directory'],
  action: () => Promise<unknown>,
) {
  const mark = emulator.requests.length;
  const before = { ...directory.stats };
  await action();
  const calls = callsSince(emulator, mark);
  return {
    calls,
    batchGetIdCounter: directory.stats.batchGetIdCalls - before.batchGetIdCalls,
    batchGetCounter: directory.stats.batchGetCalls - before.batchGetCalls,
  };
}

export async function runEconomyPhase(emulator: Emulator, settings: EconomySettings): Promise<RuleResult[]> {
  const results: RuleResult[] = [];
  const { roomPrefix, k, concurrent } = settings;
  let nextId = 0;
  const freshIds = (count: number) => {
    const ids = customIds(roomPrefix, nextId, count);
    nextId += count;
    return ids;
  };

  // 1. One token for many requests made at once.
  {
    const { tokens, directory } = adapter(emulator);
    const ids = freshIds(concurrent);
    const run = await counted(emulator, directory, () => Promise.all(ids.map((id) => directory.findRoomIds([id]))));
    results.push(
      rule(
        `token: ${concurrent} lookups at once, fresh token provider`,
        'token calls',
        1,
        run.calls.token,
        tokens.fetchCount,
      ),
    );
  }

  const { directory, calendar, timeZone, batchSize, cacheTtlSeconds, availabilityTtlSeconds } = adapter(emulator);
  const batches = (n: number) => Math.ceil(n / batchSize);

  // 2. K IDs in ceil(K / batch size) calls, for the IDs and for the details.
  const ids = freshIds(k);
  let roomIds: string[] = [];
  let run = await counted(emulator, directory, async () => {
    roomIds = [...(await directory.findRoomIds(ids)).values()];
    await directory.getRoomDetails(roomIds);
  });
  results.push(
    rule(
      `batching: ${k} IDs, batch size ${batchSize}`,
      'batch_get_id calls',
      batches(k),
      run.calls.batch_get_id,
      run.batchGetIdCounter,
    ),
  );
  results.push(
    rule(
      `batching: details of the ${k} rooms`,
      'batch_get calls',
      batches(k),
      run.calls.batch_get,
      run.batchGetCounter,
    ),
  );

  // 3. The same IDs again within the TTL: answered from the cache.
  run = await counted(emulator, directory, async () => {
    await directory.findRoomIds(ids);
    await directory.getRoomDetails(roomIds);
  });
  results.push(
    rule(
      `cache: the same ${k} IDs again within the TTL (${cacheTtlSeconds} s)`,
      'batch_get_id + batch_get calls',
      0,
      run.calls.batch_get_id + run.calls.batch_get,
      run.batchGetIdCounter + run.batchGetCounter,
    ),
  );

  // 3b. Free/busy of the K rooms found: ceil(K / 20) calls (Feishu's most per call), then none within its TTL.
  const freeBusy = async () => {
    const mark = emulator.requests.length;
    const before = calendar.stats.freeBusyCalls;
    await calendar.getFreeBusy(roomIds, restOfDay(Date.now(), timeZone));
    return { measured: callsSince(emulator, mark).freebusy, counter: calendar.stats.freeBusyCalls - before };
  };
  let busy = await freeBusy();
  results.push(
    rule(
      `free/busy: the ${k} rooms found, at most ${FREEBUSY_MAX_ROOMS} per call`,
      'freebusy calls',
      Math.ceil(k / FREEBUSY_MAX_ROOMS),
      busy.measured,
      busy.counter,
    ),
  );
  busy = await freeBusy();
  results.push(
    rule(
      `free/busy: the same ${k} rooms again within its TTL (${availabilityTtlSeconds} s)`,
      'freebusy calls',
      0,
      busy.measured,
      busy.counter,
    ),
  );

  // 4. Identical lookups at once on a cold cache: one call, shared.
  const coldIds = freshIds(10);
  run = await counted(emulator, directory, () =>
    Promise.all(Array.from({ length: concurrent }, () => directory.findRoomIds(coldIds))),
  );
  results.push(
    rule(
      `coalescing: ${concurrent} identical lookups of 10 IDs at once`,
      'batch_get_id calls',
      batches(10),
      run.calls.batch_get_id,
      run.batchGetIdCounter,
    ),
  );

  // 5. Refresh (the card's button) bypasses the cache: one call although the IDs are cached.
  run = await counted(emulator, directory, () => directory.findRoomIds(coldIds, { bypassCache: true }));
  results.push(
    rule(
      'refresh: cached IDs looked up with bypassCache',
      'batch_get_id calls',
      batches(10),
      run.calls.batch_get_id,
      run.batchGetIdCounter,
    ),
  );

  // 6. After the TTL the cache no longer answers.
  const short = adapter(emulator, settings.shortTtlMs);
  const expiring = freshIds(10);
  await short.directory.findRoomIds(expiring);
  await new Promise((resolve) => setTimeout(resolve, settings.shortTtlMs + 100));
  run = await counted(emulator, short.directory, () => short.directory.findRoomIds(expiring));
  results.push(
    rule(
      `cache expiry: the same 10 IDs after a ${settings.shortTtlMs} ms TTL`,
      'batch_get_id calls',
      batches(10),
      run.calls.batch_get_id,
      run.batchGetIdCounter,
    ),
  );

  return results;
}
