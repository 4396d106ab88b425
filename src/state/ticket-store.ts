// Where a store app keeps its app_ticket: in Redis when REDIS_URL is set (every replica reads the ticket one
// of them was pushed), else in a file in DATA_DIR, written atomically (temporary file, fsync, rename).
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { AppTicketStore, StateStore } from '../bot/ports.js';

/** Feishu pushes a new ticket every hour; an older one is kept this long in case pushes stop for a while. */
const TICKET_TTL_MS = 24 * 60 * 60 * 1000;
const TICKET_KEY = 'app_ticket';
const TICKET_FILE = 'app_ticket.json';

/** The ticket under one key of a (shared) state store; writes must reach it, so no fallback store here. */
export function createStateTicketStore(store: StateStore): AppTicketStore {
  return {
    get: () => store.get(TICKET_KEY),
    set: (ticket) => store.set(TICKET_KEY, ticket, TICKET_TTL_MS),
  };
}

/** The ticket in DATA_DIR/app_ticket.json (one process per DATA_DIR, as for the journal). */
export function createFileTicketStore(dir: string): AppTicketStore {
  const path = join(dir, TICKET_FILE);
  let cached: { ticket: string; at: number } | undefined;
  let loaded = false;
  return {
    async get() {
      if (!loaded) {
        cached = await readFile(path, 'utf8')
          .then((text) => JSON.parse(text) as { ticket: string; at: number })
          .catch(() => undefined);
        loaded = true;
      }
      if (!cached || typeof cached.ticket !== 'string' || Date.now() - cached.at > TICKET_TTL_MS) return undefined;
      return cached.ticket;
    },
    async set(ticket) {
      await mkdir(dir, { recursive: true });
      const record = { ticket, at: Date.now() };
      const temporary = `${path}.tmp`;
      const file = await open(temporary, 'w');
      try {
        await file.writeFile(JSON.stringify(record));
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(temporary, path);
      cached = record;
      loaded = true;
    },
  };
}
