// The idempotency key of a booking (pure). Derived from where it was asked (the card's message and the button's
// slot, or the typed message), never random: a replayed click, a queue retry or a restart after kill -9 asks
// Feishu with the same key, and 创建日程 answers the event made the first time. The key is tenant-scoped.
import { createHash } from 'node:crypto';

/** 创建日程: idempotency_key must be 32 to 128 characters. */
export const IDEMPOTENCY_KEY_MIN = 32;
export const IDEMPOTENCY_KEY_MAX = 128;

export interface BookingOrigin {
  /** The tenant the app is installed in (the envelope header's tenant_key). */
  tenantKey: string;
  /** The message the booking was asked from: the card's message_id (a click) or the typed command's. */
  messageId: string;
  roomId: string;
  start: number;
  end: number;
}

function digest(origin: BookingOrigin): string {
  const text = [origin.tenantKey, origin.messageId, origin.roomId, origin.start, origin.end].join('\n');
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The event's idempotency_key: "roombot-" and 64 hex digits (72 characters). */
export function bookingIdempotencyKey(origin: BookingOrigin): string {
  return `roombot-${digest(origin)}`;
}

/**
 * The intake's job key: one booking per room per card, so a second click on any Book button of that room
 * (a replay, a double click, Book 1 h after Book 30 min) finds the first job instead of racing it to the card.
 */
export function bookingJobKey(origin: BookingOrigin): string {
  return `book_${digest({ ...origin, start: 0, end: 0 }).slice(0, 40)}`;
}

/** The job key of cancelling the booking whose idempotency_key is given. */
export function cancelJobKey(idempotencyKey: string): string {
  return `cancel_${createHash('sha256').update(idempotencyKey, 'utf8').digest('hex').slice(0, 40)}`;
}
