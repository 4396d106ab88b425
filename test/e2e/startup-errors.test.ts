// What an operator sees when the bot cannot start (`node dist/main.js`): one line on stderr that says
// what to change, naming the variable, and exit code 1. And what it does while Feishu cannot be reached.
import { createServer, type Server } from 'node:net';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { describe, expect, it, type TestContext } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { APP } from '../helpers/stack.js';
import { listening, logged, spawnBot, type SpawnedBot } from '../helpers/bot-process.js';

/** Each test its own process (and emulator or blocked port); they run side by side, ended when the test is. */
function start(env: Record<string, string>, context: TestContext): SpawnedBot {
  const bot = spawnBot(env);
  context.onTestFinished(() => void bot.kill9());
  return bot;
}

/** stderr's lines, after the process has exited with `code`. */
async function failedWith(bot: SpawnedBot, code: number): Promise<string[]> {
  expect(await bot.exited).toBe(code);
  return bot.stderr().trim().split('\n');
}

async function busyPort(context: TestContext): Promise<number> {
  const blocker: Server = createServer();
  blocker.listen(0, '127.0.0.1');
  await once(blocker, 'listening');
  context.onTestFinished(() => void blocker.close());
  return (blocker.address() as AddressInfo).port;
}

async function emulatorFor(context: TestContext): Promise<Emulator> {
  const emulator = await startEmulator({ ...APP });
  context.onTestFinished(() => emulator.close());
  return emulator;
}

describe.concurrent('start-up errors', () => {
  it("a wrong app secret: exit 1 with one message naming FEISHU_APP_ID / FEISHU_APP_SECRET and Feishu's code", async (context) => {
    const emulator = await emulatorFor(context);
    const bot = start(
      { FEISHU_APP_ID: APP.appId, FEISHU_APP_SECRET: 'wrong-secret-value', FEISHU_DOMAIN: emulator.url },
      context,
    );
    const stderr = await failedWith(bot, 1);
    expect(stderr).toEqual([
      expect.stringMatching(
        /^Cannot start: Feishu refused the app credentials FEISHU_APP_ID \/ FEISHU_APP_SECRET \(code 10014: app secret invalid/,
      ),
    ]);
    expect(bot.stderr() + bot.logs.join('\n')).not.toContain('wrong-secret-value');
  });

  it('Feishu unreachable: the bot keeps running and retrying; SIGTERM still stops it at once with exit 0', async (context) => {
    const bot = start(
      {
        FEISHU_APP_ID: 'cli_somebody',
        FEISHU_APP_SECRET: 'secret',
        FEISHU_DOMAIN: 'http://127.0.0.1:1',
        FEISHU_MAX_ATTEMPTS: '1',
      },
      context,
    );
    await listening(bot);
    await context.expect
      .poll(() => logged(bot, 'Feishu not reachable at start; trying again').length, { timeout: 5_000 })
      .toBeGreaterThanOrEqual(2);
    bot.process.kill('SIGTERM');
    expect(await bot.exited).toBe(0);
  });

  it('a busy port: one line naming the port and PORT, exit 1', async (context) => {
    const port = await busyPort(context);
    const bot = start({ PORT: String(port) }, context);
    expect(await failedWith(bot, 1)).toEqual([
      `Cannot start: port ${port} (PORT) is already in use on 127.0.0.1 (HOST): stop what listens there or set PORT to a free port`,
    ]);
  });

  it('a busy emulator port in local mode names EMULATOR_PORT', async (context) => {
    const port = await busyPort(context);
    const bot = start({ EMULATOR_PORT: String(port) }, context);
    expect(await failedWith(bot, 1)).toEqual([
      `Cannot start: port ${port} (EMULATOR_PORT) is already in use: stop what listens there or set EMULATOR_PORT to a free port`,
    ]);
  });

  it('a store app with the long connection: one line saying the long connection is for self-built apps, exit 1', async (context) => {
    const bot = start({ FEISHU_APP_TYPE: 'store', FEISHU_EVENT_MODE: 'websocket' }, context);
    const [line, ...rest] = await failedWith(bot, 1);
    expect(rest).toEqual([]);
    expect(line).toMatch(
      /^Configuration error: FEISHU_APP_TYPE=store cannot use FEISHU_EVENT_MODE=websocket: the long connection is for self-built apps only/,
    );
  });

  it('a bad value from the environment: names the variable and shows the value', async (context) => {
    const bot = start({ PORT: 'abc', FEISHU_DOMAIN: 'ftp://nope' }, context);
    const [line, ...rest] = await failedWith(bot, 1);
    expect(rest).toEqual([]);
    expect(line).toMatch(/^Configuration error: /);
    expect(line).toContain('PORT="abc" (server.port): must be a number');
    expect(line).toContain('FEISHU_DOMAIN="ftp://nope" (feishu.domain)');
  });
});
