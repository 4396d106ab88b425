import { describe, expect, it } from 'vitest';
import { createPlainEnvelopeChecker, tokensMatch } from '../../src/protocol/envelope.js';
import { fixture } from '../helpers/webhook-harness.js';

describe('tokensMatch', () => {
  it('compares tokens exactly', () => {
    expect(tokensMatch('tok', 'tok')).toBe(true);
    expect(tokensMatch('tok', 'tok ')).toBe(false);
    expect(tokensMatch('tok', undefined)).toBe(false);
    expect(tokensMatch('tok', 42)).toBe(false);
    expect(tokensMatch('tok', 'toc')).toBe(false);
    expect(tokensMatch('tok', '')).toBe(false);
    expect(tokensMatch('会议', '会议')).toBe(true);
    expect(tokensMatch('tok', 'TOK')).toBe(false);
  });
});

describe('plain envelope checker (the long connection)', () => {
  const card = fixture('card-action-trigger.json') as {
    header: Record<string, unknown>;
    event: Record<string, unknown>;
  };

  it('checks the token in the header, not the card-update token of a card callback', () => {
    const check = createPlainEnvelopeChecker(String(card.header.token));
    expect(card.event.token).not.toBe(card.header.token);
    expect(check(card)).toEqual({ kind: 'event', envelope: card });
    expect(createPlainEnvelopeChecker(String(card.event.token))(card)).toMatchObject({
      kind: 'rejected',
      reason: 'bad_token',
    });
  });

  it('takes any token when none is configured, and refuses what is not a schema 2.0 envelope', () => {
    const check = createPlainEnvelopeChecker('');
    expect(check(card)).toMatchObject({ kind: 'event' });
    for (const payload of [null, 'text', [], { ...card, schema: '1.0' }, fixture('legacy-schema1-message.json')]) {
      expect(check(payload)).toMatchObject({ kind: 'rejected', reason: 'invalid_envelope' });
    }
    expect(check({ ...card, event: undefined })).toMatchObject({ kind: 'rejected', reason: 'invalid_envelope' });
  });
});
