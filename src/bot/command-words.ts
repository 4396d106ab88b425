// The tokenizer of `/room` commands: a message's text → its words, read left to right, once. Words end at
// whitespace, list punctuation and mentions; a text message's links stand for their text. No regular
// expression with a quantifier runs over the text (a backtracking link pattern once held the event loop for
// 21 s on 100 KB of "["): every character is examined a bounded number of times.
import { isJsonObject } from '../json.js';

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
export class Words {
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
export class Mentions {
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
