// `npm run doctor` against the emulator (the real SDK over real HTTP), a real redis-server and temp data
// directories: as a process (node dist/doctor.js, what npm run doctor runs; test/global-setup.ts builds it) for a
// passing and a failing configuration, and check by check for the rest.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ENV_KEYS, loadConfig } from '../src/config.js';
import { checkDataDir } from '../src/doctor/data-dir-check.js';
import { checkEventMode, PROBE_CUSTOM_ROOM_ID } from '../src/doctor/feishu-checks.js';
import { checkRedis, versionAtLeast } from '../src/doctor/redis-check.js';
import { exitCodeOf, formatReport, type CheckResult } from '../src/doctor/report.js';
import { runDoctor } from '../src/doctor/run.js';
import { startEmulator, type Emulator } from '../src/emulator/index.js';
import { REPO_ROOT } from './helpers/bot-process.js';
import { freshApp, startReceiver, type TestApp } from './helpers/emulator.js';
import { createFileTicketStore } from '../src/state/ticket-store.js';
import { redisAvailable, startRedisServer, type RedisServer } from './helpers/redis-server.js';

const ENCRYPT_KEY = 'doctor-test-encrypt-key';

/** The environment of this process without any of the bot's variables, so nothing leaks into a check. */
function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !(name in ENV_KEYS) && name !== 'APP_CONFIG') env[name] = value;
  }
  return env;
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'roombot-doctor-'));
}

let emulator: Emulator;
let app: TestApp;
beforeAll(async () => {
  app = freshApp();
  emulator = await startEmulator({ ...app, encryptKey: ENCRYPT_KEY });
});
afterAll(async () => {
  await emulator.close();
});
afterEach(() => {
  emulator.faults.clear();
});

/** A production configuration for the emulator's app, with a fresh data directory. */
function appEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...cleanEnv(),
    FEISHU_APP_ID: app.appId,
    FEISHU_APP_SECRET: app.appSecret,
    FEISHU_VERIFICATION_TOKEN: app.verificationToken,
    FEISHU_ENCRYPT_KEY: ENCRYPT_KEY,
    FEISHU_DOMAIN: emulator.url,
    FEISHU_TIMEOUT_MS: '2000',
    FEISHU_MAX_ATTEMPTS: '2',
    DATA_DIR: tempDir(),
    ...extra,
  };
}

async function doctorProcess(env: Record<string, string>): Promise<{ code: number | null; lines: string[] }> {
  const child = spawn(process.execPath, ['dist/doctor.js'], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, lines: output.trimEnd().split('\n') };
}

async function doctor(
  env: Record<string, string>,
): Promise<{ results: CheckResult[]; byName: Map<string, CheckResult> }> {
  const results = await runDoctor({ env, cwd: process.cwd() });
  return { results, byName: new Map(results.map((result) => [result.name, result])) };
}

describe('npm run doctor, as a process', () => {
  it('passes a working configuration: exit 0, one ✓ line per check, the scope probed with a lookup', async () => {
    const { code, lines } = await doctorProcess(appEnv());
    expect(lines).toEqual([
      expect.stringMatching(/^✓ configuration +valid: /),
      expect.stringMatching(new RegExp(`^✓ credentials +Feishu issued a tenant token to ${app.appId}`)),
      expect.stringMatching(/^✓ room scope +calendar:room:readonly granted/),
      expect.stringMatching(/^✓ directory scope +vc:room:readonly granted/),
      expect.stringMatching(/^✓ calendar scope +calendar:calendar granted/),
      expect.stringMatching(/^✓ event mode +webhook .*signed and encrypted, token checked/),
      expect.stringMatching(/^✓ data directory +DATA_DIR .* writable, not in use/),
      'all checks passed',
    ]);
    expect(code).toBe(0);
    const probe = emulator.requests.find((request) => request.api === 'batch_get_id');
    expect(probe).toMatchObject({ query: `custom_room_ids=${PROBE_CUSTOM_ROOM_ID}`, status: 200, code: 0 });
  });

  it('fails on a secret Feishu rejects: exit 1, the variables named, the scope not probed', async () => {
    const { code, lines } = await doctorProcess(appEnv({ FEISHU_APP_SECRET: 'not-the-secret' }));
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^✗ credentials +FEISHU_APP_ID \/ FEISHU_APP_SECRET rejected \(HTTP 400, code 10014: app secret invalid/,
      ),
    );
    expect(lines).toContainEqual(expect.stringMatching(/^- room scope +not checked/));
    expect(lines.at(-1)).toBe('1 check failed');
    expect(code).toBe(1);
  });
});

describe('doctor checks: Feishu', () => {
  it('a missing calendar scope (99991672) names calendar:calendar, or BOOKING_ENABLED=false skips the check', async () => {
    emulator.faults.inject({
      api: 'calendar_primary',
      kind: 'error',
      code: 99991672,
      httpStatus: 400,
      msg: 'Access denied.',
    });
    const { results, byName } = await doctor(appEnv());
    expect(byName.get('calendar scope')).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(/^enable calendar:calendar in the developer console/),
    });
    expect(exitCodeOf(results)).toBe(1);
    const off = await doctor(appEnv({ BOOKING_ENABLED: 'false' }));
    expect(off.byName.get('calendar scope')?.status).toBe('skip');
  });

  it('a missing calendar:room:readonly (99991672) says to enable it and publish a version', async () => {
    emulator.faults.inject({
      api: 'batch_get_id',
      kind: 'error',
      code: 99991672,
      httpStatus: 400,
      msg: 'Access denied.',
    });
    const { results, byName } = await doctor(appEnv());
    expect(byName.get('credentials')?.status).toBe('pass');
    expect(byName.get('room scope')).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(
        /^enable calendar:room:readonly in the developer console, then publish a version \(batch_get_id: HTTP 400, code 99991672/,
      ),
    });
    expect(exitCodeOf(results)).toBe(1);
  });

  it('an App ID Feishu does not know (10003) is rejected', async () => {
    const { byName } = await doctor(appEnv({ FEISHU_APP_ID: 'cli_0000000000000000' }));
    expect(byName.get('credentials')?.detail).toMatch(
      /^FEISHU_APP_ID \/ FEISHU_APP_SECRET rejected \(HTTP 400, code 10003/,
    );
  });

  it('an unreachable FEISHU_DOMAIN says it cannot reach it', async () => {
    const closed = await startEmulator({ ...freshApp() });
    const url = closed.url;
    await closed.close();
    const { byName } = await doctor(appEnv({ FEISHU_DOMAIN: url }));
    expect(byName.get('credentials')).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining(`cannot reach FEISHU_DOMAIN ${url} (ECONNREFUSED)`),
    });
  });

  it('a FEISHU_DOMAIN that is not the Open API says so', async () => {
    const { byName } = await doctor(appEnv({ FEISHU_DOMAIN: `${emulator.url}/not-feishu` }));
    expect(byName.get('credentials')?.detail).toMatch(
      /did not answer as Feishu's Open API \(HTTP 404.*check FEISHU_DOMAIN/,
    );
  });

  it('the event settings: warns naming each variable that is not set, passes the long connection', () => {
    const env = { FEISHU_APP_ID: 'cli_x', FEISHU_APP_SECRET: 'y' };
    const unsigned = checkEventMode(loadConfig({ ...env, FEISHU_VERIFICATION_TOKEN: 'token' }));
    expect(unsigned).toMatchObject({ status: 'warn', detail: expect.stringContaining('set FEISHU_ENCRYPT_KEY') });
    expect(unsigned.detail).not.toContain('FEISHU_VERIFICATION_TOKEN');
    const neither = checkEventMode(loadConfig(env));
    expect(neither.detail).toMatch(/FEISHU_ENCRYPT_KEY .* and FEISHU_VERIFICATION_TOKEN/);
    // a configuration that has an event mode (FEISHU_EVENT_MODE) and chose the long connection
    const config = loadConfig(env);
    const longConnection = checkEventMode({
      ...config,
      feishu: { ...config.feishu, eventMode: 'websocket' } as typeof config.feishu,
    });
    expect(longConnection).toMatchObject({
      status: 'pass',
      detail: expect.stringContaining('websocket (FEISHU_EVENT_MODE)'),
    });
  });

  it('local mode (no credentials) checks nothing Feishu-side and passes', async () => {
    const before = emulator.requests.length;
    const { results } = await doctor({ ...cleanEnv(), DATA_DIR: tempDir() });
    expect(results.map((result) => [result.name, result.status])).toEqual([
      ['configuration', 'pass'],
      ['credentials', 'skip'],
      ['room scope', 'skip'],
      ['directory scope', 'skip'],
      ['calendar scope', 'skip'],
      ['event mode', 'skip'],
      ['data directory', 'pass'],
    ]);
    expect(results[1]?.detail).toMatch(/^none set: local mode/);
    expect(exitCodeOf(results)).toBe(0);
    expect(emulator.requests.length).toBe(before);
  });

  it('an invalid configuration is one failed check, printed as loadConfig words it', async () => {
    const { results } = await doctor({ ...cleanEnv(), PORT: 'eighty' });
    expect(results[0]).toMatchObject({
      name: 'configuration',
      status: 'fail',
      detail: expect.stringContaining('PORT="eighty" (server.port): must be a number'),
    });
    expect(formatReport(results).at(-1)).toBe('1 check failed');
  });
});

describe.skipIf(!redisAvailable())('doctor checks: Redis (real redis-server)', () => {
  let volatile: RedisServer;
  let persistent: RedisServer;
  beforeAll(async () => {
    [volatile, persistent] = await Promise.all([startRedisServer(), startRedisServer({ persistent: true })]);
  });
  afterAll(async () => {
    await Promise.all([volatile?.stop(), persistent?.stop()]);
  });

  it('a persistent, non-evicting Redis passes', async () => {
    const results = await checkRedis(persistent.url);
    expect(results.map((result) => [result.name, result.status])).toEqual([
      ['redis', 'pass'],
      ['redis persistence', 'pass'],
      ['redis eviction', 'pass'],
    ]);
    expect(results[0]?.detail).toMatch(/answers PING, version \d+\.\d+/);
  });

  it('warns when appendonly is no, and fails when keys may be evicted (the bot is not ready then)', async () => {
    const { Redis } = await import('ioredis');
    const admin = new Redis(volatile.url);
    await admin.config('SET', 'maxmemory-policy', 'allkeys-lru');
    await admin.quit();
    const { results, byName } = await doctor(appEnv({ REDIS_URL: volatile.url }));
    expect(byName.get('redis persistence')).toMatchObject({
      status: 'warn',
      detail: expect.stringContaining('would not survive a Redis restart'),
    });
    expect(byName.get('redis eviction')).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('maxmemory-policy is allkeys-lru'),
    });
    expect(byName.has('data directory')).toBe(false);
    expect(exitCodeOf(results)).toBe(1);
  });

  it('a Redis that does not answer fails, naming REDIS_URL', async () => {
    const gone = await startRedisServer();
    await gone.stop();
    const results = await checkRedis(gone.url, 500);
    expect(results).toEqual([
      { name: 'redis', status: 'fail', detail: expect.stringMatching(/ECONNREFUSED.*check REDIS_URL/) },
    ]);
  });

  it('versions below 6.2 are too old', () => {
    expect(['7.0.15', '6.2.0', '10.0.0'].map((v) => versionAtLeast(v, [6, 2]))).toEqual([true, true, true]);
    expect(['6.0.16', '5.0.7', 'unknown', ''].map((v) => versionAtLeast(v, [6, 2]))).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });
});

describe('doctor checks: data directory', () => {
  let holder: ChildProcess | undefined;
  afterEach(() => {
    holder?.kill('SIGKILL');
    holder = undefined;
  });

  it('a directory that does not exist yet passes if it can be created, and is left as it was', async () => {
    const dir = join(tempDir(), 'a', 'b');
    const result = await checkDataDir(dir);
    expect(result).toMatchObject({
      status: 'pass',
      detail: expect.stringContaining('does not exist yet, can be created and written'),
    });
    expect(existsSync(join(dir, '..', '..', 'a'))).toBe(false);
  });

  it('a file where the directory should be fails', async () => {
    const file = join(tempDir(), 'data');
    writeFileSync(file, '');
    expect(await checkDataDir(file)).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('exists but is not a directory'),
    });
    expect(await checkDataDir(join(file, 'journal'))).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('cannot be used (ENOTDIR'),
    });
  });

  it.skipIf(process.getuid?.() === 0)('a directory that cannot be written fails', async () => {
    const dir = tempDir();
    chmodSync(dir, 0o555);
    expect(await checkDataDir(dir)).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('is not writable (EACCES'),
    });
  });

  it('a journal locked by a running process fails naming it; a lock left by a dead one passes', async () => {
    const dir = tempDir();
    holder = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    writeFileSync(join(dir, 'intake.jsonl.lock'), String(holder.pid));
    expect(await checkDataDir(dir)).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining(`in use by process ${holder.pid} (intake.jsonl.lock)`),
    });
    const exited = once(holder, 'exit');
    holder.kill('SIGKILL');
    await exited;
    expect(await checkDataDir(dir)).toMatchObject({
      status: 'pass',
      detail: expect.stringContaining(`a stale lock of process ${holder.pid} will be taken over`),
    });
  });
});

describe('doctor checks: store app (FEISHU_APP_TYPE=store)', () => {
  it('no ticket held fails and says how one comes; the current ticket passes with an app token; an old one fails with 10012', async () => {
    const receiver = await startReceiver();
    const storeApp = freshApp();
    const store = await startEmulator({
      ...storeApp,
      store: { ticketIntervalMs: 0 },
      eventUrl: `${receiver.url}/webhook/event`,
    });
    try {
      const dir = tempDir();
      const env = {
        ...cleanEnv(),
        FEISHU_APP_ID: storeApp.appId,
        FEISHU_APP_SECRET: storeApp.appSecret,
        FEISHU_DOMAIN: store.url,
        FEISHU_APP_TYPE: 'store',
        DATA_DIR: dir,
      };
      const byName = async () =>
        Object.fromEntries((await runDoctor({ env, cwd: process.cwd() })).map((r) => [r.name, r]));
      expect((await byName())['app_ticket']).toMatchObject({
        status: 'fail',
        detail: expect.stringContaining('none held in'),
      });
      await store.store!.pushAppTicket();
      const old = store.store!.currentTicket()!;
      await createFileTicketStore(dir).set(old);
      const passing = await byName();
      expect(passing['app_ticket']).toMatchObject({ status: 'pass' });
      expect(passing['app token']).toMatchObject({ status: 'pass' });
      await store.store!.pushAppTicket();
      expect((await byName())['app token']).toMatchObject({
        status: 'fail',
        detail: expect.stringContaining('code 10012'),
      });
    } finally {
      await store.close();
      await receiver.close();
    }
  });
});

describe('npm run doctor, the directory scope', () => {
  it('warns (without failing) when the app lacks vc:room:readonly: the directory works without custom IDs', async () => {
    emulator.grants.vcRoomRead = false;
    try {
      const { results, byName } = await doctor(appEnv());
      expect(byName.get('directory scope')).toMatchObject({
        status: 'warn',
        detail: expect.stringContaining('vc:room:readonly not granted'),
      });
      expect(exitCodeOf(results)).toBe(0);
    } finally {
      emulator.grants.vcRoomRead = true;
    }
  });
});
