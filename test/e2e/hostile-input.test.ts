// The attacks of the durable-intake issue, against the real bot over real HTTP: an ID that tries to be a
// path, a replayed card callback, floods of malformed requests (log volume), slow and excess connections.
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { encryptedBody, signatureHeaders } from '../helpers/webhook-harness.js';
import { APP, startStack, type Stack } from '../helpers/stack.js';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

/** A push signed with the app's real encrypt key and the current time: only the content is hostile. */
function signedPush(payload: Record<string, unknown>): { body: string; headers: Record<string, string> } {
  const body = encryptedBody(payload, APP.encryptKey);
  return {
    body,
    headers: signatureHeaders(body, { key: APP.encryptKey, timestamp: String(Math.floor(Date.now() / 1000)) }),
  };
}

async function postPush(url: string, push: { body: string; headers: Record<string, string> }): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    body: push.body,
    headers: { 'content-type': 'application/json; charset=utf-8', ...push.headers },
  });
}

/** A signed Refresh click on the card the bot sent in answer to `sent`, as Feishu pushes it. */
function refreshCallback(sent: { messageId: string; chatId: string }, eventId: string): Record<string, unknown> {
  return {
    schema: '2.0',
    header: {
      event_id: eventId,
      token: APP.verificationToken,
      create_time: String(Date.now() * 1000),
      event_type: 'card.action.trigger',
      tenant_key: 'tk',
      app_id: APP.appId,
    },
    event: {
      operator: { tenant_key: 'tk', open_id: 'ou_1' },
      token: 'c-0123456789abcdef0123456789abcdef01234567',
      action: { value: { action: 'refresh', ids: ['test01'] }, tag: 'button' },
      context: { open_message_id: sent.messageId, open_chat_id: sent.chatId },
    },
  };
}

describe('hostile input', () => {
  it('a message_id that tries to be a path is refused with 400 and never reaches a URL', async () => {
    stack = await startStack();
    const created = stack.emulator.createMessage({ text: '/room test01' });
    const envelope = structuredClone(created.envelope) as unknown as {
      header: { token: string };
      event: { message: { message_id: string } };
    };
    envelope.event.message.message_id = 'om_x/../../../../meeting_room/room/batch_get_id?custom_room_ids=a&';
    const res = await postPush(
      `${stack.bot.url}/webhook/event`,
      signedPush(envelope as unknown as Record<string, unknown>),
    );
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_id' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(stack.emulator.requests.filter((r) => r.api === 'batch_get_id' || r.api === 'reply')).toHaveLength(0);
    expect(stack.logs.lines.some((l) => l.reason === 'invalid_id')).toBe(true);
    expect(stack.logs.text()).not.toContain('meeting_room/room/batch_get_id?custom_room_ids=a');
  });

  it('50 byte-identical replays of one signed card callback cost one lookup; each gets the first answer', async () => {
    stack = await startStack();
    const sent = await stack.emulator.sendMessage({ text: '/room test01' });
    await stack.emulator.waitForReplies(1, 5_000);
    const lookupsBefore = stack.emulator.requests.filter((r) => r.api === 'batch_get_id').length;
    const push = signedPush(refreshCallback(sent, 'a1b2c3d4e5f60718293a4b5c6d7e8f90'));
    const first = await postPush(`${stack.bot.url}/webhook/card`, push);
    expect(first.status).toBe(200);
    const firstAnswer = await first.json();
    expect(firstAnswer).toMatchObject({ toast: { type: 'success' } });
    const replays = await Promise.all(
      Array.from({ length: 50 }, () => postPush(`${stack!.bot.url}/webhook/card`, push)),
    );
    for (const replay of replays) {
      expect(replay.status).toBe(200);
      expect(await replay.json()).toEqual(firstAnswer);
    }
    expect(stack.emulator.requests.filter((r) => r.api === 'batch_get_id').length - lookupsBefore).toBe(1);
  });

  it('a callback replayed after a restart (journal mode) gets the first answer and costs no lookup', async () => {
    stack = await startStack();
    const sent = await stack.emulator.sendMessage({ text: '/room test01' });
    await stack.emulator.waitForReplies(1, 5_000);
    const push = signedPush(refreshCallback(sent, 'b1b2c3d4e5f60718293a4b5c6d7e8f91'));
    const first = await postPush(`${stack.bot.url}/webhook/card`, push);
    const firstAnswer = await first.json();
    await stack.bot.shutdown(5_000);
    const restarted = await stack.addReplica({ DATA_DIR: stack.config.dataDir });
    const lookupsBefore = stack.emulator.requests.filter((r) => r.api === 'batch_get_id').length;
    const replay = await postPush(`${restarted.url}/webhook/card`, push);
    expect(replay.status).toBe(200);
    expect(await replay.json()).toEqual(firstAnswer);
    expect(stack.emulator.requests.filter((r) => r.api === 'batch_get_id').length).toBe(lookupsBefore);
  });

  it('200 malformed 15 KB requests write a bounded amount of log, never the packet', async () => {
    stack = await startStack();
    const junk = 'x'.repeat(15 * 1024);
    const paths = ['/webhook/event', `/${junk.slice(0, 4000)}`, '/webhook/card'];
    const before = stack.logs.lines.length;
    const started = Date.now();
    for (let i = 0; i < 200; i += 1) {
      const body = i % 2 ? junk : JSON.stringify({ encrypt: junk });
      await fetch(`${stack.bot.url}${paths[i % paths.length]}`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json' },
      }).then((r) => r.arrayBuffer());
    }
    const seconds = Math.ceil((Date.now() - started) / 1000) + 1;
    const lines = stack.logs.lines.slice(before);
    const reasons = new Set(lines.map((l) => String(l.reason)));
    // a short summary per line, at most 10 lines per reason per second: 3 MB sent cannot become MBs of log
    for (const line of lines) expect(JSON.stringify(line).length).toBeLessThan(512);
    expect(lines.length).toBeLessThanOrEqual(10 * reasons.size * seconds);
    expect(stack.logs.text()).not.toContain('x'.repeat(200));
    // the next line of a kind, in a later second, says how many were left out
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await fetch(`${stack.bot.url}/webhook/event`, {
      method: 'POST',
      body: junk,
      headers: { 'content-type': 'application/json' },
    }).then((r) => r.arrayBuffer());
    expect(
      stack.logs.lines.some(
        (l) => l.reason === 'missing_signature' && typeof l.suppressed === 'number' && l.suppressed > 0,
      ),
    ).toBe(true);
  });

  it('200 malformed chunked requests (parser errors outside the route): log bytes bounded, a suppressed count', async () => {
    stack = await startStack();
    const { port } = new URL(stack.bot.url);
    const junk = 'A'.repeat(15 * 1024);
    const malformed = () =>
      new Promise<string>((resolve) => {
        let answer = '';
        const socket = connect({ host: '127.0.0.1', port: Number(port) }, () =>
          socket.write(
            'POST /webhook/event HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
              `Transfer-Encoding: chunked\r\n\r\nzz\r\n${junk}\r\n`,
          ),
        );
        socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
        socket.on('error', () => undefined);
        socket.on('close', () => resolve(answer));
      });
    const before = stack.logs.text().length;
    const answers = await Promise.all(Array.from({ length: 200 }, malformed));
    expect(answers.every((a) => a === '' || a.startsWith('HTTP/1.1 400'))).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await malformed(); // the next line of the kind, a second later, says how many were left out
    const written = stack.logs.text().slice(before);
    const lines = written.split('\n').filter(Boolean);
    expect(written.length, 'log bytes for 3 MB of malformed requests').toBeLessThan(64 * 1024);
    for (const line of lines) expect(line.length).toBeLessThan(2_048);
    expect(written).not.toContain('rawPacket');
    expect(written).not.toContain('A'.repeat(100));
    expect(lines.some((l) => /"suppressed":\d+/.test(l))).toBe(true);
  });

  it('a client that trickles its headers is cut off after HEADERS_TIMEOUT_MS, not Node’s 30 s check', async () => {
    stack = await startStack({ env: { HEADERS_TIMEOUT_MS: '1000', REQUEST_TIMEOUT_MS: '1500' } });
    const { port } = new URL(stack.bot.url);
    const socket = connect({ host: '127.0.0.1', port: Number(port) });
    const started = Date.now();
    const closed = new Promise<number>((resolve) => socket.on('close', () => resolve(Date.now() - started)));
    socket.on('error', () => undefined);
    socket.write('POST /webhook/event HTTP/1.1\r\nHost: x\r\n');
    const trickle = setInterval(() => socket.write('X-Slow: 1\r\n'), 200);
    const heldMs = await closed;
    clearInterval(trickle);
    expect(heldMs).toBeLessThan(4_000);
  });

  it('slowloris at MAX_CONNECTIONS: legitimate pushes still get in (≥ 95 % acked within 3 s)', async () => {
    // no re-delivery: a push counts only if its first attempt is acked within the emulator's 3 s
    stack = await startStack({ env: { MAX_CONNECTIONS: '20' }, emulator: { retryDelaysMs: [] } });
    const { port } = new URL(stack.bot.url);
    const SLOW_CLIENTS = 60;
    const MAX_ATTACK_CONNECTIONS = 20_000; // bounded, whatever happens
    let attacking = true;
    let attackConnections = 0;
    const sockets = new Set<Socket>();
    // each slow client sends half a request and holds it; when it is cut off it comes straight back
    const slowClient = (): void => {
      if (!attacking || attackConnections >= MAX_ATTACK_CONNECTIONS) return;
      attackConnections += 1;
      const socket = connect({ host: '127.0.0.1', port: Number(port) }, () =>
        socket.write('POST /webhook/event HTTP/1.1\r\nHost: x\r\nX-Slow: 1\r\n'),
      );
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        sockets.delete(socket);
        setImmediate(slowClient);
      });
    };
    for (let i = 0; i < SLOW_CLIENTS; i += 1) slowClient();
    await new Promise((resolve) => setTimeout(resolve, 300)); // the cap is full of slow clients
    const pushes = 40;
    const results: boolean[] = [];
    for (let i = 0; i < pushes; i += 1) {
      const sent = await stack.emulator.sendMessage({ text: `/room test01 slow${i}` });
      results.push(sent.acknowledged);
    }
    attacking = false;
    for (const socket of sockets) socket.destroy();
    const acked = results.filter(Boolean).length;
    expect(
      acked / pushes,
      `${acked} of ${pushes} acked; ${attackConnections} attack connections`,
    ).toBeGreaterThanOrEqual(0.95);
    const metrics = await (await fetch(`${stack.bot.url}/metrics`)).text();
    expect(metrics).toMatch(/roombot_rejections_total\{reason="connection_evicted"\} [1-9]/);
  });

  it('connections beyond MAX_CONNECTIONS are closed at once', async () => {
    stack = await startStack({ env: { MAX_CONNECTIONS: '5' } });
    const { port } = new URL(stack.bot.url);
    const sockets: Socket[] = [];
    const closedEarly: boolean[] = [];
    for (let i = 0; i < 8; i += 1) {
      const socket = connect({ host: '127.0.0.1', port: Number(port) });
      socket.on('error', () => undefined);
      const index = i;
      socket.on('close', () => (closedEarly[index] = true));
      sockets.push(socket);
      await new Promise((resolve) => socket.once('connect', resolve));
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(closedEarly.filter(Boolean).length).toBe(3);
    for (const socket of sockets) socket.destroy();
  });
});
