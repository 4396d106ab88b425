// `/room free [N] [words]`: which rooms to ask free/busy for (the directory first: never disabled, capacity
// ≥ N, building or floor matching every word), then which of them are free now for long enough (pure).
import { roomAvailability } from '../availability.js';
import type { FreeBusyInstance, TimeWindow } from '../ports.js';
import type { DirectoryRoom, IndexedRoom } from './model.js';
import { topK } from './top-k.js';

export interface FreeFilter {
  minCapacity?: number;
  /** Folded words, each of which the building or floor must contain. */
  words: readonly string[];
}

/** Rooms worth asking about, smallest fitting capacity first, at most `max`; and how many fit in all. */
export function freeCandidates(
  entries: readonly IndexedRoom[],
  filter: FreeFilter,
  max: number,
): { rooms: DirectoryRoom[]; total: number } {
  const minCapacity = filter.minCapacity ?? 0;
  let total = 0;
  function* fitting(): Generator<IndexedRoom> {
    for (const entry of entries) {
      const { room } = entry;
      if (room.is_disabled || room.capacity < minCapacity) continue;
      if (!filter.words.every((word) => entry.place.includes(word))) continue;
      total += 1;
      yield entry;
    }
  }
  const best = topK(fitting(), max, (a, b) => a.room.capacity - b.room.capacity || compareText(a.name, b.name));
  return { rooms: best.map((entry) => entry.room), total };
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export interface FreeRoom {
  room: DirectoryRoom;
  /** Start of its next booking today; undefined: free for the rest of the day. */
  until?: number;
}

/**
 * The candidates free from `window.from` for at least `minMs`, by smallest capacity, then longest free stretch;
 * at most `limit`. Rooms without a free/busy answer are left out: the bot does not know they are free.
 */
export function freeRooms(
  candidates: readonly DirectoryRoom[],
  bookings: ReadonlyMap<string, readonly FreeBusyInstance[]>,
  window: TimeWindow,
  minMs: number,
  limit: number,
): FreeRoom[] {
  const free: (FreeRoom & { end: number })[] = [];
  for (const room of candidates) {
    const instances = bookings.get(room.room_id);
    if (!instances) continue;
    const availability = roomAvailability(instances, window);
    if (availability.state !== 'free') continue;
    const end = availability.until ?? window.to;
    if (end - window.from < minMs) continue;
    free.push({ room, end, ...(availability.until !== undefined ? { until: availability.until } : {}) });
  }
  return topK(free, limit, (a, b) => a.room.capacity - b.room.capacity || b.end - a.end).map(({ room, until }) =>
    until === undefined ? { room } : { room, until },
  );
}
