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

/** Every room's folded text in one string, so that one indexOf call scans them all (per-room `includes` set
 * up its search for the word 10,000 times: 90 % of a `/room find` over 10,000 rooms in the bench's profile). */
export interface SearchIndex {
  entries: readonly IndexedRoom[];
  haystack: string;
  /** Where each entry's text starts in the haystack; one more at the end. */
  starts: Int32Array;
}

const SEPARATOR = '\u0001';

export function createSearchIndex(entries: readonly IndexedRoom[]): SearchIndex {
  const starts = new Int32Array(entries.length + 1);
  let at = 0;
  entries.forEach((entry, i) => {
    starts[i] = at;
    at += entry.text.length + SEPARATOR.length;
  });
  starts[entries.length] = at;
  return { entries, haystack: entries.map((entry) => entry.text).join(SEPARATOR), starts };
}

/** The entry whose text holds `position`: the last start at or before it. */
function entryAt(starts: Int32Array, position: number): number {
  let low = 0;
  let high = starts.length - 2;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (starts[middle]! <= position) low = middle;
    else high = middle - 1;
  }
  return low;
}

/** `words` are folded already (foldWords); no words match nothing. */
export function searchRooms(index: SearchIndex, words: readonly string[], limit: number): SearchResult {
  if (words.length === 0) return { rooms: [], total: 0 };
  const query = words.join(' ');
  const matches: Ranked[] = [];
  const push = (entry: IndexedRoom) => matches.push({ entry, rank: rankOf(entry, query) });
  const containsAll = (entry: IndexedRoom, skip?: string) =>
    words.every((word) => word === skip || entry.text.includes(word));
  if (words.some((word) => word === '' || word.includes(SEPARATOR))) {
    // a word that could span two rooms' texts in the haystack: room by room instead
    for (const entry of index.entries) if (containsAll(entry)) push(entry);
  } else {
    // the longest word finds the candidates (fewest, usually); the others are checked on those only
    const anchor = words.reduce((longest, word) => (word.length > longest.length ? word : longest));
    const { haystack, starts, entries } = index;
    for (let from = haystack.indexOf(anchor); from >= 0;) {
      const i = entryAt(starts, from);
      const entry = entries[i]!;
      if (containsAll(entry, anchor)) push(entry);
      from = haystack.indexOf(anchor, starts[i + 1]!);
    }
  }
  const best = topK(matches, limit, compareRanked);
  return { rooms: best.map((ranked) => ranked.entry.room), total: matches.length };
}
