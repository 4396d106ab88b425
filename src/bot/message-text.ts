// The text a `/room` command is read from: a received message's `content` (im.message.receive_v1), a JSON
// string whose shape depends on message_type (Feishu doc "接收消息内容结构": text {"text": "@_user_1 …"};
// post {"title", "content": [[{"tag": "text", "text": …}, …], …]}).
//
// Read in one pass, without JSON.parse: the parser runs before the ack, for group chatter too, and JSON.parse
// builds the whole tree first, at a cost set by the shape more than the size (100 KB measured on the bench
// machine: 50,000 nested "[" 22–70 ms; 2,000 fresh keys 5 ms, a hidden class each). This reader checks the
// content is JSON exactly as JSON.parse would, in time linear in its length at any depth, and keeps only the
// strings a command can be made of.

export type MessageText =
  | { ok: true; text: string; format: 'text' | 'post' }
  | { ok: false; reason: 'unsupported_message_type' | 'unreadable_content' };

/** The message's text: a text message's text, or a post's paragraphs as lines (title and `at` elements left out). */
export function readMessageText(message: { message_type: string; content: unknown }): MessageText {
  const format = message.message_type;
  if (format !== 'text' && format !== 'post') return { ok: false, reason: 'unsupported_message_type' };
  if (typeof message.content !== 'string') return { ok: false, reason: 'unreadable_content' };
  const text = readContent(message.content, format === 'text' ? textOfTextMessage : textOfPost);
  return text === undefined ? { ok: false, reason: 'unreadable_content' } : { ok: true, text, format };
}

/** Post elements whose text is typed text: text, a (a link's text) and code_block (docs "接收消息内容结构", "发送消息内容结构"). */
const TEXT_TAGS = new Set(['text', 'a', 'code_block']);

/** The text field of {"text": …}; undefined when the content is no object or its text is no string. */
function textOfTextMessage(json: JsonCursor): string | undefined {
  if (json.peek() !== OPEN_BRACE) return undefined;
  let text: string | undefined;
  for (let key = json.enterObject(); key !== undefined; key = json.nextKey()) {
    if (key === 'text')
      text = json.stringOrSkip(); // a repeated key: the last one counts, as in JSON.parse
    else json.skip();
  }
  return text;
}

/**
 * A post's paragraphs: the top-level "content" array as received, or else the "content" of the first member
 * that is an object holding one, as in the language-wrapped shape sent ({"zh_cn": {"title", "content"}}).
 * "First" is in document order (JSON.parse's objects list array-index keys first, and keep a repeated key's
 * first place; Feishu's keys are neither, and doing the same would mean remembering every key of the content).
 */
function textOfPost(json: JsonCursor): string | undefined {
  if (json.peek() !== OPEN_BRACE) return undefined;
  let content: string | undefined;
  let wrapped: string | undefined;
  for (let key = json.enterObject(); key !== undefined; key = json.nextKey()) {
    const first = json.peek();
    if (key === 'content') content = undefined; // the last "content" counts, as in JSON.parse
    if (key === 'content' && first === OPEN_BRACKET) content = paragraphs(json);
    else if (first === OPEN_BRACE && wrapped === undefined) wrapped = wrappedContent(json);
    else json.skip();
  }
  return content ?? wrapped;
}

/** The "content" array of {"title", "content"}, as text; undefined if it has none. */
function wrappedContent(json: JsonCursor): string | undefined {
  let content: string | undefined;
  for (let key = json.enterObject(); key !== undefined; key = json.nextKey()) {
    if (key === 'content') content = undefined;
    if (key === 'content' && json.peek() === OPEN_BRACKET) content = paragraphs(json);
    else json.skip();
  }
  return content;
}

/** Paragraphs become lines. Line breaks are added only before text (and at the end), as runs of empty lines are cheap. */
function paragraphs(json: JsonCursor): string {
  let text = '';
  let breaks = -1; // owed before the next text: none before the first line
  for (let more = json.enterArray(); more; more = json.nextItem()) {
    const line = paragraph(json);
    breaks += 1;
    if (line === '') continue;
    text += '\n'.repeat(breaks) + line;
    breaks = 0;
  }
  return text + '\n'.repeat(Math.max(breaks, 0));
}

/** A paragraph: an array of elements, as one line; anything else is an empty line. */
function paragraph(json: JsonCursor): string {
  if (json.peek() !== OPEN_BRACKET) {
    json.skip();
    return '';
  }
  let text = '';
  for (let more = json.enterArray(); more; more = json.nextItem()) text += elementText(json);
  return text;
}

/** An element's text when its tag is one of TEXT_TAGS; '' for `at`, `img`, anything not an object and the rest. */
function elementText(json: JsonCursor): string {
  if (json.peek() !== OPEN_BRACE) {
    json.skip();
    return '';
  }
  let tag: string | undefined;
  let text: string | undefined;
  for (let key = json.enterObject(); key !== undefined; key = json.nextKey()) {
    if (key === 'tag') tag = json.stringOrSkip();
    else if (key === 'text') text = json.stringOrSkip();
    else json.skip();
  }
  return tag !== undefined && text !== undefined && TEXT_TAGS.has(tag) ? text : '';
}

// ── The JSON cursor ───────────────────────────────────────────────────────────────────────────────────

const OPEN_BRACE = 0x7b; // its closer, "}", is 2 further, as "]" is from "["
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const LOWER_E = 0x65;
const UPPER_E = 0x45;
const LOWER_U = 0x75;

/** The single-character escapes of JSON strings (RFC 8259 §7), by the code of the character after "\"; and \uXXXX. */
const ESCAPES: ReadonlyMap<number, string> = new Map(
  [...'"\\/bfnrt'].map((char, i) => [char.charCodeAt(0), '"\\/\b\f\n\r\t'[i]!]),
);
/** Where a run of plain string characters ends: a quote, a backslash or a control character (not allowed raw). */
// eslint-disable-next-line no-control-regex -- RFC 8259 §7: U+0000–U+001F must be escaped in strings
const STRING_SPECIAL = /["\\\u0000-\u001f]/g;

class MalformedJson extends Error {}

/** Runs `read` over the content; undefined if the content is not JSON (as JSON.parse would reject it). */
function readContent(content: string, read: (json: JsonCursor) => string | undefined): string | undefined {
  const json = new JsonCursor(content);
  try {
    const text = read(json);
    if (text === undefined) return undefined;
    json.end();
    return text;
  } catch (error) {
    if (error instanceof MalformedJson) return undefined;
    throw error;
  }
}

/**
 * A reader over one JSON text (RFC 8259, as JSON.parse accepts it), pulled value by value in document order:
 * each value is consumed by enterObject/nextKey, enterArray/nextItem, stringOrSkip or skip. Throws
 * MalformedJson at the first syntax error.
 */
class JsonCursor {
  private position = 0;
  private readonly stringSpecial = new RegExp(STRING_SPECIAL);
  private closers = new Uint8Array(16);

  constructor(private readonly json: string) {}

  /** The first character of the next value, after whitespace (NaN at the end). */
  peek(): number {
    this.skipWhitespace();
    return this.json.charCodeAt(this.position);
  }

  /** Opens an object: its first key, the cursor then at that key's value; undefined for {}. */
  enterObject(): string | undefined {
    if (!this.enter(OPEN_BRACE)) return undefined;
    return this.key(true);
  }

  /** After a member's value: the next key, or undefined at the object's end. */
  nextKey(): string | undefined {
    return this.another(CLOSE_BRACE) ? this.key(true) : undefined;
  }

  /** Opens an array: true with the cursor at its first item, false for []. */
  enterArray(): boolean {
    return this.enter(OPEN_BRACKET);
  }

  /** After an item: true with the cursor at the next one, false at the array's end. */
  nextItem(): boolean {
    return this.another(CLOSE_BRACKET);
  }

  /** A string value, decoded; any other value is skipped and gives undefined. */
  stringOrSkip(): string | undefined {
    if (this.peek() === QUOTE) return this.string(true);
    this.skip();
    return undefined;
  }

  /**
   * Any value, checked and dropped. Iterative, with a stack of the open brackets' closers, so depth costs no
   * call stack: JSON.parse accepts any depth, and this reader must reject exactly what it rejects.
   */
  skip(): void {
    let depth = 0;
    for (;;) {
      const first = this.peek();
      if (first === OPEN_BRACE || first === OPEN_BRACKET) {
        const closer = first + 2;
        this.position += 1;
        if (this.peek() !== closer) {
          this.pushCloser(depth, closer);
          depth += 1;
          if (closer === CLOSE_BRACE) this.key(false);
          continue;
        }
        this.position += 1;
      } else {
        this.scalar(first);
      }
      // A value ended: close the containers it ends, then go on to the next item, if any.
      while (depth > 0 && !this.another(this.closers[depth - 1]!)) depth -= 1;
      if (depth === 0) return;
      if (this.closers[depth - 1] === CLOSE_BRACE) this.key(false);
    }
  }

  /** After the top-level value: nothing but whitespace. */
  end(): void {
    if (!Number.isNaN(this.peek())) this.fail();
  }

  /** The closers stack of `skip`, in a typed array: a JS array growing to 50,000 entries costs 6 times as much. */
  private pushCloser(depth: number, closer: number): void {
    if (depth === this.closers.length) {
      const larger = new Uint8Array(depth * 2);
      larger.set(this.closers);
      this.closers = larger;
    }
    this.closers[depth] = closer;
  }

  /** At `opener`: consumes it, and the closer right after if the container is empty; true if not empty. */
  private enter(opener: number): boolean {
    if (this.peek() !== opener) this.fail();
    this.position += 1;
    if (this.peek() !== opener + 2) return true;
    this.position += 1;
    return false;
  }

  /** After an item: true at a comma (another item follows), false at `closer`; both consumed. Else malformed. */
  private another(closer: number): boolean {
    const next = this.peek();
    this.position += 1;
    if (next === COMMA) return true;
    if (next !== closer) this.fail();
    return false;
  }

  /** An object key and its colon; the key decoded when `keep`. */
  private key(keep: boolean): string {
    if (this.peek() !== QUOTE) this.fail();
    const key = this.string(keep);
    if (this.peek() !== COLON) this.fail();
    this.position += 1;
    return key;
  }

  private scalar(first: number): void {
    if (first === QUOTE) this.string(false);
    else if (first === MINUS || (first >= ZERO && first <= NINE)) this.number();
    else if (!this.literal('true') && !this.literal('false') && !this.literal('null')) this.fail();
  }

  /** The string at the cursor (on its opening quote): decoded when `keep`, else only checked (and ''). */
  private string(keep: boolean): string {
    const json = this.json;
    const special = this.stringSpecial;
    let value = '';
    let runStart = this.position + 1;
    for (;;) {
      special.lastIndex = runStart;
      if (!special.test(json)) this.fail();
      const at = special.lastIndex - 1;
      if (keep && at > runStart) value += json.slice(runStart, at);
      const code = json.charCodeAt(at);
      if (code === QUOTE) {
        this.position = at + 1;
        return value;
      }
      if (code !== BACKSLASH) this.fail(); // a raw control character
      const escape = json.charCodeAt(at + 1);
      if (escape === LOWER_U) {
        const unit = hex4(json, at + 2);
        if (unit < 0) this.fail();
        if (keep) value += String.fromCharCode(unit);
        runStart = at + 6;
      } else {
        const decoded = ESCAPES.get(escape);
        if (decoded === undefined) this.fail();
        if (keep) value += decoded;
        runStart = at + 2;
      }
    }
  }

  /** -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
  private number(): void {
    if (this.at(MINUS)) this.position += 1;
    if (this.at(ZERO)) this.position += 1;
    else this.digits();
    if (this.at(DOT)) {
      this.position += 1;
      this.digits();
    }
    if (this.at(LOWER_E) || this.at(UPPER_E)) {
      this.position += 1;
      if (this.at(PLUS) || this.at(MINUS)) this.position += 1;
      this.digits();
    }
  }

  /** One or more digits. */
  private digits(): void {
    const start = this.position;
    while (isDigit(this.json.charCodeAt(this.position))) this.position += 1;
    if (this.position === start) this.fail();
  }

  private literal(word: string): boolean {
    if (!this.json.startsWith(word, this.position)) return false;
    this.position += word.length;
    return true;
  }

  private at(code: number): boolean {
    return this.json.charCodeAt(this.position) === code;
  }

  /** JSON whitespace: space, tab, line feed, carriage return (nothing else, unlike String.prototype.trim). */
  private skipWhitespace(): void {
    let code = this.json.charCodeAt(this.position);
    while (code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09)
      code = this.json.charCodeAt(++this.position);
  }

  private fail(): never {
    throw new MalformedJson(`malformed JSON at ${this.position}`);
  }
}

function isDigit(code: number): boolean {
  return code >= ZERO && code <= NINE;
}

/** The value of the 4 hex digits at `at`, or -1. */
function hex4(text: string, at: number): number {
  let value = 0;
  for (let i = at; i < at + 4; i += 1) {
    const code = text.charCodeAt(i);
    const lower = code | 0x20; // "A"–"F" to "a"–"f"
    const digit = isDigit(code) ? code - ZERO : lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
}
