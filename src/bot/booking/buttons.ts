// The Book buttons of a room on the lookup card, and what a clicked one sends back (pure, no I/O).
// A JSON 2.0 callback button's value comes back in card.action.trigger's action.value; it came from a client,
// so readBookValue checks it as strictly as a typed command.
import { clockTime, type RoomAvailability } from '../availability.js';
import { callbackButton, markdown, type Element } from '../card-elements.js';
import { isJsonObject } from '../../json.js';
import { formatId } from '../markdown.js';
import type { TimeWindow } from '../ports.js';
import { bookingChoices, type BookingLimits, type SlotChoice } from './slots.js';
import { bookingStrings } from './strings.js';

/** Rooms that get Book buttons on one card, so a long list stays within the card budget. */
export const MAX_BOOKABLE_ROOMS = 10;
const ROOM_ID = /^omm_[A-Za-z0-9]{1,64}$/;
const CUSTOM_ID_MAX = 128;

export interface BookValue {
  action: 'book';
  room_id: string;
  /** The custom_room_id shown on the card. */
  room: string;
  start: number;
  end: number;
}

export interface CancelValue {
  action: 'cancel';
  room_id: string;
  room: string;
  start: number;
  end: number;
  /** Who booked: the only person who may cancel. */
  booker: string;
  calendar_id: string;
  event_id: string;
  key: string;
}

/** A row: the room's ID, then its buttons; undefined when the room is not bookable now. */
export function bookingButtonRow(
  room: { customRoomId: string; roomId: string },
  availability: RoomAvailability,
  window: TimeWindow,
  timeZone: string,
  limits: BookingLimits,
): Element | undefined {
  const choices = bookingChoices(availability, window, limits);
  if (choices.length === 0) return undefined;
  const label = { zh_cn: formatId(room.customRoomId), en_us: formatId(room.customRoomId) };
  const buttons = choices.map((choice) => {
    const value: BookValue = {
      action: 'book',
      room_id: room.roomId,
      room: room.customRoomId,
      start: choice.start,
      end: choice.end,
    };
    return callbackButton(choiceLabel(choice, timeZone), { ...value });
  });
  return {
    tag: 'column_set',
    flex_mode: 'flow',
    horizontal_spacing: 'small',
    columns: [markdown(label), ...buttons].map((element) => ({
      tag: 'column',
      width: 'auto',
      vertical_align: 'center',
      elements: [element],
    })),
  };
}

function choiceLabel(choice: SlotChoice, timeZone: string) {
  return choice.kind === 'minutes'
    ? bookingStrings.bookMinutes(choice.minutes)
    : bookingStrings.bookUntil(clockTime(choice.end, timeZone));
}

function isInstant(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

function isRoomFields(value: Record<string, unknown>): boolean {
  return (
    typeof value.room_id === 'string' &&
    ROOM_ID.test(value.room_id) &&
    typeof value.room === 'string' &&
    value.room.length > 0 &&
    value.room.length <= CUSTOM_ID_MAX &&
    isInstant(value.start) &&
    isInstant(value.end)
  );
}

/** A Book button's value, or undefined when it is not one (or not one we could have sent). */
export function readBookValue(value: unknown): BookValue | undefined {
  if (!isJsonObject(value) || value.action !== 'book' || !isRoomFields(value)) return undefined;
  const { room_id, room, start, end } = value as unknown as BookValue;
  return { action: 'book', room_id, room, start, end };
}

const OPAQUE_ID = /^[A-Za-z0-9_.:@-]{1,160}$/;

/** A Cancel button's value, or undefined. */
export function readCancelValue(value: unknown): CancelValue | undefined {
  if (!isJsonObject(value) || value.action !== 'cancel' || !isRoomFields(value)) return undefined;
  const { booker, calendar_id, event_id, key } = value;
  if (![booker, calendar_id, event_id, key].every((v) => typeof v === 'string' && OPAQUE_ID.test(v))) return undefined;
  const { room_id, room, start, end } = value as unknown as CancelValue;
  return {
    action: 'cancel',
    room_id,
    room,
    start,
    end,
    booker: booker as string,
    calendar_id: calendar_id as string,
    event_id: event_id as string,
    key: key as string,
  };
}
