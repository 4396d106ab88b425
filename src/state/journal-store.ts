// A StateStore that survives a restart without Redis: the memory store, with every write appended to a
// journal in DATA_DIR and replayed at start. It holds what must outlive the process in journal mode (the
// card-callback replay marks); the lookup cache stays in memory, where losing it costs only a lookup.
// Writes are not fsynced one by one: a line written is safe from a crash of the process (kill -9), which is
// what a restart is; the next synced write of the journal carries it to the disk.
import type { StateStore } from '../bot/ports.js';
import type { Logger } from '../log.js';
import { isJsonObject } from '../json.js';
import { createJournalFile } from './journal-file.js';
import { createMemoryStore } from './memory.js';

export interface JournalStoreOptions {
  dir: string;
  /** The journal's file name in dir. */
  name: string;
  maxEntries: number;
  logger: Logger;
  now?: () => number;
  /** Compact once the file has grown past this (and twice its size after the last compaction). */
  compactMinBytes?: number;
}

type Line = { op: 'set'; k: string; v: string; exp: number } | { op: 'del'; k: string };

const COMPACT_MIN_BYTES = 1024 * 1024;

function isLine(line: unknown): line is Line {
  if (!isJsonObject(line) || typeof line.k !== 'string') return false;
  return line.op === 'del' || (line.op === 'set' && typeof line.v === 'string' && typeof line.exp === 'number');
}

export async function createJournalStore(options: JournalStoreOptions): Promise<StateStore> {
  const now = options.now ?? Date.now;
  const memory = createMemoryStore({ maxEntries: options.maxEntries, now, logger: options.logger });
  const journal = createJournalFile({
    dir: options.dir,
    name: options.name,
    lineStart: '{"op":',
    compactMinBytes: options.compactMinBytes ?? COMPACT_MIN_BYTES,
    snapshot: () => memory.liveEntries().map(({ key, value, expiresAt }) => setLine(key, value, expiresAt)),
  });
  const opened = await journal.open();
  for (const line of opened.lines) {
    if (!isLine(line)) continue;
    if (line.op === 'del') await memory.delete(line.k);
    else if (line.exp > now()) await memory.set(line.k, line.v, line.exp - now());
  }

  const record = (line: Line) => journal.append([line], { sync: false });

  return {
    async setIfAbsent(key, value, ttlMs) {
      const set = await memory.setIfAbsent(key, value, ttlMs);
      if (set) await record(setLine(key, value, now() + ttlMs));
      return set;
    },
    async set(key, value, ttlMs) {
      await memory.set(key, value, ttlMs);
      await record(setLine(key, value, now() + ttlMs));
    },
    get: (key) => memory.get(key),
    async delete(key) {
      await memory.delete(key);
      await record({ op: 'del', k: key });
    },
    async deleteByPrefix(prefix) {
      for (const { key } of memory.liveEntries()) {
        if (!key.startsWith(prefix)) continue;
        await memory.delete(key);
        await record({ op: 'del', k: key });
      }
    },
    async close() {
      await journal.close();
      await memory.close();
    },
  };
}

function setLine(key: string, value: string, expiresAt: number): Line {
  return { op: 'set', k: key, v: value, exp: expiresAt };
}
