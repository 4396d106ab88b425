// Between a transport (the webhook, the long connection) and the bot's work. One intake for both:
//
//   accept(envelope)  what a transport calls before it acks: check the IDs, triage (parse once), and
//                     record the message durably (IntakeQueue.add). The transport acks only 'accepted',
//                     'duplicate' and 'ignored'; 'busy' and 'unavailable' become a 503 (Feishu re-delivers).
//   worker            what the queue runs for each record: answer it; a transient failure is retried with
//                     a pause that survives restarts (retry-policy.ts), a permanent one is given up.
//
// Exactly once: a message is recorded under its message_id (Feishu's docs say to de-duplicate on it, not
// on event_id), so a re-delivery finds the record and adds nothing; the record lives until it is answered,
// whoever dies meanwhile. The reply's uuid is derived from message_id, so an answer repeated after a crash
// between "reply posted" and "record finished" is posted by Feishu only once (回复消息: uuid 去重, 1 h).
import { FeishuApiError } from '../errors.js';
import { type EventEnvelope, type MessageReceiveEvent, MESSAGE_RECEIVE } from '../protocol/events.js';
import { isMessageId } from '../protocol/ids.js';
import type { Logger } from '../log.js';
import { NO_METRICS, type BotMetrics } from '../metrics.js';
import { createThrottledLog } from '../throttled-log.js';
import type { AttemptOutcome, BookingJob, IntakeJob, IntakeQueue, JobWorker } from './ports.js';
import type { RoomBot } from './handler.js';
import type { TenantLimiter } from './fairness.js';
import { decideRetry, type RetryPolicy } from './retry-policy.js';
import { isRefusal, triageOutcome } from './triage.js';

export type IntakeOutcome =
  | 'accepted' // recorded: it will be answered even if this process dies now
  | 'duplicate' // already recorded: answered (or being answered) from the first delivery
  | 'ignored' // nothing to answer (another event type, group chatter, a message from an app)
  | 'invalid' // an ID that cannot be Feishu's: refused (400), never used
  | 'busy' // the queue is full: 503, Feishu re-delivers later
  | 'unavailable'; // the store could not record it (Redis down): 503, Feishu re-delivers later

export type Intake = (envelope: EventEnvelope) => Promise<IntakeOutcome>;

export interface IntakeOptions {
  queue: IntakeQueue;
  bot: Pick<RoomBot, 'triage'>;
  logger: Logger;
  metrics?: Pick<BotMetrics, 'event' | 'triage' | 'accessRefused'>;
  now?: () => number;
}

export function createIntake({ queue, bot, logger, metrics = NO_METRICS, now = Date.now }: IntakeOptions): Intake {
  const accept = take(queue, bot, logger, now, metrics);
  return async (envelope) => {
    const outcome = await accept(envelope);
    metrics.event(outcome);
    return outcome;
  };
}

function take(
  queue: IntakeQueue,
  bot: Pick<RoomBot, 'triage'>,
  logger: Logger,
  now: () => number,
  metrics: Pick<BotMetrics, 'triage' | 'accessRefused'>,
): Intake {
  // During a Redis outage every push fails the same way: one line a second says so, with a count.
  const storeFailures = createThrottledLog(logger, { burst: 1 });
  return async (envelope) => {
    const { header } = envelope;
    if (header.event_type !== MESSAGE_RECEIVE) {
      logger.info({ event_id: header.event_id, event_type: header.event_type, outcome: 'ignored' }, 'event ignored');
      return 'ignored';
    }
    const event = envelope.event as MessageReceiveEvent;
    const message = event?.message;
    const messageId: unknown = message?.message_id;
    if (!isMessageId(messageId)) {
      // bounded: the value itself is not logged, only that it was not an ID
      logger.warn(
        { event_id: header.event_id, outcome: 'invalid', reason: 'message_id' },
        'message event with an impossible message_id refused',
      );
      return 'invalid';
    }
    const command = bot.triage(event, header);
    if (command.kind === 'ignore') {
      const fields = {
        event_id: header.event_id,
        message_id: messageId,
        chat_type: message.chat_type,
        outcome: 'ignored',
        reason: command.reason,
      };
      // A refusal (another tenant's sender, a chat not allowed) is info, with the chat to allow; other ignored
      // messages debug: with the group_msg scope that would be a line for every message of every group.
      if (isRefusal(command.reason)) {
        metrics.accessRefused('message', command.reason);
        logger.info({ ...fields, chat_id: message.chat_id }, 'message not answered: refused by the access settings');
      } else logger.debug(fields, 'message handled');
      metrics.triage(command.reason);
      return 'ignored';
    }
    const job = {
      message_id: messageId,
      event_id: header.event_id,
      chat_type: String(message.chat_type),
      command,
      received_at: now(),
      // the tenant of the app's event: every call made for this message is made as that tenant
      ...(typeof header.tenant_key === 'string' && header.tenant_key !== '' ? { tenant_key: header.tenant_key } : {}),
      ...(typeof event.sender?.sender_id?.open_id === 'string'
        ? { sender_open_id: event.sender.sender_id.open_id }
        : {}),
    };
    let added;
    try {
      added = await queue.add(job);
    } catch (error) {
      storeFailures(
        'error',
        'store',
        { err: error, event_id: header.event_id, message_id: messageId, outcome: 'unavailable', store: queue.mode },
        'intake store failed; asking Feishu to re-deliver',
      );
      return 'unavailable';
    }
    switch (added) {
      case 'added':
        metrics.triage(triageOutcome(command));
        return 'accepted';
      case 'duplicate':
        logger.info({ event_id: header.event_id, message_id: messageId, outcome: 'duplicate' }, 'duplicate delivery');
        return 'duplicate';
      case 'full':
        return 'busy';
    }
  };
}

/** Runs a booking job (bot/booking/job.ts); rejects like an answer does (a transient FeishuApiError is retried). */
export interface BookingRunner {
  run(job: BookingJob): Promise<void>;
}

export interface JobWorkerOptions {
  bot: Pick<RoomBot, 'answer'>;
  /** Booking jobs; without it (BOOKING_ENABLED false) a recorded booking is given up. */
  bookings?: BookingRunner;
  retry: RetryPolicy;
  logger: Logger;
  metrics?: Pick<BotMetrics, 'message' | 'retry' | 'deferred'>;
  now?: () => number;
  /** Store app: answers in progress per tenant, and per-tenant rate-limit pauses (bot/fairness.ts). */
  limiter?: TenantLimiter;
}

/** Answers one recorded message; decides what a failure means. Never throws. */
export function createJobWorker({
  bot,
  bookings,
  retry,
  logger,
  metrics = NO_METRICS,
  now = Date.now,
  limiter,
}: JobWorkerOptions): JobWorker {
  const attempt = tryAnswer(bot, bookings, retry, logger, now, limiter);
  return async (job, number) => {
    const admission = limiter?.admit(tenantOf(job));
    if (admission?.kind === 'wait') {
      // back in the queue without a call: the worker is free for other tenants' messages meanwhile
      metrics.deferred(admission.reason);
      return { kind: 'retry', delayMs: admission.delayMs };
    }
    let outcome: AttemptOutcome;
    try {
      outcome = await attempt(job, number);
    } finally {
      if (admission?.kind === 'start') admission.release();
    }
    if (outcome.kind === 'retry') metrics.retry('message');
    else metrics.message(outcome.kind === 'done' ? 'answered' : 'given_up');
    return outcome;
  };
}

/** Without Feishu's x-ogw-ratelimit-reset, a rate-limited tenant pauses this long. */
const RATE_LIMIT_PAUSE_MS = 1_000;

/** The tenant a record is for: a message's event header, or the booking's task. */
function tenantOf(job: IntakeJob): string {
  return (job.kind === 'booking' ? job.task.tenant_key : job.tenant_key) ?? '';
}

function tryAnswer(
  bot: Pick<RoomBot, 'answer'>,
  bookings: BookingRunner | undefined,
  retry: RetryPolicy,
  logger: Logger,
  now: () => number,
  limiter: TenantLimiter | undefined,
): JobWorker {
  return async (job, attempt): Promise<AttemptOutcome> => {
    const fields = { message_id: job.message_id, attempt };
    try {
      if (job.kind !== 'booking') await bot.answer(job);
      else if (bookings) await bookings.run(job);
      else throw new Error('booking job recorded, but booking is disabled (BOOKING_ENABLED)');
      return { kind: 'done' };
    } catch (error) {
      if (!(error instanceof FeishuApiError)) {
        // a bug or bad data, not Feishu: logged as what it is
        logger.error(
          { ...fields, err: error, outcome: 'given_up', reason: 'internal_error' },
          'message not answered: unexpected error while answering',
        );
        return { kind: 'give_up' };
      }
      if (error instanceof FeishuApiError && error.kind === 'rate_limited')
        limiter?.rateLimited(tenantOf(job), error.retryAfterMs ?? RATE_LIMIT_PAUSE_MS);
      if (!(error instanceof FeishuApiError && error.transient)) {
        logger.error(
          { ...fields, err: error, outcome: 'given_up', reason: 'permanent' },
          'message not answered: Feishu refused the reply',
        );
        return { kind: 'give_up' };
      }
      const decision = decideRetry(retry, attempt, now() - job.received_at);
      if (decision.kind === 'give_up') {
        logger.error(
          { ...fields, outcome: 'given_up', reason: 'expired', age_ms: now() - job.received_at },
          'message not answered: retried for as long as allowed (QUEUE_GIVE_UP_AFTER_SECONDS)',
        );
        return { kind: 'give_up' };
      }
      logger.warn({ ...fields, retry_in_ms: decision.delayMs }, 'message not answered yet; trying again');
      return { kind: 'retry', delayMs: decision.delayMs };
    }
  };
}
