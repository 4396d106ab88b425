// Phase 1, ack path: signed + encrypted pushes to ours, to the SDK's documented Koa sample and to a bare
// Koa route, each in its own child process. Ours is measured twice: with pushes it ignores after
// verification (the webhook's own cost) and with /room commands it records, queues and answers (the
// full cost, the work after the 200 included). The rows take turns in short slices (ours, ours with
// commands, sdk, bare, ours, …) so that whatever else the machine does meanwhile falls on all alike: the
// ratios hold even when the absolute figures do not.
import { join } from 'node:path';
import { startServerChild, type ServerChild } from '../lib/child.js';
import { PushCursor, type PushPool } from '../lib/events.js';
import { quantile, runLoad, type LoadOptions, type LoadResult, type LoadRun } from '../lib/load.js';
import type { ServerSpec, ServerStats } from '../lib/protocol.js';

/**
 * ours: ignored chatter; oursCommands: /room commands, answered through the emulator; *Redis: the same with
 * REDIS_URL; ws*: the same two over the long connection (phases/long-connection.ts).
 */
export type AckRow =
  'ours' | 'oursRedis' | 'oursCommands' | 'oursCommandsRedis' | 'wsChatter' | 'wsCommands' | 'sdk' | 'floor' | 'bare';

export interface AckSettings {
  warmupSeconds: number;
  /** Saturation: `rounds` slices of `sliceSeconds` per row, over `connections` connections. */
  rounds: number;
  sliceSeconds: number;
  connections: number;
  /** Fixed rate: `rate` events/s over `rateConnections` connections, `rateRounds` slices of `sliceSeconds`. */
  rate: number;
  rateRounds: number;
  rateConnections: number;
}

/** What a slice asks of its load: `connections` requests in flight, or `overallRate` per second over them. */
export type SliceLoad = Pick<LoadOptions, 'connections' | 'durationSeconds' | 'overallRate'>;

/** Load that is not autocannon posting to the webhook: the long connection's rows, pushed by an emulator. */
export interface LoadDriver {
  run(options: SliceLoad): Promise<LoadRun>;
  /** Pushes sent so far, each with its own message_id. */
  readonly sent: number;
}

export type AckRowSpec = {
  row: AckRow;
  server: ServerSpec;
  /** Runs alongside each saturation slice (e.g. URL-verification challenges to the same server). */
  alongsideSaturation?: (sliceSeconds: number, eventUrl: string) => Promise<void>;
} & (
  | {
      /** Signed pushes autocannon posts to the server's webhook. */
      pool: PushPool;
      /** The server must never see a message_id twice (ours de-duplicates): the pool grows before each slice. */
      fresh: boolean;
    }
  | { driver: LoadDriver }
);

/** Several slices of one kind of run against one row, added up. */
export interface RunSummary {
  ok: number;
  non2xx: number;
  errors: number;
  statusCodes: Record<string, number>;
  seconds: number;
  /** 2xx answers per second of load. */
  okPerSecond: number;
  /** Time the server still worked after the load stopped (its queue draining), summed over the slices. */
  drainSeconds: number;
  /** 2xx answers per second of load + drain: events fully handled per second, the work after the 200 included. */
  donePerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Server CPU (user + system) per 2xx answer, background work after the answer included. */
  serverCpuPerEventMicros: number;
  /** Share of one core the load generator used. */
  generatorCpuShare: number;
  /** Longest the server's event loop was blocked during a slice (load + drain), in ms. */
  loopDelayMaxMs: number;
}

export interface AckRowResult {
  row: AckRow;
  saturation: RunSummary;
  fixedRate: RunSummary;
  /** Pushes sent, warm-up included, and how many repeated a message_id (0 for ours: the pool grows). */
  pushesSent: number;
  repeats: number;
  /** sdk/bare: handler invocations, to compare with okAnswers (every push verified and handled). */
  handled?: number;
  /** 2xx answers, warm-up included. */
  okAnswers: number;
  server: ServerStats;
}

/** A row's load, whichever its source. */
interface RowLoad {
  run(options: SliceLoad): Promise<LoadRun>;
  /** Makes sure the next `count` pushes are fresh. */
  prepare(count: number): void;
  sent(): number;
  /** Pushes that repeated a message_id (the pool was used up). */
  repeats(): number;
}

function loadOf(spec: AckRowSpec, child: ServerChild): RowLoad {
  if ('driver' in spec)
    return {
      run: (options) => spec.driver.run(options),
      prepare: () => {},
      sent: () => spec.driver.sent,
      repeats: () => 0,
    };
  const cursor = new PushCursor(spec.pool);
  return {
    run: (options) => runLoad({ ...options, url: child.eventUrl, cursor }),
    prepare: (count) => {
      if (spec.fresh) cursor.reserve(count);
    },
    sent: () => cursor.taken,
    repeats: () => cursor.repeats,
  };
}

interface Row {
  spec: AckRowSpec;
  child: ServerChild;
  load: RowLoad;
  saturation: Slice[];
  fixedRate: Slice[];
  okAnswers: number;
  /** 2xx answers per second of the last slice, to size the pool for the next one. */
  lastRate: number;
}

interface Slice {
  result: LoadResult;
  latencies: Float64Array;
  serverCpuMicros: number;
  drainSeconds: number;
  loopDelayMaxMs: number;
}

/** Pushes/s assumed for a row's first slice, when its rate is not known yet: above what any row reaches on 2 cores. */
const FIRST_SLICE_RATE = 50_000;

type SliceOptions = SliceLoad & { alongside?: AckRowSpec['alongsideSaturation'] };

async function runSlice(row: Row, { alongside, ...options }: SliceOptions): Promise<Slice> {
  const seconds = options.durationSeconds ?? 0;
  // enough fresh pushes for the slice at the last slice's rate with a margin (the first: at a rate above any seen here)
  row.load.prepare((options.overallRate ?? Math.max(row.lastRate, FIRST_SLICE_RATE)) * (seconds + 0.5) * 1.25);
  const before = await row.child.stats();
  const [{ result, latencies }] = await Promise.all([row.load.run(options), alongside?.(seconds, row.child.eventUrl)]);
  // ours keeps working after the 200 (queued commands): that work is part of its cost
  const drainStarted = performance.now();
  const after = await row.child.idle();
  const drainSeconds = (performance.now() - drainStarted) / 1000;
  row.okAnswers += result.ok;
  row.lastRate = result.okPerSecond;
  return {
    result,
    latencies,
    serverCpuMicros: after.cpuMicros - before.cpuMicros,
    drainSeconds,
    loopDelayMaxMs: after.loopDelay.maxMs,
  };
}

function summarize(slices: Slice[]): RunSummary {
  const sum = (pick: (slice: Slice) => number) => slices.reduce((total, slice) => total + pick(slice), 0);
  const latencies = new Float64Array(sum((s) => s.latencies.length));
  let offset = 0;
  for (const slice of slices) {
    latencies.set(slice.latencies, offset);
    offset += slice.latencies.length;
  }
  latencies.sort();
  const statusCodes: Record<string, number> = {};
  for (const slice of slices) {
    for (const [code, count] of Object.entries(slice.result.statusCodes))
      statusCodes[code] = (statusCodes[code] ?? 0) + count;
  }
  const ok = sum((s) => s.result.ok);
  const seconds = sum((s) => s.result.durationSeconds);
  const drainSeconds = sum((s) => s.drainSeconds);
  return {
    ok,
    non2xx: sum((s) => s.result.non2xx),
    errors: sum((s) => s.result.errors),
    statusCodes,
    seconds,
    okPerSecond: ok / seconds,
    drainSeconds,
    donePerSecond: ok / (seconds + drainSeconds),
    p50Ms: quantile(latencies, 0.5),
    p99Ms: quantile(latencies, 0.99),
    maxMs: quantile(latencies, 1),
    serverCpuPerEventMicros: sum((s) => s.serverCpuMicros) / Math.max(1, ok),
    generatorCpuShare: sum((s) => s.result.generatorCpuMicros) / 1e6 / seconds,
    loopDelayMaxMs: Math.max(0, ...slices.map((s) => s.loopDelayMaxMs)),
  };
}

export async function runAckPhase(
  specs: readonly AckRowSpec[],
  settings: AckSettings,
  onProgress: (line: string) => void,
  /** When set, each server's CPU profile over the saturation rounds is written here as <row>.cpuprofile. */
  profileDir?: string,
): Promise<AckRowResult[]> {
  const rows: Row[] = [];
  try {
    for (const spec of specs) {
      const child = await startServerChild(spec.server);
      rows.push({ spec, child, load: loadOf(spec, child), saturation: [], fixedRate: [], okAnswers: 0, lastRate: 0 });
    }
    const { connections, sliceSeconds } = settings;
    for (const row of rows) await runSlice(row, { connections, durationSeconds: settings.warmupSeconds });
    if (profileDir) for (const row of rows) await row.child.profileStart();
    for (let round = 1; round <= settings.rounds; round += 1) {
      onProgress(`ack path: saturation round ${round}/${settings.rounds}`);
      for (const row of rows) {
        const alongside = row.spec.alongsideSaturation;
        row.saturation.push(
          await runSlice(row, { connections, durationSeconds: sliceSeconds, ...(alongside ? { alongside } : {}) }),
        );
      }
    }
    if (profileDir) for (const row of rows) await row.child.profileStop(join(profileDir, `${row.spec.row}.cpuprofile`));
    for (let round = 1; round <= settings.rateRounds; round += 1) {
      onProgress(`ack path: ${settings.rate}/s round ${round}/${settings.rateRounds}`);
      for (const row of rows) {
        row.fixedRate.push(
          await runSlice(row, {
            connections: settings.rateConnections,
            durationSeconds: sliceSeconds,
            overallRate: settings.rate,
          }),
        );
      }
    }
    const results: AckRowResult[] = [];
    for (const row of rows) {
      const server = await row.child.idle();
      results.push({
        row: row.spec.row,
        saturation: summarize(row.saturation),
        fixedRate: summarize(row.fixedRate),
        pushesSent: row.load.sent(),
        repeats: row.load.repeats(),
        ...(server.handled !== undefined ? { handled: server.handled } : {}),
        okAnswers: row.okAnswers,
        server,
      });
    }
    return results;
  } finally {
    await Promise.all(rows.map((row) => row.child.stop()));
  }
}
