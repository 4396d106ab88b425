// The Feishu adapter against the emulator with the real SDK: batching, caching, coalescing, token sharing.
import { afterEach, describe, expect, it } from 'vitest';
import type { CallPolicy } from '../../src/feishu/call-with-retry.js';
import { createFeishuClient } from '../../src/feishu/client.js';
import { createFeishuRoomDirectory } from '../../src/feishu/rooms.js';
import { createTenantTokenProvider } from '../../src/feishu/token.js';
import { FeishuApiError } from '../../src/errors.js';
import type { Emulator } from '../../src/emulator/index.js';
import { createMemoryStore } from '../../src/state/memory.js';
import { captureLogs } from '../helpers/log-capture.js';
import { startTestEmulator } from '../helpers/emulator.js';

let emulator: (Emulator & { app: { appId: string; appSecret: string } }) | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

async function directory(options: { batchSize?: number; cacheTtlMs?: number; maxAttempts?: number } = {}) {
  emulator = await startTestEmulator();
  const { logger } = captureLogs();
  const policy: CallPolicy = { maxAttempts: options.maxAttempts ?? 3, logger, baseDelayMs: 10 };
  const client = createFeishuClient({ ...emulator.app, domain: emulator.url, timeoutMs: 2000, logger });
  const tokens = createTenantTokenProvider(client, emulator.app, policy);
  const rooms = createFeishuRoomDirectory({
    client,
    tokens,
    policy,
    batchSize: options.batchSize ?? 50,
    cache: createMemoryStore({ maxEntries: 1000 }),
    cacheTtlMs: options.cacheTtlMs ?? 60_000,
  });
  return { rooms, tokens };
}

const calls = (path: string) => emulator!.requests.filter((r) => r.path === `/open-apis/meeting_room/room/${path}`);

describe('Feishu room directory', () => {
  it('maps known custom IDs and leaves unknown ones out', async () => {
    const { rooms } = await directory();
    const found = await rooms.findRoomIds(['test01', 'nope', 'test02']);
    expect(Object.fromEntries(found)).toEqual({
      test01: 'omm_eada1d61a550955240c28757e7dec3af',
      test02: 'omm_83d09ad4f6896e02029a6a075f71c9d1',
    });
    const details = await rooms.getRoomDetails([found.get('test01')!]);
    expect(details.get(found.get('test01')!)).toMatchObject({ capacity: expect.any(Number), name: expect.any(String) });
  });

  it('K IDs cost ceil(K / batch size) calls, each with repeated keys', async () => {
    const { rooms } = await directory({ batchSize: 3 });
    const ids = emulator!.rooms
      .list()
      .slice(0, 7)
      .map((r) => r.custom_room_id);
    const found = await rooms.findRoomIds(ids);
    expect(found.size).toBe(7);
    expect(calls('batch_get_id')).toHaveLength(3);
    for (const call of calls('batch_get_id'))
      expect(call.query).toMatch(/^custom_room_ids=[^&[\]]+(&custom_room_ids=[^&[\]]+)*$/);
  });

  it('a repeated lookup within the TTL costs no call (also for unknown IDs); bypassCache asks again', async () => {
    const { rooms } = await directory();
    await rooms.findRoomIds(['test01', 'nope']);
    await rooms.findRoomIds(['nope', 'test01']);
    expect(calls('batch_get_id')).toHaveLength(1);
    await rooms.findRoomIds(['test01'], { bypassCache: true });
    expect(calls('batch_get_id')).toHaveLength(2);
  });

  it('concurrent identical lookups share one call, and one token fetch', async () => {
    const { rooms, tokens } = await directory({ cacheTtlMs: 0 });
    emulator!.faults.inject({ api: 'batch_get_id', kind: 'latency', latencyMs: 100 });
    const results = await Promise.all(Array.from({ length: 20 }, () => rooms.findRoomIds(['test01', 'test02'])));
    expect(results.every((r) => r.size === 2)).toBe(true);
    expect(calls('batch_get_id')).toHaveLength(1);
    expect(tokens.fetchCount).toBe(1);
    expect(emulator!.requests.filter((r) => r.path.endsWith('/tenant_access_token/internal'))).toHaveLength(1);
  });

  it('a permanent error is not retried and says what Feishu said', async () => {
    const { rooms } = await directory();
    emulator!.faults.inject({
      api: 'batch_get_id',
      kind: 'error',
      code: 99991672,
      msg: 'Access denied',
      httpStatus: 400,
    });
    const error = await rooms.findRoomIds(['test01']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FeishuApiError);
    expect(error).toMatchObject({ kind: 'permission', code: 99991672, httpStatus: 400, logId: expect.any(String) });
    expect(calls('batch_get_id')).toHaveLength(1);
    // A failure is not cached: the next lookup asks again.
    expect((await rooms.findRoomIds(['test01'])).size).toBe(1);
  });

  it('wrong credentials surface as a rejected token call (10014), not a crash', async () => {
    emulator = await startTestEmulator();
    const { logger } = captureLogs();
    const policy: CallPolicy = { maxAttempts: 2, logger, baseDelayMs: 10 };
    const client = createFeishuClient({
      appId: emulator.app.appId,
      appSecret: 'wrong',
      domain: emulator.url,
      timeoutMs: 2000,
      logger,
    });
    const tokens = createTenantTokenProvider(client, { appId: emulator.app.appId, appSecret: 'wrong' }, policy);
    await expect(tokens.get()).rejects.toMatchObject({ kind: 'rejected', code: 10014 });
  });
});
