// `/room book <room> <HH:MM>-<HH:MM>`: the typed form of a booking (ports injected, no I/O of its own). The
// message's own intake record is the durable job: this resolves the room and the slot, then runs the same
// booking steps as a click (job.ts), replying with the card (its uuid from the message) and patching it. A
// retry or a restart repeats every step without a second effect, the idempotency_key coming from the message.
import type { Logger } from '../../log.js';
import { formatId } from '../markdown.js';
import type { BookingJob, Card, MessageJob, Messenger, RoomDirectory, SyncedDirectory } from '../ports.js';
import { replyUuidFor } from '../reply-uuid.js';
import { buildBookingProblemCard } from './card.js';
import { bookingIdempotencyKey } from './key.js';
import { resolveRoomByName } from './room-by-name.js';
import type { BookCommand } from './parse.js';
import { slotProblem, todayAt, type BookingLimits, type SlotProblem } from './slots.js';
import { bookingStrings as s } from './strings.js';

export interface TypedBookingOptions {
  directory: RoomDirectory;
  /** The synced room directory, to resolve a room given by its name (absent: IDs only). */
  rooms?: { directory: SyncedDirectory; waitMs: number };
  runner: { run(job: BookingJob): Promise<void> };
  messenger: Messenger;
  /** BOOKING_MAX_MINUTES; undefined when BOOKING_ENABLED is false. */
  limits: BookingLimits | undefined;
  timeZone: string;
  logger: Logger;
  clock?: () => number;
}

const ROOM_ID = /^omm_[A-Za-z0-9]{1,64}$/;

function problemText(problem: SlotProblem) {
  switch (problem.problem) {
    case 'end_before_start':
      return s.mdSlotEndBeforeStart;
    case 'in_the_past':
      return s.mdSlotPast;
    case 'not_today':
      return s.mdSlotNotToday;
    case 'too_long':
      return s.mdSlotTooLong(problem.maxMinutes);
    case 'too_short':
      return s.mdSlotTooShort(problem.minMinutes);
  }
}

export function createTypedBooking(options: TypedBookingOptions) {
  const { directory, runner, messenger, limits, timeZone, logger } = options;
  const clock = options.clock ?? Date.now;

  async function refuse(job: MessageJob, card: Card, reason: string): Promise<void> {
    await messenger.replyWithCard(job.message_id, card, replyUuidFor(job.message_id));
    logger.info({ message_id: job.message_id, outcome: 'book_refused', reason }, 'message handled');
  }

  /** The room's room_id: an omm_ ID as it is, a custom ID looked up, else a name the directory knows. */
  async function roomOf(room: string): Promise<{ roomId: string; label: string } | { problem: Card; reason: string }> {
    if (ROOM_ID.test(room)) return { roomId: room, label: room };
    const byCustomId = (await directory.findRoomIds([room])).get(room);
    if (byCustomId) return { roomId: byCustomId, label: room };
    const view = options.rooms ? await options.rooms.directory.view(options.rooms.waitMs) : undefined;
    const resolved = view ? resolveRoomByName(view, room) : { kind: 'none' as const };
    if (resolved.kind === 'one')
      return { roomId: resolved.room.room_id, label: resolved.room.custom_room_id ?? resolved.room.name };
    if (resolved.kind === 'several') {
      const names = resolved.rooms.map((r) => `${formatId(r.custom_room_id ?? r.room_id)} ${r.name}`);
      return {
        problem: buildBookingProblemCard(s.mdRoomAmbiguous(formatId(room), names, resolved.total)),
        reason: 'ambiguous_room',
      };
    }
    return { problem: buildBookingProblemCard(s.mdRoomUnknown(formatId(room))), reason: 'unknown_room' };
  }

  return {
    async answer(job: MessageJob, command: Extract<BookCommand, { kind: 'book' }>): Promise<void> {
      if (!limits) return refuse(job, buildBookingProblemCard(s.mdDisabled), 'disabled');
      const booker = job.sender_open_id;
      const tenantKey = job.tenant_key;
      if (!booker || !tenantKey) return refuse(job, buildBookingProblemCard(s.mdDisabled), 'no_sender');
      // "today" is the day the message came in, in ROOM_TIMEZONE
      const slot = {
        start: todayAt(job.received_at, timeZone, Math.floor(command.from / 60), command.from % 60),
        end: todayAt(job.received_at, timeZone, Math.floor(command.to / 60), command.to % 60),
      };
      const problem = slotProblem(slot, clock(), timeZone, limits);
      if (problem) return refuse(job, buildBookingProblemCard(problemText(problem)), problem.problem);
      const found = await roomOf(command.room);
      if ('problem' in found) return refuse(job, found.problem, found.reason);
      const { roomId } = found;
      const origin = { tenantKey, messageId: job.message_id, roomId, ...slot };
      await runner.run({
        kind: 'booking',
        message_id: job.message_id,
        event_id: job.event_id,
        received_at: job.received_at,
        task: {
          op: 'book',
          tenant_key: tenantKey,
          card_message_id: job.message_id,
          reply_to_message_id: job.message_id,
          room_id: roomId,
          room_label: found.label,
          start: slot.start,
          end: slot.end,
          booker_open_id: booker,
          idempotency_key: bookingIdempotencyKey(origin),
        },
      });
    },
  };
}
