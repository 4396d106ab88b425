// End to end: booking a room from the card. Bot + emulator over real HTTP and the long connection, the real SDK.
// The bot's zone (ROOM_TIMEZONE) is one where it is now about noon, so every slot falls on today.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clockTime } from '../../src/bot/availability.js';
import type { Card } from '../../src/bot/ports.js';
import { SCOPE_CALENDAR } from '../../src/bot/booking/strings.js';
import type { EmulatedEvent, JsonObject, RecordedReply } from '../../src/emulator/index.js';
import { renderCardAsText } from '../../src/local/render-text.js';
import { startStack, type Stack } from '../helpers/stack.js';

/** A fixed-offset zone in which it is now between 12:00 and 13:00 (Etc/GMT-8 is UTC+8: the sign is POSIX's). */
function middayZone(now = Date.now()): string {
  const offsetHours = 12 - new Date(now).getUTCHours();
  return offsetHours === 0 ? 'Etc/GMT' : `Etc/GMT${offsetHours > 0 ? '-' : '+'}${Math.abs(offsetHours)}`;
}

const text = (card: unknown) => renderCardAsText(card as Card, 'en_us');

/** Every callback button value of a card, in order. */
function buttonValues(card: unknown): Record<string, unknown>[] {
  const found: Record<string, unknown>[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const element = node as JsonObject;
      if (element.tag === 'button' && Array.isArray(element.behaviors)) {
        const value = (element.behaviors[0] as { value?: Record<string, unknown> } | undefined)?.value;
        if (value) found.push(value);
      }
      Object.values(element).forEach(walk);
    }
  };
  walk(card);
  return found;
}

async function lookupCard(s: Stack, room: string): Promise<RecordedReply> {
  const count = s.emulator.replies.length;
  const sent = await s.emulator.sendMessage({ text: `/room ${room}` });
  const replies = await s.emulator.waitForReplies(count + 1, 8_000);
  return replies.find((reply) => reply.parentMessageId === sent.messageId)!;
}

function bookValue(card: unknown, room: string, index = 0): Record<string, unknown> {
  const values = buttonValues(card).filter((v) => v.action === 'book' && v.room === room);
  expect(values.length).toBeGreaterThan(index);
  return values[index]!;
}

const live = (s: Stack, roomId: string): EmulatedEvent[] =>
  s.emulator.calendar.list().filter((e) => !e.deleted && e.attendees.some((a) => a.room_id === roomId));
const made = (s: Stack, roomId: string): EmulatedEvent[] =>
  s.emulator.calendar.list().filter((e) => e.attendees.some((a) => a.room_id === roomId));
const roomId = (s: Stack, room: string) => s.emulator.rooms.byCustomRoomId(room)!.room_id;
const settled = (card: JsonObject) => /[✅❌]/.test(text(card));

for (const eventMode of ['webhook', 'websocket'] as const) {
  describe(`booking from the card (${eventMode})`, () => {
    let stack: Stack;
    beforeAll(async () => {
      stack = await startStack({ eventMode, env: { ROOM_TIMEZONE: middayZone() } });
      if (eventMode === 'websocket') await stack.emulator.waitForWsConnections(1);
    });
    afterAll(() => stack.close());

    it('click → toast within 3 s → an event with the person and the room → the card patched to booked', async () => {
      const reply = await lookupCard(stack, 'BJ-A-0301');
      expect(text(reply.card)).toMatch(/Book 30 min/);
      const value = bookValue(reply.card, 'BJ-A-0301');
      const started = performance.now();
      const outcome = await stack.emulator.clickCardButton({ messageId: reply.replyMessageId, value });
      expect(performance.now() - started).toBeLessThan(3_000);
      expect(outcome.response?.toast?.content).toBe('Booking BJ-A-0301…');
      const card = await stack.emulator.waitForCard(reply.replyMessageId, settled, 8_000);
      expect(text(card)).toContain('✅');
      expect(text(card)).toContain('BJ-A-0301');
      const [event, ...others] = live(stack, roomId(stack, 'BJ-A-0301'));
      expect(others).toHaveLength(0);
      expect(event!.idempotency_key).toMatch(/^.{32,128}$/);
      expect(event!.summary).toContain('room bot');
      expect(event!.end - event!.start).toBe(30 * 60_000);
      const user = stack.emulator.identity.user.open_id;
      expect(event!.attendees).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ type: 'user', user_id: user }),
          expect.objectContaining({ type: 'resource', operate_id: user, rsvp_status: 'accept' }),
        ]),
      );
      expect(buttonValues(card).some((v) => v.action === 'cancel')).toBe(true);
      // the room's free/busy (meeting_room freebusy/batch_get) now shows the booking
      expect(stack.emulator.calendar.roomBookings(roomId(stack, 'BJ-A-0301'))).toEqual([
        expect.objectContaining({ start: event!.start, end: event!.end }),
      ]);
    });

    it('the same button clicked three times at once makes one event; another button of the room adds none', async () => {
      const reply = await lookupCard(stack, 'BJ-A-0302');
      const value = bookValue(reply.card, 'BJ-A-0302', 1);
      const shorter = bookValue(reply.card, 'BJ-A-0302', 0);
      const outcomes = await Promise.all(
        [1, 2, 3].map(() => stack.emulator.clickCardButton({ messageId: reply.replyMessageId, value })),
      );
      expect(outcomes.every((o) => o.ok)).toBe(true);
      const other = await stack.emulator.clickCardButton({
        messageId: reply.replyMessageId,
        value: shorter,
      });
      expect(other.response?.toast?.content).toBe('This booking is already being handled');
      await stack.emulator.waitForCard(reply.replyMessageId, settled, 8_000);
      expect(made(stack, roomId(stack, 'BJ-A-0302'))).toHaveLength(1);
      expect(live(stack, roomId(stack, 'BJ-A-0302'))[0]!.end - live(stack, roomId(stack, 'BJ-A-0302'))[0]!.start).toBe(
        60 * 60_000,
      );
    });
  });
}

describe('booking: refusals and failures, and /room book', () => {
  let stack: Stack;
  const zone = middayZone();
  beforeAll(async () => {
    stack = await startStack({ env: { ROOM_TIMEZONE: zone } });
  });
  afterAll(() => stack.close());

  it('a slot taken meanwhile is refused with who holds it until when; no event is made', async () => {
    const reply = await lookupCard(stack, 'BJ-A-0501');
    const room = stack.emulator.rooms.byCustomRoomId('BJ-A-0501')!;
    stack.emulator.rooms.put({ ...room, bookings: [{ start_minutes: 0, end_minutes: 45, organizer: 'Zoe Li' }] });
    await stack.emulator.clickCardButton({
      messageId: reply.replyMessageId,
      value: bookValue(reply.card, 'BJ-A-0501'),
    });
    const card = await stack.emulator.waitForCard(reply.replyMessageId, settled, 8_000);
    expect(text(card)).toMatch(
      /❌ .*BJ-A-0501.* could not be booked: the slot was taken meanwhile by Zoe Li, until \d\d:\d\d/,
    );
    expect(made(stack, room.room_id)).toHaveLength(0);
  });

  it('a room that declines: the event is deleted and the card says why', async () => {
    const reply = await lookupCard(stack, 'BJ-A-0502');
    const room = stack.emulator.rooms.byCustomRoomId('BJ-A-0502')!;
    stack.emulator.rooms.put({ ...room, is_disabled: true });
    await stack.emulator.clickCardButton({
      messageId: reply.replyMessageId,
      value: bookValue(reply.card, 'BJ-A-0502'),
    });
    const card = await stack.emulator.waitForCard(reply.replyMessageId, settled, 8_000);
    expect(text(card)).toContain('the room declined the booking');
    expect(made(stack, room.room_id)).toHaveLength(1);
    expect(live(stack, room.room_id)).toHaveLength(0);
  });

  it('a room that needs approval: refused at once, the event deleted, the card says so', async () => {
    const reply = await lookupCard(stack, 'SH-B-1502');
    const room = stack.emulator.rooms.byCustomRoomId('SH-B-1502')!;
    stack.emulator.rooms.put({ ...room, needs_approval: true });
    await stack.emulator.clickCardButton({
      messageId: reply.replyMessageId,
      value: bookValue(reply.card, 'SH-B-1502'),
    });
    const card = await stack.emulator.waitForCard(reply.replyMessageId, settled, 8_000);
    expect(text(card)).toContain('needs approval');
    expect(stack.emulator.calendar.list().filter((e) => !e.deleted && e.attendees.length === 0)).toHaveLength(0);
  });

  it('cancel: refused for anyone but the booker; the booker cancels, the event is deleted', async () => {
    const reply = await lookupCard(stack, 'SH-B-1601');
    await stack.emulator.clickCardButton({
      messageId: reply.replyMessageId,
      value: bookValue(reply.card, 'SH-B-1601'),
    });
    const booked = await stack.emulator.waitForCard(reply.replyMessageId, settled, 8_000);
    const cancel = buttonValues(booked).find((v) => v.action === 'cancel')!;
    const other = await stack.emulator.clickCardButton({
      messageId: reply.replyMessageId,
      value: cancel,
      operatorOpenId: 'ou_0123456789abcdef0123456789abcdef',
    });
    expect(other.response?.toast?.content).toBe('Only the person who booked it can cancel this booking');
    expect(live(stack, roomId(stack, 'SH-B-1601'))).toHaveLength(1);
    const mine = await stack.emulator.clickCardButton({ messageId: reply.replyMessageId, value: cancel });
    expect(mine.response?.toast?.type).toBe('info');
    const card = await stack.emulator.waitForCard(reply.replyMessageId, (c) => text(c).includes('cancelled'), 8_000);
    expect(text(card)).toContain('🗑');
    expect(live(stack, roomId(stack, 'SH-B-1601'))).toHaveLength(0);
  });

  it('a member of another tenant is refused and nothing is booked', async () => {
    const reply = await lookupCard(stack, 'SH-B-1602');
    const before = stack.emulator.calendar.list().length;
    const outcome = await stack.emulator.clickCardButton({
      messageId: reply.replyMessageId,
      value: bookValue(reply.card, 'SH-B-1602'),
      operatorTenantKey: 'tenant_of_another_company',
    });
    expect(outcome.response?.toast?.type).toBe('info');
    expect(outcome.response?.toast?.content).not.toContain('Booking');
    await new Promise((resolve) => setTimeout(resolve, 300)); // a booking would have started by now
    expect(stack.emulator.calendar.list()).toHaveLength(before);
  });

  it('a missing calendar scope: the card names it', async () => {
    const reply = await lookupCard(stack, 'SH-B-1701');
    stack.emulator.faults.inject({
      api: 'event_create',
      kind: 'error',
      code: 99991672,
      msg: 'Access denied',
      times: 1,
    });
    await stack.emulator.clickCardButton({
      messageId: reply.replyMessageId,
      value: bookValue(reply.card, 'SH-B-1701'),
    });
    const card = await stack.emulator.waitForCard(reply.replyMessageId, settled, 8_000);
    expect(text(card)).toContain(SCOPE_CALENDAR);
  });

  it('/room book <room> <HH:MM>-<HH:MM> books later today and patches its reply', async () => {
    const from = Date.now() + 60 * 60_000;
    const slot = `${clockTime(from, zone)}-${clockTime(from + 30 * 60_000, zone)}`;
    const count = stack.emulator.replies.length;
    const sent = await stack.emulator.sendMessage({ text: `/room book SZ-C-0201 ${slot}` });
    const replies = await stack.emulator.waitForReplies(count + 1, 8_000);
    const reply = replies.find((r) => r.parentMessageId === sent.messageId)!;
    const card = await stack.emulator.waitForCard(reply.replyMessageId, settled, 8_000);
    expect(text(card)).toContain(`✅`);
    expect(text(card)).toContain(slot.replace('-', '–'));
    const [event] = live(stack, roomId(stack, 'SZ-C-0201'));
    expect(event!.attendees).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'user', user_id: stack.emulator.identity.user.open_id }),
      ]),
    );
  });

  it('/room book <name>: a name the directory resolves to one room books it; a name of several lists them', async () => {
    const from = Date.now() + 2 * 60 * 60_000;
    const slot = `${clockTime(from, zone)}-${clockTime(from + 30 * 60_000, zone)}`;
    let count = stack.emulator.replies.length;
    const sent = await stack.emulator.sendMessage({ text: `/room book lighthouse ${slot}` });
    let replies = await stack.emulator.waitForReplies(count + 1, 8_000);
    const reply = replies.find((r) => r.parentMessageId === sent.messageId)!;
    const card = await stack.emulator.waitForCard(reply.replyMessageId, settled, 8_000);
    expect(text(card)).toContain('✅');
    expect(text(card)).toContain('QH-0302');
    expect(live(stack, roomId(stack, 'QH-0302'))).toHaveLength(1);

    count = stack.emulator.replies.length;
    await stack.emulator.sendMessage({ text: `/room book 前海 ${slot}` });
    replies = await stack.emulator.waitForReplies(count + 1, 8_000);
    expect(text(replies.at(-1)!.card)).toMatch(/\d+ rooms match `前海`; book one by its ID/);
    expect(text(replies.at(-1)!.card)).toContain('QH-0601');
  });

  it('/room book with a slot in the past gets a card saying what is wrong', async () => {
    const count = stack.emulator.replies.length;
    const past = Date.now() - 90 * 60_000;
    await stack.emulator.sendMessage({
      text: `/room book SZ-C-0202 ${clockTime(past, zone)}-${clockTime(past + 30 * 60_000, zone)}`,
    });
    const replies = await stack.emulator.waitForReplies(count + 1, 8_000);
    expect(text(replies.at(-1)!.card)).toContain('already begun or passed');
    expect(made(stack, roomId(stack, 'SZ-C-0202'))).toHaveLength(0);
  });
});
