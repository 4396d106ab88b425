// `/room find <words>`: rooms whose name, building, floor or custom ID contain every word (folded), best first:
// exact name, then name prefix, then contains. One pass over the directory, then the top k (pure).
import type { DirectoryRoom, IndexedRoom } from './model.js';
import { topK } from './top-k.js';

export interface SearchResult {
  /** The best `limit` matches, best first. */
  rooms: DirectoryRoom[];
  /** How many rooms matched in all. */
  total: number;
}

interface Ranked {
  entry: IndexedRoom;
  rank: number;
}

function compareRanked(a: Ranked, b: Ranked): number {
  if (a.rank !== b.rank) return a.rank - b.rank;
  if (a.entry.name !== b.entry.name) return a.entry.name < b.entry.name ? -1 : 1;
  return a.entry.room.room_id < b.entry.room.room_id ? -1 : a.entry.room.room_id > b.entry.room.room_id ? 1 : 0;
}

/** 0 exact name, 1 name starts with the query, 2 contains. The query is the words joined by a space. */
function rankOf(entry: IndexedRoom, query: string): number {
  if (entry.name === query || entry.customId === query) return 0;
  return entry.name.startsWith(query) ? 1 : 2;
}

/** `words` are folded already (foldWords); no words match nothing. Plain loops: it runs over every room. */
export function searchRooms(entries: readonly IndexedRoom[], words: readonly string[], limit: number): SearchResult {
  if (words.length === 0) return { rooms: [], total: 0 };
  const query = words.join(' ');
  const matches: Ranked[] = [];
  for (const entry of entries) {
    let all = true;
    for (const word of words) {
      if (!entry.text.includes(word)) {
        all = false;
        break;
      }
    }
    if (all) matches.push({ entry, rank: rankOf(entry, query) });
  }
  const best = topK(matches, limit, compareRanked);
  return { rooms: best.map((ranked) => ranked.entry.room), total: matches.length };
}
