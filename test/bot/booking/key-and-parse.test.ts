import { describe, expect, it } from 'vitest';
import { bookingIdempotencyKey, bookingJobKey, cancelJobKey } from '../../../src/bot/booking/key.js';
import { readBookValue, readCancelValue } from '../../../src/bot/booking/buttons.js';
import { parseCommand } from '../../../src/bot/command.js';

const origin = { tenantKey: 't1', messageId: 'om_1', roomId: 'omm_1', start: 1_000_000, end: 2_800_000 };

describe('the idempotency key', () => {
  it('is 32 to 128 characters, the same for the same click, different for anything else', () => {
    const key = bookingIdempotencyKey(origin);
    expect(key.length).toBeGreaterThanOrEqual(32);
    expect(key.length).toBeLessThanOrEqual(128);
    expect(bookingIdempotencyKey({ ...origin })).toBe(key);
    for (const change of [{ tenantKey: 't2' }, { messageId: 'om_2' }, { roomId: 'omm_2' }, { start: 1 }, { end: 3 }])
      expect(bookingIdempotencyKey({ ...origin, ...change })).not.toBe(key);
    expect(bookingJobKey(origin)).not.toBe(cancelJobKey(key));
    // one booking job per room per card, whichever of its buttons is clicked
    expect(bookingJobKey({ ...origin, end: 9_999_999 })).toBe(bookingJobKey(origin));
    expect(bookingJobKey({ ...origin, roomId: 'omm_2' })).not.toBe(bookingJobKey(origin));
  });
});

const parse = (text: string) =>
  parseCommand(
    { chat_type: 'p2p', message_type: 'text', content: JSON.stringify({ text }) },
    { maxIds: 10, maxIdLength: 64 },
  );

describe('/room book', () => {
  it('reads the room and the slot, in each spelling', () => {
    const expected = { kind: 'book', room: 'test01', from: 14 * 60, to: 14 * 60 + 30 };
    expect(parse('/room book test01 14:00-14:30')).toEqual(expected);
    expect(parse('/room 预定 test01 14:00 - 14:30')).toEqual(expected);
    expect(parse('/room 预订 test01 １４：００～１４：３０')).toEqual(expected);
    expect(parse('/room BOOK test01 14:00 14:30')).toEqual(expected);
    expect(parse('/room book omm_eada1d61a550955240c28757e7dec3af 9:05-24:00')).toEqual({
      kind: 'book',
      room: 'omm_eada1d61a550955240c28757e7dec3af',
      from: 9 * 60 + 5,
      to: 24 * 60,
    });
  });

  it('anything else is the usage card', () => {
    for (const text of [
      '/room book',
      '/room book test01',
      '/room book test01 14-15',
      '/room book test01 25:00-26:00',
      '/room book test01 14:00-14:30 extra',
      '/room book test01 14:60-15:00',
    ])
      expect(parse(text)).toEqual({ kind: 'invalid', problem: 'book_usage' });
  });
});

describe('button values coming back from a client', () => {
  const book = { action: 'book', room_id: 'omm_abc', room: 'test01', start: 1, end: 2 };
  it('a Book value as we sent it is read; a tampered one is not', () => {
    expect(readBookValue(book)).toEqual(book);
    expect(readBookValue({ ...book, room_id: 'x' })).toBeUndefined();
    expect(readBookValue({ ...book, start: '1' })).toBeUndefined();
    expect(readBookValue({ ...book, extra: 'x' })).toEqual(book);
  });
  it('a Cancel value needs who booked and which event', () => {
    const cancel = {
      ...book,
      action: 'cancel',
      booker: 'ou_1',
      calendar_id: 'feishu.cn_1@group.calendar.feishu.cn',
      event_id: 'e_0',
      key: 'k',
    };
    expect(readCancelValue(cancel)).toEqual(cancel);
    expect(readCancelValue({ ...cancel, booker: 'ou 1' })).toBeUndefined();
    expect(readCancelValue(book)).toBeUndefined();
  });
});
