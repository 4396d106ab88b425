// Phase 1, ack path over the long connection (FEISHU_EVENT_MODE=websocket): ours runs in a child process and
// opens the connection to an emulator in this process with the SDK's WSClient; the emulator pushes each
// im.message.receive_v1 as Feishu does (plain JSON in a data frame, one random connection, an ack frame
// expected within 3 s) and is the load generator. Latency = push started → its ack frame received.
//
// Two rows, taking turns in slices as the webhook rows do: (d) group chatter the bot ignores after the token
// check (what the transport itself costs), (e) /room commands recorded durably (local journal) before the
// ack, then looked up and answered through the emulator (the full cost, the work after the ack included).
// Envelopes are made during the slices (plain objects: no signing or encryption to do ahead, unlike the
// webhook's pool), each with its own message_id.
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import type { DeliveryResult } from '../../src/emulator/index.js';
import { BENCH_APP, botEnv } from '../lib/app.js';
import { startServerChild, type ServerChild } from '../lib/child.js';
import { chatterEnvelopes, commandEnvelopes, type EnvelopeSource } from '../lib/events.js';
import { quantile, Samples, type LoadResult } from '../lib/load.js';
import { customIds, generateRooms } from '../lib/rooms.js';
import { summarize, type AckRowResult, type AckSettings, type Slice } from './ack.js';

export type LongConnectionRow = 'wsChatter' | 'wsCommands';

export interface LongConnectionSettings extends AckSettings {
  /** Row (e): /room commands cycle over this many rooms (custom IDs `${roomPrefix}-0…`). */
  commandRooms: number;
  roomPrefix: string;
}

export interface LongConnectionOutcome {
  rows: AckRowResult[];
  /** Row (e)'s emulator: replies posted, tokens issued. */
  commands: { replies: number; tokens: number };
}

interface Row {
  row: LongConnectionRow;
  emulator: Emulator;
  child: ServerChild;
  envelopes: EnvelopeSource;
  sent: number;
  okAnswers: number;
  saturation: Slice[];
  fixedRate: Slice[];
}

/** Every push counts once: no re-delivery (an unacknowledged push is a failure of the row, as a non-2xx is). */
const ONCE = { retryDelaysMs: [] as number[] };

interface PushOptions {
  durationSeconds: number;
  /** Saturation: this many pushes in flight at any time… */
  connections: number;
  /** …or a fixed rate, pushes per second over the slice. */
  overallRate?: number;
}

/** One slice of pushes; the same figures as an autocannon run, with acks for 2xx answers. */
async function pushFor(row: Row, options: PushOptions): Promise<{ result: LoadResult; latencies: Float64Array }> {
  const samples = new Samples();
  const statusCodes: Record<string, number> = {};
  let errors = 0;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const pushOne = async (): Promise<void> => {
    const envelope = row.envelopes(row.sent++) as Parameters<Emulator['deliverEnvelope']>[0];
    const at = performance.now();
    const delivery: DeliveryResult = await row.emulator.deliverEnvelope(envelope, ONCE);
    const [attempt] = delivery.attempts;
    if (delivery.acknowledged) samples.add(performance.now() - at);
    if (attempt?.status !== undefined) statusCodes[attempt.status] = (statusCodes[attempt.status] ?? 0) + 1;
    else errors += 1; // no connection, timeout, connection closed
  };
  if (options.overallRate === undefined) {
    const deadline = started + options.durationSeconds * 1000;
    const pushUntilDeadline = async () => {
      while (performance.now() < deadline) await pushOne();
    };
    await Promise.all(Array.from({ length: options.connections }, pushUntilDeadline));
  } else {
    // Each millisecond, start the pushes that are due by then (the webhook rows' autocannon sends each second's
    // share at once: this is the gentler schedule, and closer to what Feishu does).
    const total = Math.round(options.overallRate * options.durationSeconds);
    const inFlight: Promise<void>[] = [];
    while (inFlight.length < total) {
      const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * options.overallRate) + 1);
      while (inFlight.length < due) inFlight.push(pushOne());
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await Promise.all(inFlight);
  }
  const durationSeconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const latencies = samples.sorted();
  const responses = Object.values(statusCodes).reduce((sum, n) => sum + n, 0);
  return {
    result: {
      responses,
      ok: latencies.length,
      non2xx: responses - latencies.length,
      statusCodes,
      errors,
      durationSeconds,
      okPerSecond: latencies.length / durationSeconds,
      p50Ms: quantile(latencies, 0.5),
      p99Ms: quantile(latencies, 0.99),
      maxMs: quantile(latencies, 1),
      generatorCpuMicros: cpu.user + cpu.system,
    },
    latencies,
  };
}

async function runSlice(row: Row, options: PushOptions): Promise<Slice> {
  const before = await row.child.stats();
  const { result, latencies } = await pushFor(row, options);
  // ours keeps working after the ack (queued commands): that work is part of its cost
  const drainStarted = performance.now();
  const after = await row.child.idle();
  row.okAnswers += result.ok;
  return { result, latencies, serverCpuMicros: after.cpuMicros - before.cpuMicros, drainSeconds: (performance.now() - drainStarted) / 1000, loopDelayMaxMs: after.loopDelay.maxMs };
}

async function startRow(row: LongConnectionRow, settings: LongConnectionSettings): Promise<Row> {
  const commands = row === 'wsCommands';
  const emulator = await startEmulator({
    ...BENCH_APP,
    eventTransport: 'websocket',
    ...(commands ? { rooms: generateRooms(settings.roomPrefix, settings.commandRooms) } : {}),
    retryDelaysMs: [],
    maxRecords: 1_000,
  });
  try {
    const child = await startServerChild({ target: 'ours', env: botEnv(emulator.url, { FEISHU_EVENT_MODE: 'websocket', QUEUE_MAX_PENDING: '1000000' }) });
    const envelopes = commands ? commandEnvelopes(emulator, customIds(settings.roomPrefix, 0, settings.commandRooms)) : chatterEnvelopes(emulator.identity);
    return { row, emulator, child, envelopes, sent: 0, okAnswers: 0, saturation: [], fixedRate: [] };
  } catch (error) {
    await emulator.close();
    throw error;
  }
}

export async function runLongConnectionPhase(settings: LongConnectionSettings, onProgress: (line: string) => void): Promise<LongConnectionOutcome> {
  const rows: Row[] = [];
  try {
    for (const name of ['wsChatter', 'wsCommands'] as const) rows.push(await startRow(name, settings));
    const { connections, sliceSeconds } = settings;
    for (const row of rows) await runSlice(row, { connections, durationSeconds: settings.warmupSeconds });
    for (let round = 1; round <= settings.rounds; round += 1) {
      onProgress(`ack path, long connection: saturation round ${round}/${settings.rounds}`);
      for (const row of rows) row.saturation.push(await runSlice(row, { connections, durationSeconds: sliceSeconds }));
    }
    for (let round = 1; round <= settings.rateRounds; round += 1) {
      onProgress(`ack path, long connection: ${settings.rate}/s round ${round}/${settings.rateRounds}`);
      for (const row of rows) row.fixedRate.push(await runSlice(row, { connections: settings.rateConnections, durationSeconds: sliceSeconds, overallRate: settings.rate }));
    }
    const results: AckRowResult[] = [];
    for (const row of rows) {
      results.push({
        row: row.row,
        saturation: summarize(row.saturation),
        fixedRate: summarize(row.fixedRate),
        pushesSent: row.sent,
        repeats: 0,
        okAnswers: row.okAnswers,
        server: await row.child.idle(),
      });
    }
    const commands = rows.find((r) => r.row === 'wsCommands')!.emulator;
    return { rows: results, commands: { replies: commands.replies.length, tokens: commands.issuedTokens().length } };
  } finally {
    await Promise.all(rows.map((row) => row.child.stop()));
    await Promise.all(rows.map((row) => row.emulator.close()));
  }
}
