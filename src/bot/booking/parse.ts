// `/room book <room> <HH:MM>-<HH:MM>` (also 预定 / 预订): the words after the subcommand → a booking to make
// (pure; bounded: at most a few short words are read). Times are of today in ROOM_TIMEZONE, turned into
// instants when the booking is made (todayAt in slots.ts).
import type { Words } from '../command-words.js';

export const BOOK_WORDS: readonly string[] = ['book', '预定', '预订'];

export type BookCommand =
  | {
      kind: 'book';
      /** A custom room ID, an omm_ room_id, or (with the directory) a name. */
      room: string;
      /** Minutes after local midnight. */
      from: number;
      to: number;
    }
  | { kind: 'invalid'; problem: 'book_usage' };

const USAGE: BookCommand = { kind: 'invalid', problem: 'book_usage' };
const WORD_MAX_UNITS = 128;
const SLOT_WORDS_MAX = 3;
// One bounded string: HH:MM, a dash (or ~, 到, 至) or a space, HH:MM; full-width forms are folded by NFKC first.
const SLOT = /^(\d{1,2}):(\d{2})(?: ?(?:-|–|—|~|到|至) ?| )(\d{1,2}):(\d{2})$/;
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Cs}]/u;

/** Reads `<room> <slot>` from `words` (positioned after the subcommand word). */
export function parseBookWords(words: Words, maxIdLength: number): BookCommand {
  words.skip('all');
  const room = words.done ? undefined : words.word(WORD_MAX_UNITS);
  if (!room || INVISIBLE.test(room) || [...room].length > maxIdLength) return USAGE;
  let slot = '';
  for (let count = 0; count < SLOT_WORDS_MAX; count += 1) {
    words.skip('all');
    if (words.done) break;
    const word = words.word(WORD_MAX_UNITS);
    if (word === undefined) return USAGE;
    slot += slot === '' ? word : ` ${word}`;
  }
  words.skip('all');
  if (!words.done) return USAGE;
  const match = SLOT.exec(slot.normalize('NFKC'));
  if (!match) return USAGE;
  const [fromH, fromM, toH, toM] = match.slice(1).map(Number) as [number, number, number, number];
  if (fromH > 23 || fromM > 59 || toM > 59 || toH > 24 || (toH === 24 && toM !== 0)) return USAGE;
  return { kind: 'book', room, from: fromH * 60 + fromM, to: toH * 60 + toM };
}
