// The intake queue of a single process (no REDIS_URL): records in a journal file under DATA_DIR, work
// scheduled in memory. After a crash, `start` answers every message that was accepted and not finished,
// at once (or when its retry pause ends: the pause is recorded too).
//
// Journal lines (replayed in order; replaying one twice changes nothing):
//   {"op":"add","job":{…}}                             accepted: the 200 went out after this was synced
//   {"op":"retry","id":"om_…","attempts":2,"due_at":…}  a transient failure; next attempt not before due_at
//   {"op":"done","id":"om_…","at":…}                    answered or given up; kept as a dedupe mark for dedupeTtlMs
import type { Logger } from '../log.js';
import type { AddResult, AttemptOutcome, DrainResult, IntakeQueue, JobWorker, IntakeJob } from '../bot/ports.js';
import { createJournalFile } from './journal-file.js';
import { isJsonObject } from '../json.js';

export interface LocalQueueOptions {
  /** DATA_DIR: where the journal lives. */
  dir: string;
  /** Jobs answered at once. */
  concurrency: number;
  /** Unanswered messages held at most; beyond it `add` answers 'full' (the webhook's 503). */
  maxPending: number;
  /** How long an answered message_id is remembered, so a re-delivery is recognised. */
  dedupeTtlMs: number;
  /** Dedupe marks kept at most (oldest dropped first). */
  maxDoneEntries: number;
  /** Compaction threshold (see journal-file.ts; tests lower it); COMPACT_MIN_BYTES otherwise. */
  compactMinBytes?: number;
  logger: Logger;
  now?: () => number;
}

type JournalLine =
  | { op: 'add'; job: IntakeJob }
  | { op: 'retry'; id: string; attempts: number; due_at: number }
  | { op: 'done'; id: string; at: number };

interface PendingJob {
  job: IntakeJob;
  /** Attempts made so far. */
  attempts: number;
  dueAt: number;
}

export const JOURNAL_FILE = 'intake.jsonl';

/** The journal is not rewritten below this size: compacting a small file costs more than it frees. */
const COMPACT_MIN_BYTES = 1024 * 1024;

export async function createLocalQueue(options: LocalQueueOptions): Promise<IntakeQueue> {
  const { logger, concurrency, maxPending, dedupeTtlMs, maxDoneEntries } = options;
  const now = options.now ?? Date.now;
  const pending = new Map<string, PendingJob>();
  /** message_id → when it was finished; insertion order is age order. */
  const done = new Map<string, number>();
  const ready: string[] = [];
  const retryTimers = new Map<string, NodeJS.Timeout>();
  let running = 0;
  let worker: JobWorker | undefined;
  let accepting = true;
  let draining = false;
  let idle: (() => void) | undefined;

  const journal = createJournalFile({
    dir: options.dir,
    name: JOURNAL_FILE,
    lineStart: '{"op":',
    compactMinBytes: options.compactMinBytes ?? COMPACT_MIN_BYTES,
    snapshot: () => {
      forgetExpired();
      const lines: JournalLine[] = [];
      for (const [id, at] of done) lines.push({ op: 'done', id, at });
      for (const [id, entry] of pending) {
        lines.push({ op: 'add', job: entry.job });
        if (entry.attempts > 0) lines.push({ op: 'retry', id, attempts: entry.attempts, due_at: entry.dueAt });
      }
      return lines;
    },
  });

  function markDone(id: string, at: number): void {
    done.delete(id);
    done.set(id, at);
    while (done.size > maxDoneEntries) done.delete(done.keys().next().value!);
  }

  function forgetExpired(): void {
    const oldest = now() - dedupeTtlMs;
    for (const [id, at] of done) {
      if (at > oldest) break;
      done.delete(id);
    }
  }

  function replay(line: unknown): boolean {
    if (!isJsonObject(line)) return false;
    const entry = line as JournalLine;
    switch (entry.op) {
      case 'add': {
        const id = entry.job?.message_id;
        if (typeof id !== 'string') return false;
        if (!done.has(id) && !pending.has(id)) pending.set(id, { job: entry.job, attempts: 0, dueAt: 0 });
        return true;
      }
      case 'retry': {
        const job = pending.get(entry.id);
        if (job) Object.assign(job, { attempts: entry.attempts, dueAt: entry.due_at });
        return true;
      }
      case 'done':
        pending.delete(entry.id);
        markDone(entry.id, entry.at);
        return true;
      default:
        return false;
    }
  }

  const opened = await journal.open();
  let unreadable = opened.skipped;
  for (const line of opened.lines) if (!replay(line)) unreadable += 1;
  forgetExpired();
  if (unreadable > 0)
    logger.warn(
      { journal: journal.path, skipped_lines: unreadable },
      'intake journal: unreadable lines skipped (a write torn by a crash)',
    );
  logger.info({ journal: journal.path, unanswered: pending.size, dedupe_marks: done.size }, 'intake journal opened');

  function schedule(id: string, dueAt: number): void {
    const wait = dueAt - now();
    if (wait <= 0) {
      ready.push(id);
      return;
    }
    retryTimers.set(
      id,
      setTimeout(() => {
        retryTimers.delete(id);
        ready.push(id);
        pump();
      }, wait),
    );
  }

  function pump(): void {
    while (worker && running < concurrency && ready.length > 0 && (accepting || draining)) {
      const id = ready.shift()!;
      const entry = pending.get(id);
      if (entry) void run(id, entry, worker);
    }
    if (running === 0 && ready.length === 0) idle?.();
  }

  /** A retry or an answer: losing one costs a retry too early or an answer repeated (the uuid keeps it one post), so no sync of its own. */
  async function record(lines: JournalLine[], what: string, id: string): Promise<void> {
    try {
      await journal.append(lines, { sync: false });
    } catch (error) {
      // Not fatal for the user: the worst case is that the message is answered again after a restart,
      // and the reply's uuid keeps Feishu from posting it twice.
      logger.error({ err: error, message_id: id }, `intake journal: could not record ${what}`);
    }
  }

  async function run(id: string, entry: PendingJob, work: JobWorker): Promise<void> {
    running += 1;
    const attempt = entry.attempts + 1;
    let outcome: AttemptOutcome;
    try {
      outcome = await work(entry.job, attempt);
    } catch (error) {
      logger.error({ err: error, message_id: id }, 'intake worker failed unexpectedly; message given up');
      outcome = { kind: 'give_up' };
    }
    if (outcome.kind === 'retry') {
      entry.attempts = attempt;
      entry.dueAt = now() + outcome.delayMs;
      await record([{ op: 'retry', id, attempts: attempt, due_at: entry.dueAt }], 'a retry', id);
      if (accepting) schedule(id, entry.dueAt);
    } else {
      pending.delete(id);
      const at = now();
      markDone(id, at);
      await record([{ op: 'done', id, at }], 'an answer', id);
    }
    running -= 1;
    pump();
  }

  return {
    mode: 'local',
    reachable: true,
    async add(job) {
      if (!accepting) throw new Error('intake queue is closed');
      const id = job.message_id;
      if (pending.has(id) || done.has(id)) return 'duplicate' satisfies AddResult;
      if (pending.size >= maxPending) return 'full';
      const entry: PendingJob = { job, attempts: 0, dueAt: 0 };
      pending.set(id, entry);
      try {
        await journal.append([{ op: 'add', job }]);
      } catch (error) {
        pending.delete(id);
        throw error;
      }
      // before start(), start() schedules it with everything replayed from the journal
      if (worker) {
        ready.push(id);
        pump();
      }
      return 'added';
    },
    start(work) {
      worker = work;
      for (const [id, entry] of pending) schedule(id, entry.dueAt);
      pump();
    },
    async close(deadlineMs) {
      if (!accepting) return { finished: true, remaining: 0 };
      accepting = false;
      // Ready jobs are still answered while the deadline allows; paused retries stay in the journal.
      draining = true;
      for (const timer of retryTimers.values()) clearTimeout(timer);
      retryTimers.clear();
      let timer: NodeJS.Timeout | undefined;
      const finished = await new Promise<boolean>((resolve) => {
        idle = () => resolve(true);
        timer = setTimeout(() => resolve(false), deadlineMs);
        pump();
      });
      clearTimeout(timer);
      draining = false;
      const result: DrainResult = { finished, remaining: running + ready.length };
      await journal.close();
      return result;
    },
    async stats() {
      let oldest = Infinity;
      for (const entry of pending.values()) oldest = Math.min(oldest, entry.job.received_at);
      return {
        waiting: ready.length,
        running,
        delayed: retryTimers.size,
        ...(oldest === Infinity ? {} : { oldestAgeMs: now() - oldest }),
      };
    },
  };
}
