import { describe, expect, it } from 'vitest';
import { rememberLast } from '../src/memo.js';

describe('rememberLast', () => {
  it('computes again only when the argument changes', () => {
    const seen: string[] = [];
    const upper = rememberLast((s: string) => {
      seen.push(s);
      return { value: s.toUpperCase() };
    });
    const first = upper('key a');
    expect(upper('key a')).toBe(first);
    expect(upper('key b').value).toBe('KEY B');
    expect(upper('key a')).not.toBe(first); // one entry: a change back computes again
    expect(upper('key a').value).toBe('KEY A');
    expect(seen).toEqual(['key a', 'key b', 'key a']);
  });
});
