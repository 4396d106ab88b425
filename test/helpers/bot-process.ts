// The bot as operators run it: its own process, `node dist/main.js` (the production command) or `npm start`.
// dist/ is built by test/global-setup.ts.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, readdirSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface BotProcess {
  readonly process: ChildProcess;
  /** stdout lines as they come (JSON log lines; npm's own lines too under `npm start`). */
  readonly lines: string[];
  stderr(): string;
  /** Resolves with the exit code (null when a signal ended it). */
  readonly exited: Promise<number | null>;
}

export interface SpawnOptions {
  /** `node`: node dist/main.js; `npm`: npm start. */
  via?: 'node' | 'npm';
  /** Its own process group (pgid = its pid), so that the group can be signalled. */
  detached?: boolean;
}

/** Starts the bot with `env` on top of this environment (PORT=0 and HOST=127.0.0.1 unless given). */
export function spawnBot(env: Record<string, string>, options: SpawnOptions = {}): BotProcess {
  const [command, args] = options.via === 'npm' ? ['npm', ['start', '--silent']] : [process.execPath, ['dist/main.js']];
  const child = spawn(command, args as string[], {
    cwd: REPO_ROOT,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', EMULATOR_PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.detached ?? false,
  });
  const lines: string[] = [];
  let stderr = '';
  createInterface({ input: child.stdout! }).on('line', (line) => lines.push(line));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return { process: child, lines, stderr: () => stderr, exited };
}

/** The webhook URL, once the bot logs that it listens; rejects if it exits first. */
export async function listening(bot: BotProcess, timeoutMs = 20_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let exitCode: number | null | undefined;
  void bot.exited.then((code) => (exitCode = code));
  for (;;) {
    for (const line of bot.lines) {
      if (!line.startsWith('{')) continue;
      const parsed = JSON.parse(line) as { msg?: string; url?: string };
      if (parsed.msg === 'webhook listening' && parsed.url) return parsed.url;
    }
    if (exitCode !== undefined || Date.now() > deadline) {
      throw new Error(`bot ${exitCode === undefined ? 'did not start' : `exited with ${exitCode}`}:\n${bot.lines.join('\n')}\n${bot.stderr()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Log lines (JSON) with the given message. */
export function logged(bot: BotProcess, msg: string): Record<string, unknown>[] {
  return bot.lines
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
