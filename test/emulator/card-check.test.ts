import { describe, expect, it } from 'vitest';
import { buildErrorCard, buildHelpCard, buildLookupCard } from '../../src/bot/card.js';
import { checkCard } from '../../src/emulator/api/card-check.js';
import { CONFIGURED_LIMITS } from '../helpers/configured.js';

const valid = {
  schema: '2.0',
  config: { update_multi: true, summary: { content: 's' } },
  header: { title: { tag: 'plain_text', content: 'Title' }, template: 'blue' },
  body: {
    elements: [
      { tag: 'markdown', content: '**x**' },
      { tag: 'hr' },
      { tag: 'button', text: { tag: 'plain_text', content: 'Go' }, behaviors: [{ type: 'callback', value: { a: 1 } }] },
    ],
  },
};

describe('card JSON 2.0 check (what Feishu refuses with 230099)', () => {
  it('accepts a well-formed card, and every card the bot builds', () => {
    expect(checkCard(valid)).toBeUndefined();
    const cards = [
      buildHelpCard({ limits: CONFIGURED_LIMITS }),
      buildErrorCard({ problem: 'permission', scope: 'calendar:room:readonly' }),
      buildLookupCard({
        requested: ['a', 'b'],
        found: new Map([['a', 'omm_1']]),
        refresh: { value: { action: 'refresh', ids: ['a', 'b'] } },
      }),
    ];
    for (const card of cards) expect(checkCard(card)).toBeUndefined();
  });

  it.each([
    ['an unknown top-level property', { ...valid, elements: [] }, /unsupported property "elements"/],
    ['an unknown config property', { ...valid, config: { wide_screen_mode: true } }, /config: unsupported property/],
    ['update_multi false', { ...valid, config: { update_multi: false } }, /update_multi/],
    ['a header without title', { ...valid, header: { template: 'blue' } }, /header.title: required/],
    ['an unknown component', { ...valid, body: { elements: [{ tag: 'note', elements: [] }] } }, /unknown tag "note"/],
    [
      'an unknown component property',
      { ...valid, body: { elements: [{ tag: 'markdown', content: 'x', colour: 'red' }] } },
      /unsupported property "colour"/,
    ],
    [
      'a bad behavior',
      { ...valid, body: { elements: [{ tag: 'button', behaviors: [{ type: 'jump' }] }] } },
      /behavior/,
    ],
  ])('refuses %s', (_label, card, problem) => {
    expect(checkCard(card as Record<string, unknown>)).toMatch(problem);
  });

  it('leaves JSON 1.0 cards alone (1.0 ignores unknown properties)', () => {
    expect(checkCard({ elements: [{ tag: 'whatever' }] })).toBeUndefined();
  });
});
