// A synced directory, indexed for the commands: by room_id, by custom_room_id, and folded text for matching
// (pure; built once per sync, then read by every request).
import type { DirectoryView } from '../ports.js';
import type { FreeFilter } from './free.js';
import { freeCandidates } from './free.js';
import type { DirectoryRoom, DirectorySnapshot, IndexedRoom } from './model.js';
import { fold } from './normalize.js';
import { createSearchIndex, searchRooms, type SearchResult } from './search.js';
import { suggestRooms } from './suggest.js';

export function indexRoom(room: DirectoryRoom): IndexedRoom {
  const name = fold(room.name);
  const customId = room.custom_room_id === undefined ? '' : fold(room.custom_room_id);
  const building = fold(room.building_name);
  const floor = fold(room.floor_name);
  return { room, name, customId, text: `${name}\0${building}\0${floor}\0${customId}`, place: `${building}\0${floor}` };
}

export function createDirectoryView(snapshot: DirectorySnapshot): DirectoryView {
  const entries = snapshot.rooms.map(indexRoom);
  const searchIndex = createSearchIndex(entries);
  const byRoomId = new Map<string, DirectoryRoom>();
  const byCustomId = new Map<string, DirectoryRoom>();
  for (const { room } of entries) {
    byRoomId.set(room.room_id, room);
    if (room.custom_room_id !== undefined) byCustomId.set(room.custom_room_id, room);
  }
  return {
    syncedAt: snapshot.synced_at,
    customIds: snapshot.custom_ids,
    size: entries.length,
    byRoomId: (roomId) => byRoomId.get(roomId),
    byCustomId: (customRoomId) => byCustomId.get(customRoomId),
    search: (words, limit): SearchResult => searchRooms(searchIndex, words, limit),
    freeCandidates: (filter: FreeFilter, max) => freeCandidates(entries, filter, max),
    suggest: (word, limit) => suggestRooms(entries, fold(word), limit),
  };
}
