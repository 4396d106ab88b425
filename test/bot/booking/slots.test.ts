import { describe, expect, it } from 'vitest';
import { bookingChoices, minuteOf, slotProblem, todayAt } from '../../../src/bot/booking/slots.js';
import { restOfDay } from '../../../src/bot/availability.js';

const ZONE = 'Asia/Shanghai';
const MIN = 60_000;
// 2026-12-08 14:00:20 in Shanghai (UTC+8)
const NOW = Date.UTC(2026, 11, 8, 6, 0, 20);
const window = restOfDay(NOW, ZONE);
const limits = { maxMinutes: 240 };

describe('which Book buttons a free room gets', () => {
  it('free for the rest of the day: 30 min and 1 h, from the minute on the clock', () => {
    const choices = bookingChoices({ state: 'free' }, window, limits);
    expect(choices.map((c) => (c.kind === 'minutes' ? c.minutes : 'until'))).toEqual([30, 60]);
    expect(choices[0]!.start).toBe(minuteOf(NOW));
    expect(choices[1]!.end - choices[1]!.start).toBe(60 * MIN);
  });

  it('45 minutes before its next booking: 30 min, and until the next booking instead of 1 h', () => {
    const until = minuteOf(NOW) + 45 * MIN;
    const choices = bookingChoices({ state: 'free', until }, window, limits);
    expect(choices).toEqual([
      expect.objectContaining({ kind: 'minutes', minutes: 30 }),
      expect.objectContaining({ kind: 'until', end: until }),
    ]);
  });

  it('20 minutes before: only until; 5 minutes before: nothing', () => {
    const until20 = minuteOf(NOW) + 20 * MIN;
    expect(bookingChoices({ state: 'free', until: until20 }, window, limits)).toEqual([
      expect.objectContaining({ kind: 'until', end: until20 }),
    ]);
    expect(bookingChoices({ state: 'free', until: minuteOf(NOW) + 5 * MIN }, window, limits)).toEqual([]);
  });

  it('a busy room gets none; BOOKING_MAX_MINUTES caps the until button', () => {
    expect(bookingChoices({ state: 'busy' }, window, limits)).toEqual([]);
    const choices = bookingChoices({ state: 'free' }, window, { maxMinutes: 45 });
    expect(choices.at(-1)).toEqual(expect.objectContaining({ kind: 'until', end: minuteOf(NOW) + 45 * MIN }));
  });

  it('near midnight, no button runs into tomorrow', () => {
    const late = Date.UTC(2026, 11, 8, 15, 40); // 23:40 in Shanghai
    const choices = bookingChoices({ state: 'free' }, restOfDay(late, ZONE), limits);
    expect(choices).toEqual([expect.objectContaining({ kind: 'until', end: restOfDay(late, ZONE).to })]);
  });
});

describe('whether a slot may be booked', () => {
  const at = (h: number, m: number) => todayAt(NOW, ZONE, h, m);

  it('later today, within the limit: yes', () => {
    expect(slotProblem({ start: at(15, 0), end: at(16, 0) }, NOW, ZONE, limits)).toBeNull();
    // the current minute still counts
    expect(slotProblem({ start: at(14, 0), end: at(14, 30) }, NOW, ZONE, limits)).toBeNull();
  });

  it('says what is wrong', () => {
    expect(slotProblem({ start: at(13, 0), end: at(13, 30) }, NOW, ZONE, limits)).toEqual({ problem: 'in_the_past' });
    expect(slotProblem({ start: at(16, 0), end: at(15, 0) }, NOW, ZONE, limits)).toEqual({
      problem: 'end_before_start',
    });
    expect(slotProblem({ start: at(15, 0), end: at(20, 0) }, NOW, ZONE, limits)).toEqual({
      problem: 'too_long',
      maxMinutes: 240,
    });
    expect(slotProblem({ start: at(15, 0), end: at(15, 5) }, NOW, ZONE, limits)).toEqual({
      problem: 'too_short',
      minMinutes: 10,
    });
    expect(slotProblem({ start: at(23, 0), end: at(24, 30) }, NOW, ZONE, limits)).toEqual({ problem: 'not_today' });
  });

  it('todayAt reads the clock of the zone, 24:00 being the next midnight', () => {
    expect(new Date(todayAt(NOW, ZONE, 14, 30)).toISOString()).toBe('2026-12-08T06:30:00.000Z');
    expect(todayAt(NOW, ZONE, 24, 0)).toBe(restOfDay(NOW, ZONE).to);
    expect(new Date(todayAt(NOW, 'Europe/Berlin', 9, 15)).toISOString()).toBe('2026-12-08T08:15:00.000Z');
  });
});
