// The long connection's wire protocol as the emulator speaks it, checked with a bare WebSocket client
// where the SDK would hide the detail: the endpoint's answers, one connection per URL, handshake
// refusals, pong payloads, no data before the first ping, acknowledgements, protocol violations, and
// the /_emulator control routes of the long connection.
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { EmulatorOptions } from '../../src/emulator/index.js';
import { FEISHU_WS_CLIENT_CONFIG, WsCode } from '../../src/emulator/index.js';
import { decodeFrame, encodeFrame, headerOf, type Frame } from '../../src/emulator/ws/frame.js';
import { cleanupsAfterEach, startWsEmulator } from '../helpers/emulator-ws.js';

const cleanups = cleanupsAfterEach();
const setup = async (options: Partial<EmulatorOptions> = {}) => (await startWsEmulator(cleanups, options)).emulator;

interface EndpointAnswer {
  code: number;
  msg: string;
  data: { URL?: string; ClientConfig?: Record<string, number> };
}

async function askEndpoint(baseUrl: string, body: unknown): Promise<{ status: number; answer: EndpointAnswer }> {
  const response = await fetch(`${baseUrl}/callback/ws/endpoint`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, answer: (await response.json()) as EndpointAnswer };
}

async function connectionUrl(emulator: Awaited<ReturnType<typeof setup>>): Promise<string> {
  const { answer } = await askEndpoint(emulator.url, { AppID: emulator.app.appId, AppSecret: emulator.app.appSecret });
  return answer.data.URL!;
}

/** A bare client: every frame it receives, decoded. */
interface RawClient {
  socket: WebSocket;
  frames: Frame[];
  next(): Promise<Frame>;
  closed: Promise<number>;
  send(frame: Frame): void;
}

function rawConnect(url: string): Promise<RawClient> {
  const socket = new WebSocket(url);
  cleanups.push(() => socket.terminate());
  const frames: Frame[] = [];
  let waiting: Array<(frame: Frame) => void> = [];
  socket.on('message', (data: Buffer) => {
    const frame = decodeFrame(data);
    frames.push(frame);
    for (const resolve of waiting) resolve(frame);
    waiting = [];
  });
  const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.once('open', () =>
      resolve({
        socket,
        frames,
        next: () => new Promise((resolveFrame) => waiting.push(resolveFrame)),
        closed,
        send: (frame) => socket.send(encodeFrame(frame)),
      }),
    );
  });
}

/** The refusal of an upgrade: status and the Handshake-* headers. */
function refusedUpgrade(
  url: string,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.on('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode ?? 0, headers: res.headers });
      res.resume();
      socket.terminate();
    });
    socket.on('open', () => reject(new Error('the upgrade was accepted')));
    socket.on('error', () => {});
  });
}

function ping(serviceId: number): Frame {
  return { SeqID: 0, LogID: 0, service: serviceId, method: 0, headers: [{ key: 'type', value: 'ping' }] };
}

describe('POST /callback/ws/endpoint', () => {
  it('answers a URL whose first query key is not one the SDK needs, and the complete ClientConfig', async () => {
    const emulator = await setup();
    const { status, answer } = await askEndpoint(emulator.url, {
      AppID: emulator.app.appId,
      AppSecret: emulator.app.appSecret,
    });
    expect(status).toBe(200);
    expect(answer).toMatchObject({ code: 0, msg: 'ok' });
    expect(answer.data.ClientConfig).toEqual(FEISHU_WS_CLIENT_CONFIG);
    const url = new URL(answer.data.URL!);
    expect(`${url.protocol}//${url.host}${url.pathname}`).toBe(`${emulator.url.replace('http', 'ws')}/ws/v2`);
    const keys = [...url.searchParams.keys()];
    expect(keys).toEqual(expect.arrayContaining(['device_id', 'service_id', 'ticket']));
    expect(keys[0]).not.toMatch(/^(device_id|service_id)$/); // the Node SDK's qs.parse of the whole URL loses the first key
    expect(url.searchParams.get('device_id')).toMatch(/^\d+$/);
    expect(Number(url.searchParams.get('service_id'))).toBeLessThan(2 ** 31); // it travels in an int32 field
  });

  it('refuses wrong or missing credentials with code 514 and still carries data: {}', async () => {
    const emulator = await setup();
    for (const body of [
      { AppID: emulator.app.appId, AppSecret: 'wrong' },
      { AppID: 'cli_0000000000000000', AppSecret: emulator.app.appSecret },
      {},
      'not json',
    ]) {
      expect(await askEndpoint(emulator.url, body)).toMatchObject({
        status: 200,
        answer: { code: WsCode.AUTH_FAILED, data: {} },
      });
    }
  });

  it('answers injected faults the SDK can read: business codes in a 200 with data: {}, or an HTTP error', async () => {
    const emulator = await setup();
    const credentials = { AppID: emulator.app.appId, AppSecret: emulator.app.appSecret };
    emulator.faults.inject({ api: 'ws_endpoint', kind: 'error', code: WsCode.INTERNAL_ERROR, msg: 'busy' });
    expect(await askEndpoint(emulator.url, credentials)).toEqual({
      status: 200,
      answer: { code: WsCode.INTERNAL_ERROR, msg: 'busy', data: {} },
    });
    emulator.faults.inject({ api: 'ws_endpoint', kind: 'http_500' });
    expect((await askEndpoint(emulator.url, credentials)).status).toBe(500);
    emulator.faults.inject({ api: 'any', kind: 'http_500' }); // 'any' means the Open APIs only
    expect((await askEndpoint(emulator.url, credentials)).answer.code).toBe(0);
  });
});

describe('the WebSocket upgrade', () => {
  it('accepts a URL once; a used or unknown ticket is refused with Handshake-Status 514', async () => {
    const emulator = await setup();
    const url = await connectionUrl(emulator);
    await rawConnect(url);
    const reused = await refusedUpgrade(url);
    expect(reused.status).toBe(401);
    expect(reused.headers['handshake-status']).toBe('514');
    expect(reused.headers['handshake-msg']).toMatch(/ticket/);
    const forged = new URL(url);
    forged.searchParams.set('ticket', 'forged');
    expect((await refusedUpgrade(forged.toString())).headers['handshake-status']).toBe('514');
    expect((await refusedUpgrade(`${emulator.url.replace('http', 'ws')}/elsewhere`)).status).toBe(404);
  });

  it('refuses a connection over the limit at the upgrade too, with Handshake-Autherrcode 1000040350', async () => {
    const emulator = await setup({ wsMaxConnections: 1 });
    const first = await connectionUrl(emulator);
    const second = await connectionUrl(emulator); // both handed out while none was open
    await rawConnect(first);
    const refused = await refusedUpgrade(second);
    expect(refused).toMatchObject({
      status: 401,
      headers: { 'handshake-status': '514', 'handshake-autherrcode': String(WsCode.EXCEED_CONN_LIMIT) },
    });
    expect(
      (await askEndpoint(emulator.url, { AppID: emulator.app.appId, AppSecret: emulator.app.appSecret })).answer.code,
    ).toBe(WsCode.EXCEED_CONN_LIMIT);
  });
});

describe('frames', () => {
  it('answers a ping with a pong that carries the complete ClientConfig, and follows its changes', async () => {
    const emulator = await setup({ wsClientConfig: { PingInterval: 7 } });
    const url = await connectionUrl(emulator);
    const serviceId = Number(new URL(url).searchParams.get('service_id'));
    const client = await rawConnect(url);

    client.send(ping(serviceId));
    const pong = await client.next();
    expect(pong).toMatchObject({
      SeqID: 0,
      LogID: 0,
      service: serviceId,
      method: 0,
      headers: [{ key: 'type', value: 'pong' }],
    });
    expect(JSON.parse(Buffer.from(pong.payload!).toString('utf8'))).toEqual({
      ...FEISHU_WS_CLIENT_CONFIG,
      PingInterval: 7,
    });

    emulator.setWsClientConfig({ ReconnectInterval: 3 });
    client.send(ping(serviceId));
    expect(JSON.parse(Buffer.from((await client.next()).payload!).toString('utf8'))).toEqual({
      ...FEISHU_WS_CLIENT_CONFIG,
      PingInterval: 7,
      ReconnectInterval: 3,
    });
    expect(emulator.wsConnections()[0]).toMatchObject({ open: true, pings: 2 });
  });

  it('sends no event to a connection before its first ping, and counts only the echoed frame with code 200 as an ack', async () => {
    const emulator = await setup({ ackTimeoutMs: 300, retryDelaysMs: [] });
    const url = await connectionUrl(emulator);
    const serviceId = Number(new URL(url).searchParams.get('service_id'));
    const client = await rawConnect(url);

    const unpinged = await emulator.sendMessage({ text: '/room test01' });
    expect(unpinged.deliveries[0]).toMatchObject({ error: 'no connection', acknowledged: false });
    expect(client.frames).toEqual([]);

    client.send(ping(serviceId));
    await client.next();
    const answers: Array<(event: Frame) => Frame | undefined> = [
      (event) => ({
        ...event,
        headers: [...event.headers, { key: 'biz_rt', value: '1' }],
        payload: Buffer.from('{"code":200}'),
      }),
      (event) => ({
        ...event,
        headers: event.headers.map((h) => (h.key === 'message_id' ? { ...h, value: 'another' } : h)),
        payload: Buffer.from('{"code":200}'),
      }),
      (event) => ({ ...event, payload: Buffer.from('ok') }),
      () => undefined,
    ];
    const results = [];
    for (const answer of answers) {
      const sending = emulator.sendMessage({ text: '/room test01' });
      const event = await client.next();
      expect(event).toMatchObject({ method: 1, service: serviceId });
      expect(headerOf(event, 'type')).toBe('event');
      const reply = answer(event);
      if (reply) client.send(reply);
      results.push((await sending).deliveries[0]);
    }
    expect(results.map((attempt) => [attempt!.acknowledged, attempt!.error ?? attempt!.status])).toEqual([
      [true, 200],
      [false, 'timeout'],
      [false, 'bad ack'],
      [false, 'timeout'],
    ]);
  });

  it('closes a connection that sends a text message (1003) or bytes that are not a frame (1002)', async () => {
    const emulator = await setup();
    const text = await rawConnect(await connectionUrl(emulator));
    text.socket.send('{"type":"ping"}');
    expect(await text.closed).toBe(1003);
    const garbage = await rawConnect(await connectionUrl(emulator));
    garbage.socket.send(Buffer.from([0x0a, 0xff]));
    expect(await garbage.closed).toBe(1002);
  });
});

describe('/_emulator control routes over the long connection', () => {
  async function call(
    emulator: { url: string },
    path: string,
    method = 'GET',
    body?: unknown,
  ): Promise<Record<string, unknown>> {
    const response = await fetch(`${emulator.url}${path}`, {
      method,
      ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
    });
    return (await response.json()) as Record<string, unknown>;
  }

  it('sends messages to the connected client, lists and drops connections', async () => {
    const { emulator, connect } = await startWsEmulator(cleanups);
    const received: string[] = [];
    await connect({ 'im.message.receive_v1': async (data) => void received.push(data.message.content) }).ready;
    await emulator.waitForWsConnections(1);

    expect(await call(emulator, '/_emulator')).toMatchObject({ transport: 'websocket', wsConnections: 1 });
    await call(emulator, '/_emulator/messages', 'POST', { text: '/room test01' });
    await expect.poll(() => received).toEqual([JSON.stringify({ text: '/room test01' })]);
    const listed = (await call(emulator, '/_emulator/connections')).connections as Array<{ id: string; open: boolean }>;
    expect(listed).toEqual([expect.objectContaining({ id: emulator.wsConnections()[0]!.id, open: true })]);
    expect(await call(emulator, '/_emulator/connections/drop', 'POST')).toEqual({ dropped: 1 });
    await expect.poll(() => emulator.wsConnections()[0]!.open).toBe(false);
  });
});
