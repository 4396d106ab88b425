// Phase 0, start-up: from spawn to the first 200 from /healthz, and the resident memory once idle (summed
// over every process the command runs), for the production command (`node dist/main.js`: one process),
// and for `npm start` (npm, then the same node). Each bot talks to the bench emulator with the bench credentials; the rows take turns.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { processTree } from '../../test/helpers/bot-process.js';
import { botEnv, REPO_ROOT } from '../lib/app.js';

export type StartupRow = 'production' | 'npmStart';

export const STARTUP_COMMANDS: Record<StartupRow, { label: string; command: string; args: string[] }> = {
  production: { label: 'node dist/main.js', command: process.execPath, args: ['dist/main.js'] },
  npmStart: { label: 'npm start (npm → node)', command: 'npm', args: ['start', '--silent'] },
};

export interface StartupSettings {
  runs: number;
  /** How long the bot sits idle after its first 200 before its memory is read. */
  idleMs: number;
}

export interface StartupRun {
  readyMs: number;
  /** CPU time (user + system) the processes had used when the first 200 came: what load on the machine does not stretch. */
  cpuMs: number;
  rssBytes: number;
  processes: number;
  exitCode: number | null;
}

export interface StartupResult {
  row: StartupRow;
  runs: StartupRun[];
  readyMsMedian: number;
  cpuMsMedian: number;
  rssBytesMedian: number;
  processes: number;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  return port;
}

/** utime + stime of a live process, in ms (/proc counts clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

function rssBytes(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}

async function healthy(url: string): Promise<boolean> {
  try {
    return (await fetch(url)).ok;
  } catch {
    return false;
  }
}

async function measureOnce(row: StartupRow, feishuDomain: string, idleMs: number): Promise<StartupRun> {
  const { command, args } = STARTUP_COMMANDS[row];
  const port = await freePort();
  const started = performance.now();
  // Its own process group: SIGTERM reaches npm and the node it runs.
  const child = spawn(command, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, ...botEnv(feishuDomain, { PORT: String(port) }) },
    stdio: 'ignore',
    detached: true,
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  let exitedEarly = false;
  void exited.then(() => (exitedEarly = true));
  while (!(await healthy(`http://127.0.0.1:${port}/healthz`))) {
    if (exitedEarly) throw new Error(`${STARTUP_COMMANDS[row].label} exited before it answered /healthz`);
    await sleep(5);
  }
  const readyMs = performance.now() - started;
  const cpu = processTree(child.pid!).reduce((sum, pid) => sum + cpuMs(pid), 0);
  await sleep(idleMs);
  const tree = processTree(child.pid!);
  const rss = tree.reduce((sum, pid) => sum + rssBytes(pid), 0);
  process.kill(-child.pid!, 'SIGTERM');
  return { readyMs, cpuMs: cpu, rssBytes: rss, processes: tree.length, exitCode: await exited };
}

export async function runStartupPhase(
  feishuDomain: string,
  settings: StartupSettings,
  progress: (line: string) => void,
): Promise<StartupResult[]> {
  const rows = Object.keys(STARTUP_COMMANDS) as StartupRow[];
  const runs = new Map<StartupRow, StartupRun[]>(rows.map((row) => [row, []]));
  for (let round = 1; round <= settings.runs; round += 1) {
    progress(`start-up: round ${round} of ${settings.runs}`);
    for (const row of rows) runs.get(row)!.push(await measureOnce(row, feishuDomain, settings.idleMs));
  }
  return rows.map((row) => {
    const measured = runs.get(row)!;
    return {
      row,
      runs: measured,
      readyMsMedian: median(measured.map((r) => r.readyMs)),
      cpuMsMedian: median(measured.map((r) => r.cpuMs)),
      rssBytesMedian: median(measured.map((r) => r.rssBytes)),
      processes: Math.max(...measured.map((r) => r.processes)),
    };
  });
}
