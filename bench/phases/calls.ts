// Phase 2b, Feishu calls: the CPU one call costs the bot, per API, through our adapters and the SDK (as the
// bot makes it: callWithRetry, the SDK's client.request or typed method, the HTTP instance), with the SDK's
// HTTP instance as axios (what the bot used before, bench/targets/axios-http.ts) and as ours
// (src/feishu/http-instance.ts). All in this process
// against an emulator in it answering at once, variants taking turns round by round; the emulator's share is
// the same in every row, so the differences between rows are the clients'.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { buildLookupCard } from '../../src/bot/card.js';
import { restOfDay } from '../../src/bot/availability.js';
import { startEmulator, type ApiName, type Emulator } from '../../src/emulator/index.js';
import type { CallPolicy } from '../../src/feishu/call-with-retry.js';
import { createFeishuClient } from '../../src/feishu/client.js';
import { createFeishuRoomCalendar } from '../../src/feishu/freebusy.js';
import { createFeishuMessenger } from '../../src/feishu/messages.js';
import { createFeishuRoomDirectory } from '../../src/feishu/rooms.js';
import { createTenantTokenProvider } from '../../src/feishu/token.js';
import { createLogger } from '../../src/log.js';
import { BENCH_APP } from '../lib/app.js';
import { generateRooms } from '../lib/rooms.js';
import { createAxiosHttpInstance } from '../targets/axios-http.js';

export interface CallsSettings {
  /** Calls per API per variant in one round. */
  calls: number;
  rounds: number;
  /** Calls in flight at once. */
  concurrency: number;
}

export const CALL_APIS = ['batch_get_id', 'batch_get', 'freebusy', 'reply'] as const satisfies readonly ApiName[];
type CallApi = (typeof CALL_APIS)[number];

export const CALL_VARIANTS = {
  axios: 'SDK + axios (as before)',
  ours: 'SDK + ours (http-instance.ts)',
} as const;
export type CallVariant = keyof typeof CALL_VARIANTS;

export interface CallsResult {
  /** CPU µs per call (this process: the client and the emulator's answer), by variant and API. */
  cpuMicrosPerCall: Record<CallVariant, Record<CallApi, number>>;
}

type Caller = (i: number) => Promise<unknown>;

const TIME_ZONE = 'Asia/Shanghai';

async function sdkCallers(emulator: Emulator, variant: 'axios' | 'ours'): Promise<Record<CallApi, Caller>> {
  const logger = createLogger('silent');
  const policy: CallPolicy = { maxAttempts: 1, logger };
  const options = { appId: BENCH_APP.appId, appSecret: BENCH_APP.appSecret, domain: emulator.url, timeoutMs: 5000 };
  const client = createFeishuClient({
    ...options,
    logger,
    ...(variant === 'axios' ? { httpInstance: createAxiosHttpInstance(options.timeoutMs) } : {}),
  });
  const tokens = createTenantTokenProvider(client, options, policy);
  const api = { client, tokens, policy };
  const directory = createFeishuRoomDirectory({ ...api, batchSize: 50, cacheTtlMs: 0 });
  const calendar = createFeishuRoomCalendar({ ...api, cacheTtlMs: 0 });
  const messenger = createFeishuMessenger(api);
  // a room of its own per call: concurrent lookups of one key would be coalesced into one call
  const rooms = emulator.rooms.list();
  const roomOf = (i: number) => rooms[i % rooms.length]!;
  const room = rooms[0];
  const found = new Map([[room!.custom_room_id, room!.room_id]]);
  const window = restOfDay(Date.now(), TIME_ZONE);
  const details = await directory.getRoomDetails([room!.room_id]);
  const bookings = await calendar.getFreeBusy([room!.room_id], window);
  const card = buildLookupCard({
    requested: [room!.custom_room_id],
    found,
    details,
    availability: { window, timeZone: TIME_ZONE, bookings },
    refresh: { value: { action: 'refresh', ids: [room!.custom_room_id] } },
  });
  const messageId = emulator.createMessage({ text: `/room ${room!.custom_room_id}` }).messageId;
  return {
    batch_get_id: (i) => directory.findRoomIds([roomOf(i).custom_room_id]),
    batch_get: (i) => directory.getRoomDetails([roomOf(i).room_id]),
    freebusy: (i) => calendar.getFreeBusy([roomOf(i).room_id], window),
    reply: (i) => messenger.replyWithCard(messageId, card, `${variant}-${i}-${Math.random()}`),
  };
}

// A full collection before each measurement, so no row pays for another's garbage.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** CPU µs of this process per call of `caller`, `calls` of them, `concurrency` at a time. */
async function measure(caller: Caller, calls: number, concurrency: number): Promise<number> {
  let next = 0;
  collectGarbage();
  const before = process.cpuUsage();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < calls; i = next++) await caller(i);
    }),
  );
  const used = process.cpuUsage(before);
  return (used.user + used.system) / calls;
}

export async function runCallsPhase(settings: CallsSettings): Promise<CallsResult> {
  const emulator = await startEmulator({
    ...BENCH_APP,
    rooms: generateRooms('calls-room', settings.calls),
    maxRecords: 1_000_000,
  });
  try {
    const callers: Record<CallVariant, Record<CallApi, Caller>> = {
      axios: await sdkCallers(emulator, 'axios'),
      ours: await sdkCallers(emulator, 'ours'),
    };
    const variants = Object.keys(CALL_VARIANTS) as CallVariant[];
    const totals = Object.fromEntries(
      variants.map((variant) => [variant, Object.fromEntries(CALL_APIS.map((api) => [api, 0]))]),
    ) as Record<CallVariant, Record<CallApi, number>>;
    // a warm-up round, then the measured ones; the order of the variants turns each round
    for (let round = -1; round < settings.rounds; round += 1) {
      const order = round % 2 === 0 ? variants : [...variants].reverse();
      for (const variant of order)
        for (const api of CALL_APIS) {
          const mark = emulator.requests.length;
          const micros = await measure(callers[variant][api], settings.calls, settings.concurrency);
          const answered = emulator.requests.slice(mark).filter((r) => r.api === api && r.status === 200).length;
          if (answered !== settings.calls)
            throw new Error(`${variant} ${api}: ${answered} of ${settings.calls} calls answered`);
          if (round >= 0) totals[variant][api] += micros / settings.rounds;
        }
    }
    return { cpuMicrosPerCall: totals };
  } finally {
    await emulator.close();
  }
}
