// The bot as a real process of its own, run the way operators run it: `node dist/main.js` (the production
// command) or `npm start`. For tests that signal it, kill it (kill -9) or watch it fail to start, which an
// in-process bot cannot stand for. dist/ is built by test/global-setup.ts.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Emulator } from '../../src/emulator/index.js';
import { APP } from './stack.js';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface SpawnedBot {
  readonly process: ChildProcess;
  /** stdout lines as they come (JSON log lines; under `npm start` npm's own lines too). */
  readonly logs: string[];
  stderr(): string;
  /** Resolves with the exit code (null when a signal ended it). */
  readonly exited: Promise<number | null>;
  /** SIGKILL: no drain, no cleanup, as an OOM kill or a lost host. */
  kill9(): Promise<void>;
}

/** A bot process that listens, and its webhook URL. */
export interface BotProcess extends SpawnedBot {
  readonly url: string;
}

export interface SpawnOptions {
  /** `node`: node dist/main.js; `npm`: npm start. */
  via?: 'node' | 'npm';
  /** Its own process group (pgid = its pid), so that the group can be signalled. */
  detached?: boolean;
  /** A command that runs the bot, e.g. ['prlimit', '--fsize=4096', '--'] (it must exec it: same pid). */
  wrapper?: readonly string[];
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

/**
 * Starts the bot with `env` on top of this environment: loopback, any free ports and a journal directory of
 * its own (one process per directory), unless `env` says otherwise.
 */
export function spawnBot(env: Record<string, string>, options: SpawnOptions = {}): SpawnedBot {
  const [command, args] = options.via === 'npm' ? ['npm', ['start', '--silent']] : [process.execPath, ['dist/main.js']];
  const dataDir = mkdtempSync(join(tmpdir(), 'roombot-process-'));
  const wrapper = options.wrapper ?? [];
  const child = spawn(
    wrapper[0] ?? command,
    [...wrapper.slice(1), ...(wrapper.length > 0 ? [command] : []), ...(args as string[])],
    {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        PORT: '0',
        HOST: '127.0.0.1',
        EMULATOR_PORT: '0',
        LOG_LEVEL: 'info',
        DATA_DIR: dataDir,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: options.detached ?? false,
    },
  );
  const logs: string[] = [];
  let stderr = '';
  createInterface({ input: child.stdout! }).on('line', (line) => logs.push(line));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return {
    process: child,
    logs,
    stderr: () => stderr,
    exited,
    async kill9() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** The webhook URL, once the bot logs that it listens; rejects if it exits first. */
export async function listening(bot: SpawnedBot, timeoutMs = 20_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let exitCode: number | null | undefined;
  void bot.exited.then((code) => (exitCode = code));
  for (;;) {
    const url = logged(bot, 'webhook listening')[0]?.url;
    if (typeof url === 'string') return url;
    if (exitCode !== undefined || Date.now() > deadline) {
      throw new Error(
        `bot ${exitCode === undefined ? 'did not start' : `exited with ${exitCode}`}:\n${bot.logs.join('\n')}\n${bot.stderr()}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Starts the bot (node dist/main.js) and resolves once it listens. */
export async function startBotProcess(env: Record<string, string>, options: SpawnOptions = {}): Promise<BotProcess> {
  const bot = spawnBot(env, options);
  try {
    return { ...bot, url: await listening(bot) };
  } catch (error) {
    await bot.kill9();
    throw error;
  }
}

/** Log lines (JSON) with the given message. */
export function logged(bot: SpawnedBot, msg: string): Record<string, unknown>[] {
  return bot.logs
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => line.msg === msg);
}

/** `pid` and every process below it (Linux /proc). */
export function processTree(pid: number): number[] {
  let children: number[] = [];
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const text = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      if (text) children = children.concat(text.split(/\s+/).map(Number));
    }
  } catch {
    return [];
  }
  return [pid, ...children.flatMap(processTree)];
}

/** Whether `pid` is a live process (a zombie waiting for its parent counts as gone). */
export function isRunning(pid: number): boolean {
  try {
    const state = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];
    return state !== undefined && state !== 'Z';
  } catch {
    return false;
  }
}
