// End to end: what users and operators see when input is bad or Feishu misbehaves.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Card } from '../../src/bot/ports.js';
import { renderCardAsText } from '../../src/local/render-text.js';
import { computeSignature, encryptPayload } from '../../src/emulator/crypto.js';
import { APP, startStack, type Stack } from '../helpers/stack.js';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

const TEST01 = 'omm_eada1d61a550955240c28757e7dec3af';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function cardText(card: unknown, locale: 'en_us' | 'zh_cn' = 'en_us'): string {
  return renderCardAsText(card as Card, locale);
}

async function replyTo(s: Stack, text: string, chatType: 'p2p' | 'group' = 'p2p') {
  const sent = await s.emulator.sendMessage({ text, chatType });
  const replies = await s.emulator.waitForReplies(s.emulator.replies.length > 0 ? s.emulator.replies.length : 1, 8_000);
  const reply = replies.find((r) => r.parentMessageId === sent.messageId);
  return { sent, reply };
}

function apiCalls(s: Stack, path: string) {
  return s.emulator.requests.filter((r) => r.path === path);
}

describe('webhook rejects forged pushes', () => {
  it('answers 401 to a bad signature and never replies', async () => {
    stack = await startStack();
    const { envelope } = stack.emulator.createMessage({ text: '/room test01' });
    const body = JSON.stringify({ encrypt: encryptPayload(JSON.stringify(envelope), APP.encryptKey) });
    const timestamp = String(Math.floor(Date.now() / 1000));
    const response = await fetch(`${stack.bot.url}/webhook/event`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-lark-request-timestamp': timestamp,
        'x-lark-request-nonce': 'n1',
        'x-lark-signature': computeSignature(timestamp, 'n1', 'not-the-key', body),
      },
      body,
    });
    expect(response.status).toBe(401);
    await sleep(300);
    expect(stack.emulator.replies).toHaveLength(0);
    // nothing but what the bot reads at start: the token, its own identity and the room directory
    const atStart = new Set(['token', 'bot_info', 'building_list', 'room_list', 'room_levels', 'vc_rooms']);
    expect(stack.emulator.requests.filter((r) => !atStart.has(r.api ?? ''))).toHaveLength(0);
    expect(stack.logs.lines.some((l) => l.reason === 'bad_signature')).toBe(true);
  });
});

describe('Feishu failures end in a readable card, and the bot keeps going', () => {
  it('HTTP 500 on every lookup attempt → "unavailable" card, then recovers', async () => {
    stack = await startStack({ env: { FEISHU_MAX_ATTEMPTS: '2' } });
    const remove = stack.emulator.faults.inject({ api: 'batch_get_id', kind: 'http_500', times: Infinity });
    const { reply } = await replyTo(stack, '/room test01');
    expect(apiCalls(stack, '/open-apis/meeting_room/room/batch_get_id')).toHaveLength(2);
    expect(cardText(reply!.card)).toMatch(/unavailable|try again/i);
    expect(cardText(reply!.card)).not.toContain(APP.appSecret);
    expect(
      stack.logs.lines.some((l) => l.code === 1500 && l.api === 'meeting_room.room.batch_get_id' && 'log_id' in l),
    ).toBe(true);
    remove();
    const sent = await stack.emulator.sendMessage({ text: '/room test01' });
    const replies = await stack.emulator.waitForReplies(2, 8_000);
    expect(cardText(replies.find((r) => r.parentMessageId === sent.messageId)!.card)).toContain(TEST01);
  });

  it('99991672 (no permission) → a card naming the scope to enable, no retry', async () => {
    stack = await startStack();
    stack.emulator.faults.inject({
      api: 'batch_get_id',
      kind: 'error',
      code: 99991672,
      msg: 'Access denied. One of the following scopes is required: [calendar:room:readonly]',
      httpStatus: 400,
      times: Infinity,
    });
    const { reply } = await replyTo(stack, '/room test01');
    expect(apiCalls(stack, '/open-apis/meeting_room/room/batch_get_id')).toHaveLength(1);
    expect(cardText(reply!.card)).toContain('calendar:room:readonly');
    expect(cardText(reply!.card, 'zh_cn')).toContain('calendar:room:readonly');
    const logged = stack.logs.lines.find((l) => l.code === 99991672);
    expect(logged).toMatchObject({ api: 'meeting_room.room.batch_get_id', kind: 'permission' });
  });

  it('a rate limit (429 + x-ogw-ratelimit-reset) is waited out and retried', async () => {
    stack = await startStack();
    stack.emulator.faults.inject({ api: 'batch_get_id', kind: 'rate_limit', resetSeconds: 1, times: 1 });
    const { reply } = await replyTo(stack, '/room test01');
    const calls = apiCalls(stack, '/open-apis/meeting_room/room/batch_get_id');
    expect(calls.map((c) => c.status)).toEqual([429, 200]);
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(900); // waited for the reset
    expect(cardText(reply!.card)).toContain(TEST01);
  });

  it('the reply API rate limit (230020) and a 500 are retried; still exactly one reply', async () => {
    stack = await startStack();
    stack.emulator.faults.inject({ api: 'reply', kind: 'rate_limit', code: 230020, resetSeconds: 0, times: 1 });
    stack.emulator.faults.inject({ api: 'reply', kind: 'http_500', times: 1 });
    const { sent } = await replyTo(stack, '/room test01');
    // the request log entry is written when the response finishes, just after the reply is recorded
    await vi.waitFor(() =>
      expect(apiCalls(stack!, `/open-apis/im/v1/messages/${sent.messageId}/reply`).map((c) => c.status)).toEqual([
        400, 500, 200,
      ]),
    );
    expect(stack.emulator.repliesTo(sent.messageId)).toHaveLength(1);
  });

  it('an expired token (99991663) is refreshed once and the call retried', async () => {
    stack = await startStack();
    await replyTo(stack, '/room test01');
    stack.emulator.expireAllTokens();
    const sent = await stack.emulator.sendMessage({ text: '/room test02' });
    const replies = await stack.emulator.waitForReplies(2, 8_000);
    expect(replies.find((r) => r.parentMessageId === sent.messageId)).toBeDefined();
    expect(apiCalls(stack, '/open-apis/auth/v3/tenant_access_token/internal')).toHaveLength(2);
    expect(stack.emulator.requests.some((r) => r.code === 99991663)).toBe(true);
  });

  it('details failing still shows the IDs (degrade, do not fail)', async () => {
    stack = await startStack({ env: { FEISHU_MAX_ATTEMPTS: '1' } });
    stack.emulator.faults.inject({ api: 'batch_get', kind: 'http_500', times: Infinity });
    const { reply } = await replyTo(stack, '/room test01');
    const text = cardText(reply!.card);
    expect(text).toContain(TEST01);
    expect(text).toMatch(/details/i);
  });
});

describe('commands that are not lookups', () => {
  it('/room alone gets the help card; too many IDs gets a card that says so', async () => {
    stack = await startStack({ env: { LOOKUP_MAX_IDS: '3' } });
    const { reply } = await replyTo(stack, '/room');
    expect(cardText(reply!.card)).toContain('/room test01');
    const many = await stack.emulator.sendMessage({ text: '/room a b c d' });
    const replies = await stack.emulator.waitForReplies(2, 8_000);
    expect(cardText(replies.find((r) => r.parentMessageId === many.messageId)!.card)).toMatch(/4.*3|too many/i);
    expect(apiCalls(stack, '/open-apis/meeting_room/room/batch_get_id')).toHaveLength(0);
  });

  it('ignores group chatter and messages sent by apps', async () => {
    stack = await startStack();
    const chatter = await stack.emulator.sendMessage({ text: 'lunch?', chatType: 'group', mentionBot: false });
    const fromBot = await stack.emulator.sendMessage({ text: '/room test01', senderType: 'app' });
    expect(chatter.acknowledged && fromBot.acknowledged).toBe(true);
    await sleep(300);
    expect(stack.emulator.replies).toHaveLength(0);
  });
});
