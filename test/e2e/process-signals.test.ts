// The real process, as it is run in production (`node dist/main.js`) and on a laptop (`npm start`):
// SIGTERM, to whichever process gets it, finishes every accepted event and exits 0 with nothing left
// running; a stdout whose reader has gone does not keep it from exiting.
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { APP } from '../helpers/stack.js';
import {
  botEnv,
  isRunning,
  listening,
  logged,
  processTree,
  spawnBot,
  type SpawnedBot,
} from '../helpers/bot-process.js';

let emulator: Emulator | undefined;
const started: SpawnedBot[] = [];
afterEach(async () => {
  for (const bot of started.splice(0)) for (const pid of processTree(bot.process.pid!)) process.kill(pid, 'SIGKILL');
  await emulator?.close();
  emulator = undefined;
});

function start(env: Record<string, string> = {}, options: Parameters<typeof spawnBot>[1] = {}): SpawnedBot {
  const bot = spawnBot(env, options);
  started.push(bot);
  return bot;
}

async function withEmulator(): Promise<Record<string, string>> {
  emulator = await startEmulator({ ...APP, retryDelaysMs: [] });
  return botEnv(emulator);
}

describe('process lifecycle', () => {
  it('SIGTERM to the node process under load: every accepted message gets its reply, then exit code 0', async () => {
    const bot = start(await withEmulator());
    const url = await listening(bot);
    emulator!.setEventTargets(`${url}/webhook/event`, `${url}/webhook/card`);
    emulator!.faults.inject({ api: 'reply', kind: 'latency', latencyMs: 300, times: Infinity });

    const sent = await Promise.all(
      Array.from({ length: 20 }, (_, i) => emulator!.sendMessage({ text: `/room test01 m${i}` })),
    );
    expect(sent.every((s) => s.acknowledged)).toBe(true);
    expect(emulator!.replies.length).toBeLessThan(20);

    bot.process.kill('SIGTERM');
    expect(await bot.exited).toBe(0);
    for (const s of sent) expect(emulator!.repliesTo(s.messageId)).toHaveLength(1);
    expect(logged(bot, 'stopped')).toHaveLength(1);
  });

  it('npm start runs one bot process in place of the shell: SIGTERM to npm alone stops it, exit 0, nothing left', async () => {
    const bot = start({}, { via: 'npm' });
    await listening(bot);
    const tree = processTree(bot.process.pid!);
    // npm and the bot; the shell that ran the start script exec'd into node.
    expect(tree).toHaveLength(2);

    bot.process.kill('SIGTERM');
    expect(await bot.exited).toBe(0);
    expect(tree.filter(isRunning)).toEqual([]);
    expect(logged(bot, 'stopping')).toEqual([expect.objectContaining({ reason: 'SIGTERM' })]);
  });

  it('npm start: SIGTERM to the whole process group (as a terminal or a supervisor sends it) stops it once, exit 0', async () => {
    const bot = start({}, { via: 'npm', detached: true });
    await listening(bot);
    const tree = processTree(bot.process.pid!);

    process.kill(-bot.process.pid!, 'SIGTERM');
    expect(await bot.exited).toBe(0);
    expect(tree.filter(isRunning)).toEqual([]);
    expect(logged(bot, 'stopped')).toHaveLength(1);
  });

  it('exits within the shutdown deadline when stdout is a pipe whose reader has gone', async () => {
    const bot = start({ ...(await withEmulator()), SHUTDOWN_TIMEOUT_MS: '3000' });
    await listening(bot);
    bot.process.stdout!.destroy();

    const signalled = Date.now();
    bot.process.kill('SIGTERM');
    expect(await bot.exited).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(3000);
  });
});
