// `/room` command parsing: a received message (im.message.receive_v1) → what the bot should do.
// Pure: no I/O, never throws, whatever the content string holds.
// Message shapes: Feishu doc "接收消息内容结构" (text: {"text": "@_user_1 …"}; post: {"title", "content": [[…]]}).

/**
 * Limits of one `/room` command (config keys lookup.maxIds and lookup.maxIdLength).
 * - maxIds: most distinct custom room IDs in one command, counted after de-duplication (default 100).
 * - maxIdLength: longest custom room ID, in Unicode code points (default 64).
 */
export interface CommandLimits {
  maxIds: number;
  maxIdLength: number;
}

export const DEFAULT_LIMITS: Readonly<CommandLimits> = Object.freeze({ maxIds: 100, maxIdLength: 64 });

/** The fields of a received message the parser reads; Feishu's ReceivedMessage satisfies it. */
export interface IncomingMessage {
  chat_type: string; // 'p2p' | 'group' | …
  message_type: string; // 'text' | 'post' | 'image' | …
  content: string; // JSON string whose shape depends on message_type
  mentions?: readonly { key: string; name?: string }[];
}

/** Why the help card is shown. */
export type HelpReason =
  | 'requested' // `/room help`, `/room -h`, …
  | 'no_ids' // `/room` alone
  | 'not_a_command' // a p2p text that is not `/room …`
  | 'unsupported_message_type' // a p2p image, file, sticker, …
  | 'unreadable_content'; // a p2p message whose content is not the JSON Feishu documents

/** Why a message is left unanswered (group chatter that is not for us). */
export type IgnoreReason = 'not_a_command' | 'unsupported_message_type' | 'unreadable_content';

export type InvalidIdReason = 'control_characters' | 'too_long';

export type Command =
  | { kind: 'lookup'; ids: string[] }
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

const COMMAND_WORD = '/room';
const HELP_WORDS = new Set(['help', '-h', '--help', '帮助', '?']);
/** Longest shown part of a rejected ID, in code points. */
const DISPLAY_ID_MAX = 24;

// Whitespace (as JS \s, incl. U+3000 and NBSP, but not U+FEFF, which is rejected as invisible) and list punctuation.
const SEPARATORS = /[\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000,，、;；]+/u;
const LEADING_SPACE = /^[\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/u;
// Control (C0, DEL, C1), format (zero-width, bidi controls, U+FEFF, …) and lone surrogates.
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Cs}]/u;
const INVISIBLE_ALL = /[\p{Cc}\p{Cf}\p{Cs}]/gu;
// "@_user_1" stands for the 1st mention and "@_all" for @everyone (doc "接收消息内容结构").
const MENTION_PLACEHOLDER = /@_user_\d+|@_all/g;
// Text messages carry links as [text](url) (same doc); a pasted ID may have been auto-linked.
const TEXT_LINK = /\[([^\]\n]*)\]\((?:https?:\/\/|mailto:)[^)\s]*\)/g;

type ReadResult = { ok: true; text: string } | { ok: false; reason: 'unsupported_message_type' | 'unreadable_content' };

/** Parses one received message into a Command. Never throws. */
export function parseCommand(message: IncomingMessage, limits: CommandLimits = DEFAULT_LIMITS): Command {
  const isP2p = message.chat_type === 'p2p';
  const read = readMessageText(message);
  if (!read.ok) return isP2p ? { kind: 'help', reason: read.reason } : { kind: 'ignore', reason: read.reason };
  const args = commandArguments(stripMentions(read.text, message.mentions));
  if (args === undefined) return isP2p ? { kind: 'help', reason: 'not_a_command' } : { kind: 'ignore', reason: 'not_a_command' };
  const ids = splitIds(args);
  if (ids.length === 0) return { kind: 'help', reason: 'no_ids' };
  if (HELP_WORDS.has(normalizeWord(ids[0]!))) return { kind: 'help', reason: 'requested' };
  return validateIds(ids, limits);
}

/** The message's text: a text message's text, or a post's paragraphs as lines. */
export function readMessageText(message: Pick<IncomingMessage, 'message_type' | 'content'>): ReadResult {
  if (message.message_type !== 'text' && message.message_type !== 'post') {
    return { ok: false, reason: 'unsupported_message_type' };
  }
  const parsed = parseJson(message.content);
  const text = message.message_type === 'text' ? textMessageText(parsed) : postMessageText(parsed);
  return text === undefined ? { ok: false, reason: 'unreadable_content' } : { ok: true, text };
}

function parseJson(content: unknown): unknown {
  if (typeof content !== 'string') return undefined;
  try {
    return JSON.parse(content) as unknown;
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function textMessageText(parsed: unknown): string | undefined {
  if (!isRecord(parsed) || typeof parsed.text !== 'string') return undefined;
  return parsed.text.replace(TEXT_LINK, '$1');
}

/** Post content as received ({title, content}) or as sent, wrapped in a language ({"zh_cn": {title, content}}). */
function findPostBody(parsed: unknown): unknown[] | undefined {
  if (!isRecord(parsed)) return undefined;
  if (Array.isArray(parsed.content)) return parsed.content;
  for (const value of Object.values(parsed)) {
    if (isRecord(value) && Array.isArray(value.content)) return value.content;
  }
  return undefined;
}

/** Paragraphs become lines; `at` elements are dropped; the title is not part of the command. */
function postMessageText(parsed: unknown): string | undefined {
  const paragraphs = findPostBody(parsed);
  if (paragraphs === undefined) return undefined;
  return paragraphs.map((paragraph) => (Array.isArray(paragraph) ? paragraph.map(postElementText).join('') : '')).join('\n');
}

function postElementText(element: unknown): string {
  if (!isRecord(element) || typeof element.text !== 'string') return '';
  return element.tag === 'text' || element.tag === 'a' || element.tag === 'code_block' ? element.text : '';
}

/** Removes mention placeholders ("@_user_1") and any other mention keys Feishu listed. */
export function stripMentions(text: string, mentions?: readonly { key: string }[]): string {
  let stripped = text;
  for (const mention of Array.isArray(mentions) ? mentions : []) {
    if (isRecord(mention) && typeof mention.key === 'string' && mention.key !== '') {
      stripped = stripped.split(mention.key).join(' ');
    }
  }
  return stripped.replace(MENTION_PLACEHOLDER, ' ');
}

/** The text after `/room` when the message starts with it (case-insensitive, full-width allowed); else undefined. */
function commandArguments(text: string): string | undefined {
  const rest = text.replace(LEADING_SPACE, '');
  const match = SEPARATORS.exec(rest);
  const word = match === null ? rest : rest.slice(0, match.index);
  if (normalizeWord(word) !== COMMAND_WORD) return undefined;
  return rest.slice(word.length);
}

/** NFKC folds full-width forms ("／ｒｏｏｍ" → "/room"); used for keywords only, never for IDs. */
function normalizeWord(word: string): string {
  return word.normalize('NFKC').toLowerCase();
}

/** IDs as typed, split on whitespace and list punctuation, empties dropped, first occurrence kept. */
export function splitIds(args: string): string[] {
  const unique = new Set<string>();
  for (const part of args.split(SEPARATORS)) {
    if (part !== '') unique.add(part);
  }
  return [...unique];
}

function validateIds(ids: string[], limits: CommandLimits): Command {
  if (ids.length > limits.maxIds) {
    return { kind: 'invalid', problem: 'too_many_ids', count: ids.length, max: limits.maxIds };
  }
  for (const id of ids) {
    const reason = idProblem(id, limits.maxIdLength);
    if (reason !== undefined) {
      return { kind: 'invalid', problem: 'invalid_id', id: displayId(id), reason, max: limits.maxIdLength };
    }
  }
  return { kind: 'lookup', ids };
}

function idProblem(id: string, maxIdLength: number): InvalidIdReason | undefined {
  if (INVISIBLE.test(id)) return 'control_characters';
  if (codePointLength(id) > maxIdLength) return 'too_long';
  return undefined;
}

function codePointLength(text: string): number {
  let length = 0;
  for (const _ of text) length += 1;
  return length;
}

/** A rejected ID made safe to show: invisible characters become "�", long ones end in "…". */
export function displayId(id: string, maxLength = DISPLAY_ID_MAX): string {
  const points = Array.from(id.replace(INVISIBLE_ALL, '\ufffd'));
  return points.length > maxLength ? `${points.slice(0, maxLength).join('')}…` : points.join('');
}
