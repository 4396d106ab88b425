// A bounded in-process queue: the webhook acks as soon as a job is accepted here, and the work runs after.
// Bounded on purpose: when it is full the webhook answers 503 and Feishu re-delivers later, instead of this
// process accumulating work (and memory) it cannot finish.
import type { Logger } from '../log.js';

export type Job = () => Promise<void>;

export interface WorkQueueOptions {
  /** Jobs running at once. */
  concurrency: number;
  /** Accepted jobs waiting for a free slot, at most (running jobs are not counted). */
  maxPending: number;
  logger: Logger;
}

export interface DrainResult {
  /** Every accepted job finished before the timeout. */
  finished: boolean;
  /** Jobs still waiting or running when drain returned. */
  remaining: number;
}

export interface WorkQueue {
  /** Accepts the job, or returns false when the queue is full or draining (the caller answers 503). */
  tryEnqueue(job: Job, label?: string): boolean;
  /** Jobs accepted and waiting for a slot. */
  readonly pending: number;
  /** Jobs running now. */
  readonly running: number;
  /** pending + running. */
  readonly size: number;
  readonly isDraining: boolean;
  /** Stops accepting jobs and waits (at most timeoutMs) until every accepted job has finished. */
  drain(timeoutMs: number): Promise<DrainResult>;
}

interface QueuedJob {
  job: Job;
  label: string | undefined;
}

export function createWorkQueue(options: WorkQueueOptions): WorkQueue {
  const { concurrency, maxPending, logger } = options;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError('concurrency must be a positive integer');
  if (!Number.isInteger(maxPending) || maxPending < 0) throw new RangeError('maxPending must be a non-negative integer');

  // An array used as a FIFO with a moving head: O(1) amortised shift without a dependency.
  let waiting: (QueuedJob | undefined)[] = [];
  let head = 0;
  let running = 0;
  let draining = false;
  const idleWaiters = new Set<() => void>();

  const pendingCount = (): number => waiting.length - head;

  function takeNext(): QueuedJob | undefined {
    if (head >= waiting.length) return undefined;
    const next = waiting[head];
    waiting[head] = undefined; // release the closure for GC
    head += 1;
    if (head > 1024 && head * 2 > waiting.length) {
      waiting = waiting.slice(head);
      head = 0;
    }
    return next;
  }

  function notifyIfIdle(): void {
    if (running === 0 && pendingCount() === 0) {
      for (const resolve of idleWaiters) resolve();
      idleWaiters.clear();
    }
  }

  /** Runs one job; whatever it does (throw, reject), the queue goes on. */
  async function run(item: QueuedJob): Promise<void> {
    try {
      await item.job();
    } catch (error) {
      logger.error({ err: error, job: item.label }, 'queued job failed');
    }
  }

  function pump(): void {
    while (running < concurrency) {
      const item = takeNext();
      if (!item) break;
      running += 1;
      void run(item).finally(() => {
        running -= 1;
        pump();
        notifyIfIdle();
      });
    }
  }

  return {
    tryEnqueue(job, label) {
      if (draining) return false;
      // A free slot takes the job at once; otherwise it waits, if there is room.
      if (running >= concurrency && pendingCount() >= maxPending) return false;
      waiting.push({ job, label });
      pump();
      return true;
    },
    get pending() {
      return pendingCount();
    },
    get running() {
      return running;
    },
    get size() {
      return pendingCount() + running;
    },
    get isDraining() {
      return draining;
    },
    async drain(timeoutMs) {
      draining = true;
      if (running === 0 && pendingCount() === 0) return { finished: true, remaining: 0 };
      let timer: NodeJS.Timeout | undefined;
      let onIdle: (() => void) | undefined;
      const finished = await new Promise<boolean>((resolve) => {
        onIdle = () => resolve(true);
        idleWaiters.add(onIdle);
        timer = setTimeout(() => resolve(false), timeoutMs);
      });
      clearTimeout(timer);
      if (onIdle) idleWaiters.delete(onIdle);
      const remaining = pendingCount() + running;
      if (!finished) logger.warn({ remaining, timeout_ms: timeoutMs }, 'queue drain timed out with jobs unfinished');
      return { finished, remaining };
    },
  };
}
