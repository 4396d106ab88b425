import { describe, expect, it } from 'vitest';
import { computeSignature, encryptPayload } from '../../src/feishu/crypto.js';
import { checkTimestamp, decodeEnvelope, isJsonContentType, readSignatureHeaders, tokenAccepted, tokensMatch, verifySignature } from '../../src/http/verify.js';
import { fixture } from './support/harness.js';

const settings = { verificationToken: 'tok', encryptKey: 'key', signatureToleranceSeconds: 300 };
const NOW = 1_700_000_000_000;

function signed(body: string, timestamp = '1700000000') {
  return { timestamp, nonce: 'n', signature: computeSignature(timestamp, 'n', 'key', body) };
}

describe('verification helpers', () => {
  it('recognises JSON content types', () => {
    expect(isJsonContentType('application/json')).toBe(true);
    expect(isJsonContentType('Application/JSON; charset=UTF-8')).toBe(true);
    expect(isJsonContentType('application/json;charset="utf-8"')).toBe(true);
    expect(isJsonContentType('application/json; charset=gbk')).toBe(false);
    expect(isJsonContentType('application/jsonp')).toBe(false);
    expect(isJsonContentType('text/json')).toBe(false);
    expect(isJsonContentType(undefined)).toBe(false);
    expect(isJsonContentType('')).toBe(false);
  });

  it('checks the timestamp window in both directions, inclusive', () => {
    expect(checkTimestamp('1700000000', NOW, 300)).toBe(true);
    expect(checkTimestamp('1699999700', NOW, 300)).toBe(true);
    expect(checkTimestamp('1700000300', NOW, 300)).toBe(true);
    expect(checkTimestamp('1699999699', NOW, 300)).toBe(false);
    expect(checkTimestamp('1700000301', NOW, 300)).toBe(false);
    // milliseconds, signs, blanks, exponents are not Feishu timestamps
    expect(checkTimestamp('1700000000000', NOW, 300)).toBe(false);
    expect(checkTimestamp('-1', NOW, 300)).toBe(false);
    expect(checkTimestamp('', NOW, 300)).toBe(false);
    expect(checkTimestamp('1.7e9', NOW, 300)).toBe(false);
  });

  it('compares tokens exactly', () => {
    expect(tokensMatch('tok', 'tok')).toBe(true);
    expect(tokensMatch('tok', 'tok ')).toBe(false);
    expect(tokensMatch('tok', undefined)).toBe(false);
    expect(tokensMatch('tok', 42)).toBe(false);
    expect(tokensMatch('tok', 'toc')).toBe(false);
    expect(tokensMatch('tok', '')).toBe(false);
    expect(tokensMatch('会议', '会议')).toBe(true);
    expect(tokensMatch('tok', 'TOK')).toBe(false);
    // no verification token configured: the token is not checked (startup warns)
    expect(tokenAccepted('', 'anything')).toBe(true);
    expect(tokenAccepted('tok', 'other')).toBe(false);
  });

  it('verifies signatures over raw bytes, including non-ASCII', () => {
    const body = Buffer.from('{"text":"会议室"}', 'utf8');
    const headers = { timestamp: '1', nonce: 'n', signature: computeSignature('1', 'n', 'key', body) };
    expect(verifySignature(headers, 'key', body)).toBe(true);
    expect(verifySignature(headers, 'other', body)).toBe(false);
    expect(verifySignature(headers, 'key', Buffer.from('{"text":"会议室"} ', 'utf8'))).toBe(false);
  });

  it('reads the X-Lark-* headers', () => {
    expect(readSignatureHeaders({ 'x-lark-request-timestamp': '1', 'x-lark-request-nonce': 'n', 'x-lark-signature': 's' })).toEqual({
      timestamp: '1',
      nonce: 'n',
      signature: 's',
    });
  });
});

describe('decodeEnvelope', () => {
  const message = { ...fixture('message-receive-p2p.json') };
  (message.header as Record<string, unknown>).token = 'tok';

  it('returns the envelope of a signed, encrypted event', () => {
    const body = JSON.stringify({ encrypt: encryptPayload(JSON.stringify(message), 'key') });
    const result = decodeEnvelope(Buffer.from(body), signed(body), NOW, settings);
    expect(result).toEqual({ kind: 'event', envelope: message });
  });

  it('returns the challenge of an unsigned url_verification', () => {
    const body = JSON.stringify({ encrypt: encryptPayload(JSON.stringify({ type: 'url_verification', token: 'tok', challenge: 'c1' }), 'key') });
    expect(decodeEnvelope(Buffer.from(body), {}, NOW, settings)).toEqual({ kind: 'challenge', challenge: 'c1' });
  });

  it('refuses a url_verification without a challenge string', () => {
    const body = JSON.stringify({ type: 'url_verification', token: 'tok', challenge: 7 });
    expect(decodeEnvelope(Buffer.from(body), {}, NOW, settings)).toMatchObject({ kind: 'rejected', status: 400, reason: 'invalid_envelope' });
  });

  it('refuses an envelope without event_id or without an event object', () => {
    for (const mutate of [(m: Record<string, unknown>) => delete (m.header as Record<string, unknown>).event_id, (m: Record<string, unknown>) => delete m.event]) {
      const copy = structuredClone(message);
      mutate(copy);
      const body = JSON.stringify(copy);
      expect(decodeEnvelope(Buffer.from(body), signed(body), NOW, settings)).toMatchObject({ kind: 'rejected', status: 400, reason: 'invalid_envelope' });
    }
  });

  it('refuses JSON that is not a Feishu push', () => {
    const body = JSON.stringify({ hello: 'world' });
    expect(decodeEnvelope(Buffer.from(body), signed(body), NOW, settings)).toMatchObject({ kind: 'rejected', status: 400, reason: 'invalid_envelope' });
  });

  it('refuses a non-string "encrypt"', () => {
    const body = JSON.stringify({ encrypt: 12 });
    expect(decodeEnvelope(Buffer.from(body), signed(body), NOW, settings)).toMatchObject({ kind: 'rejected', status: 400, reason: 'undecryptable' });
  });
});
