// A full disk in journal mode (no REDIS_URL): the bot runs under a file-size limit (RLIMIT_FSIZE; Node ignores
// SIGXFSZ, so a write past it is short, then EFBIG, as on a full disk). A record that does not land whole is
// not acknowledged (503: Feishu re-delivers), the torn tail is cut before the next record, and after a kill -9
// every acknowledged message is answered exactly once by the restarted bot.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator, type SentMessage } from '../../src/emulator/index.js';
import { JOURNAL_FILE } from '../../src/state/local-queue.js';
import { botEnv, logged, startBotProcess, type BotProcess } from '../helpers/bot-process.js';
import { APP } from '../helpers/stack.js';

let emulator: Emulator | undefined;
let bots: BotProcess[] = [];
afterEach(async () => {
  await Promise.all(bots.map((bot) => bot.kill9()));
  bots = [];
  await emulator?.close();
  emulator = undefined;
});

/** Room for a few records only: the journal fills up after about five messages. */
const FILE_SIZE_LIMIT_BYTES = 1_200;

describe('journal on a full disk', () => {
  it('a record that does not land whole is refused (503), the torn tail is cut, no acknowledged message is lost', async () => {
    // Feishu does not re-deliver what was acked; what it was refused, the test re-delivers itself below
    emulator = await startEmulator({ ...APP, retryDelaysMs: [] });
    const dataDir = mkdtempSync(join(tmpdir(), 'roombot-full-disk-'));
    const env = botEnv(emulator, { DATA_DIR: dataDir });
    const first = await startBotProcess(env, {
      wrapper: ['prlimit', `--fsize=${FILE_SIZE_LIMIT_BYTES}:unlimited`, '--'],
    });
    bots.push(first);
    emulator.setEventTargets(`${first.url}/webhook/event`, `${first.url}/webhook/card`);
    // answers hang: what is accepted stays in the journal until the kill -9
    emulator.faults.inject({ api: 'reply', kind: 'latency', latencyMs: 60_000, times: Infinity });

    const sent: SentMessage[] = [];
    for (let i = 0; i < 12; i += 1) sent.push(await emulator.sendMessage({ text: `/room test01 full${i}` }));
    const refused = sent.filter((s) => !s.acknowledged);
    expect(refused.length, 'pushes refused while the disk is full').toBeGreaterThan(0);
    expect(refused.length).toBeLessThan(sent.length);
    expect(refused.every((s) => s.attempts.every((a) => a.status === 503))).toBe(true);
    expect(logged(first, 'intake store failed; asking Feishu to re-deliver').length).toBeGreaterThan(0);
    const journal = join(dataDir, JOURNAL_FILE);
    expect(readFileSync(journal, 'utf8').endsWith('\n'), 'torn tail cut back').toBe(true);

    // space is back: Feishu re-delivers what was refused
    execFileSync('prlimit', ['--pid', String(first.process.pid), '--fsize=unlimited']);
    for (const s of refused) expect((await emulator.deliverEnvelope(s.envelope)).acknowledged).toBe(true);
    const lines = readFileSync(journal, 'utf8').split('\n').filter(Boolean);
    for (const line of lines) expect(() => JSON.parse(line) as unknown, line.slice(0, 80)).not.toThrow();
    expect(lines).toHaveLength(sent.length);

    await first.kill9();
    emulator.faults.clear();
    const second = await startBotProcess(env);
    bots.push(second);
    await emulator.waitForReplies(sent.length, 15_000);
    for (const s of sent) expect(emulator.repliesTo(s.messageId), s.messageId).toHaveLength(1);
    expect(logged(second, 'intake journal: unreadable lines skipped (a write torn by a crash)')).toHaveLength(0);
  });
});
