// End to end: one message → exactly one reply, under re-deliveries, faults, a full queue, shutdown and
// several replicas.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Card } from '../../src/bot/ports.js';
import { renderCardAsText } from '../../src/local/render-text.js';
import { redisAvailable, startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { startStack, type Stack } from '../helpers/stack.js';

let stack: Stack | undefined;
let redis: RedisServer | undefined;
afterEach(async () => {
  await stack?.close();
  await redis?.stop();
  stack = undefined;
  redis = undefined;
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function repliesPerMessage(s: Stack): Map<string, number> {
  const counts = new Map<string, number>();
  for (const reply of s.emulator.replies)
    counts.set(reply.parentMessageId, (counts.get(reply.parentMessageId) ?? 0) + 1);
  return counts;
}

describe('exactly one reply per message', () => {
  it('duplicates delivered before and after the ack produce one reply', async () => {
    stack = await startStack({ emulator: { extraDeliveries: { concurrent: 2, afterAck: 2 } } });
    const sent = await stack.emulator.sendMessage({ text: '/room test01' });
    await stack.emulator.waitForReplies(1, 5_000);
    await sleep(300);
    expect(sent.deliveries.filter((d) => d.status === 200).length).toBeGreaterThanOrEqual(3);
    expect(stack.emulator.repliesTo(sent.messageId)).toHaveLength(1);
    expect(
      stack.logs.lines.filter((l) => l.msg === 'duplicate delivery' && l.message_id === sent.messageId).length,
    ).toBeGreaterThanOrEqual(2);
  });

  it('200 messages, each delivered 3 times, with 429s, 500s and slow answers → exactly 200 right replies', async () => {
    stack = await startStack({
      emulator: { extraDeliveries: { concurrent: 1, afterAck: 1 }, retryDelaysMs: [100, 200, 400] },
      env: { FEISHU_MAX_ATTEMPTS: '6', LOOKUP_CACHE_TTL_SECONDS: '0' },
    });
    const { faults } = stack.emulator;
    faults.inject({ api: 'batch_get_id', kind: 'rate_limit', resetSeconds: 0, probability: 0.1, times: Infinity });
    faults.inject({ api: 'batch_get_id', kind: 'http_500', probability: 0.1, times: Infinity });
    faults.inject({ api: 'batch_get', kind: 'latency', latencyMs: 50, probability: 0.2, times: Infinity });
    faults.inject({ api: 'reply', kind: 'http_500', probability: 0.1, times: Infinity });
    faults.inject({
      api: 'reply',
      kind: 'rate_limit',
      code: 230020,
      resetSeconds: 0,
      probability: 0.1,
      times: Infinity,
    });
    faults.inject({ api: 'reply', kind: 'latency', latencyMs: 100, probability: 0.2, times: Infinity });

    const rooms = stack.emulator.rooms.list().filter((room) => !room.is_disabled);
    const expected = new Map<string, string>(); // message_id → the room_id its reply must show
    await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        const room = rooms[i % rooms.length]!;
        const sent = await stack!.emulator.sendMessage({
          text: `/room ${room.custom_room_id}`,
          chatType: i % 2 ? 'group' : 'p2p',
        });
        expected.set(sent.messageId, room.room_id);
      }),
    );
    await stack.emulator.waitForReplies(200, 60_000).catch((error: Error) => {
      const answered = repliesPerMessage(stack!);
      const missing = [...expected.keys()].filter((id) => !answered.has(id));
      const story = stack!.logs.lines.filter((l) => missing.includes(String(l.message_id)) && l.level >= 40);
      throw new Error(`${error.message}; unanswered ${missing.join(', ')}: ${JSON.stringify(story)}`);
    });
    await sleep(500); // late duplicates would show up here
    const counts = repliesPerMessage(stack);
    expect(counts.size).toBe(200);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    for (const reply of stack.emulator.replies) {
      expect(renderCardAsText(reply.card as Card, 'en_us')).toContain(expected.get(reply.parentMessageId));
    }
  }, 90_000);

  it('a reply that failed for a transient reason is tried again later, still once', async () => {
    stack = await startStack({ env: { FEISHU_MAX_ATTEMPTS: '2', QUEUE_RETRY_BASE_DELAY_MS: '300' } });
    stack.emulator.faults.inject({ api: 'reply', kind: 'http_500', times: 2 });
    const sent = await stack.emulator.sendMessage({ text: '/room test01' });
    await stack.emulator.waitForReplies(1, 5_000);
    expect(stack.emulator.repliesTo(sent.messageId)).toHaveLength(1);
    expect(
      stack.logs.lines.some(
        (l) => l.message_id === sent.messageId && l.msg === 'message not answered yet; trying again',
      ),
    ).toBe(true);
  });

  it('a reply that keeps failing is retried by the queue; a re-delivery meanwhile is a duplicate; answered once when Feishu is back', async () => {
    stack = await startStack({
      env: { FEISHU_MAX_ATTEMPTS: '1', QUEUE_RETRY_BASE_DELAY_MS: '100', QUEUE_RETRY_MAX_DELAY_MS: '200' },
    });
    stack.emulator.faults.inject({ api: 'reply', kind: 'http_500', times: Infinity });
    const created = stack.emulator.createMessage({ text: '/room test01' });
    await stack.emulator.deliverEnvelope(created.envelope);
    await vi.waitFor(() =>
      expect(
        stack!.logs.lines.filter((l) => l.message_id === created.messageId && /not answered yet/.test(String(l.msg)))
          .length,
      ).toBeGreaterThan(2),
    );
    expect((await stack.emulator.deliverEnvelope(created.envelope)).acknowledged).toBe(true); // Feishu re-delivers
    stack.emulator.faults.clear();
    await stack.emulator.waitForReplies(1, 5_000);
    await sleep(300);
    expect(stack.emulator.repliesTo(created.messageId)).toHaveLength(1);
  });

  it('a Feishu outage of an hour, compressed (every API failing, retry pauses scaled down 1000×): answered after it, once', async () => {
    // 2 s base → 2 ms, 5 min cap → 300 ms, 3 h give-up → 10.8 s; the outage: 3.6 s (an hour)
    stack = await startStack({
      env: {
        FEISHU_MAX_ATTEMPTS: '1',
        QUEUE_RETRY_BASE_DELAY_MS: '2',
        QUEUE_RETRY_MAX_DELAY_MS: '300',
        QUEUE_GIVE_UP_AFTER_SECONDS: '11',
        LOOKUP_CACHE_TTL_SECONDS: '0',
      },
    });
    stack.emulator.faults.inject({ api: 'any', kind: 'http_500', times: Infinity });
    const sent = await Promise.all(
      Array.from({ length: 5 }, (_, i) => stack!.emulator.sendMessage({ text: `/room test0${(i % 2) + 1} o${i}` })),
    );
    expect(sent.every((s) => s.acknowledged)).toBe(true);
    await sleep(3_600);
    expect(stack.emulator.replies).toHaveLength(0);
    // Feishu comes back, replies last: a lookup that failed just before would otherwise be answered with its
    // "unavailable" card by a reply that lands just after (true to life, but not what this test is about)
    stack.emulator.faults.clear();
    stack.emulator.faults.inject({ api: 'reply', kind: 'http_500', times: Infinity });
    await sleep(1_000);
    stack.emulator.faults.clear();
    await stack.emulator.waitForReplies(5, 5_000);
    await sleep(300);
    for (const s of sent) expect(stack.emulator.repliesTo(s.messageId)).toHaveLength(1);
    // answered with the rooms, not with an "unavailable" card written during the outage
    for (const reply of stack.emulator.replies) expect(renderCardAsText(reply.card as Card, 'en_us')).toMatch(/omm_/);
  }, 30_000);

  it('gives a message up after QUEUE_GIVE_UP_AFTER_SECONDS, with a log line saying so', async () => {
    stack = await startStack({
      env: { FEISHU_MAX_ATTEMPTS: '1', QUEUE_RETRY_BASE_DELAY_MS: '100', QUEUE_GIVE_UP_AFTER_SECONDS: '1' },
    });
    stack.emulator.faults.inject({ api: 'reply', kind: 'http_500', times: Infinity });
    const sent = await stack.emulator.sendMessage({ text: '/room test01' });
    await vi.waitFor(
      () =>
        expect(stack!.logs.find({ message_id: sent.messageId, outcome: 'given_up', reason: 'expired' })).toHaveLength(
          1,
        ),
      { timeout: 5_000 },
    );
    expect(stack.emulator.repliesTo(sent.messageId)).toHaveLength(0);
  });

  it('a full queue answers 503; Feishu re-delivers and nothing is lost', async () => {
    stack = await startStack({
      emulator: { retryDelaysMs: [300, 600, 1200, 2400] },
      env: { QUEUE_CONCURRENCY: '1', QUEUE_MAX_PENDING: '2' },
    });
    stack.emulator.faults.inject({ api: 'batch_get_id', kind: 'latency', latencyMs: 150, times: Infinity });
    const sent = await Promise.all(
      Array.from({ length: 6 }, (_, i) => stack!.emulator.sendMessage({ text: `/room test0${(i % 2) + 1}` })),
    );
    await stack.emulator.waitForReplies(6, 20_000);
    const statuses = sent.flatMap((s) => s.deliveries.map((d) => d.status));
    expect(statuses).toContain(503);
    expect(repliesPerMessage(stack).size).toBe(6);
    expect([...repliesPerMessage(stack).values()].every((n) => n === 1)).toBe(true);
  });

  it('shutdown under load: new events get 503, every accepted event still gets its reply', async () => {
    stack = await startStack({ emulator: { retryDelaysMs: [] } });
    stack.emulator.faults.inject({ api: 'reply', kind: 'latency', latencyMs: 200, times: Infinity });
    const sent = await Promise.all(
      Array.from({ length: 30 }, (_, i) => stack!.emulator.sendMessage({ text: `/room test0${(i % 2) + 1} n${i}` })),
    );
    expect(sent.every((s) => s.acknowledged)).toBe(true);
    expect(stack.emulator.replies.length).toBeLessThan(30); // work is still in flight
    const draining = stack.bot.shutdown(10_000);
    const late = await stack.emulator.sendMessage({ text: '/room test01' });
    expect(late.deliveries[0]!.status).toBe(503);
    expect((await draining).finished).toBe(true);
    const counts = repliesPerMessage(stack);
    for (const s of sent) expect(counts.get(s.messageId)).toBe(1);
    expect(counts.has(late.messageId)).toBe(false);
  });
});

describe.skipIf(!redisAvailable())('several replicas sharing Redis', () => {
  it('the same event delivered to two bot instances → exactly one reply, one lookup', async () => {
    redis = await startRedisServer();
    stack = await startStack({ env: { REDIS_URL: redis.url } });
    const second = await stack.addReplica();
    for (let i = 0; i < 10; i++) {
      const created = stack.emulator.createMessage({ text: `/room test01 x${i}` });
      await Promise.all([
        stack.emulator.deliverEnvelope(created.envelope, { url: `${stack.bot.url}/webhook/event` }),
        stack.emulator.deliverEnvelope(created.envelope, { url: `${second.url}/webhook/event` }),
      ]);
    }
    await stack.emulator.waitForReplies(10, 10_000);
    await sleep(300);
    const counts = repliesPerMessage(stack);
    expect(counts.size).toBe(10);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    // Only one replica processed each message: the other saw the Redis mark.
    expect(stack.logs.lines.filter((l) => l.outcome === 'duplicate' && l.msg === 'duplicate delivery')).toHaveLength(
      10,
    );
  });

  it('Redis going away: pushes get 503 (Feishu keeps them), logged loudly; the re-delivery after it is answered once', async () => {
    redis = await startRedisServer({ persistent: true });
    stack = await startStack({ env: { REDIS_URL: redis.url }, emulator: { retryDelaysMs: [500, 1000, 2000] } });
    await stack.emulator.sendMessage({ text: '/room test01' });
    await stack.emulator.waitForReplies(1, 5_000);
    await redis.stop();
    const sending = stack.emulator.sendMessage({ text: '/room test02' });
    await vi.waitFor(() => expect(stack!.emulator.deliveries.some((d) => d.status === 503)).toBe(true));
    await redis.restart();
    const sent = await sending;
    expect(sent.deliveries[0]!.status).toBe(503);
    expect(sent.acknowledged).toBe(true);
    await stack.emulator.waitForReplies(2, 8_000);
    expect(stack.emulator.repliesTo(sent.messageId)).toHaveLength(1);
    expect(stack.logs.lines.some((l) => l.level >= 50 && /redis unavailable/i.test(String(l.msg)))).toBe(true);
  });
});
