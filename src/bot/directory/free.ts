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

/**
 * Rooms worth asking about, smallest fitting capacity first (ties in directory order), at most `max`; and how
 * many fit in all. Linear: a count per capacity finds the largest capacity that still makes the cut.
 */
export function freeCandidates(
  entries: readonly IndexedRoom[],
  filter: FreeFilter,
  max: number,
): { rooms: DirectoryRoom[]; total: number } {
  const minCapacity = filter.minCapacity ?? 0;
  const fitting: DirectoryRoom[] = [];
  for (const entry of entries) {
    const { room } = entry;
    if (room.is_disabled || room.capacity < minCapacity) continue;
    let all = true;
    for (const word of filter.words) {
      if (!entry.place.includes(word)) {
        all = false;
        break;
      }
    }
    if (all) fitting.push(room);
  }
  if (fitting.length <= max) return { rooms: fitting.sort((a, b) => a.capacity - b.capacity), total: fitting.length };
  const perCapacity = new Map<number, number>();
  for (const room of fitting) perCapacity.set(room.capacity, (perCapacity.get(room.capacity) ?? 0) + 1);
  let cut = 0;
  let below = 0;
  for (const capacity of [...perCapacity.keys()].sort((a, b) => a - b)) {
    cut = capacity;
    if (below + perCapacity.get(capacity)! >= max) break;
    below += perCapacity.get(capacity)!;
  }
  let atCut = max - below;
  const chosen = fitting.filter((room) => room.capacity < cut || (room.capacity === cut && atCut-- > 0));
  return { rooms: chosen.sort((a, b) => a.capacity - b.capacity), total: fitting.length };
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
