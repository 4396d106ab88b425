// A click on Book or Cancel booking: checked, recorded as a durable job in the intake, answered at once with a
// toast (Feishu's 3 s). The job (job.ts) does the booking and patches the card. Who may click at all was decided
// before (bot/access.ts, in card-actions.ts); here: is it our button, is the slot still bookable, and for Cancel,
// is it the person who booked. The tenant comes from the envelope's header, decided at the edge.
import type { Logger } from '../../log.js';
import type { CardActionEvent, CardActionResponse, EventEnvelope } from '../../protocol/events.js';
import { strings, toast } from '../i18n.js';
import type { BookingJob, BookingTask, IntakeQueue } from '../ports.js';
import { readBookValue, readCancelValue, type BookValue, type CancelValue } from './buttons.js';
import { bookingIdempotencyKey, bookingJobKey, cancelJobKey } from './key.js';
import { minuteOf, slotProblem, type BookingLimits } from './slots.js';
import { bookingStrings } from './strings.js';

export interface BookingClickOptions {
  queue: Pick<IntakeQueue, 'add'>;
  /** BOOKING_ENABLED. */
  enabled: boolean;
  limits: BookingLimits;
  timeZone: string;
  logger: Logger;
  clock?: () => number;
}

export interface BookingClicks {
  /** The answer to a Book or Cancel click; undefined when the click is neither (another button). */
  handle(envelope: EventEnvelope<CardActionEvent>): Promise<CardActionResponse> | undefined;
}

const OPEN_ID = /^ou_[A-Za-z0-9]{1,64}$/;
const MESSAGE_ID = /^om_[A-Za-z0-9_-]{1,64}$/;

export function createBookingClicks(options: BookingClickOptions): BookingClicks {
  const { queue, enabled, limits, timeZone, logger } = options;
  const clock = options.clock ?? Date.now;

  async function record(job: BookingJob, accepted: CardActionResponse): Promise<CardActionResponse> {
    const fields = { job: job.message_id, event_id: job.event_id, room_id: job.task.room_id, op: job.task.op };
    try {
      switch (await queue.add(job)) {
        case 'added':
          logger.info({ ...fields, outcome: 'accepted' }, 'booking click recorded');
          return accepted;
        case 'duplicate':
          logger.info({ ...fields, outcome: 'duplicate' }, 'booking click already recorded');
          return { toast: toast('info', bookingStrings.toastAlreadyAsked) };
        case 'full':
          return { toast: toast('warning', bookingStrings.toastBusy) };
      }
    } catch (error) {
      logger.error({ ...fields, err: error, outcome: 'unavailable' }, 'booking click could not be recorded');
      return { toast: toast('error', bookingStrings.toastBusy) };
    }
  }

  function context(envelope: EventEnvelope<CardActionEvent>) {
    const event = envelope.event;
    const openId = event?.operator?.open_id;
    const messageId = event?.context?.open_message_id;
    const tenantKey = envelope.header.tenant_key;
    if (typeof openId !== 'string' || !OPEN_ID.test(openId)) return undefined;
    if (typeof messageId !== 'string' || !MESSAGE_ID.test(messageId)) return undefined;
    if (typeof tenantKey !== 'string' || tenantKey === '') return undefined;
    return { openId, messageId, tenantKey, eventId: envelope.header.event_id };
  }

  function book(envelope: EventEnvelope<CardActionEvent>, value: BookValue): Promise<CardActionResponse> {
    const at = context(envelope);
    if (!at) return Promise.resolve({ toast: toast('error', strings.toastInvalidRequest) });
    const now = clock();
    // A card read a while after it was posted: the slot starts now, and still ends where the button said.
    const slot = { start: Math.max(value.start, minuteOf(now)), end: value.end };
    if (slotProblem(slot, now, timeZone, limits))
      return Promise.resolve({ toast: toast('warning', bookingStrings.toastSlotGone) });
    const origin = {
      tenantKey: at.tenantKey,
      messageId: at.messageId,
      roomId: value.room_id,
      start: value.start,
      end: value.end,
    };
    const task: BookingTask = {
      op: 'book',
      tenant_key: at.tenantKey,
      card_message_id: at.messageId,
      room_id: value.room_id,
      room_label: value.room,
      start: slot.start,
      end: slot.end,
      booker_open_id: at.openId,
      // from the button as posted, so every click of it is the same booking
      idempotency_key: bookingIdempotencyKey(origin),
    };
    const job: BookingJob = {
      kind: 'booking',
      message_id: bookingJobKey(origin),
      event_id: at.eventId,
      received_at: now,
      task,
    };
    return record(job, { toast: toast('info', bookingStrings.toastBooking(value.room)) });
  }

  function cancel(envelope: EventEnvelope<CardActionEvent>, value: CancelValue): Promise<CardActionResponse> {
    const at = context(envelope);
    if (!at) return Promise.resolve({ toast: toast('error', strings.toastInvalidRequest) });
    if (at.openId !== value.booker) {
      logger.info({ event_id: at.eventId, outcome: 'refused', reason: 'not_the_booker' }, 'cancel refused');
      return Promise.resolve({ toast: toast('warning', bookingStrings.toastOnlyBooker) });
    }
    const job: BookingJob = {
      kind: 'booking',
      message_id: cancelJobKey(value.key),
      event_id: at.eventId,
      received_at: clock(),
      task: {
        op: 'cancel',
        tenant_key: at.tenantKey,
        card_message_id: at.messageId,
        room_id: value.room_id,
        room_label: value.room,
        start: value.start,
        end: value.end,
        booker_open_id: at.openId,
        idempotency_key: value.key,
        event: { calendar_id: value.calendar_id, event_id: value.event_id },
      },
    };
    return record(job, { toast: toast('info', bookingStrings.toastCancelling(value.room)) });
  }

  return {
    handle(envelope) {
      const raw = envelope.event?.action?.value;
      const bookValue = readBookValue(raw);
      const cancelValue = readCancelValue(raw);
      if (!bookValue && !cancelValue) return undefined;
      if (!enabled) return Promise.resolve({ toast: toast('info', bookingStrings.toastDisabled) });
      if (bookValue) return book(envelope, bookValue);
      return cancelValue ? cancel(envelope, cancelValue) : undefined;
    },
  };
}
