// The long connection driven by the real SDK: WSClient + EventDispatcher from @larksuiteoapi/node-sdk
// connect to the emulator, receive events and card callbacks, and acknowledge them; the emulator
// re-delivers what was not acknowledged, as Feishu does.
import { describe, expect, it } from 'vitest';
import type { CardActionEvent, EventHeader, MessageReceiveEvent } from '../../src/protocol/events.js';
import { WsCode, type EmulatorOptions } from '../../src/emulator/index.js';
import { replyAsBot } from '../helpers/emulator.js';
import { cleanupsAfterEach, sleep, startWsEmulator, until } from '../helpers/emulator-ws.js';

/** What the SDK hands a handler: the envelope's header and event merged into one object. */
type MergedEvent<E> = EventHeader & E & { schema: string };

const FAST_RECONNECT = { ReconnectInterval: 0.1, ReconnectNonce: 0.05 };

const cleanups = cleanupsAfterEach();
const setup = (options: Partial<EmulatorOptions> = {}) => startWsEmulator(cleanups, options);

const endpointCalls = (emulator: { requests: readonly { path: string; code?: number }[] }) =>
  emulator.requests.filter((request) => request.path === '/callback/ws/endpoint');

describe('connecting', () => {
  it('opens a connection with the app credentials, and pings', async () => {
    const { emulator, connect } = await setup();
    const sdk = connect();
    await sdk.ready;
    const [connection] = await emulator.waitForWsConnections(1);
    expect(connection).toMatchObject({ open: true });
    expect(connection!.pings).toBeGreaterThanOrEqual(1);
    expect(sdk.client.getConnectionStatus().state).toBe('connected');
    const [call] = endpointCalls(emulator);
    expect(call).toMatchObject({
      method: 'POST',
      status: 200,
      code: 0,
      body: { AppID: emulator.app.appId, AppSecret: emulator.app.appSecret },
    });
    expect(sdk.errorLogs).toEqual([]);
  });

  it('refuses wrong credentials with code 514, and the SDK stops without retrying', async () => {
    const { emulator, connect } = await setup();
    const sdk = connect({}, { ...emulator.app, appSecret: 'not-the-secret' });
    await expect(sdk.ready).rejects.toThrow(/code=514/);
    await sleep(300);
    expect(sdk.client.getConnectionStatus().state).toBe('failed');
    expect(endpointCalls(emulator).map((call) => call.code)).toEqual([WsCode.AUTH_FAILED]);
    expect(emulator.wsConnections()).toEqual([]);
  });

  it('refuses the 51st connection of an app with 1000040350, which ends that client', async () => {
    const { emulator, connect } = await setup();
    const fifty = Array.from({ length: 50 }, () => connect());
    await Promise.all(fifty.map((sdk) => sdk.ready));
    await emulator.waitForWsConnections(50);
    const extra = connect();
    await expect(extra.ready).rejects.toThrow(/code=1000040350/);
    expect(emulator.wsConnections().filter((connection) => connection.open)).toHaveLength(50);
    expect(endpointCalls(emulator).at(-1)).toMatchObject({ code: WsCode.EXCEED_CONN_LIMIT });
  });
});

describe('ping and pong', () => {
  it('pings at the PingInterval of the ClientConfig, not in a storm', async () => {
    const { emulator, connect } = await setup({ wsClientConfig: { PingInterval: 0.2 } });
    await connect().ready;
    const [connection] = await emulator.waitForWsConnections(1);
    const before = emulator.wsConnections().find((c) => c.id === connection!.id)!.pings;
    await sleep(1000);
    const pings = emulator.wsConnections().find((c) => c.id === connection!.id)!.pings - before;
    // ~5; a pong without PingInterval would make it hundreds (a NaN timer), Feishu's default 120 s none
    expect(pings).toBeGreaterThanOrEqual(2);
    expect(pings).toBeLessThanOrEqual(8);
  });

  it('changes the ping interval through the ClientConfig a pong carries', async () => {
    const { emulator, connect } = await setup({ wsClientConfig: { PingInterval: 0.5 } });
    await connect().ready;
    const [connection] = await emulator.waitForWsConnections(1);
    emulator.setWsClientConfig({ PingInterval: 0.1 });
    // The ping after 0.5 s gets a pong with 0.1 s; from then on the SDK pings ten times a second.
    await sleep(700);
    const pingsOf = () => emulator.wsConnections().find((c) => c.id === connection!.id)!.pings;
    const before = pingsOf();
    await sleep(1000);
    expect(pingsOf() - before).toBeGreaterThanOrEqual(4); // at the old 0.5 s it would be 2
    expect(pingsOf() - before).toBeLessThanOrEqual(14);
  });
});

describe('events', () => {
  it('delivers an event as a data frame that the SDK acknowledges once', async () => {
    const { emulator, connect } = await setup();
    const received: unknown[] = [];
    await connect({ 'im.message.receive_v1': async (data) => void received.push(data) }).ready;

    const sent = await emulator.sendMessage({ text: '/room test01', chatType: 'group' });
    expect(sent.acknowledged).toBe(true);
    expect(sent.deliveries).toHaveLength(1);
    const [attempt] = sent.deliveries;
    expect(attempt).toMatchObject({
      kind: 'first',
      status: 200,
      acknowledged: true,
      eventId: sent.eventId,
      eventType: 'im.message.receive_v1',
    });
    expect(JSON.parse(attempt!.responseBody)).toEqual({ code: 200 });
    expect(attempt!.requestHeaders).toMatchObject({ type: 'event', sum: '1', seq: '0' });
    expect(attempt!.requestHeaders.message_id).toMatch(/^[0-9a-f]{32}$/);
    expect(attempt!.requestHeaders.trace_id).toBeTruthy();
    expect(JSON.parse(attempt!.requestBody)).toEqual(sent.envelope); // plain JSON, not encrypted
    expect(attempt!.connectionId).toBe(emulator.wsConnections()[0]!.id);
    expect(emulator.deliveries).toEqual(sent.deliveries);

    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({
      schema: '2.0',
      event_id: sent.eventId,
      token: emulator.app.verificationToken,
      app_id: emulator.app.appId,
      message: {
        message_id: sent.messageId,
        chat_type: 'group',
        content: JSON.stringify({ text: '@_user_1 /room test01' }),
      },
    });
  });

  it('re-delivers an event whose handler is slower than the ack deadline', async () => {
    const { emulator, connect } = await setup({ ackTimeoutMs: 300, retryDelaysMs: [50, 50] });
    let calls = 0;
    await connect({
      'im.message.receive_v1': async () => {
        calls += 1;
        if (calls === 1) await sleep(700);
      },
    }).ready;
    const sent = await emulator.sendMessage({ text: '/room test01' });
    expect(sent.deliveries.map((d) => [d.kind, d.error ?? d.status])).toEqual([
      ['first', 'timeout'],
      ['retry', 200],
    ]);
    expect(sent.acknowledged).toBe(true);
    expect(new Set(sent.deliveries.map((d) => d.requestHeaders.message_id)).size).toBe(2); // each push is its own frame message
    expect(calls).toBe(2);
  });

  it('re-delivers an event whose handler throws (the SDK acknowledges with code 500)', async () => {
    const { emulator, connect } = await setup({ retryDelaysMs: [50] });
    let calls = 0;
    await connect({
      'im.message.receive_v1': async () => {
        calls += 1;
        if (calls === 1) throw new Error('store unavailable');
      },
    }).ready;
    const sent = await emulator.sendMessage({ text: '/room test01' });
    expect(sent.deliveries.map((d) => [d.kind, d.status, d.acknowledged])).toEqual([
      ['first', 500, false],
      ['retry', 200, true],
    ]);
    expect(JSON.parse(sent.deliveries[0]!.responseBody)).toEqual({ code: 500 });
  });

  it('splits an event into fragments that the SDK joins, even inside a UTF-8 character', async () => {
    const { emulator, connect } = await setup();
    const received: unknown[] = [];
    await connect({ 'im.message.receive_v1': async (data) => void received.push(data) }).ready;
    const text = `/room ${'深圳-1202 '.repeat(40)}`;
    const sent = await emulator.sendMessage({ text }, { fragments: 7 });
    expect(sent.acknowledged).toBe(true);
    expect(sent.deliveries[0]!.requestHeaders).toMatchObject({ sum: '7', seq: '0' });
    expect(emulator.wsConnections()[0]!.framesSent).toBe(7);
    expect(received).toHaveLength(1);
    expect((received[0] as MergedEvent<MessageReceiveEvent>).message.content).toBe(JSON.stringify({ text }));
  });

  it('waits for a connection that has pinged, and reports none when none comes in time', async () => {
    const { emulator, connect } = await setup({ ackTimeoutMs: 200, retryDelaysMs: [] });
    const lonely = await emulator.sendMessage({ text: '/room test01' });
    expect(lonely).toMatchObject({ acknowledged: false, cancelled: false });
    expect(lonely.deliveries[0]).toMatchObject({ error: 'no connection', acknowledged: false });

    const sdk = connect({ 'im.message.receive_v1': async () => {} });
    const sending = emulator.sendMessage({ text: '/room test01' }, { ackTimeoutMs: 3000 }); // before the client has connected
    await sdk.ready;
    expect((await sending).acknowledged).toBe(true);
  });

  it('gives each event to one random connection among several, acknowledged by exactly that one', async () => {
    const { emulator, connect } = await setup();
    const handled = new Map<string, number>();
    const perClient = [0, 0, 0];
    const clients = perClient.map((_, index) =>
      connect({
        'im.message.receive_v1': async (data) => {
          perClient[index]! += 1;
          handled.set(data.message.message_id, (handled.get(data.message.message_id) ?? 0) + 1);
        },
      }),
    );
    await Promise.all(clients.map((sdk) => sdk.ready));
    await emulator.waitForWsConnections(3);

    const sent = await Promise.all(
      Array.from({ length: 30 }, (_, i) => emulator.sendMessage({ text: `/room test${i}` })),
    );
    expect(sent.every((message) => message.acknowledged && message.deliveries.length === 1)).toBe(true);
    expect([...handled.values()]).toEqual(Array(30).fill(1));
    expect(perClient.reduce((a, b) => a + b, 0)).toBe(30);
    expect(perClient.filter((count) => count > 0).length).toBeGreaterThan(1);
    expect(new Set(sent.map((message) => message.deliveries[0]!.connectionId)).size).toBe(
      perClient.filter((count) => count > 0).length,
    );
  });

  it('pushes duplicates over the connection too', async () => {
    const { emulator, connect } = await setup({ extraDeliveries: { concurrent: 1, afterAck: 1 } });
    let calls = 0;
    await connect({ 'im.message.receive_v1': async () => void (calls += 1) }).ready;
    const sent = await emulator.sendMessage({ text: '/room test01' });
    expect(sent.deliveries.map((d) => d.kind).sort()).toEqual(['duplicate', 'duplicate', 'first']);
    expect(sent.deliveries.every((d) => d.acknowledged)).toBe(true);
    expect(calls).toBe(3);
  });
});

describe('reconnecting', () => {
  it('re-delivers the event that was pending when the connections dropped, once the SDK has reconnected', async () => {
    const { emulator, connect } = await setup({ wsClientConfig: FAST_RECONNECT, retryDelaysMs: [200, 200, 200] });
    let firstArrived!: () => void;
    const arrived = new Promise<void>((resolve) => (firstArrived = resolve));
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    cleanups.push(() => release());
    let calls = 0;
    const sdk = connect({
      'im.message.receive_v1': async () => {
        calls += 1;
        if (calls === 1) {
          firstArrived();
          await held; // still working on it when the connection goes
        }
      },
    });
    await sdk.ready;
    const [before] = await emulator.waitForWsConnections(1);

    const sending = emulator.sendMessage({ text: '/room test01' });
    await arrived;
    expect(emulator.dropWsConnections()).toBe(1);
    const sent = await sending;

    expect(sent.acknowledged).toBe(true);
    expect(sent.deliveries[0]).toMatchObject({ kind: 'first', error: 'connection closed', connectionId: before!.id });
    const last = sent.deliveries.at(-1)!;
    expect(last).toMatchObject({ kind: 'retry', status: 200, acknowledged: true });
    expect(last.connectionId).not.toBe(before!.id);
    expect(sdk.reconnects).toBe(1);
    expect(emulator.wsConnections().map((c) => c.open)).toEqual([false, true]);
    release();
  });

  it('retries the endpoint while it answers 1000040343, the code the SDK retries', async () => {
    const { emulator, connect } = await setup({ wsClientConfig: FAST_RECONNECT });
    const sdk = connect();
    await sdk.ready;
    emulator.faults.inject({ api: 'ws_endpoint', kind: 'error', code: WsCode.INTERNAL_ERROR, times: 2 });
    emulator.dropWsConnections();
    await until(() => sdk.reconnects === 1, 5000, 'reconnected');
    expect(endpointCalls(emulator).map((call) => call.code)).toEqual([
      0,
      WsCode.INTERNAL_ERROR,
      WsCode.INTERNAL_ERROR,
      0,
    ]);
    expect(endpointCalls(emulator)[1]).toMatchObject({ status: 200 });
  });
});

describe('card.action.trigger', () => {
  it('carries the click as an event frame and records the card the handler answers with', async () => {
    const { emulator, connect } = await setup();
    const updated = { header: { title: { tag: 'plain_text', content: 'v2' } } };
    const clicks: Array<MergedEvent<CardActionEvent>> = [];
    await connect({
      'card.action.trigger': async (data) => {
        clicks.push(data as MergedEvent<CardActionEvent>);
        return { toast: { type: 'success', content: '已刷新' }, card: { type: 'raw', data: updated } };
      },
    }).ready;
    const user = emulator.createMessage({ text: '/room test01' });
    const replyId = await replyAsBot(emulator, emulator.app, user.messageId, {
      header: { title: { tag: 'plain_text', content: 'v1' } },
    });

    const result = await emulator.clickCardButton({ messageId: replyId, value: { action: 'refresh' } });
    expect(result).toMatchObject({
      ok: true,
      status: 200,
      response: { toast: { type: 'success', content: '已刷新' } },
      card: updated,
    });
    expect(emulator.replies[0]).toMatchObject({ card: updated, cardUpdates: 1 });
    expect(clicks).toHaveLength(1);
    expect(clicks[0]).toMatchObject({
      event_type: 'card.action.trigger',
      action: { value: { action: 'refresh' } },
      context: { open_message_id: replyId },
    });
    // The SDK merges header and event: the event's card-update token hides the header's verification token.
    expect(clicks[0]!.token).toMatch(/^c-/);
  });

  it('keeps the card when the handler fails or answers late, with Feishu’s client error codes', async () => {
    const { emulator, connect } = await setup({ ackTimeoutMs: 300 });
    let behaviour: 'throw' | 'slow' | 'nothing' = 'throw';
    await connect({
      'card.action.trigger': async () => {
        if (behaviour === 'throw') throw new Error('boom');
        if (behaviour === 'slow') await sleep(600);
        return undefined;
      },
    }).ready;
    const user = emulator.createMessage({ text: '/room test01' });
    const replyId = await replyAsBot(emulator, emulator.app, user.messageId, { elements: [] });

    expect(await emulator.clickCardButton({ messageId: replyId, value: 'x' })).toMatchObject({
      ok: false,
      status: 500,
      errorCode: 200671,
    });
    behaviour = 'slow';
    expect(await emulator.clickCardButton({ messageId: replyId, value: 'x' })).toMatchObject({
      ok: false,
      errorCode: 200341,
    });
    behaviour = 'nothing';
    expect(await emulator.clickCardButton({ messageId: replyId, value: 'x' })).toMatchObject({
      ok: true,
      status: 200,
      body: '',
    });
    expect(emulator.replies[0]!.cardUpdates).toBe(0);
  });
});
