// Pushing events and card callbacks to a webhook the way Feishu does: encryption, signature over the raw
// body, url verification, acknowledgement, re-delivery and duplicates.
import { afterEach, describe, expect, it } from 'vitest';
import { decryptPayload } from '../../src/protocol/crypto.js';
import { computeSignature } from '../../src/emulator/crypto.js';
import type {
  CardActionEvent,
  EventEnvelope,
  MessageReceiveEvent,
  UrlVerification,
} from '../../src/protocol/events.js';
import { typedMentions, type Emulator } from '../../src/emulator/index.js';
import {
  replyAsBot,
  startReceiver,
  startTestEmulator,
  type Receiver,
  type ReceivedPush,
  type ReceiverReply,
  type TestApp,
} from '../helpers/emulator.js';

const ENCRYPT_KEY = 'emulator test encrypt key';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function setup(
  options: Parameters<typeof startTestEmulator>[0] = {},
  answer?: (push: ReceivedPush, index: number) => ReceiverReply | Promise<ReceiverReply>,
): Promise<{ emulator: Emulator & { app: TestApp }; receiver: Receiver }> {
  const receiver = await startReceiver(answer);
  const emulator = await startTestEmulator({
    encryptKey: ENCRYPT_KEY,
    eventUrl: `${receiver.url}/webhook/event`,
    cardUrl: `${receiver.url}/webhook/card`,
    ...options,
  });
  cleanups.push(
    () => receiver.close(),
    () => emulator.close(),
  );
  return { emulator, receiver };
}

function header(push: ReceivedPush, name: string): string {
  const value = push.headers[name];
  return typeof value === 'string' ? value : '';
}

function decrypted<T>(push: ReceivedPush): T {
  const { encrypt } = JSON.parse(push.rawBody.toString('utf8')) as { encrypt: string };
  return JSON.parse(decryptPayload(encrypt, ENCRYPT_KEY)) as T;
}

describe('im.message.receive_v1 push', () => {
  it('is encrypted and signed over the exact raw body', async () => {
    const { emulator, receiver } = await setup();
    const sent = await emulator.sendMessage({ text: '/room test01', chatType: 'group' });
    expect(sent.acknowledged).toBe(true);

    const [push] = receiver.received;
    expect(push!.path).toBe('/webhook/event');
    expect(header(push!, 'content-type')).toMatch(/^application\/json/);
    const timestamp = header(push!, 'x-lark-request-timestamp');
    const nonce = header(push!, 'x-lark-request-nonce');
    expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(60);
    expect(nonce).not.toBe('');
    expect(header(push!, 'x-lark-signature')).toBe(computeSignature(timestamp, nonce, ENCRYPT_KEY, push!.rawBody));
    expect(Object.keys(JSON.parse(push!.rawBody.toString('utf8')) as object)).toEqual(['encrypt']);

    const envelope = decrypted<EventEnvelope<MessageReceiveEvent>>(push!);
    expect(envelope).toEqual(sent.envelope);
    expect(envelope.header).toMatchObject({
      event_id: sent.eventId,
      event_type: 'im.message.receive_v1',
      token: emulator.app.verificationToken,
      app_id: emulator.app.appId,
      tenant_key: emulator.identity.tenantKey,
    });
    expect(envelope.schema).toBe('2.0');
    expect(envelope.event.sender).toEqual({
      sender_id: emulator.identity.user,
      sender_type: 'user',
      tenant_key: emulator.identity.tenantKey,
    });
    expect(envelope.event.message).toMatchObject({
      message_id: sent.messageId,
      chat_id: emulator.identity.chats.group,
      chat_type: 'group',
      message_type: 'text',
      content: JSON.stringify({ text: '@_user_1 /room test01' }),
      mentions: [
        {
          key: '@_user_1',
          id: { open_id: emulator.identity.bot.openId, union_id: emulator.identity.bot.unionId },
          name: 'RoomBot',
          tenant_key: emulator.identity.tenantKey,
        },
      ],
    });
    expect(sent.messageId).toMatch(/^om_[0-9a-f]{32}$/);
    expect(sent.chatId).toMatch(/^oc_[0-9a-f]{32}$/);
  });

  it('is plain JSON without signature headers when no encrypt key is set', async () => {
    const { emulator, receiver } = await setup({ encryptKey: '' });
    const sent = await emulator.sendMessage({ text: '/room test01' });
    const [push] = receiver.received;
    expect(JSON.parse(push!.rawBody.toString('utf8'))).toEqual(sent.envelope);
    expect(push!.headers['x-lark-signature']).toBeUndefined();
    expect(push!.headers['x-lark-request-timestamp']).toBeUndefined();
    // p2p: no mention unless asked for
    expect(sent.envelope.event.message).toMatchObject({ chat_type: 'p2p', content: '{"text":"/room test01"}' });
    expect(sent.envelope.event.message.mentions).toBeUndefined();
  });

  it('carries rich text (post) as received messages do: an at element, then the text', async () => {
    const { emulator } = await setup();
    const sent = await emulator.sendMessage({ post: '/room test01 test02', chatType: 'group' });
    expect(sent.envelope.event.message.message_type).toBe('post');
    expect(JSON.parse(sent.envelope.event.message.content)).toEqual({
      title: '',
      content: [
        [
          { tag: 'at', user_id: '@_user_1', user_name: 'RoomBot', style: [] },
          { tag: 'text', text: ' /room test01 test02', style: [] },
        ],
      ],
    });
  });

  it('mentions whom it is told, in order: the bot by its open_id, members, and @_all in the text only', async () => {
    const { emulator } = await setup();
    const { identity } = emulator;
    const created = emulator.createMessage({
      text: '/room test02',
      chatType: 'group',
      mentions: [{ name: 'Alice' }, 'all', 'bot'],
    });
    const { message } = created.envelope.event;
    expect(message.content).toBe(JSON.stringify({ text: '@_user_1 @_all @_user_2 /room test02' }));
    expect(message.mentions).toEqual([
      {
        key: '@_user_1',
        id: {
          open_id: expect.stringMatching(/^ou_[0-9a-f]{32}$/),
          union_id: expect.stringMatching(/^on_/),
          user_id: expect.any(String),
        },
        name: 'Alice',
        tenant_key: identity.tenantKey,
      },
      {
        key: '@_user_2',
        id: { open_id: identity.bot.openId, union_id: identity.bot.unionId },
        name: 'RoomBot',
        tenant_key: identity.tenantKey,
      },
    ]);
    // the same name is the same member; placeholders already in the text stay where they are
    const again = emulator.createMessage({
      text: 'ask @_user_1 about test01',
      chatType: 'group',
      mentions: [{ name: 'Alice', tenantKey: 'tenant_b' }],
    });
    expect(again.envelope.event.message.content).toBe(JSON.stringify({ text: 'ask @_user_1 about test01' }));
    expect(again.envelope.event.message.mentions![0]).toMatchObject({
      id: { open_id: message.mentions![0]!.id.open_id },
      tenant_key: 'tenant_b',
    });
    // nobody at all, even in a group
    const none = emulator.createMessage({ text: 'lunch?', chatType: 'group', mentions: [] });
    expect(none.envelope.event.message.content).toBe(JSON.stringify({ text: 'lunch?' }));
    expect(none.envelope.event.message.mentions).toBeUndefined();
    // a post: the at elements first
    const post = emulator.createMessage({ post: 'test01', chatType: 'group', mentions: ['all', 'bot'] });
    expect(JSON.parse(post.envelope.event.message.content).content[0].slice(0, 2)).toEqual([
      { tag: 'at', user_id: '@_all', user_name: '所有人', style: [] },
      { tag: 'at', user_id: '@_user_1', user_name: 'RoomBot', style: [] },
    ]);
  });

  it('sends as a member of another tenant when asked (an external group)', async () => {
    const { emulator } = await setup();
    const created = emulator.createMessage({
      text: '/room test01',
      chatType: 'group',
      senderTenantKey: 'tenant_of_another_company',
    });
    expect(created.envelope.event.sender.tenant_key).toBe('tenant_of_another_company');
    expect(created.envelope.header.tenant_key).toBe(emulator.identity.tenantKey);
  });

  it('turns a typed line into text and mentions, as a Feishu client does', () => {
    expect(typedMentions('@RoomBot test01', 'RoomBot')).toEqual({ text: '@_user_1 test01', mentions: ['bot'] });
    expect(typedMentions('@Alice @roombot /room test02', 'RoomBot')).toEqual({
      text: '@_user_1 @_user_2 /room test02',
      mentions: [{ name: 'Alice' }, 'bot'],
    });
    expect(typedMentions('@all test01 @所有人', 'RoomBot')).toEqual({ text: '@_all test01 @_all', mentions: ['all'] });
    expect(typedMentions('@Bob ask @Bob', 'RoomBot')).toEqual({
      text: '@_user_1 ask @_user_1',
      mentions: [{ name: 'Bob' }],
    });
    expect(typedMentions('mail a@b.c /room x', 'RoomBot')).toEqual({ text: 'mail a@b.c /room x', mentions: [] });
  });

  it('can be delivered later than it is created, and lets the bot reply to a hand-made envelope', async () => {
    const { emulator, receiver } = await setup();
    const created = emulator.createMessage({ text: '/room test02' });
    expect(receiver.received).toHaveLength(0);
    const custom = structuredClone(created.envelope);
    custom.event.message.message_id = 'om_0000000000000000000000000000abcd';
    expect((await emulator.deliverEnvelope(custom)).acknowledged).toBe(true);
    await replyAsBot(emulator, emulator.app, 'om_0000000000000000000000000000abcd', { elements: [] });
    expect(emulator.repliesTo('om_0000000000000000000000000000abcd')).toHaveLength(1);
  });

  it('signs with a skewed clock on request (to test a replay window)', async () => {
    const { emulator, receiver } = await setup();
    await emulator.sendMessage({ text: '/room test01' }, { clockSkewSeconds: -600 });
    const push = receiver.received[0]!;
    const timestamp = header(push, 'x-lark-request-timestamp');
    expect(Number(timestamp)).toBeLessThan(Date.now() / 1000 - 500);
    expect(header(push, 'x-lark-signature')).toBe(
      computeSignature(timestamp, header(push, 'x-lark-request-nonce'), ENCRYPT_KEY, push.rawBody),
    );
  });
});

describe('delivery', () => {
  it('re-delivers the identical event, freshly signed, until HTTP 200', async () => {
    const { emulator, receiver } = await setup({ retryDelaysMs: [20, 20, 20] }, (_push, index) => ({
      status: index < 2 ? 500 : 200,
    }));
    const sent = await emulator.sendMessage({ text: '/room test01' });

    expect(sent.acknowledged).toBe(true);
    expect(sent.deliveries.map((d) => [d.kind, d.status, d.acknowledged])).toEqual([
      ['first', 500, false],
      ['retry', 500, false],
      ['retry', 200, true],
    ]);
    const events = receiver.received.map((push) => decrypted<EventEnvelope>(push));
    expect(events.every((event) => JSON.stringify(event) === JSON.stringify(sent.envelope))).toBe(true);
    expect(new Set(receiver.received.map((push) => header(push, 'x-lark-request-nonce'))).size).toBe(3);
    for (const push of receiver.received) {
      expect(header(push, 'x-lark-signature')).toBe(
        computeSignature(
          header(push, 'x-lark-request-timestamp'),
          header(push, 'x-lark-request-nonce'),
          ENCRYPT_KEY,
          push.rawBody,
        ),
      );
    }
    expect(emulator.deliveries).toHaveLength(3);
  });

  it('counts an answer slower than the ack timeout as a failure and re-delivers', async () => {
    const { emulator } = await setup({ ackTimeoutMs: 100, retryDelaysMs: [20] }, (_push, index) => ({
      delayMs: index === 0 ? 1000 : 0,
    }));
    const sent = await emulator.sendMessage({ text: '/room test01' });
    expect(sent.deliveries.map((d) => [d.kind, d.error ?? d.status])).toEqual([
      ['first', 'timeout'],
      ['retry', 200],
    ]);
    expect(sent.acknowledged).toBe(true);
  });

  it('counts any status other than 200 as a failure, and gives up after the schedule', async () => {
    const { emulator, receiver } = await setup({ retryDelaysMs: [10, 10] }, () => ({ status: 204 }));
    const sent = await emulator.sendMessage({ text: '/room test01' });
    expect(sent.acknowledged).toBe(false);
    expect(sent.cancelled).toBe(false);
    expect(receiver.received).toHaveLength(3);
  });

  it('reports a webhook that refuses connections', async () => {
    const { emulator, receiver } = await setup({ retryDelaysMs: [] });
    await receiver.close();
    const sent = await emulator.sendMessage({ text: '/room test01' });
    expect(sent.acknowledged).toBe(false);
    expect(sent.deliveries[0]!.error).toMatch(/ECONNREFUSED/);
  });

  it('pushes duplicates: some while the first delivery is unanswered, some after its ack', async () => {
    // The receiver holds every answer until a second push has arrived: the first delivery can only be
    // acknowledged if a duplicate really is pushed before its ack.
    let release!: () => void;
    const secondArrived = new Promise<void>((resolve) => (release = resolve));
    const answeredBefore: number[] = [];
    let answered = 0;
    const { emulator, receiver } = await setup(
      { extraDeliveries: { concurrent: 1, afterAck: 1 }, ackTimeoutMs: 1000 },
      async (_push, index) => {
        answeredBefore[index] = answered;
        if (index === 1) release();
        if (index < 2) await secondArrived;
        answered += 1;
        return {};
      },
    );
    const sent = await emulator.sendMessage({ text: '/room test01' });

    expect(sent.acknowledged).toBe(true);
    expect(receiver.received).toHaveLength(3);
    expect(answeredBefore).toEqual([0, 0, 2]); // the third push came after both earlier ones were answered
    expect(sent.deliveries.map((d) => d.kind).sort()).toEqual(['duplicate', 'duplicate', 'first']);
    expect(sent.deliveries.every((d) => d.acknowledged)).toBe(true); // none waited out the ack timeout
    const ids = receiver.received.map(
      (push) => decrypted<EventEnvelope<MessageReceiveEvent>>(push).event.message.message_id,
    );
    expect(new Set(ids)).toEqual(new Set([sent.messageId]));
  });

  it('splits a plain number of extra deliveries between concurrent and after-ack duplicates', async () => {
    const { emulator, receiver } = await setup({ extraDeliveries: 3 });
    const sent = await emulator.sendMessage({ text: '/room test01' });
    expect(sent.deliveries.filter((d) => d.kind === 'duplicate')).toHaveLength(3);
    expect(receiver.received).toHaveLength(4);
  });

  it('cancels pending re-deliveries on close', async () => {
    const { emulator } = await setup({ retryDelaysMs: [60_000] }, () => ({ status: 500 }));
    const sending = emulator.sendMessage({ text: '/room test01' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await emulator.close();
    const sent = await sending;
    expect(sent).toMatchObject({ acknowledged: false, cancelled: true });
  });

  it('refuses a push target off the loopback interface, and says when none is set', async () => {
    const { emulator } = await setup();
    expect(() => emulator.setEventTargets('http://10.0.0.1/webhook')).toThrow(/loopback/);
    emulator.setEventTargets();
    await expect(emulator.sendMessage({ text: '/room test01' })).rejects.toThrow(/no event URL/);
  });
});

describe('url verification', () => {
  it('sends the challenge encrypted and unsigned, and accepts only the same challenge back', async () => {
    let mode: 'echo' | 'wrong' = 'echo';
    const { emulator, receiver } = await setup({}, (push) => {
      const challenge = decrypted<UrlVerification>(push);
      return { body: { challenge: mode === 'echo' ? challenge.challenge : 'nope' } };
    });
    const ok = await emulator.verifyUrl();
    expect(ok).toMatchObject({ ok: true, status: 200 });
    const push = receiver.received[0]!;
    expect(push.headers['x-lark-signature']).toBeUndefined();
    expect(decrypted<UrlVerification>(push)).toMatchObject({
      type: 'url_verification',
      token: emulator.app.verificationToken,
    });

    mode = 'wrong';
    expect((await emulator.verifyUrl()).ok).toBe(false);
  });
});

describe('card.action.trigger', () => {
  async function cardReply(emulator: Emulator & { app: TestApp }): Promise<string> {
    const user = emulator.createMessage({ text: '/room test01' });
    return replyAsBot(emulator, emulator.app, user.messageId, {
      header: { title: { tag: 'plain_text', content: 'v1' } },
    });
  }

  it('posts a signed callback and replaces the card when the answer carries a raw card', async () => {
    const updated = { header: { title: { tag: 'plain_text', content: 'v2' } } };
    const { emulator, receiver } = await setup({}, () => ({
      body: { toast: { type: 'success', content: '已刷新' }, card: { type: 'raw', data: updated } },
    }));
    const replyId = await cardReply(emulator);

    const result = await emulator.clickCardButton({
      messageId: replyId,
      value: { action: 'refresh', ids: ['test01'] },
    });
    expect(result).toMatchObject({
      ok: true,
      status: 200,
      response: { toast: { type: 'success', content: '已刷新' } },
      card: updated,
    });
    expect(emulator.replies[0]).toMatchObject({ card: updated, content: JSON.stringify(updated), cardUpdates: 1 });

    const push = receiver.received.at(-1)!;
    expect(push.path).toBe('/webhook/card');
    expect(header(push, 'x-lark-signature')).toBe(
      computeSignature(
        header(push, 'x-lark-request-timestamp'),
        header(push, 'x-lark-request-nonce'),
        ENCRYPT_KEY,
        push.rawBody,
      ),
    );
    const callback = decrypted<EventEnvelope<CardActionEvent>>(push);
    expect(callback.header).toMatchObject({
      event_type: 'card.action.trigger',
      token: emulator.app.verificationToken,
      app_id: emulator.app.appId,
    });
    expect(callback.header.create_time).toMatch(/^\d{16}$/); // microseconds
    expect(callback.event).toMatchObject({
      operator: { open_id: emulator.identity.user.open_id, tenant_key: emulator.identity.tenantKey },
      action: { value: { action: 'refresh', ids: ['test01'] }, tag: 'button' },
      context: { open_message_id: replyId, open_chat_id: emulator.replies[0]!.chatId },
    });
  });

  it('keeps the card and reports Feishu’s client error code when the answer is bad', async () => {
    let reply: ReceiverReply = { status: 500 };
    const { emulator } = await setup({ ackTimeoutMs: 200 }, () => reply);
    const replyId = await cardReply(emulator);
    const before = emulator.replies[0]!.card;

    expect(await emulator.clickCardButton({ messageId: replyId, value: 'x' })).toMatchObject({
      ok: false,
      errorCode: 200671,
    });
    reply = { delayMs: 1000 };
    expect(await emulator.clickCardButton({ messageId: replyId, value: 'x' })).toMatchObject({
      ok: false,
      errorCode: 200341,
    });
    reply = { body: { card: { type: 'raw' } } };
    expect(await emulator.clickCardButton({ messageId: replyId, value: 'x' })).toMatchObject({
      ok: false,
      errorCode: 200673,
    });
    reply = { body: { toast: { type: 'info', content: 'ok' } } };
    expect(
      await emulator.clickCardButton({ messageId: replyId, value: 'x', operatorOpenId: 'ou_someone' }),
    ).toMatchObject({ ok: true });
    expect(emulator.replies[0]!.card).toEqual(before);
    expect(emulator.replies[0]!.cardUpdates).toBe(0);
  });

  it('refuses to click a message that is not a card of the bot', async () => {
    const { emulator } = await setup();
    await expect(emulator.clickCardButton({ messageId: 'om_0123', value: 'x' })).rejects.toThrow(/not a card/);
  });
});
