// Phase 4, memory: distinct acked events into one bot process with a small dedupe cap. Only messages the
// bot answers leave a dedupe mark (chatter is acked without one), so one push in `commandEvery` is a
// /room command, answered through an emulator of this phase's own; the rest is group chatter. The memory
// store must evict at the cap, so the heap (after a full GC) levels off once the cap is reached.
import { BENCH_APP, botEnv } from '../lib/app.js';
import { startServerChild } from '../lib/child.js';
import { chatterEnvelopes, commandEnvelopes, PushCursor, PushPool } from '../lib/events.js';
import { runLoad } from '../lib/load.js';
import { startEmulator } from '../../src/emulator/index.js';
import { customIds, generateRooms } from '../lib/rooms.js';

export interface MemorySettings {
  events: number;
  /** Every `commandEvery`-th push is a /room command (a dedupe mark and a reply); the others are chatter. */
  commandEvery: number;
  /** Checkpoints: RSS and heap are read after every `step` events. */
  step: number;
  /** DEDUPE_MAX_ENTRIES for this phase. */
  dedupeCap: number;
  connections: number;
  /** Largest heap growth (after GC) allowed over the second half of the events, in bytes. */
  maxSecondHalfGrowthBytes: number;
  /** The commands cycle over the first `rooms` rooms named `${roomPrefix}-${i}`. */
  roomPrefix: string;
  rooms: number;
}

export interface MemoryCheckpoint {
  events: number;
  rssBytes: number;
  heapUsedBytes: number;
}

export interface MemoryResult {
  dedupeCap: number;
  commands: number;
  /** Replies the phase's emulator recorded: one per command. */
  replies: number;
  checkpoints: MemoryCheckpoint[];
  non2xx: number;
  /** Heap growth after GC from the middle checkpoint to the last one. */
  secondHalfHeapGrowthBytes: number;
  rssGrowthBytes: number;
  bounded: boolean;
}

export async function runMemoryPhase(
  settings: MemorySettings,
  onProgress: (line: string) => void,
): Promise<MemoryResult> {
  const emulator = await startEmulator({
    ...BENCH_APP,
    rooms: generateRooms(settings.roomPrefix, settings.rooms),
    maxRecords: 1_000,
  });
  const chatter = chatterEnvelopes(emulator.identity);
  const commands = commandEnvelopes(emulator, customIds(settings.roomPrefix, 0, settings.rooms));
  const isCommand = (i: number) => i % settings.commandEvery === 0;
  const pool = new PushPool(BENCH_APP.encryptKey, (i) =>
    isCommand(i) ? commands(i / settings.commandEvery) : chatter(i),
  );
  pool.ensure(settings.events);
  const child = await startServerChild({
    target: 'ours',
    env: botEnv(emulator.url, {
      DEDUPE_MAX_ENTRIES: String(settings.dedupeCap),
      QUEUE_MAX_PENDING: String(settings.events),
    }),
  });
  const cursor = new PushCursor(pool);
  try {
    const start = await child.statsAfterGc();
    const checkpoints: MemoryCheckpoint[] = [
      { events: 0, rssBytes: start.rssBytes, heapUsedBytes: start.heapUsedBytes },
    ];
    let non2xx = 0;
    for (let sent = 0; sent < settings.events;) {
      const amount = Math.min(settings.step, settings.events - sent);
      const { result } = await runLoad({ url: child.eventUrl, cursor, connections: settings.connections, amount });
      non2xx += result.non2xx + result.errors;
      sent += amount;
      await child.idle();
      const stats = await child.statsAfterGc();
      checkpoints.push({ events: sent, rssBytes: stats.rssBytes, heapUsedBytes: stats.heapUsedBytes });
      onProgress(`memory: ${sent} events`);
    }
    const last = checkpoints[checkpoints.length - 1]!;
    const middle = checkpoints.reduce((best, c) =>
      Math.abs(c.events - last.events / 2) < Math.abs(best.events - last.events / 2) ? c : best,
    );
    const secondHalfHeapGrowthBytes = last.heapUsedBytes - middle.heapUsedBytes;
    return {
      dedupeCap: settings.dedupeCap,
      commands: Math.ceil(cursor.taken / settings.commandEvery),
      replies: emulator.replies.length,
      checkpoints,
      non2xx,
      secondHalfHeapGrowthBytes,
      rssGrowthBytes: last.rssBytes - checkpoints[0]!.rssBytes,
      bounded: secondHalfHeapGrowthBytes < settings.maxSecondHalfGrowthBytes && cursor.repeats === 0,
    };
  } finally {
    await child.stop();
    await emulator.close();
  }
}
