// The real process (`tsx src/main.ts`): SIGTERM under load finishes every accepted event, then exits 0.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { APP } from '../helpers/stack.js';

let emulator: Emulator | undefined;
let child: ChildProcess | undefined;
afterEach(async () => {
  child?.kill('SIGKILL');
  await emulator?.close();
});

/** Starts the bot as its own process and resolves with its webhook URL once it listens. */
async function startBotProcess(env: Record<string, string>): Promise<{ process: ChildProcess; url: string; logs: string[] }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { ...process.env, ...env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`bot did not start:\n${logs.join('\n')}`)), 20_000);
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      logs.push(line);
      const parsed = JSON.parse(line) as { msg?: string; url?: string };
      if (parsed.msg === 'webhook listening' && parsed.url) {
        clearTimeout(timer);
        resolve(parsed.url);
      }
    });
    proc.stderr!.on('data', (chunk: Buffer) => logs.push(chunk.toString()));
    proc.once('exit', (code) => reject(new Error(`bot exited with ${code}:\n${logs.join('\n')}`)));
  });
  return { process: proc, url, logs };
}

describe('process lifecycle', () => {
  it('SIGTERM under load: every accepted message gets its reply, then exit code 0', async () => {
    emulator = await startEmulator({ ...APP, retryDelaysMs: [] });
    const bot = await startBotProcess({
      FEISHU_APP_ID: APP.appId,
      FEISHU_APP_SECRET: APP.appSecret,
      FEISHU_VERIFICATION_TOKEN: APP.verificationToken,
      FEISHU_ENCRYPT_KEY: APP.encryptKey,
      FEISHU_DOMAIN: emulator.url,
    });
    child = bot.process;
    emulator.setEventTargets(`${bot.url}/webhook/event`, `${bot.url}/webhook/card`);
    emulator.faults.inject({ api: 'reply', kind: 'latency', latencyMs: 300, times: Infinity });

    const sent = await Promise.all(Array.from({ length: 20 }, (_, i) => emulator!.sendMessage({ text: `/room test01 m${i}` })));
    expect(sent.every((s) => s.acknowledged)).toBe(true);
    expect(emulator.replies.length).toBeLessThan(20);

    const exited = once(bot.process, 'exit');
    bot.process.kill('SIGTERM');
    const [code] = (await exited) as [number | null];
    expect(code).toBe(0);
    for (const s of sent) expect(emulator.repliesTo(s.messageId)).toHaveLength(1);
    expect(bot.logs.some((line) => line.includes('"msg":"stopped"'))).toBe(true);
  });

  it('a bad configuration stops the start with a message naming the key', async () => {
    const proc = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { ...process.env, PORT: 'not-a-port', FEISHU_DOMAIN: 'ftp://nope' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    proc.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(proc, 'exit')) as [number | null];
    expect(code).toBe(1);
    expect(stderr).toMatch(/server\.port \(PORT\)/);
    expect(stderr).toMatch(/feishu\.domain \(FEISHU_DOMAIN\)/);
  });
});
