import { describe, expect, it } from 'vitest';
import { isJsonObject } from '../src/json.js';

describe('isJsonObject', () => {
  it('is true for objects, parsed or built', () => {
    expect(isJsonObject({})).toBe(true);
    expect(isJsonObject(JSON.parse('{"a":1}'))).toBe(true);
    expect(isJsonObject(Object.create(null))).toBe(true);
  });

  it('is false for null, arrays and every other JSON value', () => {
    for (const value of [null, undefined, [], [1], 'x', 0, true]) expect(isJsonObject(value)).toBe(false);
  });
});
