// Runs one booking job from the intake (ports injected; no I/O of its own). Every step can be repeated after a
// crash or a retry without a second effect, which is what makes a kill -9 at any point finish exactly once:
//   1. the app's primary calendar (cached per tenant);
//   2. free/busy of the room just before, so a slot taken meanwhile is refused with who holds it until when
//      (a nameless booking of exactly this slot is taken for ours, made by an attempt that died);
//   3. the event, with the idempotency_key derived from the click: a repeat answers the same event;
//   4. the attendees (the person, and the room with operate_id): adding them again changes nothing;
//   5. the room's rsvp_status polled, backing off, until accept or decline (booking rooms is asynchronous);
//   6. on a decline, an approval-only room or no answer, the event is deleted; then the card is patched.
// A transient failure (rate limit, 5xx, network) throws: the queue retries the job from step 1.
import { FeishuApiError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { SCOPE_ROOM_READ } from '../i18n.js';
import type {
  BookingCalendar,
  BookingJob,
  BookingTask,
  CalendarEventRef,
  Card,
  CardPatcher,
  FreeBusyInstance,
  Messenger,
  RoomCalendar,
  RsvpStatus,
} from '../ports.js';
import { replyUuidFor } from '../reply-uuid.js';
import type { CancelValue } from './buttons.js';
import { buildBookingCard, type BookingCardState, type FailureReason } from './card.js';
import { overlaps, type Slot } from './slots.js';
import { bookingStrings, SCOPE_CALENDAR } from './strings.js';

/** How the room's answer is awaited: first pause, longest pause, and how long in all before giving up. */
export interface RsvpPolling {
  firstDelayMs: number;
  maxDelayMs: number;
  maxWaitMs: number;
}

export const DEFAULT_RSVP_POLLING: RsvpPolling = { firstDelayMs: 250, maxDelayMs: 4_000, maxWaitMs: 60_000 };

export interface BookingRunnerOptions {
  calendar: BookingCalendar;
  /** Free/busy of rooms (meeting_room freebusy/batch_get), read again just before booking. */
  rooms: RoomCalendar;
  patcher: CardPatcher;
  /** For a typed /room book: the first card is a reply. */
  messenger: Messenger;
  timeZone: string;
  logger: Logger;
  clock?: () => number;
  polling?: RsvpPolling;
  sleep?: (ms: number) => Promise<void>;
}

type Outcome = { status: 'booked'; event: CalendarEventRef } | { status: 'failed'; failure: FailureReason };

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createBookingRunner(options: BookingRunnerOptions): { run(job: BookingJob): Promise<void> } {
  const { calendar, rooms, patcher, messenger, timeZone, logger } = options;
  const clock = options.clock ?? Date.now;
  const polling = options.polling ?? DEFAULT_RSVP_POLLING;
  const sleep = options.sleep ?? defaultSleep;

  function cardOf(task: BookingTask, state: BookingCardState): Card {
    return buildBookingCard(
      { room: task.room_label, slot: { start: task.start, end: task.end }, timeZone, person: task.booker_open_id },
      state,
    );
  }

  /**
   * The message whose card shows the outcome, marked pending: the card clicked (patched here rather than in the
   * click's answer, so that no answer can land after the outcome), or for a typed command a reply posted once.
   */
  async function cardMessage(task: BookingTask): Promise<string> {
    const pending = cardOf(task, { status: 'pending' });
    if (!task.reply_to_message_id) {
      if (task.op === 'book') await patcher.patchCard(task.card_message_id, pending);
      return task.card_message_id;
    }
    const posted = await messenger.replyWithCard(
      task.reply_to_message_id,
      pending,
      replyUuidFor(task.reply_to_message_id),
    );
    return posted.message_id ?? task.card_message_id;
  }

  /** Bookings in the room that clash with the slot, leaving out one that is ours from an earlier attempt. */
  async function clashes(task: BookingTask, slot: Slot): Promise<FreeBusyInstance[]> {
    const answer = await rooms.getFreeBusy([task.room_id], { from: slot.start, to: slot.end }, { bypassCache: true });
    return (answer.get(task.room_id) ?? []).filter((instance) => {
      const booked = { start: Date.parse(instance.start_time), end: Date.parse(instance.end_time) };
      const ours = booked.start === slot.start && booked.end === slot.end && !instance.organizer_info?.name;
      return !ours && overlaps(booked, slot);
    });
  }

  async function awaitRoom(event: CalendarEventRef, roomId: string): Promise<RsvpStatus | undefined> {
    const deadline = clock() + polling.maxWaitMs;
    let delay = polling.firstDelayMs;
    for (;;) {
      const status = await calendar.roomStatus(event, roomId);
      if (status !== 'needs_action') return status;
      if (clock() + delay > deadline) return 'needs_action';
      await sleep(delay);
      delay = Math.min(polling.maxDelayMs, delay * 2);
    }
  }

  async function book(task: BookingTask): Promise<Outcome> {
    const slot = { start: task.start, end: task.end };
    if (slot.end <= clock()) return { status: 'failed', failure: { reason: 'past' } };
    const calendarId = await calendar.primaryCalendarId(task.tenant_key);
    const taken = await clashes(task, slot).catch((error: unknown) => {
      throw scoped(error, SCOPE_ROOM_READ);
    });
    if (taken.length > 0) {
      const until = Math.max(...taken.map((instance) => Date.parse(instance.end_time)));
      const by = taken.find((instance) => instance.organizer_info?.name)?.organizer_info?.name;
      return { status: 'failed', failure: { reason: 'taken', until, ...(by !== undefined ? { by } : {}) } };
    }
    const event = await calendar.createEvent(calendarId, {
      summary: bookingStrings.summaryEvent(task.room_label),
      description: bookingStrings.descriptionEvent(task.room_label, task.booker_open_id),
      start: slot.start,
      end: slot.end,
      idempotencyKey: task.idempotency_key,
    });
    const added = await calendar
      .addAttendees(event, { openId: task.booker_open_id, roomId: task.room_id })
      .catch(async (error: unknown) => {
        if (isPermanent(error)) await calendar.deleteEvent(event);
        throw error;
      });
    if (added === 'needs_approval') {
      await calendar.deleteEvent(event);
      return { status: 'failed', failure: { reason: 'approval_required' } };
    }
    const status = await awaitRoom(event, task.room_id);
    if (status === 'accept') return { status: 'booked', event };
    await calendar.deleteEvent(event);
    return { status: 'failed', failure: { reason: status === 'needs_action' ? 'no_answer' : 'declined' } };
  }

  async function runBook(task: BookingTask, messageId: string): Promise<Outcome> {
    let outcome: Outcome;
    try {
      outcome = await book(task);
    } catch (error) {
      const failure = permanentFailure(error);
      if (!failure) throw error;
      logFailure(logger, error, messageId);
      outcome = { status: 'failed', failure };
    }
    const state: BookingCardState =
      outcome.status === 'booked' ? { status: 'booked', cancel: cancelValue(task, outcome.event) } : outcome;
    await patcher.patchCard(messageId, cardOf(task, state));
    return outcome;
  }

  async function runCancel(task: BookingTask, messageId: string): Promise<void> {
    if (task.event) await calendar.deleteEvent(task.event);
    await patcher.patchCard(messageId, cardOf(task, { status: 'cancelled' }));
  }

  return {
    async run(job) {
      const started = clock();
      const { task } = job;
      const messageId = await cardMessage(task);
      const fields = {
        job: job.message_id,
        event_id: job.event_id,
        message_id: messageId,
        tenant_key: task.tenant_key,
        room_id: task.room_id,
        op: task.op,
      };
      if (task.op === 'cancel') {
        await runCancel(task, messageId);
        logger.info({ ...fields, outcome: 'cancelled', duration_ms: clock() - started }, 'booking handled');
        return;
      }
      const outcome = await runBook(task, messageId);
      logger.info(
        {
          ...fields,
          outcome: outcome.status,
          ...(outcome.status === 'failed' ? { reason: outcome.failure.reason } : { event: outcome.event.event_id }),
          duration_ms: clock() - started,
        },
        'booking handled',
      );
    },
  };
}

function cancelValue(task: BookingTask, event: CalendarEventRef): CancelValue {
  return {
    action: 'cancel',
    room_id: task.room_id,
    room: task.room_label,
    start: task.start,
    end: task.end,
    booker: task.booker_open_id,
    calendar_id: event.calendar_id,
    event_id: event.event_id,
    key: task.idempotency_key,
  };
}

/** A FeishuApiError that retrying will not cure. */
function isPermanent(error: unknown): boolean {
  return error instanceof FeishuApiError && (error.kind === 'permission' || error.kind === 'rejected');
}

/** Marks a permission failure of a call that needs another scope than the calendar's. */
class ScopedFailure extends Error {
  constructor(
    readonly scope: string,
    override readonly cause: FeishuApiError,
  ) {
    super(cause.message);
  }
}

function scoped(error: unknown, scope: string): unknown {
  return error instanceof FeishuApiError && error.kind === 'permission' ? new ScopedFailure(scope, error) : error;
}

/** What the card says for a failure retrying will not cure; undefined for one worth retrying. */
function permanentFailure(error: unknown): FailureReason | undefined {
  if (error instanceof ScopedFailure) return { reason: 'permission', scope: error.scope };
  if (!(error instanceof FeishuApiError)) return undefined;
  if (error.kind === 'permission') return { reason: 'permission', scope: SCOPE_CALENDAR };
  if (error.kind === 'rejected') return { reason: 'rejected' };
  return undefined;
}

function logFailure(logger: Logger, error: unknown, messageId: string): void {
  const cause = error instanceof ScopedFailure ? error.cause : error;
  if (cause instanceof FeishuApiError)
    logger.warn({ message_id: messageId, ...cause.toLog() }, 'booking refused by Feishu');
}
