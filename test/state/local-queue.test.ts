// The local intake queue and its journal file: what is recorded survives a restart, a torn write is
// dropped, retries keep their pause across restarts, the file stays bounded, one process per directory.
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Command } from '../../src/bot/command.js';
import { ConfigError } from '../../src/errors.js';
import type { AttemptOutcome, IntakeJob, IntakeQueue, MessageJob } from '../../src/bot/ports.js';
import { createLocalQueue, JOURNAL_FILE, type LocalQueueOptions } from '../../src/state/local-queue.js';
import { captureLogs } from '../helpers/log-capture.js';

const lookup: Command = { kind: 'lookup', ids: ['test01'] };

function job(n: number, receivedAt = Date.now()): MessageJob {
  return {
    message_id: `om_${String(n).padStart(32, '0')}`,
    event_id: `e${n}`,
    chat_type: 'p2p',
    command: lookup,
    received_at: receivedAt,
  };
}

function freshDir(): string {
  return mkdtempSync(join(tmpdir(), 'roombot-journal-'));
}

async function openQueue(dir: string, options: Partial<LocalQueueOptions> = {}) {
  const logs = captureLogs();
  const queue = await createLocalQueue({
    dir,
    concurrency: 4,
    maxPending: 100,
    dedupeTtlMs: 60_000,
    maxDoneEntries: 1000,
    logger: logs.logger,
    ...options,
  });
  return { queue, logs };
}

/** Starts a worker that records what it was given and answers with `outcome`. */
function recordingWorker(
  queue: IntakeQueue,
  outcome: (job: IntakeJob, attempt: number) => AttemptOutcome = () => ({ kind: 'done' }),
) {
  const seen: { id: string; attempt: number }[] = [];
  queue.start(async (j, attempt) => {
    seen.push({ id: j.message_id, attempt });
    return outcome(j, attempt);
  });
  return seen;
}

const until = async (check: () => boolean, timeoutMs = 2_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

// What every queue does is in queue-contract.ts (run by queues.test.ts); here, what only the journal does.
describe('local intake queue', () => {
  it('drops a write torn by a crash and every line that is not JSON, and answers the rest', async () => {
    const dir = freshDir();
    const lines = [
      JSON.stringify({ op: 'add', job: job(1) }),
      'garbage that is not json',
      JSON.stringify({ op: 'add', job: job(2) }),
      JSON.stringify({ op: 'done', id: job(2).message_id, at: Date.now() }),
    ];
    writeFileSync(join(dir, JOURNAL_FILE), `${lines.join('\n')}\n{"op":"add","job":{"message_id":"om_tor`);
    const { queue, logs } = await openQueue(dir);
    const seen = recordingWorker(queue);
    await until(() => seen.length === 1);
    expect(seen[0]!.id).toBe(job(1).message_id);
    expect(logs.lines.some((l) => l.skipped_lines === 2)).toBe(true);
    // the torn tail was cut off: new lines start on a line of their own
    await queue.add(job(3));
    await queue.close(1_000);
    const text = readFileSync(join(dir, JOURNAL_FILE), 'utf8');
    expect(text).not.toContain('om_tor');
    expect(
      text
        .split('\n')
        .filter(Boolean)
        .every((line) => line === 'garbage that is not json' || JSON.parse(line)),
    ).toBe(true);
  });

  it('recovers a whole record appended to a torn line (journals written before torn tails were cut)', async () => {
    const dir = freshDir();
    const torn = '{"op":"add","job":{"message_id":"om_tor';
    writeFileSync(join(dir, JOURNAL_FILE), `${torn}${JSON.stringify({ op: 'add', job: job(7) })}\n`);
    const { queue, logs } = await openQueue(dir);
    const seen = recordingWorker(queue);
    await until(() => seen.length === 1);
    expect(seen[0]!.id).toBe(job(7).message_id);
    expect(logs.lines.some((l) => l.skipped_lines !== undefined)).toBe(false);
    await queue.close(1_000);
  });

  it('a retry keeps its attempt count and its pause across a restart', async () => {
    const dir = freshDir();
    const { queue } = await openQueue(dir);
    const seen = recordingWorker(queue, () => ({ kind: 'retry', delayMs: 400 }));
    await queue.add(job(1));
    await until(() => seen.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 20)); // the retry line is written after the attempt
    await queue.close(1_000);
    const { queue: restarted } = await openQueue(dir);
    const started = Date.now();
    const after = recordingWorker(restarted);
    expect((await restarted.stats()).delayed).toBe(1);
    await until(() => after.length === 1);
    expect(after[0]!.attempt).toBe(2);
    expect(Date.now() - started).toBeGreaterThan(250);
    await restarted.close(1_000);
  });

  it('answers full once maxPending messages are unanswered, and takes more when they are', async () => {
    const dir = freshDir();
    const { queue } = await openQueue(dir, { maxPending: 2 });
    expect(await queue.add(job(1))).toBe('added');
    expect(await queue.add(job(2))).toBe('added');
    expect(await queue.add(job(3))).toBe('full');
    const seen = recordingWorker(queue);
    await until(() => seen.length === 2);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await queue.add(job(3))).toBe('added');
    await queue.close(1_000);
  });

  it('stays bounded: compaction keeps only what is live, and a restart sees the same state', async () => {
    const dir = freshDir();
    const { queue } = await openQueue(dir, { compactMinBytes: 16 * 1024, maxDoneEntries: 50 });
    const seen = recordingWorker(queue);
    for (let n = 0; n < 600; n += 1) await queue.add(job(n));
    await until(() => seen.length === 600);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await queue.close(1_000);
    // 600 adds and 600 dones are ~250 KB of lines; live: 50 dedupe marks
    expect(statSync(join(dir, JOURNAL_FILE)).size).toBeLessThan(64 * 1024);
    const { queue: restarted } = await openQueue(dir, { maxDoneEntries: 50 });
    expect(await restarted.add(job(599))).toBe('duplicate');
    expect(await restarted.add(job(0))).toBe('added'); // its mark was the oldest, evicted by the cap
    await restarted.close(0);
  });

  it('group commit: a burst of adds shares syncs and every add is in the file when it resolves', async () => {
    const dir = freshDir();
    const { queue } = await openQueue(dir, { maxPending: 1000 });
    const results = await Promise.all(Array.from({ length: 200 }, (_, n) => queue.add(job(n))));
    expect(results.every((r) => r === 'added')).toBe(true);
    const text = readFileSync(join(dir, JOURNAL_FILE), 'utf8');
    expect(text.trim().split('\n')).toHaveLength(200);
    await queue.close(0);
  });

  it('refuses a directory held by another live process, and one already open in this process', async () => {
    const dir = freshDir();
    writeFileSync(join(dir, `${JOURNAL_FILE}.lock`), String(process.ppid));
    await expect(openQueue(dir)).rejects.toThrow(ConfigError);
    await expect(openQueue(dir)).rejects.toThrow(/in use by process .*DATA_DIR/);
    // a lock left by a dead process is taken over
    writeFileSync(join(dir, `${JOURNAL_FILE}.lock`), '999999999');
    const { queue } = await openQueue(dir);
    await expect(openQueue(dir)).rejects.toThrow(/already open in this process/);
    await queue.close(0);
  });

  it('close lets running answers finish within the deadline and keeps the rest recorded', async () => {
    const dir = freshDir();
    const { queue } = await openQueue(dir, { concurrency: 1 });
    let release: () => void = () => {};
    let started = 0;
    queue.start(async () => {
      started += 1;
      return new Promise<AttemptOutcome>((resolve) => (release = () => resolve({ kind: 'done' })));
    });
    await queue.add(job(1));
    await queue.add(job(2));
    expect(await queue.close(100)).toEqual({ finished: false, remaining: 2 });
    expect(started).toBe(1);
    release(); // too late to be recorded: the journal is closed
    const { queue: restarted } = await openQueue(dir);
    const after = recordingWorker(restarted);
    await until(() => after.length === 2);
    await restarted.close(1_000);
  });
});
