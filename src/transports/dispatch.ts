// What every transport does with a verified event, so that the webhook and the long connection take events
// in exactly the same way: one intake, two transports. Each transport only turns the answer into its own
// acknowledgement: the webhook into 200 / 400 / 503, the long connection into the ack frame's code (200, or
// 500 for a refusal, which Feishu treats like a 503: it re-delivers).
import { STILL_WORKING, type CardActionIntake } from '../bot/card-actions.js';
import { strings, toast } from '../bot/i18n.js';
import type { AppEventIntake, AppEventOutcome } from '../bot/app-events.js';
import type { Intake, IntakeOutcome } from '../bot/intake.js';
import {
  CARD_ACTION_TRIGGER,
  type CardActionEvent,
  type CardActionResponse,
  type EventEnvelope,
  type LegacyEvent,
} from '../protocol/events.js';
import type { RejectReason } from '../errors.js';
import type { Logger } from '../log.js';

export type Answer =
  /** Acknowledge: the event is recorded (or is a duplicate, or needs no answer). */
  | { kind: 'ack'; outcome: IntakeOutcome }
  /** Do not acknowledge: 503-like refusals are re-delivered by Feishu later; 400-like ones are never used. */
  | { kind: 'refused'; status: 400 | 503; reason: RejectReason; message: string }
  /** A card callback's answer: it travels in the acknowledgement itself. */
  | { kind: 'card'; response: CardActionResponse };

export type Dispatch = (envelope: EventEnvelope) => Promise<Answer>;

/** A store app's schema 1.0 app event (app_ticket, app_status_change, app_uninstalled) → its answer. */
export type AppEventDispatch = (event: LegacyEvent) => Promise<Answer>;

const APP_EVENT_ANSWERS: Record<AppEventOutcome, Answer> = {
  accepted: { kind: 'ack', outcome: 'accepted' },
  ignored: { kind: 'ack', outcome: 'ignored' },
  unavailable: {
    kind: 'refused',
    status: 503,
    reason: 'store_unavailable',
    message: 'cannot record the app event now; re-deliver later',
  },
};

/** App events are recorded even while draining: a ticket is small, and the other replicas need it. */
export function createAppEventDispatch(onAppEvent: AppEventIntake): AppEventDispatch {
  return async (event) => APP_EVENT_ANSWERS[await onAppEvent(event)];
}

export interface DispatchOptions {
  /** This app's ID: an event or callback addressed to another app (header.app_id) is refused. */
  appId: string;
  onEvent: Intake;
  onCardAction: CardActionIntake;
  /** Whether the process takes events now: started, and not shutting down. */
  readiness: () => { ready: boolean; draining: boolean };
  /** How long onCardAction may take before the callback is answered with cardActionTimeoutResponse. Default CARD_ACTION_TIMEOUT_MS. */
  cardActionTimeoutMs?: number;
  logger: Logger;
}

type Settings = Required<DispatchOptions>;

/** Feishu waits 3 s for a callback's answer, over either transport: leave room for the way back. */
export const CARD_ACTION_TIMEOUT_MS = 2_500;

export const DEFAULT_CARD_ACTION_ERROR_RESPONSE: CardActionResponse = { toast: toast('error', strings.toastFailed) };

// One object per outcome, made once: the webhook's ack path runs tens of thousands of times a second.
const ACKS = {
  accepted: { kind: 'ack', outcome: 'accepted' },
  duplicate: { kind: 'ack', outcome: 'duplicate' },
  ignored: { kind: 'ack', outcome: 'ignored' },
} as const satisfies Partial<Record<IntakeOutcome, Answer>>;

const REFUSALS = {
  draining: { kind: 'refused', status: 503, reason: 'draining', message: 'shutting down; re-deliver later' },
  notReady: { kind: 'refused', status: 503, reason: 'not_ready', message: 'starting; re-deliver later' },
  busy: { kind: 'refused', status: 503, reason: 'busy', message: 'intake queue full; re-deliver later' },
  unavailable: {
    kind: 'refused',
    status: 503,
    reason: 'store_unavailable',
    message: 'cannot record the event now; re-deliver later',
  },
  invalid: {
    kind: 'refused',
    status: 400,
    reason: 'invalid_id',
    message: 'the event carries an ID that is not a Feishu ID',
  },
  foreignApp: {
    kind: 'refused',
    status: 400,
    reason: 'foreign_app',
    message: "the event is for another app (header.app_id is not this app's FEISHU_APP_ID)",
  },
} as const satisfies Record<string, Answer>;

export function createDispatch(options: DispatchOptions): Dispatch {
  const settings: Settings = {
    ...options,
    cardActionTimeoutMs: options.cardActionTimeoutMs ?? CARD_ACTION_TIMEOUT_MS,
  };
  return async (envelope) => {
    // a push signed with our keys but meant for another app (keys shared or leaked) is never acted on
    if (envelope.header.app_id !== settings.appId) return REFUSALS.foreignApp;
    return envelope.header.event_type === CARD_ACTION_TRIGGER
      ? answerCardAction(envelope as EventEnvelope<CardActionEvent>, settings)
      : answerEvent(envelope, settings);
  };
}

/** Events are only taken while the process can take work; Feishu re-delivers what is refused. */
async function answerEvent(envelope: EventEnvelope, options: Settings): Promise<Answer> {
  const { draining, ready } = options.readiness();
  if (draining) return REFUSALS.draining;
  if (!ready) return REFUSALS.notReady;
  const outcome = await options.onEvent(envelope);
  if (outcome === 'busy' || outcome === 'unavailable' || outcome === 'invalid') return REFUSALS[outcome];
  options.logger.debug(
    { event_id: envelope.header.event_id, event_type: envelope.header.event_type, outcome },
    'event acknowledged',
  );
  return ACKS[outcome];
}

/**
 * Feishu waits at most 3 s for a callback answer and never re-sends it (doc: 步骤三：接收回调; the long
 * connection's ack has the same deadline), so a slow handler gets a neutral "still working" toast instead
 * of a client-side error; it keeps running meanwhile. For the same reason callbacks are answered even while
 * draining: a refusal would only show the user an error.
 */
async function answerCardAction(envelope: EventEnvelope<CardActionEvent>, options: Settings): Promise<Answer> {
  const { logger } = options;
  const eventId = envelope.header.event_id;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), options.cardActionTimeoutMs);
  });
  // inside a promise chain, so even a handler that throws synchronously gets the error toast
  const handled = Promise.resolve().then(() => options.onCardAction(envelope));
  try {
    const result = await Promise.race([handled, timedOut]);
    if (result === 'timeout') {
      logger.warn(
        { event_id: eventId, timeout_ms: options.cardActionTimeoutMs },
        'card action slower than the callback deadline; answered with a toast',
      );
      handled.catch((error: unknown) =>
        logger.error({ err: error, event_id: eventId }, 'card action failed after its deadline'),
      );
      return { kind: 'card', response: STILL_WORKING };
    }
    logger.debug({ event_id: eventId }, 'card action answered');
    return { kind: 'card', response: result };
  } catch (error) {
    logger.error({ err: error, event_id: eventId }, 'card action handler failed; answered with an error toast');
    return { kind: 'card', response: DEFAULT_CARD_ACTION_ERROR_RESPONSE };
  } finally {
    clearTimeout(timer);
  }
}
