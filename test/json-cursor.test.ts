import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readJson, type JsonCursor } from '../src/json-cursor.js';

/** The whole value rebuilt through the cursor (strings and containers; scalars as null): a reader of everything. */
function rebuild(json: JsonCursor): unknown {
  const first = json.peek();
  if (first === 0x7b) {
    const object: Record<string, unknown> = {};
    // defineProperty: a "__proto__" key is a key, as in JSON.parse.
    for (let key = json.enterObject(); key !== undefined; key = json.nextKey())
      Object.defineProperty(object, key, {
        value: rebuild(json),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    return object;
  }
  if (first === 0x5b) {
    const array: unknown[] = [];
    for (let more = json.enterArray(); more; more = json.nextItem()) array.push(rebuild(json));
    return array;
  }
  return json.stringOrSkip() ?? null;
}

/** JSON.parse's value with every non-string scalar as null, as rebuild sees it. */
function stringsOnly(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stringsOnly);
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, stringsOnly(item)]));
  return typeof value === 'string' ? value : null;
}

const accepts = (text: string) => readJson(text, (json) => (json.skip(), true)) === true;

describe('readJson', () => {
  it('reads objects, arrays and strings in document order, escapes decoded', () => {
    const text = '{"a": ["x", 1, true, null, {"b": "\\u00e9\\n\\ud83d\\ude00"}], "c": -1.5e3}';
    expect(readJson(text, rebuild)).toEqual({ a: ['x', null, null, null, { b: 'é\n😀' }], c: null });
  });

  it('refuses what JSON.parse refuses', () => {
    for (const text of [
      '',
      ' ',
      '{',
      '[1,]',
      '{"a":1,}',
      '{"a" 1}',
      "{'a':1}",
      '01',
      '1.',
      '.5',
      '"\t"',
      '"\\x"',
      'nul',
      '[] []',
      '{"a":1}x',
      '"\\u12"',
      'NaN',
    ]) {
      expect(accepts(text), text).toBe(false);
      expect(() => JSON.parse(text), text).toThrow();
    }
  });

  it('accepts what JSON.parse accepts, whitespace as JSON has it', () => {
    for (const text of ['0', '-0.0e+1', '"\\/"', ' \t\n\r[ ] ', '{"":{}}', '"\\ud800"', 'true', 'null'])
      expect(accepts(text), text).toBe(true);
    expect(accepts('\u00a0[]')).toBe(false); // not JSON whitespace
  });

  it('skips 100,000 nested arrays without recursion', () => {
    expect(accepts('['.repeat(100_000) + ']'.repeat(100_000))).toBe(true);
    expect(accepts('['.repeat(100_000) + ']'.repeat(99_999))).toBe(false);
    expect(accepts('['.repeat(50_000) + '}'.repeat(50_000))).toBe(false);
  });

  it('gives undefined when the reader wants nothing, without reading on', () => {
    expect(readJson('"x" trailing garbage', () => undefined)).toBeUndefined();
  });

  it('agrees with JSON.parse on any JSON value and on its near misses', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.nat(), fc.string({ maxLength: 2 }), (value, at, junk) => {
        const text = JSON.stringify(value);
        expect(readJson(text, rebuild)).toEqual(stringsOnly(JSON.parse(text)));
        const mutated = text.slice(0, at % (text.length + 1)) + junk + text.slice(at % (text.length + 1));
        let parses = true;
        try {
          JSON.parse(mutated);
        } catch {
          parses = false;
        }
        expect(accepts(mutated)).toBe(parses);
      }),
      { numRuns: 500 },
    );
  });
});
