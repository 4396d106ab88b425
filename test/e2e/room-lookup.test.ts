// End to end over real HTTP: emulator pushes signed, encrypted events; the bot answers through the real SDK.
import { afterEach, describe, expect, it } from 'vitest';
import { renderCardAsText } from '../../src/local/render-text.js';
import type { Card } from '../../src/bot/ports.js';
import { SEED_ROOM_IDS, startStack, type Stack } from '../helpers/stack.js';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

const { test01: TEST01, test02: TEST02 } = SEED_ROOM_IDS;

describe('/room end to end', () => {
  it('answers the URL-verification challenge, plain and encrypted, without signature headers', async () => {
    stack = await startStack();
    expect((await stack.emulator.verifyUrl('event')).ok).toBe(true);
    expect((await stack.emulator.verifyUrl('card')).ok).toBe(true);
    await stack.close();
    stack = await startStack({ encrypted: false });
    expect((await stack.emulator.verifyUrl('event')).ok).toBe(true);
  });

  it('replies in p2p with one card mapping both IDs', async () => {
    stack = await startStack();
    const sent = await stack.emulator.sendMessage({ text: '/room test01 test02', chatType: 'p2p' });
    expect(sent.acknowledged).toBe(true);
    const [reply] = await stack.emulator.waitForReplies(1, 5_000);
    expect(reply!.parentMessageId).toBe(sent.messageId);
    expect(reply!.msgType).toBe('interactive');
    const text = renderCardAsText(reply!.card as Card, 'en_us');
    expect(text).toContain('test01');
    expect(text).toContain(TEST01);
    expect(text).toContain(TEST02);
    expect(stack.emulator.repliesTo(sent.messageId)).toHaveLength(1);
  });

  it('replies in a group after an @mention, and shows unknown IDs as not found', async () => {
    stack = await startStack();
    const sent = await stack.emulator.sendMessage({
      text: '/room test01 nosuchroom',
      chatType: 'group',
      mentionBot: true,
    });
    const [reply] = await stack.emulator.waitForReplies(1, 5_000);
    expect(reply!.parentMessageId).toBe(sent.messageId);
    const en = renderCardAsText(reply!.card as Card, 'en_us');
    const zh = renderCardAsText(reply!.card as Card, 'zh_cn');
    expect(en).toContain(TEST01);
    expect(en).toMatch(/not found/i);
    expect(en).toContain('nosuchroom');
    expect(zh).toContain('nosuchroom');
    expect(zh).toMatch(/未找到/);
  });

  it('asks Feishu with repeated custom_room_ids keys, never the bracketed form', async () => {
    stack = await startStack();
    await stack.emulator.sendMessage({ text: '/room test01，test02' });
    await stack.emulator.waitForReplies(1, 5_000);
    const lookups = stack.emulator.requests.filter((r) => r.path === '/open-apis/meeting_room/room/batch_get_id');
    expect(lookups).toHaveLength(1);
    expect(lookups[0]!.query).toBe('custom_room_ids=test01&custom_room_ids=test02');
  });
});
