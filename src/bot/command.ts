// `/room` command parsing: a received message (im.message.receive_v1) → what the bot should do.
// Pure: no I/O, never throws, whatever the message holds; the result is plain data (it may be stored as JSON).
// Linear in the message's size, and cheap for chatter: it runs before the ack, for every group message too,
// and a backtracking link pattern once held the event loop for 21 s on 100 KB of "[". So no regular expression
// with a quantifier runs over the text: the text is read once, left to right, and only as far as the decision
// needs (a message that does not start with `/room` is decided at its first word; a message addressed to the
// bot is read further only while each word still looks like a room ID).
import { readMessageText } from './message-text.js';
import { ESCAPE_WORD, isDirectoryKeyword, parseDirectoryCommand } from './directory/parse.js';
import { isJsonObject } from '../json.js';

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
 * Longest word (UTF-16 units) compared with the keywords above. Folding (NFKC, lower case) never maps a
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
  if (first !== undefined && isKeyword(first, COMMAND_WORDS)) return parseCommandIds(words, limits);
  if (addressed && first !== undefined && isDirectoryKeyword(first)) return parseCommandIds(words, limits, first);
  return addressed ? parseImplicitLookup(first, words, limits) : { kind: 'ignore', reason: 'not_a_command' };
}

/** After `/room` (or an addressed `find`/`free`, passed as `lead`): the IDs or words, checked against the limits. */
function parseCommandIds(words: Words, limits: CommandLimits, lead?: string): Command {
  const read = readIds(words, limits.maxIds);
  const ids = lead === undefined ? read.ids : [lead, ...read.ids.filter((id) => id !== lead)];
  const count = lead === undefined || read.ids.includes(lead) ? read.count : read.count + 1;
  if (count === 0) return { kind: 'help', reason: 'no_ids' };
  if (isKeyword(ids[0]!, HELP_WORDS)) return { kind: 'help', reason: 'requested' };
  // `--` (IDs that are keywords follow) is not an ID
  const idCount = ids[0] === ESCAPE_WORD ? count - 1 : count;
  if (idCount > limits.maxIds) return { kind: 'invalid', problem: 'too_many_ids', count: idCount, max: limits.maxIds };
  const command = validateIds(ids, limits.maxIdLength);
  return command.kind === 'lookup' ? (parseDirectoryCommand(command.ids) ?? command) : command;
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
      // Only the first word can be a help word: any other word is an ID by now, or has ended the reading.
      if (ids.size === 0 && isKeyword(word, HELP_WORDS)) return { kind: 'help', reason: 'requested' };
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
 * The remaining words, each once, in the order first seen (the IDs as typed), and how many different ones there
 * are. Past `maxIds` the command is refused whatever follows, so the rest is only counted.
 */
function readIds(words: Words, maxIds: number): { ids: string[]; count: number } {
  const unique = new Set<string>();
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
function isKeyword(word: string, keywords: ReadonlySet<string>): boolean {
  return word.length <= KEYWORD_MAX_UNITS && keywords.has(word.normalize('NFKC').toLowerCase());
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

// ── Words ───────────────────────────────────────────────────────────────────────────────────────────

/** Whitespace as JS \s has it (incl. U+3000 and NBSP), but not U+FEFF, which IDs reject as invisible. */
const SPACES =
  '\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000';
/** Between IDs, as well as whitespace. */
const LIST_PUNCTUATION = ',，、;；';
const SPACE = 1;
const PUNCTUATION = 2;
/** What each UTF-16 code unit separates as (SPACE, PUNCTUATION or 0): a table, since every character is tested. */
const SEPARATOR_KIND = separatorTable();

function separatorTable(): Uint8Array {
  const table = new Uint8Array(0x10000);
  for (const char of SPACES) table[char.charCodeAt(0)] = SPACE;
  for (const char of LIST_PUNCTUATION) table[char.charCodeAt(0)] = PUNCTUATION;
  return table;
}

const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_PAREN = 0x28;
const CLOSE_PAREN = 0x29;
const AT_SIGN = 0x40;
const LINK_SCHEMES = ['http://', 'https://', 'mailto:'];

/**
 * The words of a message's text, read left to right, once. Words end at whitespace, list punctuation and
 * mentions. In a text message a link "[text](url)" stands for its text (doc "接收消息内容结构"; a pasted ID may
 * have been auto-linked), so a word can run into, through and out of a link's text.
 */
class Words {
  private position = 0;
  /** Inside a link: the index of the "]" that ends its text; -1 outside links. */
  private linkTextEnd = -1;
  /** Inside a link: where the text goes on after its "(url)". */
  private linkEnd = 0;
  // The link syntax of text messages: "[" text without "]" or line break "](" scheme URL without ")" or \s ")".
  private readonly nextLinkTextEnd: (from: number) => number;
  private readonly nextUrlEnd: (from: number) => number;

  constructor(
    private readonly text: string,
    private readonly mentions: Mentions,
    private readonly unwrapLinks: boolean,
  ) {
    this.nextLinkTextEnd = forwardSearch(text, /[\]\n]/g);
    this.nextUrlEnd = forwardSearch(text, /[)\s]/g);
  }

  get done(): boolean {
    return this.position >= this.text.length;
  }

  /** Moves past mentions and separators: whitespace only ('spaces', before the command word) or 'all'. */
  skip(separators: 'spaces' | 'all'): void {
    const kinds = separators === 'spaces' ? SPACE : SPACE | PUNCTUATION;
    while (this.position < this.text.length) {
      const code = this.text.charCodeAt(this.position);
      if (this.atLinkSyntax(code) && this.stepOverLinkSyntax()) continue;
      if ((SEPARATOR_KIND[code]! & kinds) !== 0) {
        this.position += 1;
        continue;
      }
      const mention = this.mentionAt(code);
      if (mention === 0) return;
      this.position += mention;
    }
  }

  /** The word at the position ('' at a separator); undefined, and the rest left unread, once longer than `maxUnits`. */
  word(maxUnits = Infinity): string | undefined {
    const text = this.text;
    let word = '';
    let runStart = this.position;
    while (this.position < text.length) {
      const code = text.charCodeAt(this.position);
      if (this.atLinkSyntax(code)) {
        const runEnd = this.position;
        if (this.stepOverLinkSyntax()) {
          word += text.slice(runStart, runEnd);
          runStart = this.position;
          continue;
        }
      }
      if (SEPARATOR_KIND[code] !== 0 || this.mentionAt(code) > 0) break;
      this.position += 1;
      if (word.length + this.position - runStart > maxUnits) return undefined;
    }
    return word + text.slice(runStart, this.position);
  }

  private mentionAt(code: number): number {
    return this.mentions.lengthAt(
      this.text,
      this.position,
      code,
      this.linkTextEnd < 0 ? this.text.length : this.linkTextEnd,
    );
  }

  /** Whether link syntax may be here: the end of a link's text, or a "[" (a cheap test before stepOverLinkSyntax). */
  private atLinkSyntax(code: number): boolean {
    return this.position === this.linkTextEnd || (code === OPEN_BRACKET && this.unwrapLinks && this.linkTextEnd < 0);
  }

  /** Into a link's text at its "[", or past its "](url)" where its text ends; false if no link starts here. */
  private stepOverLinkSyntax(): boolean {
    if (this.position === this.linkTextEnd) {
      this.position = this.linkEnd;
      this.linkTextEnd = -1;
      return true;
    }
    const textEnd = this.nextLinkTextEnd(this.position + 1);
    if (
      textEnd < 0 ||
      this.text.charCodeAt(textEnd) !== CLOSE_BRACKET ||
      this.text.charCodeAt(textEnd + 1) !== OPEN_PAREN
    )
      return false;
    if (!startsWithScheme(this.text, textEnd + 2)) return false;
    const urlEnd = this.nextUrlEnd(textEnd + 2);
    if (urlEnd < 0 || this.text.charCodeAt(urlEnd) !== CLOSE_PAREN) return false;
    this.linkTextEnd = textEnd;
    this.linkEnd = urlEnd + 1;
    this.position += 1;
    return true;
  }
}

function startsWithScheme(text: string, position: number): boolean {
  for (const scheme of LINK_SCHEMES) if (text.startsWith(scheme, position)) return true;
  return false;
}

/**
 * `pattern` (global, one character class) searched from positions that never decrease: a match found is reused
 * while it lies ahead, so every character is examined once in all, however many "[" ask for the same "]".
 */
function forwardSearch(text: string, pattern: RegExp): (from: number) => number {
  let found = -1;
  return (from) => {
    if (found < from && found < text.length) {
      pattern.lastIndex = from;
      found = pattern.test(text) ? pattern.lastIndex - 1 : text.length;
    }
    return found < text.length ? found : -1;
  };
}

// ── Mentions ────────────────────────────────────────────────────────────────────────────────────────

interface KeyNode {
  next: Map<number, KeyNode>;
  isKey: boolean;
}

/**
 * Mentions in the text: Feishu's placeholders "@_user_N" (the Nth mention) and "@_all" (doc "接收消息内容结构"),
 * and any other key the message lists in `mentions`. The longest match wins, so "@_user_10" is one mention,
 * not "@_user_1" and "0". Feishu's own keys are found by their shape; other keys are kept in a trie, so
 * matching costs at most the longest of them per character.
 */
class Mentions {
  private readonly otherKeys: KeyNode | undefined;

  constructor(mentions: unknown) {
    if (!Array.isArray(mentions)) return;
    for (const mention of mentions as unknown[]) {
      const key = isJsonObject(mention) ? mention.key : undefined;
      if (typeof key !== 'string' || key === '' || placeholderLength(key, 0, key.length) === key.length) continue;
      this.otherKeys ??= { next: new Map(), isKey: false };
      addKey(this.otherKeys, key);
    }
  }

  /** Length of the mention at `position` (whose code unit is `code`), ending by `end`; 0 if none. */
  lengthAt(text: string, position: number, code: number, end: number): number {
    const placeholder = code === AT_SIGN ? placeholderLength(text, position, end) : 0;
    let node = this.otherKeys;
    if (node === undefined) return placeholder;
    let longest = placeholder;
    for (let at = position; at < end; at += 1) {
      node = node.next.get(text.charCodeAt(at));
      if (node === undefined) break;
      if (node.isKey) longest = Math.max(longest, at + 1 - position);
    }
    return longest;
  }
}

function addKey(root: KeyNode, key: string): void {
  let node = root;
  for (let i = 0; i < key.length; i += 1) {
    const code = key.charCodeAt(i);
    let next = node.next.get(code);
    if (next === undefined) node.next.set(code, (next = { next: new Map(), isKey: false }));
    node = next;
  }
  node.isKey = true;
}

/** The length of "@_user_" + digits or of "@_all" at `position`, ending by `end`; 0 if neither is there. */
function placeholderLength(text: string, position: number, end: number): number {
  if (startsWithin(text, '@_all', position, end)) return '@_all'.length;
  if (!startsWithin(text, '@_user_', position, end)) return 0;
  const digits = position + '@_user_'.length;
  let at = digits;
  while (at < end && text.charCodeAt(at) >= 0x30 && text.charCodeAt(at) <= 0x39) at += 1;
  return at > digits ? at - position : 0;
}

function startsWithin(text: string, word: string, position: number, end: number): boolean {
  return position + word.length <= end && text.startsWith(word, position);
}
