// `/room book <room> …` where <room> is a name: the directory resolves it only when it means one room (its
// exact name, or the only match); several matches are shown so the person can pick an ID. Pure.
import type { DirectoryRoom } from '../directory/model.js';
import type { DirectoryView } from '../ports.js';
import { fold } from '../directory/normalize.js';

export type NameResolution =
  { kind: 'one'; room: DirectoryRoom } | { kind: 'several'; rooms: DirectoryRoom[]; total: number } | { kind: 'none' };

/** At most this many candidates are named on the card when a name is ambiguous. */
const SHOWN = 5;

export function resolveRoomByName(view: DirectoryView, word: string): NameResolution {
  const byCustomId = view.byCustomId(word);
  if (byCustomId) return { kind: 'one', room: byCustomId };
  const folded = fold(word);
  const { rooms, total } = view.search([folded], SHOWN);
  if (total === 0) return { kind: 'none' };
  const exact = rooms.filter((room) => fold(room.name) === folded);
  if (exact.length === 1) return { kind: 'one', room: exact[0]! };
  if (total === 1) return { kind: 'one', room: rooms[0]! };
  return { kind: 'several', rooms, total };
}
