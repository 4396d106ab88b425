// Is the room free? A room's bookings + the current time + a time zone → what the card says (pure, no I/O).
// Bookings come from meeting_room v1 freebusy/batch_get (查询会议室忙闲); "today" is the calendar day in the
// configured zone (ROOM_TIMEZONE) and times are shown there as HH:MM.
import { perLocale, strings, type LocalizedText } from './i18n.js';
import { formatField } from './markdown.js';
import type { FreeBusyInstance, TimeWindow } from './ports.js';

/** What a room is doing now, and until when today. */
export type RoomAvailability =
  | { state: 'free'; /** Start of its next booking today; absent: free for the rest of the day. */ until?: number }
  | {
      state: 'busy';
      /** End of the bookings that follow one another from now; absent: busy for the rest of the day. */
      until?: number;
      /** Who booked it, when Feishu says so and the bookings running now agree. */
      organizer?: string;
    };

/** 'full' names who booked a busy room; 'short' (long lists) says less, in fewer words. */
export type AvailabilityStyle = 'full' | 'short';

const HOUR_MS = 3_600_000;
/**
 * An end this close to midnight counts as the rest of the day: Feishu ends all-day bookings at 23:59:59
 * (the 查询会议室忙闲 response example), which would otherwise read "busy until 23:59".
 */
const END_OF_DAY_SLACK_MS = 60_000;
/** Longest organizer name shown, in code points. */
const ORGANIZER_MAX = 40;

interface AvailabilityWords {
  freeUntil: (time: string) => LocalizedText;
  freeRestOfDay: LocalizedText;
  busyUntil: (time: string) => LocalizedText;
  busyRestOfDay: LocalizedText;
}

const FULL_WORDS: AvailabilityWords = {
  freeUntil: strings.freeUntil,
  freeRestOfDay: strings.freeRestOfDay,
  busyUntil: strings.busyUntil,
  busyRestOfDay: strings.busyRestOfDay,
};
const SHORT_WORDS: AvailabilityWords = {
  freeUntil: strings.freeUntilShort,
  freeRestOfDay: strings.freeRestOfDayShort,
  busyUntil: strings.busyUntilShort,
  busyRestOfDay: strings.busyRestOfDayShort,
};

interface Booking {
  start: number;
  end: number;
  organizer: string | undefined;
}

// Intl.DateTimeFormat is costly to build and is asked the same few zones over and over.
const dayFormats = new Map<string, Intl.DateTimeFormat>();
const clockFormats = new Map<string, Intl.DateTimeFormat>();

function formatFor(
  cache: Map<string, Intl.DateTimeFormat>,
  timeZone: string,
  options: Intl.DateTimeFormatOptions,
): Intl.DateTimeFormat {
  let format = cache.get(timeZone);
  if (!format) cache.set(timeZone, (format = new Intl.DateTimeFormat('en-US', { ...options, timeZone })));
  return format;
}

/** The calendar day of `instant` in `timeZone`, as a string that differs from day to day. */
function localDay(instant: number, timeZone: string): string {
  return formatFor(dayFormats, timeZone, { year: 'numeric', month: 'numeric', day: 'numeric' }).format(instant);
}

/** `instant` as HH:MM (24-hour clock) in `timeZone`. */
export function clockTime(instant: number, timeZone: string): string {
  const parts = formatFor(clockFormats, timeZone, {
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(instant);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '00';
  return `${part('hour')}:${part('minute')}`;
}

/**
 * From `now` to the first instant of the next day in `timeZone`: the span the card speaks about. Searched
 * rather than computed, so that days of 23 or 25 hours and zones whose clocks skip midnight come out right;
 * no local day lasts 48 hours.
 */
export function restOfDay(now: number, timeZone: string): TimeWindow {
  const today = localDay(now, timeZone);
  // the search costs ~28 formats (~80 µs, measured in the bench's profile); a day's end is the same all day
  const known = nextDayStarts.get(timeZone);
  if (known?.day === today && known.at > now) return { from: now, to: known.at };
  let stillToday = now;
  let nextDay = now + 48 * HOUR_MS;
  while (nextDay - stillToday > 1) {
    const middle = Math.floor((stillToday + nextDay) / 2);
    if (localDay(middle, timeZone) === today) stillToday = middle;
    else nextDay = middle;
  }
  nextDayStarts.set(timeZone, { day: today, at: nextDay });
  return { from: now, to: nextDay };
}

/** The first instant of the day after `day` (a local date), per zone: the last restOfDay searched. */
const nextDayStarts = new Map<string, { day: string; at: number }>();

/** A booking with usable times, or nothing (a time that is not RFC 3339, or an end not after the start). */
function bookingOf(instance: FreeBusyInstance): Booking[] {
  const start = Date.parse(instance.start_time);
  const end = Date.parse(instance.end_time);
  if (!Number.isFinite(start) || !Number.isFinite(end) || end <= start) return [];
  const name = instance.organizer_info?.name?.trim();
  return [{ start, end, organizer: name ? name : undefined }];
}

/** The one organizer every booking running now names; none when a name is missing or they differ. */
function agreedOrganizer(current: readonly Booking[]): string | undefined {
  const first = current[0]?.organizer;
  return current.every((booking) => booking.organizer === first) ? first : undefined;
}

/** Free or busy at `window.from`, and until when before `window.to` (the end of the day). */
export function roomAvailability(instances: readonly FreeBusyInstance[], window: TimeWindow): RoomAvailability {
  const bookings = instances
    .flatMap(bookingOf)
    .filter((booking) => booking.end > window.from && booking.start < window.to)
    .sort((a, b) => a.start - b.start);
  const current = bookings.filter((booking) => booking.start <= window.from);
  if (current.length === 0) return bookings[0] ? { state: 'free', until: bookings[0].start } : { state: 'free' };
  // Busy until the bookings stop following one another (back to back or overlapping).
  let until = Math.max(...current.map((booking) => booking.end));
  for (const booking of bookings) if (booking.start <= until) until = Math.max(until, booking.end);
  const organizer = agreedOrganizer(current);
  return {
    state: 'busy',
    ...(until < window.to - END_OF_DAY_SLACK_MS ? { until } : {}),
    ...(organizer !== undefined ? { organizer } : {}),
  };
}

/** The card's line for a room that is not disabled, in both languages (markdown; the name is escaped). */
export function availabilityLine(
  availability: RoomAvailability,
  timeZone: string,
  style: AvailabilityStyle,
): LocalizedText {
  const until = availability.until === undefined ? undefined : clockTime(availability.until, timeZone);
  const words = style === 'full' ? FULL_WORDS : SHORT_WORDS;
  if (availability.state === 'free') return until === undefined ? words.freeRestOfDay : words.freeUntil(until);
  const state = until === undefined ? words.busyRestOfDay : words.busyUntil(until);
  const organizer =
    style === 'full' && availability.organizer !== undefined ? formatField(availability.organizer, ORGANIZER_MAX) : '';
  if (organizer === '') return state;
  const bookedBy = strings.bookedBy(organizer);
  return perLocale((locale) => `${state[locale]} · ${bookedBy[locale]}`);
}
