import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createWorkQueue } from '../../src/bot/work-queue.js';
import { createLogger } from '../../src/log.js';

function memoryLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  return { logger: createLogger('debug', stream), lines };
}

/** A job that runs until the test releases it. */
function gate() {
  let release!: () => void;
  let started = false;
  const done = new Promise<void>((resolve) => (release = resolve));
  const job = async () => {
    started = true;
    await done;
  };
  return { job, release, get started() { return started; } };
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('work queue', () => {
  it('runs at most `concurrency` jobs at once and starts waiting ones as slots free up', async () => {
    const { logger } = memoryLogger();
    const queue = createWorkQueue({ concurrency: 2, maxPending: 10, logger });
    const gates = [gate(), gate(), gate()];
    for (const g of gates) expect(queue.tryEnqueue(g.job)).toBe(true);
    await tick();
    expect(gates.map((g) => g.started)).toEqual([true, true, false]);
    expect(queue.running).toBe(2);
    expect(queue.pending).toBe(1);
    expect(queue.size).toBe(3);
    gates[0]!.release();
    await tick();
    expect(gates[2]!.started).toBe(true);
    expect(queue.running).toBe(2);
    expect(queue.pending).toBe(0);
    gates[1]!.release();
    gates[2]!.release();
    expect(await queue.drain(5_000)).toEqual({ finished: true, remaining: 0 });
  });

  it('refuses a job when every slot is busy and maxPending jobs wait', async () => {
    const { logger } = memoryLogger();
    const queue = createWorkQueue({ concurrency: 1, maxPending: 2, logger });
    const gates = [gate(), gate(), gate(), gate()];
    expect(gates.map((g) => queue.tryEnqueue(g.job))).toEqual([true, true, true, false]);
    expect(queue.size).toBe(3);
    gates[0]!.release();
    await tick();
    // one slot of the waiting line is free again
    expect(queue.tryEnqueue(gates[3]!.job)).toBe(true);
    for (const g of gates) g.release();
    expect((await queue.drain(5_000)).finished).toBe(true);
  });

  it('drain stops accepting and waits for every accepted job, waiting ones included', async () => {
    const { logger } = memoryLogger();
    const queue = createWorkQueue({ concurrency: 1, maxPending: 5, logger });
    const finished: number[] = [];
    const first = gate();
    queue.tryEnqueue(async () => {
      await first.job();
      finished.push(1);
    });
    queue.tryEnqueue(async () => {
      finished.push(2);
    });
    const draining = queue.drain(5_000);
    expect(queue.isDraining).toBe(true);
    expect(
      queue.tryEnqueue(async () => {
        finished.push(3);
      }),
    ).toBe(false);
    await tick();
    expect(finished).toEqual([]);
    first.release();
    expect(await draining).toEqual({ finished: true, remaining: 0 });
    expect(finished).toEqual([1, 2]);
  });

  it('drain gives up after its timeout and reports what is left', async () => {
    const { logger, lines } = memoryLogger();
    const queue = createWorkQueue({ concurrency: 1, maxPending: 5, logger });
    const stuck = gate();
    queue.tryEnqueue(stuck.job);
    queue.tryEnqueue(async () => {});
    expect(await queue.drain(20)).toEqual({ finished: false, remaining: 2 });
    expect(lines.some((l) => l.msg === 'queue drain timed out with jobs unfinished' && l.remaining === 2)).toBe(true);
    stuck.release();
  });

  it('contains a job that throws or rejects: logged with its label, and the queue goes on', async () => {
    const { logger, lines } = memoryLogger();
    const queue = createWorkQueue({ concurrency: 1, maxPending: 5, logger });
    const ran: string[] = [];
    queue.tryEnqueue(() => {
      throw new Error('sync boom');
    }, 'om_sync');
    queue.tryEnqueue(async () => {
      throw new Error('async boom');
    }, 'om_async');
    queue.tryEnqueue(async () => {
      ran.push('after');
    });
    expect(await queue.drain(5_000)).toEqual({ finished: true, remaining: 0 });
    expect(ran).toEqual(['after']);
    const failures = lines.filter((l) => l.msg === 'queued job failed');
    expect(failures.map((l) => l.job)).toEqual(['om_sync', 'om_async']);
    expect(failures.map((l) => (l.err as { message: string }).message)).toEqual(['sync boom', 'async boom']);
    expect(failures.every((l) => l.level === 50)).toBe(true);
  });

  it('drain on an idle queue returns at once', async () => {
    const { logger } = memoryLogger();
    const queue = createWorkQueue({ concurrency: 3, maxPending: 0, logger });
    expect(await queue.drain(5_000)).toEqual({ finished: true, remaining: 0 });
    expect(queue.tryEnqueue(async () => {})).toBe(false);
  });

  it('with maxPending 0 accepts exactly `concurrency` jobs', async () => {
    const { logger } = memoryLogger();
    const queue = createWorkQueue({ concurrency: 2, maxPending: 0, logger });
    const gates = [gate(), gate(), gate()];
    expect(gates.map((g) => queue.tryEnqueue(g.job))).toEqual([true, true, false]);
    for (const g of gates) g.release();
    expect((await queue.drain(5_000)).finished).toBe(true);
  });
});
