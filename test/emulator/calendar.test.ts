// calendar v4 and the card PATCH through the SDK's typed API: the emulator is as strict as Feishu documents.
import * as lark from '@larksuiteoapi/node-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOM_DECISION_MS, type Emulator } from '../../src/emulator/index.js';
import { failureOf, startEmulatorWithToken, type TestApp } from '../helpers/emulator.js';

let emulator: Emulator & { app: TestApp };
let client: lark.Client;
let token: string;
beforeAll(async () => {
  ({ emulator, client, token } = await startEmulatorWithToken());
});
afterAll(() => emulator.close());

const as = () => lark.withTenantToken(token);
const person = 'ou_0123456789abcdef0123456789abcdef';
const KEY = 'k'.repeat(40);
const hourFromNow = Math.floor(Date.now() / 1000) + 3600;

async function primary(): Promise<string> {
  const body = await client.calendar.v4.calendar.primary({}, as());
  return body.data!.calendars![0]!.calendar!.calendar_id!;
}

function createEvent(calendarId: string, key?: string, start = hourFromNow) {
  return client.calendar.v4.calendarEvent.create(
    {
      path: { calendar_id: calendarId },
      ...(key !== undefined ? { params: { idempotency_key: key } } : {}),
      data: {
        summary: 'test',
        start_time: { timestamp: String(start) },
        end_time: { timestamp: String(start + 1800) },
      },
    },
    as(),
  );
}

function addRoom(calendarId: string, eventId: string, roomId: string, operateId: string | null = person) {
  return client.calendar.v4.calendarEventAttendee.create(
    {
      path: { calendar_id: calendarId, event_id: eventId },
      params: { user_id_type: 'open_id' },
      data: {
        attendees: [
          { type: 'user', user_id: person },
          { type: 'resource', room_id: roomId, ...(operateId ? { operate_id: operateId } : {}) },
        ],
      },
    },
    as(),
  );
}

async function roomStatus(calendarId: string, eventId: string): Promise<string | undefined> {
  const body = await client.calendar.v4.calendarEventAttendee.list(
    { path: { calendar_id: calendarId, event_id: eventId }, params: { user_id_type: 'open_id' } },
    as(),
  );
  return body.data?.items?.find((item) => item.type === 'resource')?.rsvp_status;
}

const roomOf = (custom: string) => emulator.rooms.byCustomRoomId(custom)!;
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('calendar v4', () => {
  it('the same idempotency_key answers the same event; a key outside 32–128 characters is refused', async () => {
    const calendarId = await primary();
    const first = await createEvent(calendarId, KEY);
    const again = await createEvent(calendarId, KEY);
    expect(again.data?.event?.event_id).toBe(first.data?.event?.event_id);
    for (const key of ['short', 'x'.repeat(129)])
      expect(await failureOf(createEvent(calendarId, key))).toMatchObject({ status: 400, code: 190002 });
    expect(await failureOf(createEvent('feishu.cn_other@group.calendar.feishu.cn', KEY))).toMatchObject({
      code: 191001,
    });
  });

  it('a room is accepted asynchronously when free, declined when it clashes; free/busy shows it', async () => {
    const calendarId = await primary();
    const room = roomOf('SZ-C-0802');
    const event = (await createEvent(calendarId, 'a'.repeat(40))).data!.event!.event_id!;
    await addRoom(calendarId, event, room.room_id);
    expect(await roomStatus(calendarId, event)).toBe('needs_action');
    await wait(ROOM_DECISION_MS + 20);
    expect(await roomStatus(calendarId, event)).toBe('accept');
    expect(emulator.calendar.roomBookings(room.room_id)).toHaveLength(1);
    // adding the same room again changes nothing
    await addRoom(calendarId, event, room.room_id);
    expect(emulator.calendar.event(event)!.attendees).toHaveLength(2);

    const clash = (await createEvent(calendarId, 'b'.repeat(40))).data!.event!.event_id!;
    await addRoom(calendarId, clash, room.room_id);
    await wait(ROOM_DECISION_MS + 20);
    expect(await roomStatus(calendarId, clash)).toBe('decline');
  });

  it('an app must say whom a room is for (operate_id); an approval-only room is refused at once', async () => {
    const calendarId = await primary();
    const event = (await createEvent(calendarId, 'c'.repeat(40))).data!.event!.event_id!;
    expect(await failureOf(addRoom(calendarId, event, roomOf('SZ-C-1201').room_id, null))).toMatchObject({
      code: 190002,
    });
    emulator.rooms.put({ ...roomOf('SZ-C-1201'), needs_approval: true });
    expect(await failureOf(addRoom(calendarId, event, roomOf('SZ-C-1201').room_id))).toMatchObject({ code: 193105 });
  });

  it('a deleted event is gone: deleting or listing it again is 193001, and its room is free again', async () => {
    const calendarId = await primary();
    const room = roomOf('深圳-1202');
    const event = (await createEvent(calendarId, 'd'.repeat(40))).data!.event!.event_id!;
    await addRoom(calendarId, event, room.room_id);
    await wait(ROOM_DECISION_MS + 20);
    await roomStatus(calendarId, event);
    await client.calendar.v4.calendarEvent.delete({ path: { calendar_id: calendarId, event_id: event } }, as());
    expect(emulator.calendar.roomBookings(room.room_id)).toHaveLength(0);
    expect(
      await failureOf(
        client.calendar.v4.calendarEvent.delete({ path: { calendar_id: calendarId, event_id: event } }, as()),
      ),
    ).toMatchObject({ code: 193001 });
  });
});

describe('PATCH im/v1/messages/:message_id', () => {
  // shared (update_multi: true) or not said at all; JSON 2.0 refuses update_multi: false outright (card-check)
  const card = (shared: boolean) => ({
    schema: '2.0',
    ...(shared ? { config: { update_multi: true } } : {}),
    body: { elements: [{ tag: 'markdown', content: 'hello' }] },
  });
  const patch = (messageId: string, content: unknown) =>
    client.im.v1.message.patch({ path: { message_id: messageId }, data: { content: JSON.stringify(content) } }, as());

  async function botCard(updateMulti = true): Promise<string> {
    const user = emulator.createMessage({ text: '/room test01' });
    const reply = await client.im.message.reply(
      {
        path: { message_id: user.messageId },
        data: { msg_type: 'interactive', content: JSON.stringify(card(updateMulti)) },
      },
      as(),
    );
    return reply.data!.message_id!;
  }

  it("patches the app's own card in place, keeping update_multi; refuses a user's message and a card without it", async () => {
    const messageId = await botCard();
    await patch(messageId, { ...card(true), body: { elements: [{ tag: 'markdown', content: 'patched' }] } });
    expect(JSON.stringify(emulator.replies.find((r) => r.replyMessageId === messageId)!.card)).toContain('patched');
    expect(await failureOf(patch(messageId, card(false)))).toMatchObject({ code: 230001 });
    expect(await failureOf(patch(await botCard(false), card(true)))).toMatchObject({ code: 230001 });
    const user = emulator.createMessage({ text: 'hi' });
    expect(await failureOf(patch(user.messageId, card(true)))).toMatchObject({ code: 230001 });
    expect(await failureOf(patch(messageId, { schema: '2.0', body: { elements: [{ tag: 'nope' }] } }))).toMatchObject({
      code: 230099,
    });
  });

  it('at most 5 patches a second per message (230020)', async () => {
    const messageId = await botCard();
    for (let i = 0; i < 5; i += 1) await patch(messageId, card(true));
    expect(await failureOf(patch(messageId, card(true)))).toMatchObject({ code: 230020 });
  });
});
