// End to end over the long connection (FEISHU_EVENT_MODE=websocket): the bot opens it with the SDK's real
// WSClient, the emulator delivers events and card callbacks over it as Feishu does (plain JSON frames,
// acknowledged by the echoed frame within 3 s, re-delivered otherwise), and the bot answers through the
// Open API as in webhook mode.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Card } from '../../src/bot/ports.js';
import { renderCardAsText } from '../../src/local/render-text.js';
import { startEmulator, WsCode, type Emulator, type WsClientConfig } from '../../src/emulator/index.js';
import { LongConnectionRefused } from '../../src/errors.js';
import { STILL_WORKING } from '../../src/bot/card-actions.js';
import { startBot, type RunningBot } from '../../src/service.js';
import { callbackValue } from '../helpers/card.js';
import { captureLogs } from '../helpers/log-capture.js';
import { redisAvailable, startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { APP, stackConfig, startStack, type Stack, type StackOptions } from '../helpers/stack.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

/** Reconnects within a fraction of a second instead of Feishu's 30 s / 120 s. */
const FAST_RECONNECT: Partial<WsClientConfig> = { ReconnectInterval: 0.3, ReconnectNonce: 0.05 };

async function wsStack(options: StackOptions = {}): Promise<Stack> {
  const stack = await startStack({
    ...options,
    eventMode: 'websocket',
    emulator: { wsClientConfig: FAST_RECONNECT, ...options.emulator },
  });
  cleanups.push(() => stack.close());
  return stack;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function repliesPerMessage(emulator: Emulator): Map<string, number> {
  const counts = new Map<string, number>();
  for (const reply of emulator.replies) counts.set(reply.parentMessageId, (counts.get(reply.parentMessageId) ?? 0) + 1);
  return counts;
}

async function readyz(
  bot: Pick<RunningBot, 'url'>,
): Promise<{ status: number; body: { status: string; problems?: string[]; events?: string } }> {
  const response = await fetch(`${bot.url}/readyz`);
  return { status: response.status, body: (await response.json()) as { status: string; problems?: string[] } };
}

/** The value of one sample in the bot's /metrics, e.g. metric(bot, 'roombot_long_connection_changes_total{change="reconnected"}'). */
async function metric(bot: Pick<RunningBot, 'url'>, sample: string): Promise<number | undefined> {
  const text = await (await fetch(`${bot.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
  return line === undefined ? undefined : Number(line.slice(sample.length + 1));
}

const lookups = (emulator: Emulator) =>
  emulator.requests.filter((r) => r.path === '/open-apis/meeting_room/room/batch_get_id');

describe('messages over the long connection', () => {
  it('answers a /room in a p2p chat and in a group once each; the webhook routes are off', async () => {
    const stack = await wsStack();
    const [connection] = stack.emulator.wsConnections();
    expect(connection).toMatchObject({ open: true });

    const p2p = await stack.emulator.sendMessage({ text: '/room test01', chatType: 'p2p' });
    const group = await stack.emulator.sendMessage({ text: '/room test02', chatType: 'group' });
    for (const sent of [p2p, group]) {
      expect(sent.acknowledged).toBe(true);
      expect(sent.deliveries).toHaveLength(1);
      expect(sent.deliveries[0]).toMatchObject({ status: 200, connectionId: connection!.id });
      expect(JSON.parse(sent.deliveries[0]!.responseBody)).toEqual({ code: 200 });
    }
    await stack.emulator.waitForReplies(2, 5_000);
    await sleep(200);
    expect(repliesPerMessage(stack.emulator)).toEqual(
      new Map([
        [p2p.messageId, 1],
        [group.messageId, 1],
      ]),
    );
    const [first, second] = stack.emulator.replies;
    expect(renderCardAsText(first!.card as Card, 'en_us')).toContain(
      stack.emulator.rooms.byCustomRoomId('test01')!.room_id,
    );
    expect(renderCardAsText(second!.card as Card, 'en_us')).toContain(
      stack.emulator.rooms.byCustomRoomId('test02')!.room_id,
    );

    expect(
      (
        await fetch(`${stack.bot.url}/webhook/event`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}',
        })
      ).status,
    ).toBe(404);
    expect(
      stack.logs.find({ msg: 'listening for health checks and metrics; events come over the long connection' }),
    ).toHaveLength(1);
  });

  it('acknowledges within the deadline while the lookup is slow; the reply comes after', async () => {
    const stack = await wsStack();
    stack.emulator.faults.inject({ api: 'batch_get_id', kind: 'latency', latencyMs: 3_500 });
    const sent = await stack.emulator.sendMessage({ text: '/room test01' });
    expect(sent.deliveries).toHaveLength(1);
    expect(sent.deliveries[0]).toMatchObject({ kind: 'first', status: 200, acknowledged: true });
    expect(sent.deliveries[0]!.durationMs).toBeLessThan(3_000);
    expect(stack.emulator.replies).toHaveLength(0);
    await stack.emulator.waitForReplies(1, 8_000);
    expect(stack.emulator.repliesTo(sent.messageId)).toHaveLength(1);
  });

  it('answers a duplicate delivery once', async () => {
    const stack = await wsStack({ emulator: { extraDeliveries: { concurrent: 2, afterAck: 2 } } });
    const sent = await stack.emulator.sendMessage({ text: '/room test01' });
    expect(sent.deliveries).toHaveLength(5);
    expect(sent.deliveries.every((d) => d.acknowledged)).toBe(true);
    await stack.emulator.waitForReplies(1, 5_000);
    await sleep(300);
    expect(stack.emulator.repliesTo(sent.messageId)).toHaveLength(1);
    expect(lookups(stack.emulator)).toHaveLength(1);
    expect(stack.logs.find({ msg: 'duplicate delivery', message_id: sent.messageId })).toHaveLength(4);
  });

  it('takes an event split into fragments', async () => {
    const stack = await wsStack();
    const ids = ['test01', 'test02', 'BJ-A-0101', 'SH-B-1501', '深圳-1202'];
    const sent = await stack.emulator.sendMessage({ text: `/room ${ids.join(' ')}` }, { fragments: 5 });
    expect(sent.acknowledged).toBe(true);
    expect(sent.deliveries[0]!.requestHeaders).toMatchObject({ sum: '5' });
    const [reply] = await stack.emulator.waitForReplies(1, 5_000);
    const text = renderCardAsText(reply!.card as Card, 'en_us');
    for (const id of ids) expect(text).toContain(stack.emulator.rooms.byCustomRoomId(id)!.room_id);
  });

  it('does not acknowledge what the intake cannot take now (queue full); Feishu re-delivers and each is answered once', async () => {
    const stack = await wsStack({
      emulator: { retryDelaysMs: [300, 600, 1200, 2400] },
      env: { QUEUE_CONCURRENCY: '1', QUEUE_MAX_PENDING: '2' },
    });
    stack.emulator.faults.inject({ api: 'batch_get_id', kind: 'latency', latencyMs: 150, times: Infinity });
    const sent = await Promise.all(
      Array.from({ length: 6 }, (_, i) => stack.emulator.sendMessage({ text: `/room test0${(i % 2) + 1} q${i}` })),
    );
    await stack.emulator.waitForReplies(6, 20_000);
    const refused = sent.flatMap((s) => s.deliveries).filter((d) => !d.acknowledged);
    expect(refused.length).toBeGreaterThan(0);
    for (const delivery of refused) expect(JSON.parse(delivery.responseBody)).toEqual({ code: 500 });
    expect(sent.every((s) => s.acknowledged)).toBe(true);
    expect([...repliesPerMessage(stack.emulator).values()]).toEqual([1, 1, 1, 1, 1, 1]);
    expect(await metric(stack.bot, 'roombot_rejections_total{reason="busy"}')).toBe(refused.length);
  });

  it('does not acknowledge an event whose verification token is wrong', async () => {
    const stack = await wsStack({
      emulator: { retryDelaysMs: [100] },
      env: { FEISHU_VERIFICATION_TOKEN: 'not-the-console-token' },
    });
    const sent = await stack.emulator.sendMessage({ text: '/room test01' });
    expect(sent.acknowledged).toBe(false);
    expect(sent.deliveries.map((d) => d.status)).toEqual([500, 500]);
    expect(stack.logs.find({ reason: 'bad_token', transport: 'websocket' }).length).toBeGreaterThan(0);
    expect(stack.emulator.replies).toHaveLength(0);
  });
});

describe('the Refresh button over the long connection', () => {
  it('re-runs the lookup and answers with the updated card in the acknowledgement (the verification token read from the raw header)', async () => {
    const stack = await wsStack();
    await stack.emulator.sendMessage({ text: '/room test01 later01' });
    const [reply] = await stack.emulator.waitForReplies(1, 5_000);
    expect(renderCardAsText(reply!.card as Card, 'en_us')).toMatch(/not found/i);
    stack.emulator.rooms.put({
      ...stack.emulator.rooms.byCustomRoomId('test01')!,
      custom_room_id: 'later01',
      room_id: 'omm_0123456789abcdef0123456789abcdef',
      name: 'Later',
    });

    const outcome = await stack.emulator.clickCardButton({
      messageId: reply!.replyMessageId,
      value: callbackValue(reply!.card),
    });
    // With FEISHU_VERIFICATION_TOKEN set, a check of the SDK's merged object would have compared the card's
    // update token (c-…) and refused the click.
    expect(outcome).toMatchObject({ ok: true, status: 200 });
    expect(outcome.response?.toast?.type).toBe('success');
    expect(lookups(stack.emulator)).toHaveLength(2);
    const updated = stack.emulator.replies.find((r) => r.replyMessageId === reply!.replyMessageId)!;
    expect(updated.cardUpdates).toBe(1);
    expect(renderCardAsText(updated.card as Card, 'en_us')).toContain('omm_0123456789abcdef0123456789abcdef');
  });

  it('answers a click whose lookup is slower than the callback deadline with a "still working" toast, in time', async () => {
    const stack = await wsStack({ cardActionTimeoutMs: 400 });
    await stack.emulator.sendMessage({ text: '/room test01' });
    const [reply] = await stack.emulator.waitForReplies(1, 5_000);
    // 300 ms each: past the (shortened) callback deadline together, each within the bot's 2 s call timeout (no retry)
    stack.emulator.faults.inject({ api: 'batch_get_id', kind: 'latency', latencyMs: 300 });
    stack.emulator.faults.inject({ api: 'batch_get', kind: 'latency', latencyMs: 300 });
    const outcome = await stack.emulator.clickCardButton({
      messageId: reply!.replyMessageId,
      value: callbackValue(reply!.card),
    });
    expect(outcome).toMatchObject({ ok: true, response: STILL_WORKING });
    expect(stack.emulator.replies[0]!.cardUpdates).toBe(0);
    expect(
      stack.logs.find({ msg: 'card action slower than the callback deadline; answered with a toast' }),
    ).toHaveLength(1);
  });
});

describe('the connection', () => {
  it('dropped and re-established: /readyz and /metrics follow it, logged once each, and no message is lost', async () => {
    const stack = await wsStack({ emulator: { retryDelaysMs: [200, 400, 800, 1600] } });
    expect(await readyz(stack.bot)).toMatchObject({ status: 200, body: { status: 'ok', events: 'websocket' } });
    expect(await metric(stack.bot, 'roombot_long_connection_up')).toBe(1);
    // The endpoint answers 1000040343 (which the SDK retries) twice: the connection stays down ~0.6 s.
    stack.emulator.faults.inject({ api: 'ws_endpoint', kind: 'error', code: WsCode.INTERNAL_ERROR, times: 2 });
    expect(stack.emulator.dropWsConnections()).toBe(1);

    await vi.waitFor(async () => expect((await readyz(stack.bot)).status).toBe(503), { timeout: 2_000, interval: 20 });
    expect((await readyz(stack.bot)).body.problems).toEqual([
      expect.stringMatching(/^long connection down since .*; reconnecting$/),
    ]);
    expect(await metric(stack.bot, 'roombot_long_connection_up')).toBe(0);
    const sent = await Promise.all(
      Array.from({ length: 5 }, (_, i) => stack.emulator.sendMessage({ text: `/room test0${(i % 2) + 1} d${i}` })),
    );

    expect(sent.every((s) => s.acknowledged)).toBe(true);
    await stack.emulator.waitForReplies(5, 5_000);
    await sleep(200);
    expect([...repliesPerMessage(stack.emulator).values()]).toEqual([1, 1, 1, 1, 1]);
    expect(await readyz(stack.bot)).toMatchObject({ status: 200 });
    expect(stack.emulator.wsConnections().map((c) => c.open)).toEqual([false, true]);

    expect(stack.logs.lines.filter((l) => /^long connection/.test(String(l.msg))).map((l) => l.msg)).toEqual([
      'long connection up: receiving events and card callbacks',
      'long connection lost; reconnecting (unacknowledged events are re-delivered by Feishu)',
      'long connection re-established',
    ]);
    expect(Number(stack.logs.find({ msg: 'long connection re-established' })[0]!.down_ms)).toBeGreaterThanOrEqual(500);
    for (const [change, count] of [
      ['connected', 1],
      ['disconnected', 1],
      ['reconnected', 1],
      ['refused', 0],
    ] as const) {
      expect(await metric(stack.bot, `roombot_long_connection_changes_total{change="${change}"}`), change).toBe(count);
    }
    expect(await metric(stack.bot, 'roombot_long_connection_up')).toBe(1);
  });

  it('/readyz says "not up yet" until the connection is up; a message sent meanwhile is answered once', async () => {
    const emulator = await startEmulator({ ...APP, eventTransport: 'websocket', retryDelaysMs: [200, 400, 800] });
    cleanups.push(() => emulator.close());
    // The endpoint holds its answer 1.5 s: the bot listens (for /readyz) well before its connection is up.
    emulator.faults.inject({ api: 'ws_endpoint', kind: 'latency', latencyMs: 1_500 });
    const port = await freePort();
    const starting = startBot(
      stackConfig(emulator.url, { FEISHU_EVENT_MODE: 'websocket', PORT: String(port) }),
      captureLogs().logger,
    );
    // Pushed as soon as a connection has pinged: the SDK may drop a frame that comes before its listener,
    // and then Feishu's re-delivery is what brings it.
    const early = emulator.sendMessage({ text: '/room test01' });
    const url = `http://127.0.0.1:${port}`;
    const first = await vi.waitFor(() => readyz({ url }), { timeout: 10_000, interval: 20 }); // until it listens
    expect(first).toMatchObject({ status: 503, body: { status: 'not_ready' } });
    expect((first.body as { problems: string[] }).problems).toContain('long connection not up yet');
    const bot = await starting;
    cleanups.push(() => bot.shutdown(5_000));
    await bot.tokenIssued;
    expect((await readyz(bot)).status).toBe(200);
    expect((await early).acknowledged).toBe(true);
    await emulator.waitForReplies(1, 5_000);
    await sleep(200);
    expect(emulator.replies).toHaveLength(1);
  });

  it('shutdown closes the connection first, then finishes every accepted answer', async () => {
    const stack = await wsStack({ emulator: { retryDelaysMs: [] } });
    stack.emulator.faults.inject({ api: 'reply', kind: 'latency', latencyMs: 200, times: Infinity });
    const sent = await Promise.all(
      Array.from({ length: 10 }, (_, i) => stack.emulator.sendMessage({ text: `/room test0${(i % 2) + 1} s${i}` })),
    );
    expect(sent.every((s) => s.acknowledged)).toBe(true);
    expect(stack.emulator.replies.length).toBeLessThan(10);
    const draining = stack.bot.shutdown(10_000);
    await vi.waitFor(() => expect(stack.emulator.wsConnections().every((c) => !c.open)).toBe(true), {
      timeout: 1_000,
      interval: 10,
    });
    const late = await stack.emulator.sendMessage({ text: '/room test01' }, { ackTimeoutMs: 300 });
    expect(late.deliveries[0]).toMatchObject({ acknowledged: false, error: 'no connection' });
    expect((await draining).finished).toBe(true);
    const counts = repliesPerMessage(stack.emulator);
    for (const s of sent) expect(counts.get(s.messageId)).toBe(1);
  });
});

describe('a refused app', () => {
  it('bad credentials: the start fails with a message naming what to check, and nothing is left open', async () => {
    const emulator = await startEmulator({ ...APP, eventTransport: 'websocket' });
    cleanups.push(() => emulator.close());
    const logs = captureLogs();
    const port = await freePort();
    const config = stackConfig(emulator.url, {
      FEISHU_EVENT_MODE: 'websocket',
      FEISHU_APP_SECRET: 'not-the-secret',
      PORT: String(port),
    });
    const failure = await startBot(config, logs.logger).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(LongConnectionRefused);
    expect(failure).toMatchObject({
      code: WsCode.AUTH_FAILED,
      message: expect.stringMatching(/code 514.*check FEISHU_APP_ID and FEISHU_APP_SECRET/),
    });
    expect(logs.find({ code: 514 })).toEqual([expect.objectContaining({ level: 60 })]);
    expect(emulator.requests.filter((r) => r.path === '/callback/ws/endpoint')).toHaveLength(1); // not retried
    expect(emulator.wsConnections()).toEqual([]);
    await expect(fetch(`http://127.0.0.1:${port}/livez`)).rejects.toThrow(); // the server was closed
    expect(logs.text()).not.toContain('not-the-secret');
  });

  it('bad credentials: the process exits with code 1 and one clear line', async () => {
    const emulator = await startEmulator({ ...APP, eventTransport: 'websocket' });
    cleanups.push(() => emulator.close());
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: {
        ...process.env,
        FEISHU_APP_ID: APP.appId,
        FEISHU_APP_SECRET: 'not-the-secret',
        FEISHU_DOMAIN: emulator.url,
        FEISHU_EVENT_MODE: 'websocket',
        PORT: '0',
        HOST: '127.0.0.1',
        DATA_DIR: mkdtempSync(join(tmpdir(), 'roombot-data-')),
        LOG_LEVEL: 'silent',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    cleanups.push(async () => child.kill('SIGKILL'));
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(1);
    expect(stderr.trim()).toBe(
      'Cannot start: Feishu refused the app credentials for the long connection (code 514): check FEISHU_APP_ID and FEISHU_APP_SECRET',
    );
  }, 30_000);

  it('too many connections: a replica beyond Feishu’s limit does not start, and says why', async () => {
    const stack = await wsStack({ emulator: { wsMaxConnections: 1 } });
    const failure = await stack.addReplica().catch((error: unknown) => error);
    expect(failure).toMatchObject({
      name: 'LongConnectionRefused',
      code: WsCode.EXCEED_CONN_LIMIT,
      message: expect.stringMatching(/as many connections open as allowed/),
    });
    expect(stack.emulator.wsConnections().filter((c) => c.open)).toHaveLength(1);
    expect((await stack.emulator.sendMessage({ text: '/room test01' })).acknowledged).toBe(true); // the first replica still serves
  });

  it('refused on a reconnect: the bot reports it as fatal, not ready, and stops retrying', async () => {
    const stack = await wsStack();
    stack.emulator.faults.inject({ api: 'ws_endpoint', kind: 'error', code: WsCode.AUTH_FAILED, times: Infinity });
    stack.emulator.dropWsConnections();
    const refusal = await stack.bot.fatal;
    expect(refusal).toMatchObject({ code: WsCode.AUTH_FAILED, message: expect.stringMatching(/FEISHU_APP_SECRET/) });
    expect(await readyz(stack.bot)).toEqual({
      status: 503,
      body: { status: 'not_ready', problems: ['long connection refused by Feishu'] },
    });
    expect(await metric(stack.bot, 'roombot_long_connection_changes_total{change="refused"}')).toBe(1);
    await sleep(700); // two reconnect intervals
    expect(stack.emulator.requests.filter((r) => r.path === '/callback/ws/endpoint')).toHaveLength(2); // the first connect, the refused one
  });
});

describe.skipIf(!redisAvailable())('several replicas, each with its connection, sharing Redis', () => {
  it('Feishu gives each push to one connection; duplicates reaching different replicas are answered once', async () => {
    const redis: RedisServer = await startRedisServer();
    cleanups.push(() => redis.stop());
    const stack = await wsStack({ env: { REDIS_URL: redis.url }, emulator: { extraDeliveries: { concurrent: 1 } } });
    await stack.addReplica();
    await stack.emulator.waitForWsConnections(2);
    const sent = await Promise.all(
      Array.from({ length: 20 }, (_, i) => stack.emulator.sendMessage({ text: `/room test01 r${i}` })),
    );
    expect(sent.every((s) => s.deliveries.length === 2 && s.deliveries.every((d) => d.acknowledged))).toBe(true);
    await stack.emulator.waitForReplies(20, 10_000);
    await sleep(300);
    expect([...repliesPerMessage(stack.emulator).values()]).toEqual(Array(20).fill(1));
    expect(stack.logs.find({ msg: 'duplicate delivery' })).toHaveLength(20);
    // both replicas took pushes, and some messages reached both of them
    const connectionsOf = (s: (typeof sent)[number]) => new Set(s.deliveries.map((d) => d.connectionId));
    expect(new Set(sent.flatMap((s) => [...connectionsOf(s)])).size).toBe(2);
    expect(sent.some((s) => connectionsOf(s).size === 2)).toBe(true);
  });
});

describe('local mode (npm start without credentials)', () => {
  it('honours FEISHU_EVENT_MODE=websocket: the chat works the same', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: {
        ...withoutCredentials(process.env),
        FEISHU_EVENT_MODE: 'websocket',
        EMULATOR_PORT: '0',
        PORT: '0',
        DATA_DIR: mkdtempSync(join(tmpdir(), 'roombot-data-')),
        LOG_LEVEL: 'silent',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    cleanups.push(async () => {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const emulatorUrl = await vi.waitFor(
      () => {
        const match = /emulator \(Open API \+ event push\): (\S+)/.exec(stdout);
        if (!match) throw new Error(`not started yet: ${stdout}`);
        return match[1]!;
      },
      { timeout: 20_000, interval: 50 },
    );
    expect(stdout).toContain('events over the long connection the bot opened');
    const posted = await fetch(`${emulatorUrl}/_emulator/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: '/room test01' }),
    });
    expect(posted.status).toBe(202);
    const replies = await vi.waitFor(
      async () => {
        const { replies } = (await (await fetch(`${emulatorUrl}/_emulator/replies`)).json()) as { replies: unknown[] };
        if (replies.length === 0) throw new Error('no reply yet');
        return replies;
      },
      { timeout: 5_000, interval: 50 },
    );
    expect(replies).toHaveLength(1);
    const info = (await (await fetch(`${emulatorUrl}/_emulator`)).json()) as {
      transport: string;
      wsConnections: number;
    };
    expect(info).toMatchObject({ transport: 'websocket', wsConnections: 1 });
  }, 30_000);
});

function withoutCredentials(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { FEISHU_APP_ID: _id, FEISHU_APP_SECRET: _secret, ...rest } = env;
  return rest;
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
