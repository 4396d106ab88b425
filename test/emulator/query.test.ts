import { describe, expect, it } from 'vitest';
import { parseRawQuery, valuesOf } from '../../src/emulator/api/query.js';

describe('parseRawQuery', () => {
  it('keeps repeated keys in order and decodes values', () => {
    const pairs = parseRawQuery('custom_room_ids=test01&custom_room_ids=%E6%B7%B1%E5%9C%B3-1202&custom_room_ids=a+b');
    expect(valuesOf(pairs, 'custom_room_ids')).toEqual(['test01', '深圳-1202', 'a b']);
  });

  it('does not treat key[] or key[0] as key', () => {
    const pairs = parseRawQuery('custom_room_ids%5B%5D=a&custom_room_ids[]=b&custom_room_ids[0]=c');
    expect(valuesOf(pairs, 'custom_room_ids')).toEqual([]);
    expect(valuesOf(pairs, 'custom_room_ids[]')).toEqual(['a', 'b']);
  });

  it('survives empty parts, keys without values and malformed escapes', () => {
    expect(parseRawQuery('')).toEqual([]);
    expect(parseRawQuery('a&&b=&c=%E0%A4%A')).toEqual([
      ['a', ''],
      ['b', ''],
      ['c', '%E0%A4%A'],
    ]);
  });
});
