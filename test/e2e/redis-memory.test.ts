// Redis as the intake store under memory pressure, with a real redis-server: a Redis that may evict (any
// maxmemory-policy but noeviction) keeps the bot not ready and takes nothing in, at start and after a
// reconnect; with noeviction, a full Redis refuses new events (503) and every message accepted before it
// filled is answered, once, when there is room again.
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import type { SentMessage } from '../../src/emulator/index.js';
import { parseRedisInfo } from '../../src/state/redis-policy.js';
import { redisAvailable, startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { APP, startStack, type Stack } from '../helpers/stack.js';

let stack: Stack | undefined;
let redis: RedisServer | undefined;
let admin: Redis | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
  admin?.disconnect();
  admin = undefined;
  await redis?.stop();
  redis = undefined;
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function readyz(s: Stack): Promise<{ status: number; body: { problems?: string[] } }> {
  const res = await fetch(`${s.bot.url}/readyz`);
  return { status: res.status, body: (await res.json()) as { problems?: string[] } };
}

async function until(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !(await check()); await sleep(50))
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
}

const POLICY_LINE = /maxmemory-policy is allkeys-lru.*set maxmemory-policy noeviction/;

describe.skipIf(!redisAvailable())('Redis that may evict', () => {
  it('allkeys-lru at start: not ready, one line naming the setting, nothing taken in; ready once it is noeviction', async () => {
    redis = await startRedisServer();
    admin = new Redis(redis.url);
    await admin.config('SET', 'maxmemory-policy', 'allkeys-lru');
    stack = await startStack({ env: { REDIS_URL: redis.url }, emulator: { retryDelaysMs: [] } });
    const state = await readyz(stack);
    expect(state.status).toBe(503);
    expect(state.body.problems?.some((p) => POLICY_LINE.test(p))).toBe(true);
    const refused = await stack.emulator.sendMessage({ text: '/room test01' });
    expect(refused.deliveries[0]!.status).toBe(503);
    await sleep(2_500); // rechecked meanwhile: still one line
    expect(stack.logs.lines.filter((l) => POLICY_LINE.test(String(l.msg)))).toHaveLength(1);

    await admin.config('SET', 'maxmemory-policy', 'noeviction');
    await until(async () => (await readyz(stack!)).status === 200, 5_000, 'ready after CONFIG SET');
    const accepted = await stack.emulator.sendMessage({ text: '/room test01' });
    expect(accepted.acknowledged).toBe(true);
    await stack.emulator.waitForReplies(1, 5_000);
  });

  it('a reconnect to a Redis that now evicts makes the bot not ready', async () => {
    redis = await startRedisServer();
    admin = new Redis(redis.url);
    stack = await startStack({ env: { REDIS_URL: redis.url } });
    expect((await readyz(stack)).status).toBe(200);
    await admin.config('SET', 'maxmemory-policy', 'volatile-lru');
    await admin.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes'); // the bot's connections drop and come back
    const evicts = (text: string) => /maxmemory-policy is volatile-lru/.test(text);
    await until(
      async () => (await readyz(stack!)).body.problems?.some(evicts) === true,
      5_000,
      'not ready after the reconnect',
    );
    expect(stack.logs.lines.filter((l) => evicts(String(l.msg)))).toHaveLength(1);
  });
});

describe.skipIf(!redisAvailable())('a job whose data Redis lost', () => {
  it('is logged as what it is, not as "Feishu refused the reply"', async () => {
    redis = await startRedisServer();
    admin = new Redis(redis.url);
    stack = await startStack({ env: { REDIS_URL: redis.url, QUEUE_CONCURRENCY: '1' } });
    stack.emulator.faults.inject({ api: 'reply', kind: 'latency', latencyMs: 500, times: 1 });
    await stack.emulator.sendMessage({ text: '/room test01' }); // holds the only worker
    const lost = await stack.emulator.sendMessage({ text: '/room test02' });
    expect(lost.acknowledged).toBe(true);
    await admin.hdel(`roombot:${APP.appId}:intake:${lost.messageId}`, 'data'); // as an eviction would leave it
    await until(
      () => stack!.logs.find({ message_id: lost.messageId, reason: 'job_data_missing' }).length === 1,
      5_000,
      'the lost job logged',
    );
    expect(stack.logs.lines.some((l) => l.msg === 'message not answered: Feishu refused the reply')).toBe(false);
  });
});

describe.skipIf(!redisAvailable())('Redis full, with noeviction', () => {
  it('new events get 503 while it is full; every message accepted before is answered once there is room', async () => {
    redis = await startRedisServer();
    admin = new Redis(redis.url);
    stack = await startStack({
      env: { REDIS_URL: redis.url, QUEUE_CONCURRENCY: '1' },
      emulator: { retryDelaysMs: [] },
    });
    // answers are slow: most accepted messages still wait in Redis when it fills up
    stack.emulator.faults.inject({ api: 'reply', kind: 'latency', latencyMs: 300, times: Infinity });
    const accepted: SentMessage[] = [];
    for (let i = 0; i < 10; i += 1) accepted.push(await stack.emulator.sendMessage({ text: `/room test01 full${i}` }));
    expect(accepted.every((s) => s.acknowledged)).toBe(true);

    const used = Number(parseRedisInfo(await admin.info('memory')).get('used_memory'));
    await admin.config('SET', 'maxmemory', String(used - 1)); // full: every write is refused (OOM)
    const refused: SentMessage[] = [];
    for (let i = 0; i < 3; i += 1) refused.push(await stack.emulator.sendMessage({ text: `/room test02 oom${i}` }));
    expect(refused.every((s) => s.deliveries[0]!.status === 503)).toBe(true);
    await sleep(1_000); // full for a while: the workers cannot take or finish jobs

    await admin.config('SET', 'maxmemory', '0'); // room again
    stack.emulator.faults.clear();
    for (const s of refused) expect((await stack.emulator.deliverEnvelope(s.envelope)).acknowledged).toBe(true);
    const all = [...accepted, ...refused];
    await until(() => all.every((s) => stack!.emulator.repliesTo(s.messageId).length > 0), 45_000, 'every answer');
    await sleep(300);
    for (const s of all) expect(stack.emulator.repliesTo(s.messageId), s.messageId).toHaveLength(1);
    expect(stack.logs.lines.some((l) => l.msg === 'message not answered: Feishu refused the reply')).toBe(false);
  }, 60_000);
});
