// Phase 1's rows over the long connection (FEISHU_EVENT_MODE=websocket): ours, in its child process, opens
// the connection to an emulator in this process with the SDK's WSClient, and that emulator is the load
// generator: it pushes each im.message.receive_v1 as Feishu does (plain JSON in a data frame, to a connection
// that has pinged, an ack frame expected within 3 s). Latency = push started → its ack frame received.
//
//   (d) group chatter the bot ignores after the token check: what the transport itself costs
//   (e) /room commands recorded durably (local journal) before the ack, then looked up and answered through
//       the emulator: the full cost, the work after the ack included
//
// They take turns with the webhook rows (phases/ack.ts runs them all). Envelopes are made during the slices:
// plain objects, with nothing to sign or encrypt ahead as the webhook's pool has, each with its own message_id.
import { startEmulator, type DeliveryResult, type Emulator } from '../../src/emulator/index.js';
import type { EventEnvelope } from '../../src/protocol/events.js';
import { BENCH_APP } from '../lib/app.js';
import { chatterEnvelopes, commandEnvelopes, type EnvelopeSource } from '../lib/events.js';
import { quantile, Samples, type LoadRun } from '../lib/load.js';
import { customIds, generateRooms } from '../lib/rooms.js';
import type { AckRowSpec, LoadDriver, SliceLoad } from './ack.js';

export interface LongConnectionRows {
  /** (d) and (e), for runAckPhase. */
  specs: AckRowSpec[];
  /** Row (e)'s emulator: replies posted, tokens issued (read after the phase). */
  commands(): { replies: number; tokens: number };
  close(): Promise<void>;
}

/** Every push counts once: no re-delivery (an unacknowledged push is a failure of the row, as a non-2xx is). */
const ONCE = { retryDelaysMs: [] as number[] };

/** Pushes `envelopes` through the emulator's long connection: the figures of an autocannon run, an ack counting as a 2xx. */
export function longConnectionDriver(emulator: Emulator, envelopes: EnvelopeSource): LoadDriver {
  let sent = 0;
  return {
    get sent() {
      return sent;
    },
    async run(options: SliceLoad): Promise<LoadRun> {
      const samples = new Samples();
      const statusCodes: Record<string, number> = {};
      let errors = 0;
      const pushOne = async (): Promise<void> => {
        const envelope = envelopes(sent++) as EventEnvelope;
        const at = performance.now();
        const delivery: DeliveryResult = await emulator.deliverEnvelope(envelope, ONCE);
        if (delivery.acknowledged) samples.add(performance.now() - at);
        const status = delivery.attempts[0]?.status;
        if (status === undefined)
          errors += 1; // no connection, timeout, connection closed
        else statusCodes[status] = (statusCodes[status] ?? 0) + 1;
      };
      const cpuBefore = process.cpuUsage();
      const started = performance.now();
      const durationMs = (options.durationSeconds ?? 10) * 1000;
      if (options.overallRate === undefined) {
        const pushUntilDeadline = async () => {
          while (performance.now() - started < durationMs) await pushOne();
        };
        await Promise.all(Array.from({ length: options.connections }, pushUntilDeadline));
      } else {
        await pushAtRate(pushOne, options.overallRate, durationMs);
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
    },
  };
}

/**
 * `rate` pushes a second for `durationMs`: each millisecond, those due by then (the webhook rows' autocannon
 * sends each second's share at once; this spreads them, closer to what Feishu does). Resolves when all settled.
 */
async function pushAtRate(pushOne: () => Promise<void>, rate: number, durationMs: number): Promise<void> {
  const total = Math.round((rate * durationMs) / 1000);
  const started = performance.now();
  const pushes: Promise<void>[] = [];
  while (pushes.length < total) {
    const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate) + 1);
    while (pushes.length < due) pushes.push(pushOne());
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await Promise.all(pushes);
}

/**
 * An emulator in websocket mode per row (row (e)'s with the command rooms), and the row specs whose bots
 * connect to them. `env` is the environment of a benchmarked bot for a Feishu domain.
 */
export async function longConnectionRows(
  settings: { commandRooms: number; roomPrefix: string },
  env: (domain: string) => Record<string, string>,
): Promise<LongConnectionRows> {
  const emulatorOptions = { ...BENCH_APP, eventTransport: 'websocket' as const, retryDelaysMs: [], maxRecords: 1_000 };
  const chatter = await startEmulator(emulatorOptions);
  const commands = await startEmulator({
    ...emulatorOptions,
    rooms: generateRooms(settings.roomPrefix, settings.commandRooms),
  });
  const server = (emulator: Emulator) => ({
    target: 'ours' as const,
    env: { ...env(emulator.url), FEISHU_EVENT_MODE: 'websocket' },
  });
  return {
    specs: [
      {
        row: 'wsChatter',
        server: server(chatter),
        driver: longConnectionDriver(chatter, chatterEnvelopes(chatter.identity)),
      },
      {
        row: 'wsCommands',
        server: server(commands),
        driver: longConnectionDriver(
          commands,
          commandEnvelopes(commands, customIds(settings.roomPrefix, 0, settings.commandRooms)),
        ),
      },
    ],
    commands: () => ({ replies: commands.replies.length, tokens: commands.issuedTokens().length }),
    close: async () => void (await Promise.all([chatter.close(), commands.close()])),
  };
}
