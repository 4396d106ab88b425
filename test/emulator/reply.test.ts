// POST /open-apis/im/v1/messages/:message_id/reply through the SDK's typed API.
import * as lark from '@larksuiteoapi/node-sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import {
  failureOf,
  fetchTenantToken,
  startEmulatorWithToken,
  sdkClient,
  startTestEmulator,
  type TestApp,
} from '../helpers/emulator.js';

let emulator: Emulator & { app: TestApp };
let client: lark.Client;
let token: string;

beforeEach(async () => {
  ({ emulator, client, token } = await startEmulatorWithToken());
});
afterEach(() => emulator.close());

const card = {
  schema: '2.0',
  header: { title: { tag: 'plain_text', content: '会议室 Rooms' } },
  body: { elements: [] },
};

function reply(
  messageId: string,
  data: { msg_type: string; content: string; uuid?: string; reply_in_thread?: boolean },
) {
  return client.im.message.reply({ path: { message_id: messageId }, data }, lark.withTenantToken(token));
}

describe('message reply', () => {
  it('records an interactive reply and answers with the message object', async () => {
    const user = emulator.createMessage({ text: '/room test01', chatType: 'group' });
    const response = await reply(user.messageId, {
      msg_type: 'interactive',
      content: JSON.stringify(card),
      uuid: 'u-1',
    });

    expect(response.code).toBe(0);
    const data = response.data!;
    expect(data).toMatchObject({
      root_id: user.messageId,
      parent_id: user.messageId,
      msg_type: 'interactive',
      chat_id: user.chatId,
      deleted: false,
      updated: false,
      sender: {
        id: emulator.app.appId,
        id_type: 'app_id',
        sender_type: 'app',
        tenant_key: emulator.identity.tenantKey,
      },
      body: { content: JSON.stringify(card) },
    });
    expect(data.message_id).toMatch(/^om_[0-9a-f]{32}$/);
    expect(data.create_time).toMatch(/^\d{13}$/);

    expect(emulator.replies).toHaveLength(1);
    expect(emulator.repliesTo(user.messageId)).toEqual([
      expect.objectContaining({
        replyMessageId: data.message_id,
        parentMessageId: user.messageId,
        chatId: user.chatId,
        msgType: 'interactive',
        card,
        uuid: 'u-1',
      }),
    ]);
  });

  it('posts once per uuid within the hour: a repeat answers with the same message', async () => {
    const user = emulator.createMessage({ text: '/room test01' });
    const [a, b] = await Promise.all([
      reply(user.messageId, { msg_type: 'interactive', content: JSON.stringify(card), uuid: 'same-uuid' }),
      reply(user.messageId, { msg_type: 'interactive', content: JSON.stringify(card), uuid: 'same-uuid' }),
    ]);
    const c = await reply(user.messageId, {
      msg_type: 'interactive',
      content: JSON.stringify(card),
      uuid: 'same-uuid',
    });
    expect(b.data?.message_id).toBe(a.data?.message_id);
    expect(c.data?.message_id).toBe(a.data?.message_id);
    expect(emulator.replies).toHaveLength(1);

    await reply(user.messageId, { msg_type: 'interactive', content: JSON.stringify(card), uuid: 'other-uuid' });
    await reply(user.messageId, { msg_type: 'interactive', content: JSON.stringify(card) });
    expect(emulator.replies).toHaveLength(3);
  });

  it('forgets a uuid after an hour', async () => {
    let now = Date.now();
    const clocked = await startTestEmulator({ now: () => now });
    const clockedClient = sdkClient(clocked, clocked.app, { disableTokenCache: true });
    const clockedToken = await fetchTenantToken(clockedClient, clocked.app);
    const user = clocked.createMessage({ text: '/room test01' });
    const send = () =>
      clockedClient.im.message.reply(
        { path: { message_id: user.messageId }, data: { msg_type: 'text', content: '{"text":"hi"}', uuid: 'u' } },
        lark.withTenantToken(clockedToken),
      );
    await send();
    now += 59 * 60_000;
    await send();
    expect(clocked.replies).toHaveLength(1);
    now += 2 * 60_000; // past the hour; the token (7200 s) is still valid
    await send();
    expect(clocked.replies).toHaveLength(2);
    await clocked.close();
  });

  it('waits for replies', async () => {
    const user = emulator.createMessage({ text: '/room test01' });
    const waiting = emulator.waitForReplies(2, 2000);
    await reply(user.messageId, { msg_type: 'text', content: '{"text":"one"}' });
    await reply(user.messageId, { msg_type: 'text', content: '{"text":"two"}' });
    expect((await waiting).map((r) => r.content)).toEqual(['{"text":"one"}', '{"text":"two"}']);
    await expect(emulator.waitForReplies(3, 50)).rejects.toThrow(/expected 3 replies within 50 ms, got 2/);
  });

  it.each([
    ['content that is not JSON', { msg_type: 'interactive', content: '{"schema": ' }],
    ['a card that is not a JSON object', { msg_type: 'interactive', content: '[1,2]' }],
    ['an unknown msg_type', { msg_type: 'card', content: JSON.stringify(card) }],
    ['a uuid over 50 characters', { msg_type: 'text', content: '{"text":"x"}', uuid: 'u'.repeat(51) }],
  ])('refuses %s with 230001', async (_what, data) => {
    const user = emulator.createMessage({ text: '/room test01' });
    const failure = await failureOf(reply(user.messageId, data));
    expect(failure).toMatchObject({ status: 400, code: 230001 });
    expect(failure.msg).toMatch(/^Your request contains an invalid request parameter/);
    expect(emulator.replies).toHaveLength(0);
  });

  it('accepts a uuid of exactly 50 characters (counted as characters, not bytes)', async () => {
    const user = emulator.createMessage({ text: '/room test01' });
    const response = await reply(user.messageId, { msg_type: 'text', content: '{"text":"x"}', uuid: '会'.repeat(50) });
    expect(response.code).toBe(0);
  });

  it('refuses a message_id that is not om_… and one it does not know', async () => {
    expect(await failureOf(reply('oc_123', { msg_type: 'text', content: '{"text":"x"}' }))).toMatchObject({
      status: 400,
      code: 230001,
    });
    expect(
      await failureOf(reply('om_0123456789abcdef0123456789abcdef', { msg_type: 'text', content: '{"text":"x"}' })),
    ).toMatchObject({ status: 400, code: 230001 });
  });

  it('refuses a card over 30 KB (UTF-8 bytes of content) with 230025', async () => {
    const user = emulator.createMessage({ text: '/room test01' });
    const contentOfSize = (bytes: number) => {
      const shell = JSON.stringify({ text: '' });
      return JSON.stringify({ text: 'x'.repeat(bytes - shell.length) });
    };
    expect((await reply(user.messageId, { msg_type: 'interactive', content: contentOfSize(30 * 1024) })).code).toBe(0);
    expect(
      await failureOf(reply(user.messageId, { msg_type: 'interactive', content: contentOfSize(30 * 1024 + 1) })),
    ).toMatchObject({ status: 400, code: 230025 });
    // 3-byte characters: 10 241 of them are under 30 KB as characters but over it as bytes
    const wide = JSON.stringify({ text: '会'.repeat(10_241) });
    expect(await failureOf(reply(user.messageId, { msg_type: 'post', content: wide }))).toMatchObject({
      status: 400,
      code: 230025,
    });
    expect(emulator.replies).toHaveLength(1);
  });

  it('refuses a body that is not sent as JSON', async () => {
    const user = emulator.createMessage({ text: '/room test01' });
    const response = await fetch(`${emulator.url}/open-apis/im/v1/messages/${user.messageId}/reply`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' },
      body: JSON.stringify({ msg_type: 'text', content: '{"text":"x"}' }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { code: number }).code).toBe(230001);
  });

  it('needs a valid token', async () => {
    const user = emulator.createMessage({ text: '/room test01' });
    emulator.expireAllTokens();
    expect(await failureOf(reply(user.messageId, { msg_type: 'text', content: '{"text":"x"}' }))).toMatchObject({
      status: 400,
      code: 99991663,
    });
  });

  it('threads a reply to a reply under the same root', async () => {
    const user = emulator.createMessage({ text: '/room test01' });
    const first = await reply(user.messageId, { msg_type: 'text', content: '{"text":"one"}' });
    const second = await reply(first.data!.message_id!, {
      msg_type: 'text',
      content: '{"text":"two"}',
      reply_in_thread: true,
    });
    expect(second.data).toMatchObject({
      root_id: user.messageId,
      parent_id: first.data!.message_id,
      chat_id: user.chatId,
    });
    expect(second.data?.thread_id).toMatch(/^omt_/);
  });
});
