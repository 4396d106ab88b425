// The room directory (issue 19): a tenant of 10,000 rooms in 500 buildings in the emulator. Measures the sync
// (wall time and calls through the real SDK, paced fast here and projected at the default pace), the memory of
// the kept directory (snapshot + index, RSS and heap after GC), the bot's CPU per /room find and /room free over
// it (the answer and its card; free/busy from an in-process port so only the bot's work is timed), and the calls
// one /room free makes through the real SDK (free/busy, and directory calls: none once synced).
// Runs in a process of its own (memory figures): `tsx bench/phases/directory.ts`, or from run.ts.
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createDirectoryAnswers } from '../../src/bot/directory/answer.js';
import type { RoomCalendar } from '../../src/bot/ports.js';
import { createFeishuClient } from '../../src/feishu/client.js';
import { createFeishuDirectorySource } from '../../src/feishu/directory.js';
import { createFeishuRoomCalendar } from '../../src/feishu/freebusy.js';
import { createPacer } from '../../src/feishu/pace.js';
import { createTenantTokenProvider } from '../../src/feishu/token.js';
import { createLogger } from '../../src/log.js';
import { generateDirectory, startEmulator } from '../../src/emulator/index.js';
import { createDirectorySync } from '../../src/state/directory-sync.js';
import { createMemoryStore } from '../../src/state/memory.js';
import { BENCH_APP } from '../lib/app.js';
import { mb, num, table } from '../lib/table.js';

export interface DirectorySettings {
  buildings: number;
  roomsPerBuilding: number;
  /** Pace of the measured sync (calls/s); the result also projects the default pace. */
  pace: number;
  defaultPace: number;
  /** Requests per CPU figure. */
  iterations: number;
}

export const DIRECTORY_SETTINGS: DirectorySettings = {
  buildings: 500,
  roomsPerBuilding: 20,
  pace: 1000,
  defaultPace: 10,
  iterations: 500,
};

export const DIRECTORY_GOALS = { rssBytes: 20 * 1024 * 1024, cpuMs: 2, freeBusyCalls: 3 };

export interface DirectoryResult {
  rooms: number;
  syncSeconds: number;
  calls: Record<string, number>;
  totalCalls: number;
  projectedSecondsAtDefaultPace: number;
  rssBytes: number;
  heapBytes: number;
  findCpuMs: number;
  freeCpuMs: number;
  freeCalls: { freeBusy: number; directory: number };
}

const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
const silent = createLogger('silent');

function cpuMsPer(iterations: number, run: () => Promise<unknown>): Promise<number> {
  return (async () => {
    for (let i = 0; i < 20; i += 1) await run(); // warm up
    const start = process.cpuUsage();
    for (let i = 0; i < iterations; i += 1) await run();
    const used = process.cpuUsage(start);
    return (used.user + used.system) / 1000 / iterations;
  })();
}

export async function runDirectoryPhase(settings: DirectorySettings): Promise<DirectoryResult> {
  const rooms = generateDirectory({ buildings: settings.buildings, roomsPerBuilding: settings.roomsPerBuilding });
  const emulator = await startEmulator({ ...BENCH_APP, rooms, maxRecords: 100_000 });
  try {
    const feishu = { appId: BENCH_APP.appId, appSecret: BENCH_APP.appSecret, domain: emulator.url, timeoutMs: 10_000 };
    const policy = { maxAttempts: 4, logger: silent };
    const client = createFeishuClient({ ...feishu, logger: silent });
    const tokens = createTenantTokenProvider(client, feishu, policy);
    const source = createFeishuDirectorySource({ client, tokens, policy, pacer: createPacer(settings.pace) });

    // 1. the sync
    const mark = emulator.requests.length;
    const started = performance.now();
    const fetched = await source.fetch();
    const syncSeconds = (performance.now() - started) / 1000;
    const calls: Record<string, number> = {};
    for (const request of emulator.requests.slice(mark))
      if (request.api) calls[request.api] = (calls[request.api] ?? 0) + 1;
    const totalCalls = Object.entries(calls).reduce((sum, [api, n]) => (api === 'token' ? sum : sum + n), 0);

    // 2. memory of what a replica keeps: the snapshot in the (memory) state store and its index
    const json = JSON.stringify({ synced_at: Date.now(), custom_ids: fetched.customIds, rooms: fetched.rooms });
    const store = createMemoryStore({ maxEntries: 1000, logger: silent });
    const reader = { fetch: () => Promise.resolve(JSON.parse(json) as typeof fetched) };
    gc();
    const before = process.memoryUsage();
    const sync = createDirectorySync({
      reader,
      store,
      tenant: 'self',
      refreshMs: 900_000,
      pollMs: 60_000,
      retryMs: 60_000,
      lockTtlMs: 60_000,
      logger: silent,
    });
    await sync.tick();
    gc();
    const after = process.memoryUsage();

    // 3. CPU per command, free/busy answered in process (everything free) so only the bot's work is timed
    const everythingFree: RoomCalendar = {
      getFreeBusy: (roomIds) => Promise.resolve(new Map(roomIds.map((id) => [id, []]))),
    };
    const answersWith = (calendar: RoomCalendar) =>
      createDirectoryAnswers({
        directory: sync,
        calendar,
        timeZone: 'Asia/Shanghai',
        clock: Date.now,
        waitMs: 0,
        freeMinMinutes: 30,
        freeMaxCandidates: 60,
        logger: silent,
      });
    const inProcess = answersWith(everythingFree);
    const findWords = [['前海'], ['everest', 'tower'], ['深圳', 'f2'], ['nothing-matches']];
    let i = 0;
    const findCpuMs = await cpuMsPer(settings.iterations, () =>
      inProcess.find(findWords[i++ % findWords.length]!, 'bench'),
    );
    const freeCpuMs = await cpuMsPer(settings.iterations, () => inProcess.free(10, ['tower'], 'bench'));

    // 4. calls per /room free through the real SDK
    const calendar = createFeishuRoomCalendar({ client, tokens, policy, cacheTtlMs: 0 });
    const before4 = emulator.requests.length;
    await answersWith(calendar).free(6, [], 'bench');
    const freeRequests = emulator.requests.slice(before4);
    const directoryApis = new Set(['building_list', 'room_list', 'room_levels', 'vc_rooms']);
    return {
      rooms: fetched.rooms.length,
      syncSeconds,
      calls,
      totalCalls,
      projectedSecondsAtDefaultPace: totalCalls / settings.defaultPace,
      rssBytes: after.rss - before.rss,
      heapBytes: after.heapUsed + after.external - before.heapUsed - before.external,
      findCpuMs,
      freeCpuMs,
      freeCalls: {
        freeBusy: freeRequests.filter((r) => r.api === 'freebusy').length,
        directory: freeRequests.filter((r) => directoryApis.has(r.api ?? '')).length,
      },
    };
  } finally {
    await emulator.close();
  }
}

export function runDirectoryPhaseInChild(): DirectoryResult {
  const child = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url)], {
    env: { ...process.env, BENCH_DIRECTORY_JSON: '1' },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 16 * 1024 * 1024,
  });
  if (child.status !== 0) throw new Error(`directory phase exited with ${child.status ?? child.signal}`);
  return JSON.parse(child.stdout) as DirectoryResult;
}

export function describeDirectory(result: DirectoryResult, settings: DirectorySettings = DIRECTORY_SETTINGS): string {
  const goal = DIRECTORY_GOALS;
  const mark = (ok: boolean) => (ok ? 'met' : 'MISSED');
  const rows = [
    [
      'sync wall time',
      `${num(result.syncSeconds, 1)} s at ${settings.pace}/s`,
      `${num(result.projectedSecondsAtDefaultPace, 0)} s at ${settings.defaultPace}/s (projected)`,
    ],
    [
      'sync calls',
      num(result.totalCalls),
      Object.entries(result.calls)
        .map(([api, n]) => `${api} ${n}`)
        .join(', '),
    ],
    [
      'directory memory',
      `${mb(result.rssBytes)} MB RSS, ${mb(result.heapBytes)} MB heap`,
      `goal ≤ 20 MB RSS: ${mark(result.rssBytes <= goal.rssBytes)}`,
    ],
    ['CPU per /room find', `${num(result.findCpuMs, 2)} ms`, `goal ≤ 2 ms: ${mark(result.findCpuMs <= goal.cpuMs)}`],
    ['CPU per /room free', `${num(result.freeCpuMs, 2)} ms`, `goal ≤ 2 ms: ${mark(result.freeCpuMs <= goal.cpuMs)}`],
    [
      'calls per /room free',
      `${result.freeCalls.freeBusy} free/busy, ${result.freeCalls.directory} directory`,
      `goal ≤ 3 and 0: ${mark(result.freeCalls.freeBusy <= goal.freeBusyCalls && result.freeCalls.directory === 0)}`,
    ],
  ];
  return `Room directory: ${num(result.rooms)} rooms in ${settings.buildings} buildings\n${table(['', 'measured', 'note'], rows)}`;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await runDirectoryPhase(DIRECTORY_SETTINGS);
  if (process.env.BENCH_DIRECTORY_JSON === '1') process.stdout.write(JSON.stringify(result));
  else process.stdout.write(`${describeDirectory(result)}\n`);
}
