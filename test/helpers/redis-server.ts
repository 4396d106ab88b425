// Starts a real, throw-away redis-server on a free loopback port for tests.
// Without the binary the Redis tests are skipped locally, but they FAIL in CI (CI installs redis-server):
// use `describe.skipIf(!redisAvailable())` together with `requireRedisInCi()`.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { accessSync, constants, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, connect } from 'node:net';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { createRedisStore, type RedisStore } from '../../src/state/redis.js';
import { captureLogs } from './log-capture.js';

export interface RedisServer {
  url: string;
  port: number;
  /** Stops the server (SIGTERM, then SIGKILL); resolves once the process has exited. */
  stop(): Promise<void>;
  /** Starts it again on the same port (after stop), e.g. to test recovery after an outage. */
  restart(): Promise<void>;
}

/** Absolute path of redis-server on PATH, or undefined. */
export function findRedisServer(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, 'redis-server');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** True when the Redis tests can run here; throws in CI when they cannot, so CI never silently skips them. */
export function redisAvailable(): boolean {
  const found = findRedisServer() !== undefined;
  if (!found && process.env.CI) {
    throw new Error('redis-server is not on PATH but CI is set: install redis-server so the Redis tests run');
  }
  return found;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Sends PING over a raw socket; true on +PONG. */
async function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (data) => done(data.toString('utf8').startsWith('+PONG')));
  });
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function spawnServer(
  binary: string,
  port: number,
  dataDir: string | undefined,
): { child: ChildProcess; output: () => string } {
  // persistent: every write in the append-only file, synced before Redis answers (what production needs
  // for "accepted means answered" to survive a Redis restart)
  const persistence = dataDir
    ? ['--dir', dataDir, '--appendonly', 'yes', '--appendfsync', 'always']
    : ['--appendonly', 'no'];
  const child = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...persistence], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return { child, output: () => output };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
  await exited;
  clearTimeout(timer);
}

/** persistent: the data survives stop/restart (append-only file in a temp directory, fsync always). */
export async function startRedisServer(options: { persistent?: boolean } = {}): Promise<RedisServer> {
  const binary = findRedisServer();
  if (!binary) throw new Error('redis-server not found on PATH');
  const port = await freePort();
  const dataDir = options.persistent ? mkdtempSync(join(tmpdir(), 'roombot-redis-')) : undefined;
  let current: ChildProcess | undefined;

  async function start(): Promise<void> {
    const { child, output } = spawnServer(binary!, port, dataDir);
    current = child;
    let exitedEarly = false;
    child.once('exit', () => (exitedEarly = true));
    await waitUntil(
      async () => {
        if (exitedEarly) throw new Error(`redis-server exited early:\n${output()}`);
        return ping(port);
      },
      10_000,
      `redis-server on port ${port}`,
    );
  }

  // never leave an orphan redis-server behind if the test process ends without calling stop()
  const killOnExit = () => current?.kill('SIGKILL');
  process.once('exit', killOnExit);

  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop() {
      if (current) await stopChild(current);
      process.removeListener('exit', killOnExit);
    },
    async restart() {
      if (current) await stopChild(current);
      process.removeListener('exit', killOnExit);
      process.once('exit', killOnExit);
      await start();
    },
  };
}

/**
 * For a describe block: starts one redis-server before its tests and stops it after, and hands out
 * Redis stores on it (each with its own key prefix by default), all closed at the end.
 */
export function useRedisServer(): { server: () => RedisServer; newStore: (keyPrefix?: string) => Promise<RedisStore> } {
  let redis: RedisServer | undefined;
  const open: RedisStore[] = [];
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await Promise.all(open.map((store) => store.close()));
    await redis?.stop();
  });
  const server = (): RedisServer => {
    if (!redis) throw new Error('the redis-server is not started yet (use it inside a test)');
    return redis;
  };
  return {
    server,
    async newStore(keyPrefix = `test:${randomUUID()}:`) {
      const store = createRedisStore({ url: server().url, logger: captureLogs().logger, keyPrefix });
      open.push(store);
      await store.waitUntilReady();
      return store;
    },
  };
}
