// The bot as a real process of its own (`src/main.ts` under tsx), pointed at an emulator: for tests that
// kill it (kill -9) or signal it, which an in-process bot cannot stand for.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Emulator } from '../../src/emulator/index.js';
import { APP } from './stack.js';

export interface BotProcess {
  process: ChildProcess;
  url: string;
  /** Every stdout/stderr line so far. */
  logs: string[];
  /** SIGKILL: no drain, no cleanup, as an OOM kill or a lost host. */
  kill9(): Promise<void>;
}

/** The environment of a bot process serving the emulator's app. */
export function botEnv(emulator: Emulator, extra: Record<string, string> = {}): Record<string, string> {
  return {
    FEISHU_APP_ID: APP.appId,
    FEISHU_APP_SECRET: APP.appSecret,
    FEISHU_VERIFICATION_TOKEN: APP.verificationToken,
    FEISHU_ENCRYPT_KEY: APP.encryptKey,
    FEISHU_DOMAIN: emulator.url,
    FEISHU_TIMEOUT_MS: '2000',
    ...extra,
  };
}

/** Starts the bot and resolves with its webhook URL once it listens. */
export async function startBotProcess(env: Record<string, string>): Promise<BotProcess> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`bot did not start:\n${logs.join('\n')}`)), 20_000);
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      logs.push(line);
      try {
        const parsed = JSON.parse(line) as { msg?: string; url?: string };
        if (parsed.msg === 'webhook listening' && parsed.url) {
          clearTimeout(timer);
          resolve(parsed.url);
        }
      } catch {
        // not a log line
      }
    });
    proc.stderr!.on('data', (chunk: Buffer) => logs.push(chunk.toString()));
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`bot exited with ${code}:\n${logs.join('\n')}`));
    });
  });
  return {
    process: proc,
    url,
    logs,
    async kill9() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = once(proc, 'exit');
      proc.kill('SIGKILL');
      await exited;
    },
  };
}
