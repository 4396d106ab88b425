// The room directory end to end: the bot syncs building/list, room/list and vc/v1 from the emulator through the
// real SDK, then answers /room find, /room free, omm_ reverse lookups and "did you mean" (docs/directory.md).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderCardAsText } from '../../src/local/render-text.js';
import type { Card } from '../../src/bot/ports.js';
import { SEED_ROOM_IDS, startStack, waitForBotIdentity, type Stack } from '../helpers/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
  await stack.bot.directory.view(10_000);
  await waitForBotIdentity(stack.bot);
});
afterAll(() => stack.close());

async function ask(text: string, chatType: 'p2p' | 'group' = 'p2p'): Promise<{ en: string; zh: string }> {
  const sent = await stack.emulator.sendMessage({ text, chatType, mentionBot: chatType === 'group' });
  await stack.emulator.waitForReplies(stack.emulator.replies.length + 0 || 1, 5_000).catch(() => undefined);
  const deadline = Date.now() + 5_000;
  while (stack.emulator.repliesTo(sent.messageId).length === 0 && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 10));
  const [reply] = stack.emulator.repliesTo(sent.messageId);
  if (!reply) throw new Error(`no reply to ${text}`);
  const card = reply.card as Card;
  return { en: renderCardAsText(card, 'en_us'), zh: renderCardAsText(card, 'zh_cn') };
}

describe('the room directory, end to end', () => {
  it('syncs every room with custom IDs', () => {
    const status = stack.bot.directory.status();
    expect(status).toMatchObject({ state: 'ready', customIds: true });
    expect(status.state === 'ready' && status.rooms).toBe(stack.emulator.rooms.list().length);
  });

  it('/room find 前海 in p2p', async () => {
    const { en, zh } = await ask('/room find 前海');
    expect(en).toContain('深圳-1202');
    expect(zh).toContain('深圳-1202');
  });

  it('/room free 10 in a group', async () => {
    const { en } = await ask('/room free 10', 'group');
    expect(en).toMatch(/free/i);
    console.log(en);
  });

  it('/room omm_ reverse lookup', async () => {
    const { en } = await ask(`/room ${SEED_ROOM_IDS.test01} test0l`);
    console.log(en);
    expect(en).toContain('test01');
  });
});
