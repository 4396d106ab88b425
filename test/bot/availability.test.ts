// The pure part of availability: bookings + now + time zone → free or busy, until when, and the card's words.
import { describe, expect, it } from 'vitest';
import {
  availabilityLine,
  clockTime,
  restOfDay,
  roomAvailability,
  type RoomAvailability,
} from '../../src/bot/availability.js';
import type { FreeBusyInstance } from '../../src/bot/ports.js';

const SHANGHAI = 'Asia/Shanghai';
const at = (iso: string) => Date.parse(iso);

/** A booking as freebusy/batch_get returns it (times at +08:00, as in the doc's example). */
function booking(start: string, end: string, organizer?: string): FreeBusyInstance {
  return {
    start_time: `${start}+08:00`,
    end_time: `${end}+08:00`,
    uid: 'b9b19453-0e60-411b-a65f-e5d3b7aa1d0e',
    original_time: 0,
    ...(organizer === undefined
      ? {}
      : { organizer_info: { name: organizer, open_id: 'ou_e84ecf7111892eb7e240925e3845e967' } }),
  };
}

/** Availability at `now` (Shanghai time) for the rest of that day, and its line in both languages. */
function describeAt(now: string, instances: FreeBusyInstance[], timeZone = SHANGHAI) {
  const state = roomAvailability(instances, restOfDay(at(now), timeZone));
  return { state, full: availabilityLine(state, timeZone, 'full'), short: availabilityLine(state, timeZone, 'short') };
}

describe('restOfDay', () => {
  it('runs from now to the next local midnight', () => {
    expect(restOfDay(at('2025-03-10T10:00:00+08:00'), SHANGHAI)).toEqual({
      from: at('2025-03-10T10:00:00+08:00'),
      to: at('2025-03-11T00:00:00+08:00'),
    });
  });

  it('at midnight the whole day lies ahead; a moment before it, nothing does', () => {
    expect(restOfDay(at('2025-03-10T00:00:00+08:00'), SHANGHAI).to).toBe(at('2025-03-11T00:00:00+08:00'));
    expect(restOfDay(at('2025-03-10T23:59:59.999+08:00'), SHANGHAI).to).toBe(at('2025-03-11T00:00:00+08:00'));
  });

  it('is the day of the configured zone, not of the machine or of UTC', () => {
    // 02:00 UTC is 10:00 in Shanghai but still the evening before in New York.
    expect(restOfDay(at('2025-03-10T02:00:00Z'), SHANGHAI).to).toBe(at('2025-03-10T16:00:00Z'));
    expect(restOfDay(at('2025-03-10T02:00:00Z'), 'America/New_York').to).toBe(at('2025-03-10T04:00:00Z'));
  });

  it('follows days of 23 and 25 hours, and zones whose clocks skip midnight', () => {
    // New York springs forward on 9 March 2025 and falls back on 2 November 2025.
    expect(restOfDay(at('2025-03-09T00:30:00-05:00'), 'America/New_York').to).toBe(at('2025-03-10T00:00:00-04:00'));
    expect(restOfDay(at('2025-11-02T00:30:00-04:00'), 'America/New_York').to).toBe(at('2025-11-03T00:00:00-05:00'));
    // Santiago went from 7 September 2024 23:59:59 (-04:00) straight to 8 September 01:00 (-03:00).
    expect(restOfDay(at('2024-09-07T20:00:00-04:00'), 'America/Santiago').to).toBe(at('2024-09-08T01:00:00-03:00'));
  });

  it('asked again the same day (the end remembered) or another day, it gives what a fresh search gives', () => {
    const zone = 'America/New_York';
    const hours = [0.5, 1.5, 3, 12, 23.5].map((h) => at('2025-11-02T00:00:00-04:00') + h * 3_600_000);
    const expected = at('2025-11-03T00:00:00-05:00');
    for (const instant of [...hours, ...hours.reverse()]) expect(restOfDay(instant, zone).to).toBe(expected);
    expect(restOfDay(at('2025-11-03T00:00:00-05:00'), zone).to).toBe(at('2025-11-04T00:00:00-05:00'));
    expect(restOfDay(at('2025-11-02T23:59:59.999-05:00'), zone).to).toBe(expected);
  });
});

describe('clockTime', () => {
  it('is HH:MM on a 24-hour clock in the zone', () => {
    expect(clockTime(at('2025-03-10T01:05:00Z'), SHANGHAI)).toBe('09:05');
    expect(clockTime(at('2025-03-10T16:00:00Z'), SHANGHAI)).toBe('00:00');
    expect(clockTime(at('2025-03-10T15:59:00Z'), SHANGHAI)).toBe('23:59');
    expect(clockTime(at('2025-03-10T15:59:00Z'), 'Europe/London')).toBe('15:59');
  });
});

describe('roomAvailability and its line', () => {
  it('no bookings: free for the rest of the day', () => {
    const { state, full } = describeAt('2025-03-10T10:00:00+08:00', []);
    expect(state).toEqual({ state: 'free' });
    expect(full).toEqual({ zh_cn: '🟢 空闲，今天不再有预订', en_us: '🟢 Free for the rest of the day' });
  });

  it('free now: until the start of the next booking today', () => {
    const { state, full } = describeAt('2025-03-10T10:00:00+08:00', [
      booking('2025-03-10T09:00:00', '2025-03-10T09:30:00', '张伟'),
      booking('2025-03-10T14:00:00', '2025-03-10T15:00:00', 'Alex Chen'),
      booking('2025-03-10T16:00:00', '2025-03-10T17:00:00'),
    ]);
    expect(state).toEqual({ state: 'free', until: at('2025-03-10T14:00:00+08:00') });
    expect(full).toEqual({ zh_cn: '🟢 空闲，至 14:00', en_us: '🟢 Free until 14:00' });
  });

  it('busy now: until the booking ends, and by whom', () => {
    const { state, full, short } = describeAt('2025-03-10T10:00:00+08:00', [
      booking('2025-03-10T09:30:00', '2025-03-10T11:00:00', '张伟'),
      booking('2025-03-10T14:00:00', '2025-03-10T15:00:00', 'Alex Chen'),
    ]);
    expect(state).toEqual({ state: 'busy', until: at('2025-03-10T11:00:00+08:00'), organizer: '张伟' });
    expect(full).toEqual({
      zh_cn: '🔴 使用中，至 11:00 · 预订人：张伟',
      en_us: '🔴 Busy until 11:00 · booked by 张伟',
    });
    expect(short).toEqual({ zh_cn: '🔴 忙至 11:00', en_us: '🔴 Busy until 11:00' });
  });

  it('the short style (long lists) says each state in fewer words, without names', () => {
    const short = (instances: FreeBusyInstance[], now = '2025-03-10T10:00:00+08:00') =>
      describeAt(now, instances).short;
    expect(short([])).toEqual({ zh_cn: '🟢 今日空闲', en_us: '🟢 Free rest of day' });
    expect(short([booking('2025-03-10T14:00:00', '2025-03-10T15:00:00', 'A')])).toEqual({
      zh_cn: '🟢 空闲至 14:00',
      en_us: '🟢 Free until 14:00',
    });
    expect(short([booking('2025-03-10T09:00:00', '2025-03-11T09:00:00', 'A')])).toEqual({
      zh_cn: '🔴 今日已满',
      en_us: '🔴 Busy rest of day',
    });
  });

  it('a booking that starts exactly now makes the room busy; one that ends exactly now does not', () => {
    expect(
      describeAt('2025-03-10T10:00:00+08:00', [booking('2025-03-10T10:00:00', '2025-03-10T10:30:00', 'A')]).state,
    ).toMatchObject({ state: 'busy' });
    expect(
      describeAt('2025-03-10T10:00:00+08:00', [booking('2025-03-10T09:00:00', '2025-03-10T10:00:00', 'A')]).state,
    ).toEqual({ state: 'free' });
  });

  it('busy through bookings that follow back to back or overlap; the name is of the booking running now', () => {
    const { state, full } = describeAt('2025-03-10T10:00:00+08:00', [
      booking('2025-03-10T09:30:00', '2025-03-10T10:15:00', '王芳'),
      booking('2025-03-10T10:15:00', '2025-03-10T11:15:00', 'Maria Garcia'),
      booking('2025-03-10T11:00:00', '2025-03-10T12:00:00', 'Maria Garcia'),
      booking('2025-03-10T12:30:00', '2025-03-10T13:00:00', 'Someone else'),
    ]);
    expect(state).toEqual({ state: 'busy', until: at('2025-03-10T12:00:00+08:00'), organizer: '王芳' });
    expect(full.en_us).toBe('🔴 Busy until 12:00 · booked by 王芳');
  });

  it('says nothing of who booked it rather than something wrong', () => {
    const privateBooking = booking('2025-03-10T09:30:00', '2025-03-10T11:00:00');
    const byApp = { ...booking('2025-03-10T09:30:00', '2025-03-10T11:00:00'), organizer_info: { open_id: 'ou_x' } };
    const blankName = booking('2025-03-10T09:30:00', '2025-03-10T11:00:00', '  ');
    for (const instance of [privateBooking, byApp, blankName]) {
      const { state, full } = describeAt('2025-03-10T10:00:00+08:00', [instance]);
      expect(state).toEqual({ state: 'busy', until: at('2025-03-10T11:00:00+08:00') });
      expect(full).toEqual({ zh_cn: '🔴 使用中，至 11:00', en_us: '🔴 Busy until 11:00' });
    }
    // Two bookings running now that name different people, or one that names nobody: no name either.
    const disagree = describeAt('2025-03-10T10:00:00+08:00', [
      booking('2025-03-10T09:30:00', '2025-03-10T11:00:00', 'A'),
      booking('2025-03-10T09:45:00', '2025-03-10T10:30:00', 'B'),
    ]);
    expect(disagree.state).toEqual({ state: 'busy', until: at('2025-03-10T11:00:00+08:00') });
    const oneNameless = describeAt('2025-03-10T10:00:00+08:00', [
      booking('2025-03-10T09:30:00', '2025-03-10T11:00:00', 'A'),
      booking('2025-03-10T09:45:00', '2025-03-10T10:30:00'),
    ]);
    expect(oneNameless.state).not.toHaveProperty('organizer');
  });

  it('escapes the organizer name so it cannot format, link or mention', () => {
    const { full } = describeAt('2025-03-10T10:00:00+08:00', [
      booking('2025-03-10T09:30:00', '2025-03-10T11:00:00', '<at id=all></at> **x**'),
    ]);
    expect(full.en_us).toBe('🔴 Busy until 11:00 · booked by &#60;at id=all&#62;&#60;/at&#62; &#42;&#42;x&#42;&#42;');
  });

  it('busy past midnight: busy for the rest of the day', () => {
    const { state, full } = describeAt('2025-03-10T23:30:00+08:00', [
      booking('2025-03-10T23:00:00', '2025-03-11T01:00:00', '张伟'),
    ]);
    expect(state).toEqual({ state: 'busy', organizer: '张伟' });
    expect(full).toEqual({
      zh_cn: '🔴 使用中，直到今天结束 · 预订人：张伟',
      en_us: '🔴 Busy for the rest of the day · booked by 张伟',
    });
  });

  it("an all-day booking ending 23:59:59 (the doc's example) is busy for the rest of the day, not until 23:59", () => {
    expect(
      describeAt('2025-03-10T10:00:00+08:00', [booking('2025-03-10T00:00:00', '2025-03-10T23:59:59')]).state,
    ).toEqual({ state: 'busy' });
    expect(
      describeAt('2025-03-10T10:00:00+08:00', [booking('2025-03-10T00:00:00', '2025-03-10T23:58:00')]).full.en_us,
    ).toBe('🔴 Busy until 23:58');
  });

  it("just after midnight: yesterday's booking running on counts, tomorrow's does not", () => {
    const instances = [
      booking('2025-03-10T23:00:00', '2025-03-11T00:30:00', '张伟'),
      booking('2025-03-12T00:00:00', '2025-03-12T01:00:00', 'Alex Chen'),
    ];
    expect(describeAt('2025-03-11T00:05:00+08:00', instances).full.en_us).toBe('🔴 Busy until 00:30 · booked by 张伟');
    expect(describeAt('2025-03-11T00:45:00+08:00', instances).state).toEqual({ state: 'free' });
  });

  it("free late in the evening with tomorrow's first booking ahead: free for the rest of the day", () => {
    const { state } = describeAt('2025-03-10T23:50:00+08:00', [
      booking('2025-03-11T00:10:00', '2025-03-11T01:00:00', '张伟'),
    ]);
    expect(state).toEqual({ state: 'free' });
  });

  it('shows the times in the configured zone, and its day decides what "today" is', () => {
    // 10:00–11:00 in Shanghai is 02:00–03:00 in London, the same day in both.
    const instances = [booking('2025-03-10T10:00:00', '2025-03-10T11:00:00', '张伟')];
    expect(describeAt('2025-03-10T09:00:00+08:00', instances, 'Europe/London').full.en_us).toBe('🟢 Free until 02:00');
    // 09:00 in Shanghai is 21:00 the evening before in New York, where 14:00 in Shanghai is 02:00 tomorrow.
    const afternoon = [booking('2025-03-10T14:00:00', '2025-03-10T15:00:00', '张伟')];
    expect(describeAt('2025-03-10T09:00:00+08:00', afternoon).full.en_us).toBe('🟢 Free until 14:00');
    expect(describeAt('2025-03-10T09:00:00+08:00', afternoon, 'America/New_York').state).toEqual({ state: 'free' });
  });

  it('ignores bookings whose times are not RFC 3339 or that end before they start', () => {
    const broken = [
      { start_time: 'soon', end_time: '2025-03-10T11:00:00+08:00' },
      { start_time: '2025-03-10T11:00:00+08:00', end_time: '2025-03-10T09:00:00+08:00' },
    ];
    expect(describeAt('2025-03-10T10:00:00+08:00', broken).state).toEqual({ state: 'free' });
  });

  it('reads times at any offset (Feishu answers with +08:00; UTC and others work alike)', () => {
    const instances: FreeBusyInstance[] = [
      { start_time: '2025-03-10T01:30:00Z', end_time: '2025-03-10T04:00:00+01:00' },
    ];
    const state: RoomAvailability = describeAt('2025-03-10T10:00:00+08:00', instances).state;
    expect(state).toEqual({ state: 'busy', until: at('2025-03-10T11:00:00+08:00') });
  });
});
