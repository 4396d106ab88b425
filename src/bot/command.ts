// `/room` command parsing: a received message (im.message.receive_v1) → what the bot should do.
// Pure: no I/O, never throws, whatever the message holds; the result is plain data (it may be stored as JSON).
// Linear in the message's size, and cheap for chatter: it runs before the ack, for every group message too,
// and a backtracking link pattern once held the event loop for 21 s on 100 KB of "[". So no regular expression
// with a quantifier runs over the text: the text is read once, left to right, and only as far as the decision
// needs (a message that does not start with `/room` is decided at its first word; a message addressed to the
// bot is read further only while each word still looks like a room ID).
import { readMessageText } from './message-text.js';
import { Mentions, Words } from './command-words.js';
import { BOOK_WORDS, parseBookWords, type BookCommand } from './booking/parse.js';
import { DIRECTORY_KEYWORDS, ESCAPE_WORD, parseDirectoryCommand } from './directory/parse.js';

/**
 * Limits of one `/room` command (config keys lookup.maxIds and lookup.maxIdLength; their defaults are in app.config.json).
 * - maxIds: most distinct custom room IDs in one command, counted after de-duplication.
 * - maxIdLength: longest custom room ID, in Unicode code points.
 */
export interface CommandLimits {
  maxIds: number;
  maxIdLength: number;
}

/** The fields of a received message the parser reads; Feishu's ReceivedMessage satisfies it. */
export interface IncomingMessage {
  chat_type: string; // 'p2p' | 'group' | …
  message_type: string; // 'text' | 'post' | 'image' | …
  content: string; // JSON string whose shape depends on message_type
  mentions?: readonly { key: string; name?: string }[];
}

/** Why the help card is shown. */
export type HelpReason =
  | 'requested' // `/room help`, `/room -h`, `@RoomBot help`, …
  | 'no_ids' // `/room` alone
  | 'not_a_command' // an addressed text that is neither `/room …` nor room IDs alone (`@RoomBot` alone, `hello`)
  | 'unsupported_message_type' // an addressed image, file, sticker, …
  | 'unreadable_content'; // an addressed message whose content is not the JSON Feishu documents

/** Why a message is left unanswered (group chatter that is not for us). */
export type IgnoreReason = 'not_a_command' | 'unsupported_message_type' | 'unreadable_content';

export type InvalidIdReason = 'control_characters' | 'too_long';

export type Command =
  | {
      kind: 'lookup';
      ids: string[];
      /** Asked without `/room`: an addressed message whose every word looks like a room ID (`@RoomBot test01`). */
      implicit?: true;
    }
  /** `/room find <words>` (docs/directory.md). */
  | { kind: 'find'; words: string[] }
  /** `/room free [N] [words]`: rooms free now, capacity ≥ minCapacity, in buildings/floors matching the words. */
  | { kind: 'free'; minCapacity?: number; words: string[] }
  | { kind: 'help'; reason: HelpReason }
  | BookCommand
  | { kind: 'ignore'; reason: IgnoreReason }
  | { kind: 'invalid'; problem: 'too_many_ids'; count: number; max: number }
  | {
      kind: 'invalid';
      problem: 'invalid_id';
      /** The offending ID shortened and made printable, for display only. */
      id: string;
      reason: InvalidIdReason;
      max: number;
    };

const COMMAND_WORDS: ReadonlySet<string> = new Set(['/room']);
const HELP_WORDS: ReadonlySet<string> = new Set(['help', '-h', '--help', '帮助', '?']);
/**
 * Longest word (UTF-16 units) compared with the keywords above and SUBCOMMANDS' (a longer keyword needs a larger bound). Folding (NFKC, lower case) never maps a
 * character to nothing, and what NFKC composes (a letter and its mark, Hangul jamo) is in no keyword, so a word
 * that folds to a keyword has at most as many code points as the keyword (6). Longer words are not keywords,
 * and NFKC, which can grow a character 18-fold (U+FDFA), never sees them.
 */
const KEYWORD_MAX_UNITS = 16;
/** Longest shown part of a rejected ID, in code points. */
const DISPLAY_ID_MAX = 24;
// Control (C0, DEL, C1), format (zero-width, bidi controls, U+FEFF, …) and lone surrogates.
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Cs}]/u;

/**
 * Parses one received message into a Command. Never throws.
 *
 * `addressed`: the message is for the bot (p2p, or a group message that @mentions it; see triage.ts). A
 * `/room …` command is answered either way; an addressed message that is not one is answered too: as a
 * lookup when every word in it looks like a room ID (`@RoomBot test01 test02`), else with the help card.
 * Anything else not addressed is ignored (group chatter).
 */
export function parseCommand(
  message: IncomingMessage,
  limits: CommandLimits,
  addressed = message.chat_type === 'p2p',
): Command {
  const read = readMessageText(message);
  if (!read.ok) return addressed ? { kind: 'help', reason: read.reason } : { kind: 'ignore', reason: read.reason };
  const words = new Words(read.text, new Mentions(message.mentions), read.format === 'text');
  words.skip('spaces');
  // Unaddressed, only "/room" matters: a longer first word is left unread. Addressed, it may be a room ID.
  const first = words.word(addressed ? addressedWordMaxUnits(limits) : KEYWORD_MAX_UNITS);
  if (first !== undefined && COMMAND_WORDS.has(foldKeyword(first) ?? '')) return parseAfterCommandWord(words, limits);
  return addressed ? parseImplicitLookup(first, words, limits) : { kind: 'ignore', reason: 'not_a_command' };
}

/**
 * Subcommands: the word after `/room` (compared as a keyword) → how the rest of the message is read. A word
 * that is no subcommand is the first room ID of a lookup. A new subcommand is one entry here, its parse
 * function and its Command kind; addressed messages without `/room` (`@RoomBot help`) use this table too.
 */
type Subcommand = (words: Words, limits: CommandLimits, keyword: string) => Command;

const requestHelp: Subcommand = () => ({ kind: 'help', reason: 'requested' });

/** find/free (directory/parse.ts): the words after the keyword, checked like IDs, then parsed there. */
const directorySubcommand: Subcommand = (words, limits, keyword) => {
  const { ids, count } = readIds(keyword, words, limits.maxIds);
  if (count > limits.maxIds) return { kind: 'invalid', problem: 'too_many_ids', count, max: limits.maxIds };
  const command = validateIds(ids.slice(1), limits.maxIdLength);
  return command.kind === 'lookup' ? (parseDirectoryCommand([keyword, ...command.ids]) ?? command) : command;
};

const book: Subcommand = (words, limits) => parseBookWords(words, limits.maxIdLength);

const SUBCOMMANDS: ReadonlyMap<string, Subcommand> = new Map([
  ...[...HELP_WORDS].map((word): [string, Subcommand] => [word, requestHelp]),
  ...DIRECTORY_KEYWORDS.map((word): [string, Subcommand] => [word, directorySubcommand]),
  ...BOOK_WORDS.map((word): [string, Subcommand] => [word, book]),
]);

function subcommand(word: string): Subcommand | undefined {
  const folded = foldKeyword(word);
  return folded === undefined ? undefined : SUBCOMMANDS.get(folded);
}

/** After `/room`: a subcommand, or the IDs to look up, checked against the limits. */
function parseAfterCommandWord(words: Words, limits: CommandLimits): Command {
  words.skip('all');
  if (words.done) return { kind: 'help', reason: 'no_ids' };
  const first = words.word()!;
  return subcommand(first)?.(words, limits, first) ?? parseLookup(first, words, limits);
}

/** `/room ID…`: the IDs from `first` on, checked against the limits. */
function parseLookup(first: string, words: Words, limits: CommandLimits): Command {
  const read = readIds(first, words, limits.maxIds);
  // `/room -- free find`: after `--` every word is an ID, keywords too (docs/directory.md)
  const escaped = read.ids[0] === ESCAPE_WORD;
  const ids = escaped ? read.ids.slice(1) : read.ids;
  const count = escaped ? read.count - 1 : read.count;
  if (ids.length === 0) return { kind: 'help', reason: 'no_ids' };
  if (count > limits.maxIds) return { kind: 'invalid', problem: 'too_many_ids', count, max: limits.maxIds };
  return validateIds(ids, limits.maxIdLength);
}

/**
 * An addressed message without `/room`: a lookup when every word looks like a room ID (ROOM_ID_SHAPE) and they
 * keep the limits, else the help card. Without the command word the bot is guessing, so it guesses only when
 * sure: anything else (a sentence, too many IDs) gets the help card, which shows the `/room` form, rather than
 * a lookup of words nobody meant as IDs. Reading stops at the first word that does not fit.
 */
function parseImplicitLookup(first: string | undefined, words: Words, limits: CommandLimits): Command {
  const notACommand: Command = { kind: 'help', reason: 'not_a_command' };
  const ids = new Set<string>();
  for (let word = first; ; word = words.word(addressedWordMaxUnits(limits))) {
    if (word === undefined) return notACommand; // longer than any ID may be
    if (word !== '' && !ids.has(word)) {
      // Only the first word can be a subcommand: any other word is an ID by now, or has ended the reading.
      const asked = ids.size === 0 ? subcommand(word) : undefined;
      if (asked !== undefined) return asked(words, limits, word);
      if (!looksLikeRoomId(word, limits.maxIdLength)) return notACommand;
      ids.add(word);
      if (ids.size > limits.maxIds) return notACommand;
    }
    words.skip('all');
    if (words.done) break;
  }
  return ids.size === 0 ? notACommand : { kind: 'lookup', ids: [...ids], implicit: true };
}

/** Longest word (UTF-16 units) worth reading in an addressed message: a keyword, or an ID within the limit (a code point is at most 2 units). */
function addressedWordMaxUnits(limits: CommandLimits): number {
  return Math.max(KEYWORD_MAX_UNITS, 2 * limits.maxIdLength);
}

/**
 * What a custom room ID looks like when typed without `/room`: letters, digits and "-_./" only, not starting
 * with "/" (a slash command), with a digit somewhere (`test01`, `BJ-A-0101`, `深圳-1202`, `3F-北区/01`), so words
 * of a sentence ("hello", "会议室") are not taken for IDs. One quantifier over one class, anchored, on a word of
 * bounded length: linear.
 */
const ROOM_ID_SHAPE = /^[\p{L}\p{M}\p{Nd}\-_.][\p{L}\p{M}\p{Nd}\-_./]*$/u;
const DIGIT = /\p{Nd}/u;

function looksLikeRoomId(word: string, maxIdLength: number): boolean {
  return fitsCodePoints(word, maxIdLength) && ROOM_ID_SHAPE.test(word) && DIGIT.test(word);
}

/**
 * `first` and the remaining words, each once, in the order first seen (the IDs as typed), and how many different ones there
 * are. Past `maxIds` the command is refused whatever follows, so the rest is only counted.
 */
function readIds(first: string, words: Words, maxIds: number): { ids: string[]; count: number } {
  const unique = new Set<string>([first]);
  for (words.skip('all'); !words.done && unique.size <= maxIds; words.skip('all')) unique.add(words.word()!);
  const ids = [...unique];
  return { ids, count: words.done ? ids.length : countDistinct(ids, words) };
}

/**
 * How many different words there are among `seen` and the rest of `words`, by sorting them: a Set of the
 * 20,000 IDs that 100 KB can hold costs twice as much (measured on the bench machine).
 */
function countDistinct(seen: string[], words: Words): number {
  const all = [...seen];
  for (; !words.done; words.skip('all')) all.push(words.word()!);
  all.sort();
  let count = 0;
  for (let i = 0; i < all.length; i += 1) if (i === 0 || all[i] !== all[i - 1]) count += 1;
  return count;
}

/** Compared NFKC-folded ("／ｒｏｏｍ" → "/room") and in lower case: for keywords only, never for IDs. */
function foldKeyword(word: string): string | undefined {
  return word.length <= KEYWORD_MAX_UNITS ? word.normalize('NFKC').toLowerCase() : undefined;
}

function validateIds(ids: string[], maxIdLength: number): Command {
  for (const id of ids) {
    const reason = idProblem(id, maxIdLength);
    if (reason !== undefined)
      return { kind: 'invalid', problem: 'invalid_id', id: displayId(id), reason, max: maxIdLength };
  }
  return { kind: 'lookup', ids };
}

function idProblem(id: string, maxIdLength: number): InvalidIdReason | undefined {
  if (INVISIBLE.test(id)) return 'control_characters';
  if (!fitsCodePoints(id, maxIdLength)) return 'too_long';
  return undefined;
}

/** Whether the text has at most `max` code points (counted no further than max + 1). */
function fitsCodePoints(text: string, max: number): boolean {
  if (text.length <= max) return true;
  let count = 0;
  for (const _ of text) {
    count += 1;
    if (count > max) return false;
  }
  return true;
}

/** A rejected ID made safe to show: invisible characters become "�", long ones end in "…". */
export function displayId(id: string, maxLength = DISPLAY_ID_MAX): string {
  let shown = '';
  let count = 0;
  for (const point of id) {
    if (count === maxLength) return `${shown}…`;
    shown += INVISIBLE.test(point) ? '\ufffd' : point;
    count += 1;
  }
  return shown;
}
