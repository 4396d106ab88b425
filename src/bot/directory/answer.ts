// Answers to /room find and /room free, and what a lookup learns from the directory (omm_ reverse lookups,
// "did you mean"). Ports injected: the synced directory and the free/busy calendar; no I/O of its own.
import { restOfDay, roomAvailability } from '../availability.js';
import type { Logger } from '../../log.js';
import type { Card, DirectoryView, FreeBusyInstance, RoomCalendar, SyncedDirectory } from '../ports.js';
import { buildFindCard, buildFreeCard, buildLoadingCard, type RoomRow } from './cards.js';
import { freeRooms } from './free.js';
import { foldWords } from './normalize.js';

/** Rooms on a find or free card. */
export const MAX_ROWS = 10;
/** "Did you mean" suggestions per unknown custom ID. */
export const MAX_SUGGESTIONS = 3;
/** A Feishu room ID (meeting_room v1: "omm_" + 32 hex digits). */
const ROOM_ID = /^omm_[0-9a-f]{32}$/;

export function isRoomId(id: string): boolean {
  return ROOM_ID.test(id);
}

export interface DirectoryAnswerOptions {
  directory: SyncedDirectory;
  calendar: RoomCalendar;
  timeZone: string;
  clock: () => number;
  /** How long a request waits for the first sync before the "still loading" card (DIRECTORY_WAIT_MS). */
  waitMs: number;
  /** FREE_MIN_MINUTES: how long a room must stay free to be offered. */
  freeMinMinutes: number;
  /** FREE_MAX_CANDIDATES: rooms asked free/busy for, at most (20 a call). */
  freeMaxCandidates: number;
  logger: Logger;
}

export interface DirectoryAnswer {
  card: Card;
  fields: Record<string, unknown>;
}

export interface DirectoryAnswers {
  find(words: readonly string[], reference: string): Promise<DirectoryAnswer>;
  free(minCapacity: number | undefined, words: readonly string[], reference: string): Promise<DirectoryAnswer>;
  /** The view now, without waiting (lookups never wait for the directory). */
  current(): Promise<DirectoryView | undefined>;
  /** Not-found custom ID → what the reader may have meant (custom IDs, else names). */
  suggestions(view: DirectoryView | undefined, notFound: readonly string[]): Map<string, string[]>;
}

const LOADING: DirectoryAnswer = { card: buildLoadingCard(), fields: { outcome: 'directory_loading' } };

export function createDirectoryAnswers(options: DirectoryAnswerOptions): DirectoryAnswers {
  const { directory, calendar, timeZone, clock, logger } = options;

  /** Free/busy of `roomIds` for the rest of the day; undefined (logged) when Feishu could not say. */
  async function bookingsOf(
    roomIds: readonly string[],
    window: { from: number; to: number },
    reference: string,
  ): Promise<Map<string, FreeBusyInstance[]> | undefined> {
    if (roomIds.length === 0) return new Map();
    try {
      return await calendar.getFreeBusy(roomIds, window);
    } catch (error) {
      logger.error({ message_id: reference, err: error }, 'room free/busy unavailable; replying without it');
      return undefined;
    }
  }

  return {
    async find(words, reference) {
      const view = await directory.view(options.waitMs);
      if (!view) return LOADING;
      const result = view.search(foldWords(words), MAX_ROWS);
      const window = restOfDay(clock(), timeZone);
      const inUse = result.rooms.filter((room) => !room.is_disabled).map((room) => room.room_id);
      const bookings = await bookingsOf(inUse, window, reference);
      const rows: RoomRow[] = result.rooms.map((room) => {
        const instances = bookings?.get(room.room_id);
        return instances ? { room, availability: roomAvailability(instances, window) } : { room };
      });
      return {
        card: buildFindCard({
          words,
          rows,
          total: result.total,
          timeZone,
          syncedAt: view.syncedAt,
          availabilityUnavailable: bookings === undefined,
        }),
        fields: { outcome: 'found', found: result.total, shown: rows.length },
      };
    },

    async free(minCapacity, words, reference) {
      const view = await directory.view(options.waitMs);
      if (!view) return LOADING;
      const filter = { words: foldWords(words), ...(minCapacity !== undefined ? { minCapacity } : {}) };
      const candidates = view.freeCandidates(filter, options.freeMaxCandidates);
      const window = restOfDay(clock(), timeZone);
      const bookings = await bookingsOf(
        candidates.rooms.map((room) => room.room_id),
        window,
        reference,
      );
      const rooms = bookings
        ? freeRooms(candidates.rooms, bookings, window, options.freeMinMinutes * 60_000, MAX_ROWS)
        : [];
      return {
        card: buildFreeCard({
          rooms,
          minMinutes: options.freeMinMinutes,
          ...(minCapacity !== undefined ? { minCapacity } : {}),
          checked: candidates.rooms.length,
          matching: candidates.total,
          timeZone,
          syncedAt: view.syncedAt,
          availabilityUnavailable: bookings === undefined,
        }),
        fields: { outcome: 'found', found: rooms.length, candidates: candidates.rooms.length },
      };
    },

    current: () => directory.view(0),

    suggestions(view, notFound) {
      const result = new Map<string, string[]>();
      if (!view) return result;
      // a typo is rare and a card shows 5 at most: bound the work for a command of 100 unknown IDs
      for (const id of notFound.slice(0, 5)) {
        const meant = view
          .suggest(id, MAX_SUGGESTIONS)
          .map((room) => room.custom_room_id ?? room.name)
          .filter((name) => name !== id);
        if (meant.length > 0) result.set(id, meant);
      }
      return result;
    },
  };
}
