// One behaviour suite for every IntakeQueue (the local journal, BullMQ on Redis): what is added survives a
// restart, a re-delivery is a duplicate, a retry comes back with its attempt count, close drains.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Command } from '../../src/bot/command.js';
import type { AttemptOutcome, IntakeJob, IntakeQueue, MessageJob } from '../../src/bot/ports.js';

export interface QueueSettings {
  concurrency: number;
  maxPending: number;
}

export interface QueueBacking {
  /** A queue on the backing store (journal directory, Redis prefix): a second call is the same store after a restart. */
  open(settings: QueueSettings): Promise<IntakeQueue>;
  cleanup?: () => Promise<void>;
}

const lookup: Command = { kind: 'lookup', ids: ['test01'] };
const SETTINGS: QueueSettings = { concurrency: 4, maxPending: 100 };

export function queueJob(n: number, receivedAt = Date.now()): MessageJob {
  return {
    message_id: `om_${String(n).padStart(32, '0')}`,
    event_id: `e${n}`,
    chat_type: 'p2p',
    command: lookup,
    received_at: receivedAt,
  };
}

/** Starts a worker that records what it was given and answers with `outcome`; `changed` resolves on each call. */
function recordingWorker(
  queue: IntakeQueue,
  outcome: (job: IntakeJob, attempt: number) => AttemptOutcome | Promise<AttemptOutcome> = () => ({ kind: 'done' }),
) {
  const seen: { id: string; attempt: number }[] = [];
  const waiters: (() => void)[] = [];
  queue.start(async (job, attempt) => {
    seen.push({ id: job.message_id, attempt });
    for (const wake of waiters.splice(0)) wake();
    return outcome(job, attempt);
  });
  /** Resolves once `count` calls were seen (an event, not a poll); fails the test after `timeoutMs`. */
  const calls = async (count: number, timeoutMs = 10_000) => {
    const deadline = Date.now() + timeoutMs;
    while (seen.length < count) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${seen.length} of ${count} worker calls`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        waiters.push(() => (clearTimeout(timer), resolve()));
      });
    }
  };
  return { seen, calls };
}

export function describeIntakeQueueContract(name: string, factory: () => Promise<QueueBacking>): void {
  describe(`IntakeQueue contract: ${name}`, () => {
    let backing: QueueBacking;
    const opened: IntakeQueue[] = [];
    const open = async (settings = SETTINGS) => {
      const queue = await backing.open(settings);
      opened.push(queue);
      return queue;
    };

    beforeEach(async () => {
      backing = await factory();
    });

    afterEach(async () => {
      await Promise.all(opened.splice(0).map((queue) => queue.close(0).catch(() => undefined)));
      await backing.cleanup?.();
    });

    it('a booking job is recorded like a message: a second add of its key is a duplicate; it comes back whole after a restart', async () => {
      const booking: IntakeJob = {
        kind: 'booking',
        message_id: 'book_0123456789abcdef0123456789abcdef01234567',
        event_id: 'e-booking',
        received_at: Date.now(),
        task: {
          op: 'book',
          tenant_key: 'tenant',
          card_message_id: 'om_card',
          room_id: 'omm_room',
          room_label: 'test01',
          start: 1,
          end: 2,
          booker_open_id: 'ou_person',
          idempotency_key: 'k'.repeat(40),
        },
      };
      const queue = await open();
      expect(await queue.add(booking)).toBe('added');
      expect(await queue.add(booking)).toBe('duplicate');
      await queue.close(0);
      const restarted = await open();
      const given: IntakeJob[] = [];
      const { calls } = recordingWorker(restarted, (job) => (given.push(job), { kind: 'done' }));
      await calls(1);
      expect(given).toEqual([booking]);
    });

    it('records before resolving: what was added and not answered is answered after a restart', async () => {
      const queue = await open();
      expect(await queue.add(queueJob(1))).toBe('added');
      expect(await queue.add(queueJob(2))).toBe('added');
      await queue.close(0); // no worker ever ran: the process "dies"
      const worker = recordingWorker(await open());
      await worker.calls(2);
      expect(worker.seen.map((s) => s.id).sort()).toEqual([queueJob(1).message_id, queueJob(2).message_id]);
    });

    it('a re-delivery is a duplicate, before and after the answer and after a restart, and is not answered again', async () => {
      const queue = await open();
      const worker = recordingWorker(queue);
      expect(await queue.add(queueJob(1))).toBe('added');
      expect(await queue.add(queueJob(1))).toBe('duplicate');
      await worker.calls(1);
      expect(await queue.add(queueJob(1))).toBe('duplicate');
      await queue.close(1_000);
      const restarted = await open();
      const after = recordingWorker(restarted);
      expect(await restarted.add(queueJob(1))).toBe('duplicate');
      expect(await restarted.add(queueJob(2))).toBe('added');
      await after.calls(1);
      expect(after.seen).toEqual([{ id: queueJob(2).message_id, attempt: 1 }]);
    });

    it('a retry comes back after its pause with the next attempt number, then is done', async () => {
      const queue = await open();
      const worker = recordingWorker(queue, (_job, attempt) =>
        attempt < 3 ? { kind: 'retry', delayMs: 20 } : { kind: 'done' },
      );
      await queue.add(queueJob(1));
      await worker.calls(3);
      expect(worker.seen.map((s) => s.attempt)).toEqual([1, 2, 3]);
      expect(await queue.add(queueJob(1))).toBe('duplicate');
    });

    it('a message given up is not answered again, and stays a duplicate', async () => {
      const queue = await open();
      const worker = recordingWorker(queue, () => ({ kind: 'give_up' }));
      await queue.add(queueJob(1));
      await worker.calls(1);
      expect(await queue.add(queueJob(1))).toBe('duplicate');
      await queue.add(queueJob(2));
      await worker.calls(2);
      expect(worker.seen.map((s) => s.id)).toEqual([queueJob(1).message_id, queueJob(2).message_id]);
    });

    // What is not running at close may be started by the drain (local) or left for the restart (Redis): either
    // way each message is answered once.
    it('close lets running answers finish within the deadline; the rest is answered once, before or after a restart', async () => {
      const queue = await open({ concurrency: 1, maxPending: 100 });
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      const worker = recordingWorker(queue, async () => (await released, { kind: 'done' }));
      await queue.add(queueJob(1));
      await queue.add(queueJob(2));
      await worker.calls(1);
      const closing = queue.close(5_000);
      release();
      expect(await closing).toEqual({ finished: true, remaining: 0 });
      const after = recordingWorker(await open());
      await after.calls(2 - worker.seen.length);
      const answered = [...worker.seen, ...after.seen].map((s) => s.id);
      expect(answered).toEqual([queueJob(1).message_id, queueJob(2).message_id]);
    });
  });
}
