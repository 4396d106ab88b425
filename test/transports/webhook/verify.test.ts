import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeSignature, encryptPayload } from '../../../src/emulator/crypto.js';
import {
  checkTimestamp,
  createEnvelopeDecoder,
  isJsonContentType,
  nestsAtMost,
  readSignatureHeaders,
  verifySignature,
} from '../../../src/transports/webhook/verify.js';
import { fixture } from '../../helpers/webhook-harness.js';

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

  it('verifies signatures over raw bytes, including non-ASCII', () => {
    const body = Buffer.from('{"text":"会议室"}', 'utf8');
    const headers = { timestamp: '1', nonce: 'n', signature: computeSignature('1', 'n', 'key', body) };
    expect(verifySignature(headers, 'key', body)).toBe(true);
    expect(verifySignature(headers, 'other', body)).toBe(false);
    expect(verifySignature(headers, 'key', Buffer.from('{"text":"会议室"} ', 'utf8'))).toBe(false);
  });

  it('reads the X-Lark-* headers', () => {
    expect(
      readSignatureHeaders({ 'x-lark-request-timestamp': '1', 'x-lark-request-nonce': 'n', 'x-lark-signature': 's' }),
    ).toEqual({
      timestamp: '1',
      nonce: 'n',
      signature: 's',
    });
  });
});

describe('envelope decoder', () => {
  const decodeEnvelope = (
    body: Buffer,
    headers: Parameters<ReturnType<typeof createEnvelopeDecoder>>[1],
    now: number,
    with_: typeof settings,
  ) => createEnvelopeDecoder(with_)(body, headers, now);
  const message = { ...fixture('message-receive-p2p.json') };
  (message.header as Record<string, unknown>).token = 'tok';

  it('returns the envelope of a signed, encrypted event', () => {
    const body = JSON.stringify({ encrypt: encryptPayload(JSON.stringify(message), 'key') });
    const result = decodeEnvelope(Buffer.from(body), signed(body), NOW, settings);
    expect(result).toEqual({ kind: 'event', envelope: message });
  });

  it('returns the challenge of an unsigned url_verification', () => {
    const body = JSON.stringify({
      encrypt: encryptPayload(JSON.stringify({ type: 'url_verification', token: 'tok', challenge: 'c1' }), 'key'),
    });
    expect(decodeEnvelope(Buffer.from(body), {}, NOW, settings)).toEqual({ kind: 'challenge', challenge: 'c1' });
  });

  it('refuses a url_verification without a challenge string', () => {
    const body = JSON.stringify({ type: 'url_verification', token: 'tok', challenge: 7 });
    expect(decodeEnvelope(Buffer.from(body), signed(body), NOW, settings)).toMatchObject({
      kind: 'rejected',
      status: 400,
      reason: 'invalid_envelope',
    });
    expect(decodeEnvelope(Buffer.from(body), {}, NOW, { ...settings, encryptKey: '' })).toMatchObject({
      kind: 'rejected',
      status: 400,
      reason: 'invalid_envelope',
    });
  });

  it('gives every unsigned body that is not a valid challenge one identical answer, whatever decryption made of it (no padding oracle)', () => {
    const iv = Buffer.alloc(16, 3);
    const unsignedBodies = [
      { encrypt: Buffer.alloc(48, 9).toString('base64') }, // bad padding
      { encrypt: encryptPayload('not json at all', 'key', iv) }, // good padding, not JSON
      { encrypt: encryptPayload('[1,2]', 'key', iv) }, // JSON, not an object
      { encrypt: encryptPayload(JSON.stringify(message), 'key', iv) }, // a real event, unsigned
      {
        encrypt: encryptPayload(
          JSON.stringify({ type: 'url_verification', token: 'wrong', challenge: 'c' }),
          'key',
          iv,
        ),
      },
      { encrypt: encryptPayload(JSON.stringify({ type: 'url_verification', token: 'tok', challenge: 5 }), 'key', iv) },
      { encrypt: 'AAAA' }, // wrong length
      { encrypt: 12 },
      message, // plain event, unsigned
    ];
    const answers = unsignedBodies.map((body) => decodeEnvelope(Buffer.from(JSON.stringify(body)), {}, NOW, settings));
    expect(answers[0]).toEqual({
      kind: 'rejected',
      status: 401,
      reason: 'missing_signature',
      message: expect.any(String),
    });
    for (const answer of answers) expect(answer).toEqual(answers[0]);
  });

  it('refuses an envelope without event_id or without an event object', () => {
    for (const mutate of [
      (m: Record<string, unknown>) => delete (m.header as Record<string, unknown>).event_id,
      (m: Record<string, unknown>) => delete m.event,
    ]) {
      const copy = structuredClone(message);
      mutate(copy);
      const body = JSON.stringify(copy);
      expect(decodeEnvelope(Buffer.from(body), signed(body), NOW, settings)).toMatchObject({
        kind: 'rejected',
        status: 400,
        reason: 'invalid_envelope',
      });
    }
  });

  it('refuses JSON that is not a Feishu push', () => {
    const body = JSON.stringify({ hello: 'world' });
    expect(decodeEnvelope(Buffer.from(body), signed(body), NOW, settings)).toMatchObject({
      kind: 'rejected',
      status: 400,
      reason: 'invalid_envelope',
    });
  });

  it('checks the signature before parsing, refuses bodies nested deeper than any push, and big unsigned bodies unread', () => {
    const nested = `{"a":${'['.repeat(50_000)}${']'.repeat(50_000)}}`;
    expect(
      decodeEnvelope(Buffer.from(nested), { ...signed(nested), signature: 'ab'.repeat(32) }, NOW, settings),
    ).toMatchObject({ reason: 'bad_signature' });
    expect(decodeEnvelope(Buffer.from(nested), signed(nested), NOW, settings)).toMatchObject({
      status: 400,
      reason: 'malformed_json',
    });
    expect(decodeEnvelope(Buffer.from(nested), {}, NOW, { ...settings, encryptKey: '' })).toMatchObject({
      status: 400,
      reason: 'malformed_json',
    });
    expect(decodeEnvelope(Buffer.from(nested), {}, NOW, settings)).toMatchObject({
      status: 401,
      reason: 'missing_signature',
    });
    // a bracket inside a string is text, not nesting
    const quoted = JSON.stringify({ ...message, note: '['.repeat(100) });
    expect(decodeEnvelope(Buffer.from(quoted), signed(quoted), NOW, settings)).toMatchObject({ kind: 'event' });
  });

  it('counts nesting in one pass, skipping strings and escapes', () => {
    const nests = (json: string, maxDepth: number) => nestsAtMost(Buffer.from(json, 'utf8'), maxDepth);
    expect(nests('{"a":[[1]]}', 3)).toBe(true);
    expect(nests('{"a":[[1]]}', 2)).toBe(false);
    expect(nests('{"a":"[[[[\\"}', 1)).toBe(true);
    expect(nests('{"a":"\\"[[[["}', 1)).toBe(true);
    expect(nests('{"a":"\\\\",  "b":[[[]]]}', 2)).toBe(false);
    // multi-byte characters (会议室, an emoji) never read as brackets or quotes
    expect(nests('{"a":"会议室[[[","b":"🏢"}', 1)).toBe(true);
    expect(nests('{"会":[{"议":["室"]}]}', 2)).toBe(false);
  });

  it('reads the same depth JSON.parse builds, for any JSON text in any script', () => {
    const depthOf = (value: unknown): number =>
      value !== null && typeof value === 'object' ? 1 + Math.max(0, ...Object.values(value).map(depthOf)) : 0;
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6, stringUnit: 'grapheme' }), fc.boolean(), (value, spaced) => {
        const json = Buffer.from(JSON.stringify(value, null, spaced ? 1 : undefined), 'utf8');
        const depth = depthOf(value);
        expect(nestsAtMost(json, depth)).toBe(true);
        if (depth > 0) expect(nestsAtMost(json, depth - 1)).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses a non-string "encrypt"', () => {
    const body = JSON.stringify({ encrypt: 12 });
    expect(decodeEnvelope(Buffer.from(body), signed(body), NOW, settings)).toMatchObject({
      kind: 'rejected',
      status: 400,
      reason: 'undecryptable',
    });
  });
});
