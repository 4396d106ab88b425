// What an operator sees: /livez, /readyz (following the intake store), /metrics after real traffic.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { redisAvailable, startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { startEmulator } from '../../src/emulator/index.js';
import { startBot } from '../../src/service.js';
import { captureLogs } from '../helpers/log-capture.js';
import { APP, startStack, stackConfig, type Stack } from '../helpers/stack.js';

let stack: Stack | undefined;
let redis: RedisServer | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
  await redis?.stop();
  redis = undefined;
});

/** The value of one sample of the exposition text, e.g. sample(text, 'roombot_events_total{outcome="accepted"}'). */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('health and metrics', () => {
  it('/livez and /readyz answer 200 on a running bot; /metrics counts a lookup, its Feishu calls and a rejection', async () => {
    stack = await startStack();
    expect((await fetch(`${stack.bot.url}/livez`)).status).toBe(200);
    const ready = await fetch(`${stack.bot.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ok', intake: 'local' });

    await stack.emulator.sendMessage({ text: '/room test01' });
    await stack.emulator.waitForReplies(1, 5_000);
    await fetch(`${stack.bot.url}/webhook/event`, {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'text/plain' },
    });

    const res = await fetch(`${stack.bot.url}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(sample(text, 'roombot_events_total{outcome="accepted"}')).toBe(1);
    expect(sample(text, 'roombot_messages_total{outcome="answered"}')).toBe(1);
    expect(sample(text, 'roombot_rejections_total{reason="unsupported_media_type"}')).toBe(1);
    expect(sample(text, 'roombot_feishu_calls_total{api="meeting_room.room.batch_get_id",code="0"}')).toBe(1);
    expect(sample(text, 'roombot_feishu_calls_total{api="im.message.reply",code="0"}')).toBe(1);
    expect(sample(text, 'roombot_feishu_call_duration_seconds_count{api="meeting_room.room.batch_get_id"}')).toBe(1);
    expect(sample(text, 'roombot_intake_store{mode="local"}')).toBe(1);
    expect(sample(text, 'roombot_intake_queue_jobs{state="waiting"}')).toBe(0);
    expect(text).toMatch(/^roombot_process_resident_memory_bytes \d+/m);
  });

  it('counts Feishu failures by code and the retries they cause', async () => {
    stack = await startStack({ env: { FEISHU_MAX_ATTEMPTS: '2' } });
    stack.emulator.faults.inject({ api: 'batch_get_id', kind: 'http_500', times: 1 });
    await stack.emulator.sendMessage({ text: '/room test02' });
    await stack.emulator.waitForReplies(1, 5_000);
    const text = await (await fetch(`${stack.bot.url}/metrics`)).text();
    expect(sample(text, 'roombot_feishu_calls_total{api="meeting_room.room.batch_get_id",code="1500"}')).toBe(1);
    expect(sample(text, 'roombot_retries_total{scope="call"}')).toBe(1);
  });
});

describe('readiness waits for Feishu', () => {
  it('/readyz is 503 until Feishu issues a tenant token (unreachable at start), then 200', async () => {
    const emulator = await startEmulator({ ...APP });
    emulator.faults.inject({ api: 'token', kind: 'http_500', times: Infinity });
    const bot = await startBot(stackConfig(emulator.url), captureLogs().logger);
    try {
      const early = await fetch(`${bot.url}/readyz`);
      expect(early.status).toBe(503);
      expect(((await early.json()) as { problems: string[] }).problems).toContain(
        'no tenant token from Feishu yet (FEISHU_DOMAIN unreachable?)',
      );
      emulator.faults.clear();
      await bot.tokenIssued;
      expect((await fetch(`${bot.url}/readyz`)).status).toBe(200);
    } finally {
      await bot.shutdown(1_000);
      await emulator.close();
    }
  });
});

describe.skipIf(!redisAvailable())('readiness follows the intake store', () => {
  it('/readyz is 503 while Redis is unreachable and 200 again once it is back', async () => {
    redis = await startRedisServer();
    stack = await startStack({ env: { REDIS_URL: redis.url } });
    expect((await fetch(`${stack.bot.url}/readyz`)).status).toBe(200);
    await redis.stop();
    await vi.waitFor(async () => {
      const res = await fetch(`${stack!.bot.url}/readyz`);
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ status: 'not_ready', problems: ['intake store (redis) unreachable'] });
    });
    expect((await fetch(`${stack.bot.url}/livez`)).status).toBe(200);
    await redis.restart();
    await vi.waitFor(async () => expect((await fetch(`${stack!.bot.url}/readyz`)).status).toBe(200), {
      timeout: 8_000,
    });
  });
});
