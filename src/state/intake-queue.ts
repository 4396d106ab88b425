// The durable intake: where an accepted message waits until it is answered. One interface, two stores:
// a local journal (one process, the default) and BullMQ on Redis (several replicas). The webhook and the
// long connection ack a message only once `add` has resolved, so from then on a crash cannot lose it.
import type { MessageJob } from '../bot/message-job.js';

export type { MessageJob };

export type AddResult =
  /** Recorded now: it will be answered even if this process dies. */
  | 'added'
  /** Already recorded (a re-delivery): answered, or being answered, from the first record. */
  | 'duplicate'
  /** The store holds as many unanswered messages as it may: ask Feishu to re-deliver later. */
  | 'full';

/** What the worker made of one attempt. */
export type AttemptOutcome =
  | { kind: 'done' }
  /** A transient failure: try again after the pause; the record survives restarts meanwhile. */
  | { kind: 'retry'; delayMs: number }
  /** Nothing more can be done (a permanent error, or retried for as long as allowed); logged by the worker. */
  | { kind: 'give_up' };

/** Answers one message; `attempt` counts from 1. Must not throw (a throw is treated as a retry). */
export type JobWorker = (job: MessageJob, attempt: number) => Promise<AttemptOutcome>;

export interface DrainResult {
  /** Every job that was running when the drain started has finished. */
  finished: boolean;
  /** Jobs still running when the deadline came (they stay recorded and are answered after a restart). */
  remaining: number;
}

export interface IntakeQueueStats {
  /** Ready to run, waiting for a worker slot. */
  waiting: number;
  running: number;
  /** Waiting for their retry pause to end. */
  delayed: number;
  /** How long the oldest unanswered message has waited since it was accepted, ms (undefined when none). */
  oldestAgeMs?: number;
}

export interface IntakeQueue {
  /** Where records live, for logs, metrics and health. */
  readonly mode: 'local' | 'redis';
  /** The store can record now (Redis connected); readiness reports it. */
  readonly reachable: boolean;
  /** Records the job durably; resolves once a crash can no longer lose it. Rejects when the store fails. */
  add(job: MessageJob): Promise<AddResult>;
  /** Starts the workers (recorded jobs from before a restart included). */
  start(worker: JobWorker): void;
  /** Stops accepting, lets running jobs finish until the deadline, then releases files and connections. */
  close(deadlineMs: number): Promise<DrainResult>;
  stats(): Promise<IntakeQueueStats>;
}
