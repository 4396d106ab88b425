// Between the webhook's ack and the bot's work: de-duplicate, then queue.
//
// Exactly-once, and why it is mark-then-process with a lease:
// - Feishu delivers at least once (retries ~15 s, 5 min, 1 h, 6 h when unacked, and sometimes after a 200),
//   and its docs say to de-duplicate on message_id, not event_id.
// - On arrival we claim `msg:<message_id>` with SET NX and a short lease (processing). Only the claimant
//   (on any replica sharing the store) processes; concurrent and later deliveries are acked as duplicates.
// - When the reply is sent, the mark becomes `done` for dedupe.ttlSeconds (≥ Feishu's 7 h retry window).
// - If processing fails for good (the reply could not be posted even after retries), the mark is
//   deleted, so a re-delivery is processed rather than swallowed; a crash mid-way leaves only the lease,
//   which expires. Process-then-mark was rejected: two deliveries racing would both reply.
// - The reply's uuid is derived from message_id, so even if marks are lost (Redis outage, failing open)
//   Feishu itself posts at most one reply per message.
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
  dedupeTtlMs: number;
  /** How long a claim lasts while processing; must exceed the longest processing (retries included). */
  leaseMs?: number;
  logger: Logger;
}

const DONE = 'done';
const PROCESSING = 'processing';

export function createEventIntake(options: IntakeOptions): (envelope: EventEnvelope) => Promise<IntakeResult> {
  const { store, queue, handleMessage, dedupeTtlMs, logger } = options;
  const leaseMs = options.leaseMs ?? 10 * 60_000;

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
    const key = `msg:${messageId}`;
    if (!(await claim(key, header.event_id))) {
      logger.info({ event_id: header.event_id, message_id: messageId, outcome: 'duplicate' }, 'duplicate delivery');
      return 'duplicate';
    }
    const accepted = queue.tryEnqueue(async () => {
      let succeeded = false;
      try {
        await handleMessage(event, header);
        succeeded = true;
      } catch (error) {
        logger.error({ err: error, message_id: messageId }, 'message not answered; mark released so a re-delivery is processed');
      } finally {
        await settle(key, succeeded);
      }
    }, messageId);
    if (!accepted) {
      await settle(key, false);
      logger.warn({ event_id: header.event_id, message_id: messageId, outcome: 'busy' }, 'queue full; asking Feishu to re-deliver');
      return 'busy';
    }
    return 'accepted';
  };
}
