// Card callbacks (card.action.trigger) arrive signed, but a signed callback can be replayed byte for byte
// within the timestamp window, and each replay would cost a lookup that bypasses the cache. So each
// callback's event_id is claimed once (in the shared store, so a replay to another replica is caught too):
// a replay gets the first answer back, or "still working" while the first is being answered.
// A click passes the same access policy as a message (bot/access.ts) before anything else is done for it.
import type { CardActionEvent, CardActionResponse, EventEnvelope } from '../protocol/events.js';
import type { Logger } from '../log.js';
import { NO_METRICS, type BotMetrics } from '../metrics.js';
import { decideAccess, type AccessPolicy } from './access.js';
import type { StateStore } from './ports.js';
import type { RoomBot } from './handler.js';
import { strings, toast } from './i18n.js';
import type { BookingClicks } from './booking/clicks.js';

export interface CardActionIntakeOptions {
  bot: Pick<RoomBot, 'handleCardAction'>;
  /** Book and Cancel booking buttons (bot/booking/clicks.ts); other buttons go to the bot. */
  bookings?: BookingClicks;
  store: StateStore;
  /** Who may click: the same policy as for messages. */
  access: AccessPolicy;
  /** How long an answered callback is remembered: the signature's timestamp window (older replays fail it). */
  replayWindowMs: number;
  logger: Logger;
  metrics?: Pick<BotMetrics, 'event' | 'accessRefused'>;
}

export type CardActionIntake = (envelope: EventEnvelope<CardActionEvent>) => Promise<CardActionResponse>;

const IN_PROGRESS = 'in_progress';
/** Feishu's event_id: 32 hex characters; anything unlike an ID is not used as a key. */
const EVENT_ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The answer while a callback is still being answered: to a replay of one in progress (here), and to one the
 * bot could not answer within Feishu's deadline (transports/dispatch.ts).
 */
export const STILL_WORKING: CardActionResponse = { toast: toast('info', strings.toastStillWorking) };

const INVALID_REQUEST: CardActionResponse = { toast: toast('error', strings.toastInvalidRequest) };

/** Neutral: says nothing about who may use the bot where. */
const NOT_AVAILABLE_HERE: CardActionResponse = { toast: toast('info', strings.toastNotAvailableHere) };

export function createCardActionIntake({
  bot,
  bookings,
  store,
  access,
  replayWindowMs,
  logger,
  metrics = NO_METRICS,
}: CardActionIntakeOptions): CardActionIntake {
  return async (envelope) => {
    const eventId = envelope.header.event_id;
    if (!EVENT_ID.test(eventId)) {
      metrics.event('card_action_invalid');
      logger.warn({ outcome: 'invalid', reason: 'event_id' }, 'card action with an impossible event_id refused');
      return INVALID_REQUEST;
    }
    const decision = decideAccess(access, {
      senderTenantKey: envelope.event?.operator?.tenant_key,
      appTenantKey: envelope.header.tenant_key,
      chatId: envelope.event?.context?.open_chat_id,
    });
    if (!decision.allowed) {
      metrics.event('card_action_refused');
      metrics.accessRefused('card_action', decision.reason);
      logger.info(
        {
          event_id: eventId,
          message_id: shortText(envelope.event?.context?.open_message_id),
          chat_id: shortText(envelope.event?.context?.open_chat_id),
          outcome: 'refused',
          reason: decision.reason,
        },
        'card action not answered: refused by the access settings',
      );
      return NOT_AVAILABLE_HERE;
    }
    const key = `card:${eventId}`;
    let first = true;
    try {
      first = await store.setIfAbsent(key, IN_PROGRESS, replayWindowMs);
    } catch (error) {
      // The store is only a guard here: without it the click is still answered.
      logger.warn({ err: error, event_id: eventId }, 'card action replay guard unavailable; answering anyway');
    }
    if (!first) {
      const earlier = await store.get(key).catch(() => undefined);
      metrics.event('card_action_replay');
      logger.warn({ event_id: eventId, outcome: 'replay' }, 'card action already answered; replay not processed');
      return earlier === undefined || earlier === IN_PROGRESS
        ? STILL_WORKING
        : (JSON.parse(earlier) as CardActionResponse);
    }
    metrics.event('card_action');
    const response = (await bookings?.handle(envelope)) ?? (await bot.handleCardAction(envelope.event));
    await store.set(key, JSON.stringify(response), replayWindowMs).catch(() => undefined);
    return response;
  };
}

/** A client-sent ID as logged: strings only, cut to an ID's length. */
function shortText(value: unknown): string | undefined {
  return typeof value === 'string' ? value.slice(0, 64) : undefined;
}
