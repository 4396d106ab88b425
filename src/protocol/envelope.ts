// The checks of a schema 2.0 envelope both transports share: the verification token, then the shape
// (header, event_type, event_id, event). The webhook runs them after its signature and decryption; the long
// connection, whose envelopes arrive parsed and plain, runs them alone. Doc: 事件概述 (schema 2.0 vs 1.0).
import { timingSafeEqual } from 'node:crypto';
import type { RejectReason } from '../errors.js';
import { isJsonObject } from '../json.js';
import type { EventEnvelope } from './events.js';

export type EnvelopeRejection = {
  kind: 'rejected';
  status: 400 | 401;
  reason: RejectReason;
  message: string;
  eventId?: string;
};

/** What the checks of a schema 2.0 envelope can give. */
export type EnvelopeCheck = { kind: 'event'; envelope: EventEnvelope } | EnvelopeRejection;

export function rejectEnvelope(
  status: 400 | 401,
  reason: RejectReason,
  message: string,
  eventId?: string,
): EnvelopeRejection {
  return eventId === undefined
    ? { kind: 'rejected', status, reason, message }
    : { kind: 'rejected', status, reason, message, eventId };
}

/**
 * Whether a push's token is accepted: it matches the configured verification token, in constant time, or none
 * is configured (then only the signature, if an encrypt key is set, vouches for the push; startup warns about
 * it). Only the length can show through, and a verification token's length is no secret.
 */
export function createTokenCheck(verificationToken: string): (received: unknown) => boolean {
  if (verificationToken === '') return () => true;
  const expected = Buffer.from(verificationToken, 'utf8');
  return (received) => {
    if (typeof received !== 'string') return false;
    const receivedBytes = Buffer.from(received, 'utf8');
    return receivedBytes.length === expected.length && timingSafeEqual(expected, receivedBytes);
  };
}

/** Constant-time string equality (see createTokenCheck). */
export function tokensMatch(expected: string, received: unknown): boolean {
  return expected !== '' ? createTokenCheck(expected)(received) : received === '';
}

/** A schema 2.0 envelope after its signature (if any) has been checked: token, then shape. */
export function checkSchema2(
  payload: Record<string, unknown>,
  tokenAccepted: (token: unknown) => boolean,
): EnvelopeCheck {
  const { header, event } = payload;
  if (!isJsonObject(header)) return rejectEnvelope(400, 'invalid_envelope', 'schema 2.0 envelope without a header');
  const eventId = typeof header.event_id === 'string' ? header.event_id : undefined;
  if (!tokenAccepted(header.token)) {
    return rejectEnvelope(
      401,
      'bad_token',
      'verification token does not match (check FEISHU_VERIFICATION_TOKEN)',
      eventId,
    );
  }
  if (typeof header.event_type !== 'string' || header.event_type === '') {
    return rejectEnvelope(400, 'invalid_envelope', 'envelope header without event_type', eventId);
  }
  if (eventId === undefined || eventId === '')
    return rejectEnvelope(400, 'invalid_envelope', 'envelope header without event_id');
  if (!isJsonObject(event)) return rejectEnvelope(400, 'invalid_envelope', 'envelope without an event object', eventId);
  return { kind: 'event', envelope: payload as unknown as EventEnvelope };
}

/**
 * For an envelope that arrived parsed, plain and over a channel the app authenticated itself (the long
 * connection: neither encrypted nor signed there): the same token and shape checks as a webhook push.
 */
export function createPlainEnvelopeChecker(verificationToken: string): (payload: unknown) => EnvelopeCheck {
  const tokenAccepted = createTokenCheck(verificationToken);
  return (payload) => {
    if (!isJsonObject(payload) || payload.schema !== '2.0')
      return rejectEnvelope(400, 'invalid_envelope', 'not a Feishu event: expected a schema 2.0 envelope');
    return checkSchema2(payload, tokenAccepted);
  };
}
