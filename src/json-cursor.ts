// A JSON reader pulled value by value, without JSON.parse: for untrusted JSON read before the ack (a message's
// content), where JSON.parse would build the whole tree first, at a cost set by the shape more than the size.
// It accepts exactly what JSON.parse accepts, in time linear in the length at any depth, and decodes only the
// strings the caller keeps. Measured against size cap + depth check + JSON.parse: see bench/README.md.

export const OPEN_BRACE = 0x7b; // its closer, "}", is 2 further, as "]" is from "["
const CLOSE_BRACE = 0x7d;
export const OPEN_BRACKET = 0x5b;
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

/** Runs `read` over the content, then checks nothing follows; undefined if `read` gives nothing or the content is not JSON (as JSON.parse would reject it). */
export function readJson<T>(content: string, read: (json: JsonCursor) => T | undefined): T | undefined {
  const json = new JsonCursor(content);
  try {
    const value = read(json);
    if (value === undefined) return undefined;
    json.end();
    return value;
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
export class JsonCursor {
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
