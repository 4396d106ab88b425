// Phase 1, ack path: the same signed + encrypted pushes to ours, to the SDK's documented Koa sample and
// to a bare Koa route, each in its own child process. The targets take turns in short slices (ours,
// sdk, bare, ours, sdk, bare, …) so that whatever else the machine does meanwhile falls on all three
// alike: the ratios hold even when the absolute figures do not.
import { join } from 'node:path';
import { startServerChild, type ServerChild } from '../lib/child.js';
import { PushCursor, type PushPool } from '../lib/events.js';
import { quantile, runLoad, type LoadOptions, type LoadResult } from '../lib/load.js';
import type { ServerSpec, ServerStats, TargetName } from '../lib/protocol.js';

export interface AckSettings {
  warmupSeconds: number;
  /** Saturation: `rounds` slices of `sliceSeconds` per target, over `connections` connections. */
  rounds: number;
  sliceSeconds: number;
  connections: number;
  /** Fixed rate: `rate` events/s over `rateConnections` connections, `rateRounds` slices of `sliceSeconds`. */
  rate: number;
  rateRounds: number;
  rateConnections: number;
}

/** Several slices of one kind of run against one target, added up. */
export interface RunSummary {
  ok: number;
  non2xx: number;
  errors: number;
  statusCodes: Record<string, number>;
  seconds: number;
  okPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Server CPU (user + system) per 2xx answer, background work after the answer included. */
  serverCpuPerEventMicros: number;
  /** Share of one core the load generator used. */
  generatorCpuShare: number;
}

export interface AckTargetResult {
  target: TargetName;
  saturation: RunSummary;
  fixedRate: RunSummary;
  /** Pushes sent, warm-up included, and how many repeated a message_id (0 for ours: the pool grows). */
  pushesSent: number;
  repeats: number;
  /** sdk/bare: handler invocations, to compare with okAnswers (every push verified and handled). */
  handled?: number;
  okAnswers: number;
  server: ServerStats;
}

interface Target {
  spec: ServerSpec;
  child: ServerChild;
  cursor: PushCursor;
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
}

async function runSlice(target: Target, options: Omit<LoadOptions, 'url' | 'cursor'>): Promise<Slice> {
  // ours de-duplicates, so it must never see a message_id twice: grow the pool before the slice
  if (target.spec.target === 'ours') {
    const seconds = options.durationSeconds ?? 0;
    target.cursor.reserve((options.overallRate ?? Math.max(target.lastRate, 5_000)) * (seconds + 1) * 2);
  }
  const before = await target.child.stats();
  const { result, latencies } = await runLoad({ ...options, url: target.child.eventUrl, cursor: target.cursor });
  // ours keeps working after the 200 (dedupe mark, queue, handler): that work is part of its cost
  const after = await target.child.idle();
  target.okAnswers += result.ok;
  target.lastRate = result.okPerSecond;
  return { result, latencies, serverCpuMicros: after.cpuMicros - before.cpuMicros };
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
    for (const [code, count] of Object.entries(slice.result.statusCodes)) statusCodes[code] = (statusCodes[code] ?? 0) + count;
  }
  const ok = sum((s) => s.result.ok);
  const seconds = sum((s) => s.result.durationSeconds);
  return {
    ok,
    non2xx: sum((s) => s.result.non2xx),
    errors: sum((s) => s.result.errors),
    statusCodes,
    seconds,
    okPerSecond: ok / seconds,
    p50Ms: quantile(latencies, 0.5),
    p99Ms: quantile(latencies, 0.99),
    maxMs: quantile(latencies, 1),
    serverCpuPerEventMicros: sum((s) => s.serverCpuMicros) / Math.max(1, ok),
    generatorCpuShare: sum((s) => s.result.generatorCpuMicros) / 1e6 / seconds,
  };
}

export async function runAckPhase(
  specs: readonly ServerSpec[],
  pool: PushPool,
  settings: AckSettings,
  onProgress: (line: string) => void,
  /** When set, each server's CPU profile over the saturation rounds is written here as <target>.cpuprofile. */
  profileDir?: string,
): Promise<AckTargetResult[]> {
  const targets: Target[] = [];
  try {
    for (const spec of specs) {
      const child = await startServerChild(spec);
      targets.push({ spec, child, cursor: new PushCursor(pool), saturation: [], fixedRate: [], okAnswers: 0, lastRate: 0 });
    }
    const { connections, sliceSeconds } = settings;
    for (const target of targets) await runSlice(target, { connections, durationSeconds: settings.warmupSeconds });
    if (profileDir) for (const target of targets) await target.child.profileStart();
    for (let round = 1; round <= settings.rounds; round += 1) {
      onProgress(`ack path: saturation round ${round}/${settings.rounds}`);
      for (const target of targets) target.saturation.push(await runSlice(target, { connections, durationSeconds: sliceSeconds }));
    }
    if (profileDir) for (const target of targets) await target.child.profileStop(join(profileDir, `${target.spec.target}.cpuprofile`));
    for (let round = 1; round <= settings.rateRounds; round += 1) {
      onProgress(`ack path: ${settings.rate}/s round ${round}/${settings.rateRounds}`);
      for (const target of targets) {
        target.fixedRate.push(
          await runSlice(target, { connections: settings.rateConnections, durationSeconds: sliceSeconds, overallRate: settings.rate }),
        );
      }
    }
    const results: AckTargetResult[] = [];
    for (const target of targets) {
      const server = await target.child.idle();
      results.push({
        target: target.spec.target,
        saturation: summarize(target.saturation),
        fixedRate: summarize(target.fixedRate),
        pushesSent: target.cursor.taken,
        repeats: target.cursor.repeats,
        ...(server.handled !== undefined ? { handled: server.handled } : {}),
        okAnswers: target.okAnswers,
        server,
      });
    }
    return results;
  } finally {
    await Promise.all(targets.map((target) => target.child.stop()));
  }
}
