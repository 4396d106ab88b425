// The free/busy adapter against the emulator with the real SDK: batches of 20, repeated keys, RFC 3339 times,
// a short cache of its own (keyed by the day asked about), coalescing, and Feishu's errors as they are.
import { afterEach, describe, expect, it } from 'vitest';
import { restOfDay } from '../../src/bot/availability.js';
import { FeishuApiError } from '../../src/errors.js';
import { loadRoomSeed, type Emulator } from '../../src/emulator/index.js';
import type { CallPolicy } from '../../src/feishu/call-with-retry.js';
import { createFeishuClient } from '../../src/feishu/client.js';
import { createFeishuRoomCalendar, toRfc3339 } from '../../src/feishu/freebusy.js';
import { createFeishuRoomDirectory } from '../../src/feishu/rooms.js';
import { createTenantTokenProvider } from '../../src/feishu/token.js';
import { createMemoryStore } from '../../src/state/memory.js';
import { generateRooms } from '../../bench/lib/rooms.js';
import { captureLogs } from '../helpers/log-capture.js';
import { startTestEmulator } from '../helpers/emulator.js';

const TEST01 = 'omm_eada1d61a550955240c28757e7dec3af';
const TEST02 = 'omm_83d09ad4f6896e02029a6a075f71c9d1';
const NOW = Date.parse('2025-03-10T10:07:00+08:00');
const TODAY = restOfDay(NOW, 'Asia/Shanghai');

let emulator: (Emulator & { app: { appId: string; appSecret: string } }) | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

async function calendar(options: { cacheTtlMs?: number; extraRooms?: number } = {}) {
  emulator = await startTestEmulator({
    now: () => NOW,
    rooms: [...loadRoomSeed(), ...generateRooms('gen', options.extraRooms ?? 0)],
  });
  const { logger } = captureLogs();
  const policy: CallPolicy = { maxAttempts: 2, logger, baseDelayMs: 10 };
  const client = createFeishuClient({ ...emulator.app, domain: emulator.url, timeoutMs: 2000, logger });
  const tokens = createTenantTokenProvider(client, emulator.app, policy);
  const store = createMemoryStore({ maxEntries: 1000 });
  const rooms = createFeishuRoomCalendar({
    client,
    tokens,
    policy,
    cache: store,
    cacheTtlMs: options.cacheTtlMs ?? 60_000,
  });
  const directory = createFeishuRoomDirectory({
    client,
    tokens,
    policy,
    batchSize: 50,
    cache: store,
    cacheTtlMs: 300_000,
  });
  return { rooms, directory, store };
}

const freeBusyCalls = () => emulator!.requests.filter((r) => r.path === '/open-apis/meeting_room/freebusy/batch_get');

describe('Feishu room calendar (freebusy/batch_get)', () => {
  it('asks with repeated room_ids and RFC 3339 times from now to the end of the day, and keeps what the card needs', async () => {
    const { rooms } = await calendar();
    const quiet = emulator!.rooms.byCustomRoomId('SZ-C-0201')!.room_id;
    const answers = await rooms.getFreeBusy([TEST01, TEST02, quiet, 'omm_00000000000000000000000000000000'], TODAY);
    const [call] = freeBusyCalls();
    expect(call!.query).toBe(
      `room_ids=${TEST01}&room_ids=${TEST02}&room_ids=${quiet}&room_ids=omm_00000000000000000000000000000000` +
        '&time_min=2025-03-10T02%3A07%3A00Z&time_max=2025-03-10T16%3A00%3A00Z',
    );
    expect(call!.status).toBe(200);
    expect(answers.get(TEST01)).toEqual([
      {
        start_time: '2025-03-10T09:30:00+08:00',
        end_time: '2025-03-10T11:00:00+08:00',
        organizer_info: { name: '张伟' },
      },
      {
        start_time: '2025-03-10T12:00:00+08:00',
        end_time: '2025-03-10T13:00:00+08:00',
        organizer_info: { name: 'Alex Chen' },
      },
    ]);
    expect(answers.get(quiet)).toEqual([]); // left out of free_busy: free throughout
    expect(answers.has('omm_00000000000000000000000000000000')).toBe(false); // error_room_ids: unknown
  });

  it('K rooms cost ceil(K / 20) calls', async () => {
    const { rooms } = await calendar({ extraRooms: 45 });
    const ids = emulator!.rooms
      .list()
      .filter((r) => r.custom_room_id.startsWith('gen-'))
      .map((r) => r.room_id);
    const answers = await rooms.getFreeBusy(ids, TODAY);
    expect(answers.size).toBe(45);
    expect(freeBusyCalls().map((c) => c.query.match(/room_ids=/g)!.length)).toEqual([20, 20, 5]);
    expect(rooms.stats.freeBusyCalls).toBe(3);
  });

  it('caches briefly, apart from the lookup cache; Refresh (bypassCache) asks again', async () => {
    const { rooms, directory } = await calendar();
    await directory.findRoomIds(['test01']);
    await rooms.getFreeBusy([TEST01, TEST02], TODAY);
    await rooms.getFreeBusy([TEST02, TEST01], { ...TODAY, from: TODAY.from + 30_000 });
    expect(freeBusyCalls()).toHaveLength(1);
    await rooms.getFreeBusy([TEST01], TODAY, { bypassCache: true });
    expect(freeBusyCalls()).toHaveLength(2);
    // The lookup cache is untouched by free/busy, and the other way round.
    await directory.findRoomIds(['test01']);
    expect(emulator!.requests.filter((r) => r.api === 'batch_get_id')).toHaveLength(1);
  });

  it('a cached answer serves only the day it was asked about', async () => {
    const { rooms } = await calendar();
    await rooms.getFreeBusy([TEST01], TODAY);
    const tomorrow = restOfDay(TODAY.to, 'Asia/Shanghai');
    await rooms.getFreeBusy([TEST01], tomorrow);
    expect(freeBusyCalls()).toHaveLength(2);
    expect(freeBusyCalls()[1]!.query).toContain(`time_min=${encodeURIComponent(toRfc3339(TODAY.to))}`);
  });

  it('a TTL of 0 disables its cache', async () => {
    const { rooms } = await calendar({ cacheTtlMs: 0 });
    await rooms.getFreeBusy([TEST01], TODAY);
    await rooms.getFreeBusy([TEST01], TODAY);
    expect(freeBusyCalls()).toHaveLength(2);
  });

  it('concurrent identical asks share one call', async () => {
    const { rooms } = await calendar({ cacheTtlMs: 0 });
    emulator!.faults.inject({ api: 'freebusy', kind: 'latency', latencyMs: 100 });
    const answers = await Promise.all(Array.from({ length: 10 }, () => rooms.getFreeBusy([TEST01, TEST02], TODAY)));
    expect(answers.every((a) => a.get(TEST01)?.length === 2)).toBe(true);
    expect(freeBusyCalls()).toHaveLength(1);
  });

  it('fails with what Feishu said (a missing scope is not retried) and caches no failure', async () => {
    const { rooms } = await calendar();
    emulator!.faults.inject({ api: 'freebusy', kind: 'error', code: 99991672, msg: 'Access denied', httpStatus: 400 });
    const error = await rooms.getFreeBusy([TEST01], TODAY).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FeishuApiError);
    expect(error).toMatchObject({ kind: 'permission', api: 'meeting_room.freebusy.batch_get', code: 99991672 });
    expect(freeBusyCalls()).toHaveLength(1);
    expect((await rooms.getFreeBusy([TEST01], TODAY)).get(TEST01)).toHaveLength(2);
  });
});
