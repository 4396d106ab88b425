import { describe, expect, it } from 'vitest';
import { strings, toast } from '../../src/bot/i18n.js';

describe('toast', () => {
  it('carries both languages, with the English text as its content (what a client without i18n shows)', () => {
    expect(toast('info', strings.toastStillWorking)).toEqual({
      type: 'info',
      content: 'Still working on it, please try again in a moment.',
      i18n: { zh_cn: '正在处理中，请稍后再试。', en_us: 'Still working on it, please try again in a moment.' },
    });
  });

  it('every toast text is written in both languages', () => {
    const toasts = Object.entries(strings).filter(([key]) => key.startsWith('toast'));
    expect(toasts.length).toBeGreaterThan(0);
    for (const [key, text] of toasts) {
      expect(text, key).toEqual({ zh_cn: expect.stringMatching(/\S/), en_us: expect.stringMatching(/\S/) });
    }
  });
});
