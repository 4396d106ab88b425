// Between the webhook's ack and the bot's work: de-duplicate, then queue.
//
// Exactly-once, and why it is mark-then-process with a lease:
// - Feishu delivers at least once (retries ~15 s, 5 min, 1 h, 6 h when unacked, and sometimes after a 200),
//   and its docs say to de-duplicate on message_id, not event_id.
// - On arrival we claim `msg:<message_id>` with SET NX and a short lease (processing). Only the claimant
//   (on any replica sharing the store) processes; concurrent and later deliveries are acked as duplicates.
// - When the reply is sent, the mark becomes `done` for dedupe.ttlSeconds (≥ Feishu's 7 h retry window).
// - Feishu rarely re-delivers an event we acked, so a transient failure (the reply could not be posted
//   even after the per-call retries) is retried here, in the same job, after a pause (retryDelaysMs):
//   the user still gets an answer and shutdown's drain waits for it.
// - If processing fails for good, the mark is deleted, so a re-delivery is processed rather than
//   swallowed; a crash mid-way leaves only the lease, which expires. Process-then-mark was rejected:
//   two deliveries racing would both reply.
// - The reply's uuid is derived from message_id, so even if marks are lost (Redis outage, failing open)
//   Feishu itself posts at most one reply per message.
import { FeishuApiError } from '../errors.js';
import type { EventEnvelope, EventHeader, MessageReceiveEvent } from '../feishu/events.js';
import { MESSAGE_RECEIVE } from '../feishu/events.js';
import type { Logger } from '../log.js';
import type { StateStore } from '../state/store.js';

export type IntakeResult = 'accepted' | 'duplicate' | 'ignored' | 'busy';

export interface JobQueue {
  tryEnqueue(job: () => Promise<void>, label?: string): boolean;
}

export interface IntakeOptions {
  store: StateStore;
  queue: JobQueue;
  handleMessage: (event: MessageReceiveEvent, header: EventHeader) => Promise<void>;
  /** Messages the bot will not answer are acked without a dedupe mark or a queue slot. */
  ignoreReason?: (event: MessageReceiveEvent) => string | undefined;
  dedupeTtlMs: number;
  /** How long a claim lasts while processing; must exceed the longest processing (retries included). */
  leaseMs?: number;
  /** Pauses before processing a message again after a transient failure; its length is the number of retries. */
  retryDelaysMs?: readonly number[];
  logger: Logger;
}

/** Worth trying again later: Feishu was busy, down or unreachable, not a permanent refusal. */
function isTransient(error: unknown): boolean {
  return error instanceof FeishuApiError && (error.kind === 'rate_limited' || error.kind === 'unavailable' || error.kind === 'invalid_token');
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const DONE = 'done';
const PROCESSING = 'processing';

export function createEventIntake(options: IntakeOptions): (envelope: EventEnvelope) => Promise<IntakeResult> {
  const { store, queue, handleMessage, dedupeTtlMs, logger } = options;
  const leaseMs = options.leaseMs ?? 10 * 60_000;
  const retryDelaysMs = options.retryDelaysMs ?? [2_000, 10_000, 30_000];

  /** Processes one message, retrying transient failures; true when it was answered. */
  async function answer(event: MessageReceiveEvent, header: EventHeader, messageId: string): Promise<boolean> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        await handleMessage(event, header);
        return true;
      } catch (error) {
        const delay = retryDelaysMs[attempt];
        if (!isTransient(error) || delay === undefined) {
          logger.error({ err: error, message_id: messageId }, 'message not answered; mark released so a re-delivery is processed');
          return false;
        }
        logger.warn({ message_id: messageId, retry_in_ms: delay }, 'message not answered yet; trying again');
        await pause(delay);
      }
    }
  }

  /** Claims the message; if the store itself fails, fail open (the reply uuid still prevents a double post). */
  async function claim(key: string, eventId: string): Promise<boolean> {
    try {
      return await store.setIfAbsent(key, PROCESSING, leaseMs);
    } catch (error) {
      logger.error({ err: error, event_id: eventId }, 'dedupe store failed; processing without a mark');
      return true;
    }
  }

  async function settle(key: string, succeeded: boolean): Promise<void> {
    try {
      if (succeeded) await store.set(key, DONE, dedupeTtlMs);
      else await store.delete(key);
    } catch (error) {
      logger.error({ err: error, key }, 'dedupe store failed while settling a mark');
    }
  }

  return async (envelope) => {
    const { header } = envelope;
    if (header.event_type !== MESSAGE_RECEIVE) {
      logger.info({ event_id: header.event_id, event_type: header.event_type, outcome: 'ignored' }, 'event ignored');
      return 'ignored';
    }
    const event = envelope.event as MessageReceiveEvent;
    const messageId = event?.message?.message_id;
    if (typeof messageId !== 'string' || messageId === '') {
      logger.warn({ event_id: header.event_id, outcome: 'ignored' }, 'message event without message_id');
      return 'ignored';
    }
    // Group chatter (with the group_msg scope, every message of every group arrives here) and messages
    // from apps need no answer, so no mark and no queue slot: ignoring twice is harmless.
    const ignored = options.ignoreReason?.(event);
    if (ignored) {
      // debug, not info: with the group_msg scope this would be a line for every message of every group
      logger.debug({ event_id: header.event_id, message_id: messageId, chat_type: event.message.chat_type, outcome: 'ignored', reason: ignored }, 'message handled');
      return 'ignored';
    }
    const key = `msg:${messageId}`;
    if (!(await claim(key, header.event_id))) {
      logger.info({ event_id: header.event_id, message_id: messageId, outcome: 'duplicate' }, 'duplicate delivery');
      return 'duplicate';
    }
    const accepted = queue.tryEnqueue(async () => {
      await settle(key, await answer(event, header, messageId));
    }, messageId);
    if (!accepted) {
      await settle(key, false);
      logger.warn({ event_id: header.event_id, message_id: messageId, outcome: 'busy' }, 'queue full; asking Feishu to re-deliver');
      return 'busy';
    }
    return 'accepted';
  };
}
