// Which slots a room can be booked for, and whether a slot asked for is allowed (pure, no I/O).
// Rules (issue 20): today only in ROOM_TIMEZONE, never in the past, at most BOOKING_MAX_MINUTES long.
import { restOfDay, type RoomAvailability } from '../availability.js';
import type { TimeWindow } from '../ports.js';

const MINUTE_MS = 60_000;
/** The durations a free room offers as buttons (Book 30 min, Book 1 h). */
export const BUTTON_MINUTES = [30, 60] as const;
/** A gap shorter than this before the next booking offers no button at all. */
export const MIN_BOOKING_MINUTES = 10;

/** A span to book, epoch ms: start inclusive, end exclusive. */
export interface Slot {
  start: number;
  end: number;
}

/** One button on a free room: a fixed duration, or "until" the next booking (or the day's limit). */
export type SlotChoice = Slot & ({ kind: 'minutes'; minutes: number } | { kind: 'until' });

export interface BookingLimits {
  /** BOOKING_MAX_MINUTES. */
  maxMinutes: number;
}

/** `instant` rounded down to the minute: a slot starting "now" starts at the minute on the clock. */
export function minuteOf(instant: number): number {
  return Math.floor(instant / MINUTE_MS) * MINUTE_MS;
}

/**
 * The buttons of a room that is free now: each duration that ends by the room's next booking (and by the end of
 * the day), and, when one does not fit, one "until HH:MM" button for the rest of the gap instead.
 */
export function bookingChoices(
  availability: RoomAvailability,
  window: TimeWindow,
  limits: BookingLimits,
): SlotChoice[] {
  if (availability.state !== 'free') return [];
  const start = minuteOf(window.from);
  const gapEnd = Math.min(availability.until ?? window.to, window.to, start + limits.maxMinutes * MINUTE_MS);
  const choices: SlotChoice[] = [];
  let someDidNotFit = false;
  for (const minutes of BUTTON_MINUTES) {
    const end = start + minutes * MINUTE_MS;
    if (end <= gapEnd) choices.push({ kind: 'minutes', minutes, start, end });
    else someDidNotFit = true;
  }
  if (someDidNotFit && gapEnd - start >= MIN_BOOKING_MINUTES * MINUTE_MS)
    choices.push({ kind: 'until', start, end: gapEnd });
  return choices;
}

export type SlotProblem =
  | { problem: 'end_before_start' }
  | { problem: 'in_the_past' }
  | { problem: 'not_today' }
  | { problem: 'too_long'; maxMinutes: number }
  | { problem: 'too_short'; minMinutes: number };

/** Whether `slot` may be booked at `now`: null when it may, else what is wrong with it. */
export function slotProblem(slot: Slot, now: number, timeZone: string, limits: BookingLimits): SlotProblem | null {
  if (!(slot.end > slot.start)) return { problem: 'end_before_start' };
  // The current minute still counts: "14:10-14:40" typed at 14:10:30 is not in the past.
  if (slot.start < minuteOf(now)) return { problem: 'in_the_past' };
  if (slot.end > restOfDay(now, timeZone).to) return { problem: 'not_today' };
  if (slot.end - slot.start > limits.maxMinutes * MINUTE_MS)
    return { problem: 'too_long', maxMinutes: limits.maxMinutes };
  if (slot.end - slot.start < MIN_BOOKING_MINUTES * MINUTE_MS)
    return { problem: 'too_short', minMinutes: MIN_BOOKING_MINUTES };
  return null;
}

/** Whether two spans overlap (touching ends do not). */
export function overlaps(a: Slot, b: Slot): boolean {
  return a.start < b.end && b.start < a.end;
}

// Intl.DateTimeFormat is costly to build; one per zone.
const wallClockFormats = new Map<string, Intl.DateTimeFormat>();

function wallClock(instant: number, timeZone: string): { y: number; mo: number; d: number; h: number; mi: number } {
  let format = wallClockFormats.get(timeZone);
  if (!format)
    wallClockFormats.set(
      timeZone,
      (format = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
      })),
    );
  const parts = format.formatToParts(instant);
  const part = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return { y: part('year'), mo: part('month'), d: part('day'), h: part('hour'), mi: part('minute') };
}

/**
 * The instant at which the clock in `timeZone` reads HH:MM on the day of `now`; 24:00 is the next midnight.
 * Computed from the zone's offset at that time (a second pass settles days whose offset changes).
 */
export function todayAt(now: number, timeZone: string, hour: number, minute: number): number {
  const today = wallClock(now, timeZone);
  const wanted = Date.UTC(today.y, today.mo - 1, today.d, hour, minute);
  let guess = wanted;
  for (let pass = 0; pass < 2; pass += 1) {
    const seen = wallClock(guess, timeZone);
    const seenAsUtc = Date.UTC(seen.y, seen.mo - 1, seen.d, seen.h, seen.mi);
    guess += wanted - seenAsUtc;
  }
  return guess;
}
