import { describe, expect, it } from 'vitest';
import { Mentions, Words } from '../../src/bot/command-words.js';

/** Every word of `text` as the parser reads IDs: separators and mentions skipped between words. */
function allWords(text: string, mentions?: unknown, unwrapLinks = true): string[] {
  const words = new Words(text, new Mentions(mentions), unwrapLinks);
  const found: string[] = [];
  for (words.skip('all'); !words.done; words.skip('all')) found.push(words.word()!);
  return found;
}

describe('Words', () => {
  it('splits at whitespace (incl. U+3000 and NBSP) and list punctuation, ASCII and CJK', () => {
    expect(allWords('a b\u3000c\u00a0d,e，f、g;h；i\n\tj')).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j']);
  });

  it('keeps U+FEFF and other invisible characters inside a word (the parser rejects them)', () => {
    expect(allWords('a\ufeffb c\u200bd')).toEqual(['a\ufeffb', 'c\u200bd']);
  });

  it("skips Feishu's mention placeholders, longest match first", () => {
    expect(allWords('@_user_1 a @_user_10b @_all c')).toEqual(['a', 'b', 'c']);
    expect(allWords('@_user_ a')).toEqual(['@_user_', 'a']);
  });

  it('skips other mention keys the message lists, and only those', () => {
    expect(allWords('@bot a @other b', [{ key: '@bot' }])).toEqual(['a', '@other', 'b']);
    expect(allWords('@bot a', [{ key: 42 }, 'x', null])).toEqual(['@bot', 'a']);
  });

  it("reads a text message's link as its text, and can run into and out of it", () => {
    expect(allWords('[test01](https://x.example/a) b')).toEqual(['test01', 'b']);
    expect(allWords('pre[mid](http://x)post')).toEqual(['premidpost']);
    expect(allWords('[a b](mailto:x@y) c')).toEqual(['a', 'b', 'c']);
  });

  it('leaves links alone outside text messages, and what is not a link', () => {
    expect(allWords('[test01](https://x)', undefined, false)).toEqual(['[test01](https://x)']);
    expect(allWords('[a](ftp://x) [b]( c')).toEqual(['[a](ftp://x)', '[b](', 'c']);
  });

  it("skip('spaces') stops at list punctuation", () => {
    const words = new Words(' ,a', new Mentions(undefined), true);
    words.skip('spaces');
    expect(words.word()).toBe('');
    words.skip('all');
    expect(words.word()).toBe('a');
  });

  it('gives up on a word longer than maxUnits, leaving the rest unread', () => {
    const words = new Words('abcdef g', new Mentions(undefined), true);
    expect(words.word(3)).toBeUndefined();
    expect(new Words('abc d', new Mentions(undefined), true).word(3)).toBe('abc');
  });

  it('reads 100 KB of "[" once (no backtracking)', () => {
    const text = '['.repeat(100_000);
    expect(allWords(text)).toEqual([text]);
  });
});
