// Starts bench/servers.ts in a child process and talks to it.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { serverLauncher } from './cores.js';
import type { ChildMessage, ParentMessage, ServerSpec, ServerStats } from './protocol.js';

export interface ServerChild {
  /** The webhook URL to push events to. */
  readonly eventUrl: string;
  stats(): Promise<ServerStats>;
  /** Full garbage collection, then stats: memory figures without garbage in them. */
  statsAfterGc(): Promise<ServerStats>;
  /** Waits until every accepted event has been processed (ours), then stats. */
  idle(): Promise<ServerStats>;
  /** Starts a CPU profile of the server; profileStop writes it to `path`. */
  profileStart(): Promise<void>;
  profileStop(path: string): Promise<void>;
  stop(): Promise<void>;
}

const SERVERS_ENTRY = fileURLToPath(new URL('../servers.ts', import.meta.url));

export async function startServerChild(spec: ServerSpec): Promise<ServerChild> {
  // on the server's core from its first instruction (bench/lib/cores.ts): taskset execs node, which keeps the IPC channel
  const { execPath, prefixArgs } = serverLauncher();
  const execArgv = [...prefixArgs, '--import', 'tsx', '--expose-gc'];
  // A server's stdout (ours: a log line per message at the default level; the SDK: "event-dispatch is
  // ready") goes to /dev/null: the server pays for each write, the load generator reads nothing, and the
  // tables stay clean. Its stderr is the benchmark's.
  const child = fork(SERVERS_ENTRY, [JSON.stringify(spec)], {
    execPath,
    execArgv,
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const ready = await waitForReady(child, spec);
  return connect(child, `${ready.url}${ready.eventPath}`);
}

function waitForReady(child: ChildProcess, spec: ServerSpec): Promise<{ url: string; eventPath: string }> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) =>
      reject(new Error(`bench server "${spec.target}" exited with code ${code} before it was ready`));
    child.once('exit', onExit);
    child.on('message', function onMessage(message: ChildMessage) {
      if (message.type !== 'ready') return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(message);
    });
  });
}

function connect(child: ChildProcess, eventUrl: string): ServerChild {
  let nextId = 1;
  const waiting = new Map<
    number,
    { resolve: (stats: ServerStats | undefined) => void; reject: (error: Error) => void }
  >();
  child.on('message', (message: ChildMessage) => {
    if (message.type !== 'reply') return;
    const pending = waiting.get(message.id);
    waiting.delete(message.id);
    if (message.error) pending?.reject(new Error(message.error));
    else pending?.resolve(message.stats);
  });
  child.on('exit', (code) => {
    for (const pending of waiting.values()) pending.reject(new Error(`bench server exited (code ${code})`));
    waiting.clear();
  });

  type Command = Exclude<ParentMessage['command'], 'profile-stop'>;
  function ask(
    message: { command: Command } | { command: 'profile-stop'; path: string },
  ): Promise<ServerStats | undefined> {
    const id = nextId++;
    return new Promise((resolve, reject) => {
      waiting.set(id, { resolve, reject });
      child.send({ id, ...message } satisfies ParentMessage);
    });
  }
  const statsOf = async (command: Command): Promise<ServerStats> => {
    const stats = await ask({ command });
    if (!stats) throw new Error(`no stats in the answer to ${command}`);
    return stats;
  };

  return {
    eventUrl,
    stats: () => statsOf('stats'),
    statsAfterGc: () => statsOf('gc'),
    idle: () => statsOf('idle'),
    profileStart: async () => void (await ask({ command: 'profile-start' })),
    profileStop: async (path) => void (await ask({ command: 'profile-stop', path })),
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      await ask({ command: 'stop' }).catch(() => undefined);
      await exited;
    },
  };
}
