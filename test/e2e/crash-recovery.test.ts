// Accepted means answered: messages acked by a process that is then killed (kill -9: no drain, no cleanup)
// are answered exactly once — by the same process restarted on its journal, or by another replica
// sharing Redis — and a Redis restart in the middle of a run loses nothing and answers nothing twice.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator, type SentMessage } from '../../src/emulator/index.js';
import { botEnv, logged, startBotProcess, type BotProcess } from '../helpers/bot-process.js';
import { redisAvailable, startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { APP, startStack, type Stack } from '../helpers/stack.js';

let emulator: Emulator | undefined;
let bots: BotProcess[] = [];
let redis: RedisServer | undefined;
let stack: Stack | undefined;
afterEach(async () => {
  await Promise.all(bots.map((bot) => bot.kill9()));
  bots = [];
  await stack?.close();
  stack = undefined;
  await emulator?.close();
  emulator = undefined;
  await redis?.stop();
  redis = undefined;
});

async function start(env: Record<string, string>): Promise<BotProcess> {
  const bot = await startBotProcess(botEnv(emulator!, env));
  bots.push(bot);
  return bot;
}

/** Every sent message has exactly one reply, and nothing else was replied to. */
function expectEachAnsweredOnce(target: Emulator, sent: readonly SentMessage[]): void {
  const unanswered = sent.filter((s) => target.repliesTo(s.messageId).length === 0).map((s) => s.messageId);
  expect(unanswered, 'unanswered messages').toEqual([]);
  for (const s of sent) expect(target.repliesTo(s.messageId), s.messageId).toHaveLength(1);
  expect(target.replies).toHaveLength(sent.length);
}

async function sendMany(target: Emulator, count: number, tag: string): Promise<SentMessage[]> {
  return Promise.all(
    Array.from({ length: count }, (_, i) => target.sendMessage({ text: `/room test0${(i % 2) + 1} ${tag}${i}` })),
  );
}

describe('embedded mode (local journal)', () => {
  it('kill -9 with accepted messages unanswered: the restarted process answers each exactly once', async () => {
    // Feishu does not re-deliver what was acked: nothing but the journal can bring these back
    emulator = await startEmulator({ ...APP, retryDelaysMs: [] });
    const dataDir = mkdtempSync(join(tmpdir(), 'roombot-crash-'));
    const first = await start({ DATA_DIR: dataDir, QUEUE_CONCURRENCY: '4' });
    emulator.setEventTargets(`${first.url}/webhook/event`, `${first.url}/webhook/card`);
    emulator.faults.inject({ api: 'reply', kind: 'latency', latencyMs: 400, times: Infinity });

    const sent = await sendMany(emulator, 40, 'e');
    expect(sent.every((s) => s.acknowledged)).toBe(true);
    await first.kill9();
    const answeredBeforeCrash = emulator.replies.length;
    expect(answeredBeforeCrash).toBeLessThan(40);

    emulator.faults.clear();
    const second = await start({ DATA_DIR: dataDir });
    emulator.setEventTargets(`${second.url}/webhook/event`, `${second.url}/webhook/card`);
    await emulator.waitForReplies(40, 60_000);
    await new Promise((resolve) => setTimeout(resolve, 300)); // a second answer would show up here
    expectEachAnsweredOnce(emulator, sent);
    const [opened] = logged(second, 'intake journal opened');
    expect(opened?.unanswered).toBeGreaterThan(0);
  }, 90_000);

  it('a re-delivery after a crash is answered once, not swallowed and not doubled', async () => {
    emulator = await startEmulator({ ...APP, retryDelaysMs: [] });
    const dataDir = mkdtempSync(join(tmpdir(), 'roombot-crash-'));
    const first = await start({ DATA_DIR: dataDir });
    emulator.setEventTargets(`${first.url}/webhook/event`);
    emulator.faults.inject({ api: 'reply', kind: 'http_500', times: Infinity });
    const created = emulator.createMessage({ text: '/room test01' });
    expect((await emulator.deliverEnvelope(created.envelope)).acknowledged).toBe(true);
    await first.kill9();

    emulator.faults.clear();
    const second = await start({ DATA_DIR: dataDir });
    // Feishu delivers the same event again (it may, even after a 200)
    const again = await emulator.deliverEnvelope(created.envelope, { url: `${second.url}/webhook/event` });
    expect(again.acknowledged).toBe(true);
    await emulator.waitForReplies(1, 30_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(emulator.repliesTo(created.messageId)).toHaveLength(1);
  }, 60_000);
});

/** A dead replica's lock expires in seconds, not the production 20 s: the take-over is the same, only sooner. */
const SHORT_LOCK = { QUEUE_REDIS_LOCK_MS: '3000', QUEUE_REDIS_STALLED_CHECK_MS: '1000' };

describe.skipIf(!redisAvailable())('Redis mode (BullMQ, several replicas)', () => {
  it('kill -9 of one replica: the other takes its accepted messages over within 60 s, each answered once', async () => {
    redis = await startRedisServer({ persistent: true });
    emulator = await startEmulator({ ...APP, retryDelaysMs: [] });
    const env = { REDIS_URL: redis.url, QUEUE_CONCURRENCY: '4', ...SHORT_LOCK };
    const doomed = await start(env);
    const survivor = await start(env);
    emulator.setEventTargets(`${doomed.url}/webhook/event`);
    emulator.faults.inject({ api: 'reply', kind: 'latency', latencyMs: 400, times: Infinity });

    const sent = await sendMany(emulator, 40, 'r');
    expect(sent.every((s) => s.acknowledged)).toBe(true);
    await doomed.kill9();
    const killedAt = Date.now();
    emulator.faults.clear();
    await emulator.waitForReplies(40, 60_000);
    expect(Date.now() - killedAt).toBeLessThan(60_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expectEachAnsweredOnce(emulator, sent);
    expect(survivor.process.exitCode).toBeNull();
  }, 120_000);

  it('kill -9 of the only replica: restarted, it answers what was accepted', async () => {
    redis = await startRedisServer({ persistent: true });
    emulator = await startEmulator({ ...APP, retryDelaysMs: [] });
    const env = { REDIS_URL: redis.url, QUEUE_CONCURRENCY: '2', ...SHORT_LOCK };
    const first = await start(env);
    emulator.setEventTargets(`${first.url}/webhook/event`);
    emulator.faults.inject({ api: 'reply', kind: 'latency', latencyMs: 500, times: Infinity });
    const sent = await sendMany(emulator, 20, 'o');
    expect(sent.every((s) => s.acknowledged)).toBe(true);
    await first.kill9();
    emulator.faults.clear();
    await start(env);
    await emulator.waitForReplies(20, 60_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expectEachAnsweredOnce(emulator, sent);
  }, 120_000);

  it('Redis killed and restarted mid-run with two replicas: 503 while it is down, none lost, none answered twice', async () => {
    redis = await startRedisServer({ persistent: true });
    stack = await startStack({
      env: { REDIS_URL: redis.url, ...SHORT_LOCK },
      // Feishu's re-delivery schedule, compressed: it keeps the events we refuse with 503
      emulator: { retryDelaysMs: [300, 600, 1200, 2400, 4800] },
    });
    const second = await stack.addReplica();
    const firstHalf = await sendMany(stack.emulator, 10, 'before');
    await redis.stop();
    const duringOutage = Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        stack!.emulator.sendMessage(
          { text: `/room test01 during${i}` },
          { url: `${(i % 2 ? second : stack!.bot).url}/webhook/event` },
        ),
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await redis.restart();
    const secondHalf = await duringOutage;
    const refused = secondHalf.flatMap((s) => s.deliveries).filter((d) => d.status === 503);
    expect(refused.length).toBeGreaterThan(0);
    expect(secondHalf.every((s) => s.acknowledged)).toBe(true);
    await stack.emulator.waitForReplies(20, 30_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expectEachAnsweredOnce(stack.emulator, [...firstHalf, ...secondHalf]);
  }, 90_000);
});
