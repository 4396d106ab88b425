import { describe, expect, it } from 'vitest';
import { markdownToTerminal } from '../../src/local/terminal-markdown.js';

const plain = (text: string) => markdownToTerminal(text, { ansi: false });
const ansi = (text: string) => markdownToTerminal(text, { ansi: true });

describe('card markdown as terminal text', () => {
  it('bold: ANSI bold on a terminal, the bare text otherwise', () => {
    expect(plain('**3** found, **0** not found')).toBe('3 found, 0 not found');
    expect(ansi('**3** found')).toBe('\u001b[1m3\u001b[22m found');
  });

  it('code spans become their text; links become "text (url)"', () => {
    expect(plain('`test01` → `omm_abc`')).toBe('test01 → omm_abc');
    expect(plain('see [the docs](https://open.feishu.cn/document) first')).toBe(
      'see the docs (https://open.feishu.cn/document) first',
    );
    expect(plain('[https://a.example](https://a.example)')).toBe('https://a.example');
    expect(ansi('**[docs](u)** and `**not bold**`')).toBe('\u001b[1mdocs (u)\u001b[22m and **not bold**');
  });

  it('leaves what is not markup as it is: lone marks, buttons, marks across lines', () => {
    for (const text of [
      'a ** b',
      '**unclosed `x',
      '[Refresh]',
      '``',
      '****',
      'x*y*',
      '[a](no close',
      '**across\nlines**',
      '2 * 3 = 6',
    ]) {
      expect(plain(text)).toBe(text);
    }
    expect(plain('[a [b](u)')).toBe('[a b (u)');
  });

  it('stays linear on hostile lines (each would be quadratic for a naive search)', () => {
    const n = 200_000;
    for (const line of [
      '['.repeat(n) + ']',
      '[a]('.repeat(n / 4),
      '**' + '*'.repeat(n),
      '`'.repeat(1) + ' '.repeat(n),
      '[x]'.repeat(n / 3) + '(',
    ]) {
      expect(plain(line)).toBe(line);
    }
  });
});
