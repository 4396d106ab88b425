// The /_emulator control API a developer uses with curl while running `npm start`.
import { afterEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import { replyAsBot, startReceiver, startTestEmulator, type Receiver, type TestApp } from '../helpers/emulator.js';

let emulator: (Emulator & { app: TestApp }) | undefined;
let receiver: Receiver | undefined;
afterEach(async () => {
  await emulator?.close();
  await receiver?.close();
});

async function call(
  path: string,
  method = 'GET',
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> | undefined }> {
  const response = await fetch(`${emulator!.url}${path}`, {
    method,
    ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
}

describe('/_emulator control API', () => {
  it('reads @RoomBot, @Alice and @all typed in the text as mentions; sends as another tenant or in another chat', async () => {
    receiver = await startReceiver();
    emulator = await startTestEmulator({ eventUrl: `${receiver.url}/event` });
    const pushed = () =>
      JSON.parse(receiver!.received.at(-1)!.rawBody.toString('utf8')) as {
        event: {
          sender: { tenant_key: string };
          message: { content: string; chat_id: string; mentions?: Array<{ key: string; id: { open_id: string } }> };
        };
      };
    const send = async (body: Record<string, unknown>) => {
      const count = receiver!.received.length;
      expect((await call('/_emulator/messages', 'POST', body)).status).toBe(202);
      for (let tries = 0; receiver!.received.length === count && tries < 200; tries += 1)
        await new Promise((resolve) => setTimeout(resolve, 10));
      return pushed().event;
    };

    const addressed = await send({ text: '@Alice @RoomBot test01', chatType: 'group' });
    expect(addressed.message.content).toBe(JSON.stringify({ text: '@_user_1 @_user_2 test01' }));
    expect(addressed.message.mentions!.map((m) => m.key)).toEqual(['@_user_1', '@_user_2']);
    expect(addressed.message.mentions![1]!.id.open_id).toBe(emulator.identity.bot.openId);

    const command = await send({ text: '/room test01', chatType: 'group' }); // no typed mention: the bot, as before
    expect(command.message.content).toBe(JSON.stringify({ text: '@_user_1 /room test01' }));
    const silent = await send({ text: '/room test01', chatType: 'group', mentionBot: false });
    expect(silent.message.content).toBe(JSON.stringify({ text: '/room test01' }));
    const listed = await send({ text: 'test01', chatType: 'group', mentions: ['all'] });
    expect(listed.message.content).toBe(JSON.stringify({ text: '@_all test01' }));

    const external = await send({
      text: '/room test01',
      chatType: 'group',
      senderTenantKey: 'tenant_b',
      chatId: 'oc_external',
    });
    expect(external.sender.tenant_key).toBe('tenant_b');
    expect(external.message.chat_id).toBe('oc_external');
    expect((await call('/_emulator/messages', 'POST', { text: 'x', mentions: ['everyone'] })).status).toBe(400);
  });

  it('sends messages, lists replies, clicks cards, injects faults and expires tokens', async () => {
    receiver = await startReceiver((push) =>
      push.path === '/card' ? { body: { card: { type: 'raw', data: { v: 2 } } } } : {},
    );
    emulator = await startTestEmulator({ eventUrl: `${receiver.url}/event`, cardUrl: `${receiver.url}/card` });

    const sent = await call('/_emulator/messages', 'POST', { text: '/room test01', chatType: 'group' });
    expect(sent.status).toBe(202);
    const messageId = sent.json!.message_id as string;
    expect(messageId).toMatch(/^om_/);

    const replyId = await replyAsBot(emulator, emulator.app, messageId, { v: 1 });
    const replies = await call('/_emulator/replies');
    expect((replies.json!.replies as Array<{ replyMessageId: string }>).map((r) => r.replyMessageId)).toEqual([
      replyId,
    ]);

    const click = await call(`/_emulator/replies/${replyId}/click`, 'POST', { value: { action: 'refresh' } });
    expect(click.json).toMatchObject({ ok: true, card: { v: 2 } });

    expect((await call('/_emulator/faults', 'POST', { api: 'token', kind: 'http_500' })).status).toBe(204);
    expect(emulator.faults.pending()).toHaveLength(1);
    expect((await call('/_emulator/faults', 'DELETE')).status).toBe(204);
    expect(emulator.faults.pending()).toHaveLength(0);
    expect((await call('/_emulator/faults', 'POST', { api: 'nope', kind: 'http_500' })).status).toBe(400);

    const issued = emulator.issuedTokens();
    expect((await call('/_emulator/tokens/expire', 'POST')).status).toBe(204);
    await replyAsBot(emulator, emulator.app, messageId, { v: 3 }); // works with a fresh token
    expect(emulator.issuedTokens().length).toBe(issued.length + 1);

    expect((await call('/_emulator')).json).toMatchObject({ eventUrl: `${receiver.url}/event`, replies: 2 });
    expect(emulator.requests.every((r) => r.path.startsWith('/open-apis/'))).toBe(true);
  });
});

describe('GET /_emulator/replies: waiting for the next reply', () => {
  type Replies = { replies: Array<{ replyMessageId: string; parentMessageId: string }>; count: number };
  const replies = async (query: string) => {
    const answer = await call(`/_emulator/replies?${query}`);
    return { status: answer.status, body: answer.json as Replies & { error?: string } };
  };

  it('with wait, holds the answer until a reply to the message arrives, instead of answering []', async () => {
    receiver = await startReceiver();
    emulator = await startTestEmulator({ eventUrl: `${receiver.url}/event` });
    const sent = await call('/_emulator/messages', 'POST', { text: '/room test01' });
    const messageId = sent.json!.message_id as string;
    expect(sent.json!.replies).toBe(`/_emulator/replies?to=${messageId}&wait=10`);

    const other = await call('/_emulator/messages', 'POST', { text: '/room test02' });
    expect((await replies(`to=${messageId}`)).body).toEqual({ replies: [], count: 0 }); // no wait: what curl showed
    const waiting = replies(`to=${messageId}&wait=10`);
    const stillWaiting = await Promise.race([
      waiting.then(() => false),
      new Promise((resolve) => setTimeout(() => resolve(true), 300)),
    ]);
    expect(stillWaiting).toBe(true);
    await replyAsBot(emulator, emulator.app, other.json!.message_id as string, { v: 0 }); // not the one waited for
    const replyId = await replyAsBot(emulator, emulator.app, messageId, { v: 1 });
    const answer = await waiting;
    expect(answer.status).toBe(200);
    expect(answer.body.replies.map((reply) => reply.replyMessageId)).toEqual([replyId]);
    expect(answer.body.count).toBe(2);

    // already there: answered at once, wait or not
    expect((await replies(`to=${messageId}`)).body.replies).toHaveLength(1);
  });

  it('after a count or a reply message_id, returns only newer replies; waits for the next one', async () => {
    emulator = await startTestEmulator();
    const replyToNew = (text: string) =>
      replyAsBot(emulator!, emulator!.app, emulator!.createMessage({ text }).messageId, { text });
    const first = await replyToNew('/room a');
    expect((await replies('after=0')).body.replies.map((r) => r.replyMessageId)).toEqual([first]);
    expect((await replies('after=1')).body).toEqual({ replies: [], count: 1 });
    expect((await replies(`after=${first}`)).body).toEqual({ replies: [], count: 1 });

    const next = replies('after=1&wait=10');
    const second = await replyToNew('/room b');
    expect((await next).body.replies.map((r) => r.replyMessageId)).toEqual([second]);
  });

  it('gives up after wait seconds with [], and refuses bad parameters', async () => {
    emulator = await startTestEmulator();
    expect((await replies('wait=0.2')).body).toEqual({ replies: [], count: 0 });
    expect((await replies('wait=31')).status).toBe(400);
    expect((await replies('wait=soon')).status).toBe(400);
    const unknown = await replies('after=om_nope');
    expect(unknown).toMatchObject({ status: 400, body: { error: expect.stringContaining('no reply om_nope') } });
  });

  it('a pending wait ends when the emulator closes', async () => {
    emulator = await startTestEmulator();
    const pending = fetch(`${emulator.url}/_emulator/replies?wait=30`).then(
      () => 'answered',
      () => 'cut',
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    await emulator.close();
    expect(await pending).toBe('cut');
    expect(Date.now() - started).toBeLessThan(5_000);
    emulator = undefined;
  });
});
