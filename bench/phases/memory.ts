// Phase 4, memory: 100,000 distinct acked events into one bot process with a small dedupe cap. The memory
// store must evict at the cap, so the heap (after a full GC) levels off once the cap is reached.
import { botEnv } from '../lib/app.js';
import { startServerChild } from '../lib/child.js';
import { PushCursor, type PushPool } from '../lib/events.js';
import { runLoad } from '../lib/load.js';

export interface MemorySettings {
  events: number;
  /** Checkpoints: RSS and heap are read after every `step` events. */
  step: number;
  /** DEDUPE_MAX_ENTRIES for this phase. */
  dedupeCap: number;
  connections: number;
  /** Largest heap growth (after GC) allowed over the second half of the events, in bytes. */
  maxSecondHalfGrowthBytes: number;
}

export interface MemoryCheckpoint {
  events: number;
  rssBytes: number;
  heapUsedBytes: number;
}

export interface MemoryResult {
  dedupeCap: number;
  checkpoints: MemoryCheckpoint[];
  non2xx: number;
  /** Heap growth after GC from the middle checkpoint to the last one. */
  secondHalfHeapGrowthBytes: number;
  rssGrowthBytes: number;
  bounded: boolean;
}

export async function runMemoryPhase(feishuDomain: string, pool: PushPool, settings: MemorySettings, onProgress: (line: string) => void): Promise<MemoryResult> {
  pool.ensure(settings.events);
  const child = await startServerChild({
    target: 'ours',
    env: botEnv(feishuDomain, { DEDUPE_MAX_ENTRIES: String(settings.dedupeCap), QUEUE_MAX_PENDING: String(settings.events) }),
  });
  const cursor = new PushCursor(pool);
  try {
    const start = await child.statsAfterGc();
    const checkpoints: MemoryCheckpoint[] = [{ events: 0, rssBytes: start.rssBytes, heapUsedBytes: start.heapUsedBytes }];
    let non2xx = 0;
    for (let sent = 0; sent < settings.events; ) {
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
    const middle = checkpoints.reduce((best, c) => (Math.abs(c.events - last.events / 2) < Math.abs(best.events - last.events / 2) ? c : best));
    const secondHalfHeapGrowthBytes = last.heapUsedBytes - middle.heapUsedBytes;
    return {
      dedupeCap: settings.dedupeCap,
      checkpoints,
      non2xx,
      secondHalfHeapGrowthBytes,
      rssGrowthBytes: last.rssBytes - checkpoints[0]!.rssBytes,
      bounded: secondHalfHeapGrowthBytes < settings.maxSecondHalfGrowthBytes && cursor.repeats === 0,
    };
  } finally {
    await child.stop();
  }
}
