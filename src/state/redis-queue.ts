// The intake queue shared by replicas (REDIS_URL): BullMQ on Redis. A job per message, its id the
// message_id, so a second delivery adds nothing; workers on every replica take jobs; a job whose worker
// died (kill -9, OOM, a lost host) is noticed by the stalled-job check of any live replica, or of the
// restarted one, and run again: its lock lasts lockMs and the check runs every stalledCheckMs, so it
// is taken over within lockMs + stalledCheckMs (30 s by default).
//
// Redis down: `add` fails at once (no offline queue) and the webhook answers 503, so Feishu keeps the
// event and re-delivers it later (15 s, 5 min, 1 h, 6 h). Nothing is acked that is not in Redis; what
// was in Redis is answered once Redis is back (Redis must persist: appendonly, see docs/exactly-once.md). Redis must not
// evict (maxmemory-policy noeviction, checked at start and on every reconnect): until it does, the bot is
// not ready and new events get 503. A full Redis with noeviction refuses writes: new events get 503, and
// what was accepted before waits in Redis until there is room. A job whose
// completion could not be recorded is run again, and the reply's uuid keeps Feishu from posting twice.
import { Queue, Worker, type Job } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import { isJsonObject } from '../json.js';
import type { Logger } from '../log.js';
import type { AddResult, DrainResult, IntakeQueue, JobWorker, IntakeJob } from '../bot/ports.js';
import { redactRedisUrl } from './redis.js';
import { evictionProblem, readEvictionPolicy } from './redis-policy.js';

export interface RedisQueueOptions {
  url: string;
  concurrency: number;
  /** Unanswered jobs (all replicas) held at most; beyond it `add` answers 'full'. */
  maxPending: number;
  /** How long a finished job (and so its message_id) is kept, so a re-delivery is recognised. */
  dedupeTtlMs: number;
  /** Redis key prefix (BullMQ's `prefix`): one per app, so apps sharing a Redis keep their jobs apart. */
  prefix: string;
  /** A worker that stops renewing a job's lock for this long is considered dead (config queue.redisLockMs). */
  lockMs: number;
  /** How often a worker looks for jobs whose lock has expired (config queue.redisStalledCheckMs). */
  stalledCheckMs: number;
  logger: Logger;
}

const QUEUE_NAME = 'intake';
/** Stalls tolerated before a job is failed: a message that crashes every worker must not crash them forever. */
const MAX_STALLS = 3;
/** How often the pending count behind `maxPending` is read again (reading it per push would double the cost). */
const COUNT_REFRESH_MS = 1_000;

/** How often a wrong maxmemory-policy is read again. */
const POLICY_RECHECK_MS = 2_000;

/** The longest a closing step waits for Redis before the connections are simply dropped. */
const CLOSE_STEP_MS = 1_000;

/** Waits for `promise` (its failure ignored), or `ms`, whichever comes first. */
async function atMost(ms: number, promise: Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    promise.catch(() => undefined),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))),
  ]);
  clearTimeout(timer);
}

/** A job's data as add() wrote it: what the worker needs to answer it. */
function isIntakeJob(data: unknown): data is IntakeJob {
  if (!isJsonObject(data)) return false;
  if (typeof data.message_id !== 'string' || typeof data.received_at !== 'number') return false;
  return data.kind === 'booking' ? isJsonObject(data.task) : isJsonObject(data.command);
}

/** Thrown by the processor to have BullMQ retry after the pause the worker chose. */
class RetryLater extends Error {
  constructor(readonly delayMs: number) {
    super(`retry in ${delayMs} ms`);
  }
}

function connectionOptions(url: string, overrides: RedisOptions): [string, RedisOptions] {
  return [url, { connectTimeout: 2_000, ...overrides }];
}

export async function createRedisQueue(options: RedisQueueOptions): Promise<IntakeQueue> {
  const { logger, maxPending } = options;
  const where = redactRedisUrl(options.url);
  const { prefix } = options;
  // The producer fails fast (no offline queue, no re-sent command): a push waits on Redis for at most
  // about a second, then gets its 503.
  const producer = new Redis(
    ...connectionOptions(options.url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: 1_000,
      lazyConnect: true,
    }),
  );
  // Workers block on Redis and must wait through an outage (BullMQ requires maxRetriesPerRequest: null).
  const consumer = new Redis(...connectionOptions(options.url, { maxRetriesPerRequest: null, lazyConnect: true }));
  let loggedDown = false;
  let closing = false;
  for (const [role, client] of [
    ['producer', producer],
    ['worker', consumer],
  ] as const) {
    // A lost connection is reported when it closes (a Redis that comes back at once may never raise 'error').
    const down = (error?: Error) => {
      if (!loggedDown && !closing)
        logger.error(
          { ...(error ? { err: error } : {}), redis: where, role },
          'redis unavailable: new events get 503 until it is back',
        );
      loggedDown = true;
    };
    client.on('error', down);
    client.on('close', () => down());
    client.on('ready', () => {
      if (loggedDown) logger.warn({ redis: where, role }, 'redis is back');
      loggedDown = false;
    });
  }
  // The eviction policy, at start and after every reconnect (it may be another Redis, or reconfigured).
  let problem: string | undefined;
  let policyChecked: Promise<void> = Promise.resolve();
  const checkPolicy = (): Promise<void> =>
    (policyChecked = readEvictionPolicy(producer).then(
      (policy) => {
        const found = evictionProblem(policy);
        if (found !== undefined && found !== problem)
          logger.error({ redis: where, maxmemory_policy: policy }, `${found}; the bot is not ready until it is`);
        else if (found === undefined && problem !== undefined)
          logger.warn({ redis: where, maxmemory_policy: policy }, 'Redis maxmemory-policy is noeviction now; ready');
        problem = found;
      },
      (error: unknown) =>
        logger.warn({ err: error, redis: where }, 'could not read the Redis maxmemory-policy (INFO memory)'),
    ));
  producer.on('ready', () => void checkPolicy());
  // while wrong, read again now and then: an operator's CONFIG SET needs no reconnect to make the bot ready
  const recheck = setInterval(() => {
    if (problem !== undefined && producer.status === 'ready') void checkPolicy();
  }, POLICY_RECHECK_MS);
  recheck.unref();
  await producer.connect().catch(() => undefined);
  await consumer.connect().catch(() => undefined);
  await policyChecked;

  const queue = new Queue<IntakeJob>(QUEUE_NAME, { connection: producer, prefix });
  queue.on('error', () => undefined); // connection errors are logged once above
  const keepSeconds = Math.ceil(options.dedupeTtlMs / 1000);
  let worker: Worker<IntakeJob> | undefined;
  let pendingCount = 0;
  let runningHere = 0;
  let countReadAt = -Infinity;

  async function pendingNow(): Promise<number> {
    if (Date.now() - countReadAt >= COUNT_REFRESH_MS) {
      const counts = await queue.getJobCounts('wait', 'active', 'delayed', 'prioritized', 'waiting-children');
      pendingCount = Object.values(counts).reduce((sum, n) => sum + n, 0);
      countReadAt = Date.now();
    }
    return pendingCount;
  }

  return {
    mode: 'redis',
    get reachable() {
      return producer.status === 'ready';
    },
    get problem() {
      return problem;
    },
    async add(job) {
      // nothing is acknowledged into a Redis that may drop it: 503, Feishu re-delivers once it is fixed
      if (problem !== undefined) throw new Error(problem);
      // The first delivery claims a mark; later ones are duplicates. The add below runs for them too: it is
      // idempotent (same jobId), and it covers a first delivery that died between its claim and its add.
      const first =
        (await producer.set(`${prefix}:seen:${job.message_id}`, '1', 'PX', options.dedupeTtlMs, 'NX')) === 'OK';
      if (first && (await pendingNow()) >= maxPending) {
        await producer.del(`${prefix}:seen:${job.message_id}`);
        return 'full';
      }
      await queue.add('message', job, {
        jobId: job.message_id,
        attempts: Number.MAX_SAFE_INTEGER, // the worker gives up by age (retry-policy.ts), not by count
        backoff: { type: 'chosen-by-worker' },
        removeOnComplete: { age: keepSeconds },
        removeOnFail: { age: keepSeconds },
      });
      if (!first) return 'duplicate' satisfies AddResult;
      pendingCount += 1;
      return 'added';
    },
    start(work: JobWorker) {
      worker = new Worker<IntakeJob>(
        QUEUE_NAME,
        async (job: Job<IntakeJob>) => {
          if (!isIntakeJob(job.data)) {
            // only an evicting (or hand-edited) Redis loses a job's data: say so, not "Feishu refused"
            logger.error(
              { message_id: job.id, outcome: 'given_up', reason: 'job_data_missing' },
              'intake job has no message data in Redis (evicted? maxmemory-policy must be noeviction); not answered',
            );
            return 'give_up';
          }
          runningHere += 1;
          try {
            const outcome = await work(job.data, job.attemptsMade + 1);
            if (outcome.kind === 'retry') throw new RetryLater(outcome.delayMs);
            return outcome.kind;
          } finally {
            runningHere -= 1;
          }
        },
        {
          connection: consumer,
          prefix,
          concurrency: options.concurrency,
          lockDuration: options.lockMs,
          stalledInterval: options.stalledCheckMs,
          maxStalledCount: MAX_STALLS,
          settings: {
            backoffStrategy: (_attempts, _type, error) => (error instanceof RetryLater ? error.delayMs : 1_000),
          },
        },
      );
      worker.on('error', () => undefined); // connection errors are logged once above
      worker.on('failed', (job, error) => {
        if (!(error instanceof RetryLater))
          logger.error({ err: error, message_id: job?.id }, 'intake job failed in the queue (stalled too often?)');
      });
    },
    async close(deadlineMs) {
      closing = true;
      clearInterval(recheck);
      let result: DrainResult = { finished: true, remaining: 0 };
      if (worker) {
        const current = worker;
        let timer: NodeJS.Timeout | undefined;
        const finished = await Promise.race([
          current.close().then(() => true),
          new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), deadlineMs))),
        ]);
        clearTimeout(timer);
        // What is still running keeps its record: its lock expires and a live replica takes it over.
        if (!finished) {
          result = { finished: false, remaining: runningHere };
          await atMost(CLOSE_STEP_MS, current.close(true));
        }
      }
      // A Redis that is away (or half away) must not hold the process: each step has a bound, then the sockets go.
      await atMost(CLOSE_STEP_MS, queue.close());
      producer.disconnect();
      consumer.disconnect();
      return result;
    },
    async stats() {
      const counts = await queue.getJobCounts('wait', 'active', 'delayed', 'prioritized');
      // jobs are taken oldest first: the oldest waiting one is at the far end of the wait list
      const [oldest] = await queue.getWaiting(-1, -1);
      return {
        waiting: (counts.wait ?? 0) + (counts.prioritized ?? 0),
        running: counts.active ?? 0,
        delayed: counts.delayed ?? 0,
        ...(oldest ? { oldestAgeMs: Date.now() - oldest.data.received_at } : {}),
      };
    },
  };
}
