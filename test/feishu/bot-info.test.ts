// The bot's identity adapter against the emulator with the real SDK: bot/v3/info read once, in the background;
// a failure logged once and retried with a growing pause until it answers; stop() ends the retries.
import { afterEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import { startBotIdentity, type BotIdentitySource } from '../../src/feishu/bot-info.js';
import type { CallPolicy } from '../../src/feishu/call-with-retry.js';
import { createFeishuClient } from '../../src/feishu/client.js';
import { createTenantTokenProvider } from '../../src/feishu/token.js';
import { captureLogs, type CapturedLogs } from '../helpers/log-capture.js';
import { startTestEmulator, type TestApp } from '../helpers/emulator.js';

let emulator: (Emulator & { app: TestApp }) | undefined;
let source: BotIdentitySource | undefined;
afterEach(async () => {
  source?.stop();
  await emulator?.close();
  emulator = undefined;
});

const UNKNOWN_LINE =
  'bot identity unknown (bot/v3/info failed): in groups only /room commands are answered until it is known; retrying in the background';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function start(
  before: (emulator: Emulator) => void = () => {},
): Promise<{ source: BotIdentitySource; logs: CapturedLogs; calls: () => number[] }> {
  emulator = await startTestEmulator({ botName: 'Rooms' });
  before(emulator);
  const logs = captureLogs();
  const policy: CallPolicy = { maxAttempts: 1, logger: logs.logger };
  const client = createFeishuClient({ ...emulator.app, domain: emulator.url, timeoutMs: 2000, logger: logs.logger });
  const tokens = createTenantTokenProvider(client, emulator.app, policy);
  source = startBotIdentity({
    client,
    tokens,
    policy,
    logger: logs.logger,
    retry: { baseDelayMs: 20, maxDelayMs: 40 },
    random: () => 0.5,
  });
  const calls = () => emulator!.requests.filter((r) => r.path === '/open-apis/bot/v3/info').map((r) => r.status);
  return { source, logs, calls };
}

describe('bot identity (bot/v3/info)', () => {
  it('reads the open_id and name once, with a tenant token, without blocking', async () => {
    const { source, logs, calls } = await start();
    expect(source.current()).toBeUndefined(); // started, not awaited
    expect(await source.known()).toEqual({ openId: emulator!.identity.bot.openId, name: 'Rooms' });
    expect(source.current()).toEqual({ openId: emulator!.identity.bot.openId, name: 'Rooms' });
    await sleep(100);
    expect(calls()).toEqual([200]);
    expect(source.fetchCount).toBe(1);
    expect(emulator!.requests.find((r) => r.path === '/open-apis/bot/v3/info')!.headers.authorization).toMatch(
      /^Bearer t-/,
    );
    expect(
      logs.find({
        msg: 'bot identity known: group messages that @mention the bot are answered',
        bot_open_id: emulator!.identity.bot.openId,
      }),
    ).toHaveLength(1);
  });

  it('when it fails: logs once (with Feishu code and log_id), retries in the background until it answers', async () => {
    const { source, logs, calls } = await start((e) =>
      e.faults.inject({ api: 'bot_info', kind: 'error', code: 99991672, msg: 'Access denied', times: 4 }),
    );
    const identity = await source.known();
    expect(identity.openId).toBe(emulator!.identity.bot.openId);
    expect(calls()).toEqual([400, 400, 400, 400, 200]);
    const warned = logs.find({ msg: UNKNOWN_LINE });
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatchObject({ level: 40, code: 99991672, api: 'bot.info', retry_in_ms: 20 });
    expect(warned[0]!.log_id).toMatch(/\w+/);
    expect(logs.find({ msg: 'bot/v3/info failed again' }).map((line) => line.retry_in_ms)).toEqual([40, 40, 40]); // doubled, capped
    expect(
      logs.find({ msg: 'bot identity known: group messages that @mention the bot are answered', attempts: 5 }),
    ).toHaveLength(1);
  });

  it('takes an answer without bot.open_id for a failure', async () => {
    const { source, logs, calls } = await start((e) =>
      e.faults.inject({ api: 'bot_info', kind: 'error', code: 0, httpStatus: 200, times: 1 }),
    );
    await source.known();
    expect(calls()).toEqual([200, 200]);
    expect(logs.find({ msg: UNKNOWN_LINE })[0]!.err).toMatchObject({
      message: expect.stringContaining('without bot.open_id'),
    });
  });

  it('stop() ends the background retries', async () => {
    const { source, calls } = await start((e) =>
      e.faults.inject({ api: 'bot_info', kind: 'http_500', times: Number.POSITIVE_INFINITY }),
    );
    for (let tries = 0; calls().length < 2 && tries < 100; tries += 1) await sleep(10);
    source.stop();
    const made = calls().length;
    await sleep(150);
    expect(calls().length).toBeLessThanOrEqual(made + 1); // at most the attempt already under way
    expect(source.current()).toBeUndefined();
  });
});
