// End to end: is the room free? Bot + emulator over real HTTP with the real SDK; the emulator's seeded bookings
// sit around the current time, and the bot's zone (ROOM_TIMEZONE) is one where it is now about noon, so every
// seeded booking falls on today whenever the tests run.
import { afterEach, describe, expect, it } from 'vitest';
import { clockTime } from '../../src/bot/availability.js';
import type { Card } from '../../src/bot/ports.js';
import { renderCardAsText } from '../../src/local/render-text.js';
import { loadRoomSeed, type RecordedReply } from '../../src/emulator/index.js';
import { BOOKING_GRID_MS } from '../../src/emulator/rooms.js';
import { generateRooms } from '../../bench/lib/rooms.js';
import { startStack, type Stack, type StackOptions } from '../helpers/stack.js';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

/** A fixed-offset zone in which it is now between 12:00 and 13:00 (Etc/GMT-8 is UTC+8: the sign is POSIX's). */
function middayZone(now = Date.now()): string {
  const offsetHours = 12 - new Date(now).getUTCHours();
  return offsetHours === 0 ? 'Etc/GMT' : `Etc/GMT${offsetHours > 0 ? '-' : '+'}${Math.abs(offsetHours)}`;
}

let zone = middayZone();

async function start(options: StackOptions = {}): Promise<Stack> {
  zone = middayZone();
  return startStack({ ...options, env: { ROOM_TIMEZONE: zone, ...options.env } });
}

/** The card of the reply to `text`, and the quarter hours the emulator may have placed bookings on meanwhile. */
async function ask(s: Stack, text: string): Promise<{ reply: RecordedReply; anchors: number[] }> {
  const before = Math.floor(Date.now() / BOOKING_GRID_MS) * BOOKING_GRID_MS;
  const repliesSoFar = s.emulator.replies.length;
  const sent = await s.emulator.sendMessage({ text });
  const replies = await s.emulator.waitForReplies(repliesSoFar + 1, 8_000);
  const after = Math.floor(Date.now() / BOOKING_GRID_MS) * BOOKING_GRID_MS;
  return { reply: replies.find((r) => r.parentMessageId === sent.messageId)!, anchors: [...new Set([before, after])] };
}

const text = (card: unknown, locale: 'en_us' | 'zh_cn' = 'en_us') => renderCardAsText(card as Card, locale);
/** HH:MM, in the bot's zone, of a seeded time `minutes` after the quarter hour of the request. */
const seededTimes = (anchors: number[], minutes: number) =>
  anchors.map((anchor) => clockTime(anchor + minutes * 60_000, zone));
const freeBusyCalls = (s: Stack) => s.emulator.requests.filter((r) => r.api === 'freebusy');

describe('availability on the card', () => {
  it('a busy room: until when and by whom, in both languages', async () => {
    stack = await start();
    const { reply, anchors } = await ask(stack, '/room test01');
    const en = text(reply.card);
    const zh = text(reply.card, 'zh_cn');
    expect(seededTimes(anchors, 60).some((time) => en.includes(`🔴 Busy until ${time} · booked by 张伟`))).toBe(true);
    expect(seededTimes(anchors, 60).some((time) => zh.includes(`🔴 使用中，至 ${time} · 预订人：张伟`))).toBe(true);
    expect(en).toMatch(new RegExp(`Free/busy as of \\d{2}:\\d{2} \\(${zone.replace(/[+/-]/g, '\\$&')} time\\)`));
  });

  it('a free room: until its next booking today', async () => {
    stack = await start();
    const { reply, anchors } = await ask(stack, '/room test02');
    expect(seededTimes(anchors, 90).some((time) => text(reply.card).includes(`🟢 Free until ${time}`))).toBe(true);
    expect(seededTimes(anchors, 90).some((time) => text(reply.card, 'zh_cn').includes(`🟢 空闲，至 ${time}`))).toBe(
      true,
    );
  });

  it('a private booking, and one made by an app, name nobody', async () => {
    stack = await start();
    const { reply, anchors } = await ask(stack, '/room BJ-A-0101 BJ-A-0102');
    const en = text(reply.card);
    expect(seededTimes(anchors, 45).some((time) => en.includes(`🔴 Busy until ${time}\n`))).toBe(true);
    expect(seededTimes(anchors, 30).some((time) => en.includes(`🔴 Busy until ${time}\n`))).toBe(true);
    expect(en).not.toContain('booked by');
    expect(en).not.toContain('李娜'); // the private booking's organizer, which Feishu does not send
  });

  it('a disabled room stays disabled, never free; other rooms are free for the rest of the day', async () => {
    stack = await start();
    const disabled = stack.emulator.rooms.list().find((room) => room.is_disabled)!;
    const { reply } = await ask(stack, `/room ${disabled.custom_room_id} SZ-C-0201`);
    const lines = text(reply.card).split('\n');
    const disabledBlock = lines
      .slice(lines.findIndex((line) => line.includes(disabled.room_id)))
      .slice(0, 3)
      .join('\n');
    expect(disabledBlock).toContain('Disabled');
    expect(disabledBlock).not.toMatch(/🟢|🔴/);
    expect(text(reply.card)).toContain('🟢 Free for the rest of the day');
  });

  it('45 rooms: free/busy in 3 calls of at most 20, alongside one details call', async () => {
    stack = await start({ emulator: { rooms: [...loadRoomSeed(), ...generateRooms('many', 45)] } });
    const ids = Array.from({ length: 45 }, (_, i) => `many-${i}`);
    const { reply } = await ask(stack, `/room ${ids.join(' ')}`);
    expect(
      freeBusyCalls(stack)
        .map((call) => call.query.match(/room_ids=/g)!.length)
        .sort(),
    ).toEqual([20, 20, 5]);
    expect(stack.emulator.requests.filter((r) => r.api === 'batch_get')).toHaveLength(1);
    expect(text(reply.card).match(/🟢 Free/g)).toHaveLength(45);
  });

  it('asks for free/busy alongside the details, not after them', async () => {
    stack = await start();
    stack.emulator.faults.inject({ api: 'batch_get', kind: 'latency', latencyMs: 500 });
    await ask(stack, '/room test01');
    const details = stack.emulator.requests.find((r) => r.api === 'batch_get')!;
    const [freeBusy] = freeBusyCalls(stack);
    expect(freeBusy!.at).toBeLessThan(details.at + 500);
  });

  it('free/busy failing: the card still answers with IDs and details, and says so in one line', async () => {
    stack = await start({ env: { FEISHU_MAX_ATTEMPTS: '1' } });
    stack.emulator.faults.inject({
      api: 'freebusy',
      kind: 'error',
      code: 99991672,
      msg: 'Access denied',
      times: Infinity,
    });
    const { reply } = await ask(stack, '/room test01');
    const en = text(reply.card);
    expect(en).toContain('omm_eada1d61a550955240c28757e7dec3af');
    expect(en).toContain('Room name');
    expect(en.match(/Free\/busy could not be loaded right now/g)).toHaveLength(1);
    expect(text(reply.card, 'zh_cn')).toContain('暂时无法获取会议室的空闲状态');
    expect(en).not.toMatch(/🟢|🔴/);
    expect(stack.logs.find({ msg: 'room free/busy unavailable; replying without it', code: 99991672 })).toHaveLength(1);
  });

  it('is cached briefly; Refresh bypasses the cache', async () => {
    stack = await start();
    const { reply } = await ask(stack, '/room test01');
    await ask(stack, '/room test01');
    expect(freeBusyCalls(stack)).toHaveLength(1);
    const value = { action: 'refresh', ids: ['test01'] };
    const outcome = await stack.emulator.clickCardButton({ messageId: reply.replyMessageId, value });
    expect(outcome.response?.toast?.type).toBe('success');
    expect(freeBusyCalls(stack)).toHaveLength(2);
    expect(text(outcome.card)).toContain('🔴 Busy until');
  });

  it('AVAILABILITY_CACHE_TTL_SECONDS=0 asks Feishu every time', async () => {
    stack = await start({ env: { AVAILABILITY_CACHE_TTL_SECONDS: '0' } });
    await ask(stack, '/room test01');
    await ask(stack, '/room test01');
    expect(freeBusyCalls(stack)).toHaveLength(2);
    expect(stack.emulator.requests.filter((r) => r.api === 'batch_get_id')).toHaveLength(1); // the lookup cache is its own
  });
});
