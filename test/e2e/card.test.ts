// End to end: the card a user sees — details, both languages, and the Refresh button.
import { afterEach, describe, expect, it } from 'vitest';
import type { Card } from '../../src/bot/ports.js';
import { renderCardAsText } from '../../src/local/render-text.js';
import { callbackValue } from '../helpers/card.js';
import { startStack, type Stack } from '../helpers/stack.js';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

const lookups = (s: Stack) => s.emulator.requests.filter((r) => r.path === '/open-apis/meeting_room/room/batch_get_id');
const details = (s: Stack) => s.emulator.requests.filter((r) => r.path === '/open-apis/meeting_room/room/batch_get');

describe('the reply card', () => {
  it('shows name, capacity, building and floor of each room, in zh_cn and en_us', async () => {
    stack = await startStack();
    const room = stack.emulator.rooms.byCustomRoomId('test02')!;
    const sent = await stack.emulator.sendMessage({ text: '/room test02' });
    const [reply] = await stack.emulator.waitForReplies(1, 5_000);
    expect(reply!.parentMessageId).toBe(sent.messageId);
    for (const locale of ['en_us', 'zh_cn'] as const) {
      const text = renderCardAsText(reply!.card as Card, locale);
      expect(text).toContain(room.room_id);
      expect(text).toContain(room.name);
      expect(text).toContain(String(room.capacity));
      expect(text).toContain(room.building_name);
      expect(text).toContain(room.floor_name);
    }
    expect(details(stack)[0]!.query).toBe(`room_ids=${room.room_id}&fields=*`);
  });

  it('marks a disabled room as such', async () => {
    stack = await startStack();
    const disabled = stack.emulator.rooms.list().find((r) => r.is_disabled)!;
    await stack.emulator.sendMessage({ text: `/room ${disabled.custom_room_id}` });
    const [reply] = await stack.emulator.waitForReplies(1, 5_000);
    expect(renderCardAsText(reply!.card as Card, 'en_us')).toMatch(/disabled/i);
    expect(renderCardAsText(reply!.card as Card, 'zh_cn')).toMatch(/停用|不可用|禁用/);
  });

  it('Refresh re-runs the lookup (bypassing the cache) and updates the card in place', async () => {
    stack = await startStack();
    await stack.emulator.sendMessage({ text: '/room test01 later01' });
    const [reply] = await stack.emulator.waitForReplies(1, 5_000);
    expect(renderCardAsText(reply!.card as Card, 'en_us')).toMatch(/not found/i);
    // A repeated command within the cache TTL costs no lookup call...
    await stack.emulator.sendMessage({ text: '/room test01 later01' });
    await stack.emulator.waitForReplies(2, 5_000);
    expect(lookups(stack)).toHaveLength(1);
    // ...but Refresh asks Feishu again, and sees the room created meanwhile.
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
    expect(outcome.ok).toBe(true);
    expect(outcome.response?.toast?.type).toBe('success');
    expect(lookups(stack)).toHaveLength(2);
    const updated = stack.emulator.replies.find((r) => r.replyMessageId === reply!.replyMessageId)!;
    expect(updated.cardUpdates).toBe(1);
    expect(renderCardAsText(updated.card as Card, 'en_us')).toContain('omm_0123456789abcdef0123456789abcdef');
  });

  it('a Refresh value that was tampered with is refused politely', async () => {
    stack = await startStack();
    await stack.emulator.sendMessage({ text: '/room test01' });
    const [reply] = await stack.emulator.waitForReplies(1, 5_000);
    const outcome = await stack.emulator.clickCardButton({
      messageId: reply!.replyMessageId,
      value: { action: 'refresh', ids: ['bad\u0000id'] },
    });
    expect(outcome.ok).toBe(true);
    expect(outcome.response?.card).toBeUndefined();
    expect(outcome.response?.toast?.type).toBe('warning');
  });
});
