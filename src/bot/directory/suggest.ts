// "Did you mean": for a custom ID the directory does not know, rooms whose custom ID is within edit distance 2,
// else rooms whose name contains the word (pure; bounded: distance work stops at 2).
import type { DirectoryRoom, IndexedRoom } from './model.js';
import { topK } from './top-k.js';

export const MAX_DISTANCE = 2;

/** Levenshtein distance when ≤ max, else max + 1; O(|a| · (2·max + 1)). */
export function boundedDistance(a: string, b: string, max = MAX_DISTANCE): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const current = new Array<number>(b.length + 1).fill(max + 1);
    current[0] = i;
    let rowMin = current[0];
    const from = Math.max(1, i - max);
    const to = Math.min(b.length, i + max);
    for (let j = from; j <= to; j += 1) {
      const substitution = previous[j - 1]! + (a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1);
      current[j] = Math.min(substitution, previous[j]! + 1, current[j - 1]! + 1);
      if (current[j]! < rowMin) rowMin = current[j]!;
    }
    if (rowMin > max) return max + 1;
    previous = current;
  }
  return Math.min(previous[b.length]!, max + 1);
}

/** Up to `limit` rooms for a folded word: close custom IDs first (by distance), then names containing it. */
export function suggestRooms(entries: readonly IndexedRoom[], word: string, limit: number): DirectoryRoom[] {
  if (word === '') return [];
  function* scored(): Generator<{ entry: IndexedRoom; score: number }> {
    for (const entry of entries) {
      if (entry.customId !== '') {
        const distance = boundedDistance(entry.customId, word);
        if (distance <= MAX_DISTANCE) {
          yield { entry, score: distance };
          continue;
        }
      }
      if (entry.name.includes(word)) yield { entry, score: MAX_DISTANCE + 1 };
    }
  }
  return topK(
    scored(),
    limit,
    (a, b) =>
      a.score - b.score || (a.entry.customId < b.entry.customId ? -1 : a.entry.customId > b.entry.customId ? 1 : 0),
  ).map((s) => s.entry.room);
}
