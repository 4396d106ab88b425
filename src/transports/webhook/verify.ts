// Pure checks of a Feishu push: content type, signature, timestamp, decryption, verification token,
// envelope shape. No I/O; the routes feed it the raw bytes and headers and act on the typed result.
// Docs: 步骤三：接收事件 / 步骤三：接收回调 (signature, decryption), 事件概述 (schema 2.0 vs 1.0).
import type { IncomingHttpHeaders } from 'node:http';
import {
  aesKeyFor,
  decryptPayloadBytes,
  signatureDigest,
  signatureMatches,
  SIGNATURE_HEADERS,
} from '../../protocol/crypto.js';
import type { EventEnvelope, LegacyEvent } from '../../protocol/events.js';
import { checkSchema2, createTokenCheck, rejectEnvelope, type EnvelopeRejection } from '../../protocol/envelope.js';
import { isJsonObject } from '../../json.js';

export interface VerificationSettings {
  verificationToken: string;
  /** '' = events are not encrypted and not signed. */
  encryptKey: string;
  signatureToleranceSeconds: number;
}

export interface SignatureHeaders {
  timestamp?: string;
  nonce?: string;
  signature?: string;
}

export type DecodeResult =
  /** url_verification: answer {"challenge": …}. Feishu does not sign it, so no signature is required. */
  | { kind: 'challenge'; challenge: string }
  /** A verified schema 2.0 event or callback. */
  | { kind: 'event'; envelope: EventEnvelope }
  /** A verified schema 1.0 event: a store app's app events (app_ticket, …) come this way; others are ignored. */
  | { kind: 'legacy'; eventType: string | undefined; uuid?: string; event?: LegacyEvent }
  | EnvelopeRejection;

type JsonObject = Record<string, unknown>;

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** application/json, with any parameters; a charset other than UTF-8 is refused (JSON is UTF-8, RFC 8259). */
export function isJsonContentType(header: string | undefined): boolean {
  if (!header) return false;
  if (header === 'application/json' || header === 'application/json; charset=utf-8') return true; // what Feishu sends; skips the parsing below
  const [mediaType, ...params] = header.split(';').map((part) => part.trim().toLowerCase());
  if (mediaType !== 'application/json') return false;
  const charset = params
    .find((p) => p.startsWith('charset='))
    ?.slice('charset='.length)
    .replace(/"/g, '');
  return charset === undefined || charset === 'utf-8' || charset === 'utf8';
}

export function readSignatureHeaders(headers: IncomingHttpHeaders): SignatureHeaders {
  return {
    timestamp: firstHeader(headers[SIGNATURE_HEADERS.timestamp]),
    nonce: firstHeader(headers[SIGNATURE_HEADERS.nonce]),
    signature: firstHeader(headers[SIGNATURE_HEADERS.signature]),
  };
}

export function hasSignatureHeaders(headers: SignatureHeaders): headers is Required<SignatureHeaders> {
  return Boolean(headers.timestamp && headers.nonce && headers.signature);
}

/** X-Lark-Signature against sha256(timestamp + nonce + encrypt_key + raw body), in constant time. */
export function verifySignature(headers: Required<SignatureHeaders>, encryptKey: string, rawBody: Buffer): boolean {
  return signatureMatches(signatureDigest(headers.timestamp, headers.nonce, encryptKey, rawBody), headers.signature);
}

/** X-Lark-Request-Timestamp (unix seconds) within ±toleranceSeconds of now: bounds replays of a signed body. */
export function checkTimestamp(timestamp: string, nowMs: number, toleranceSeconds: number): boolean {
  if (!/^\d{1,12}$/.test(timestamp)) return false;
  return Math.abs(nowMs / 1000 - Number(timestamp)) <= toleranceSeconds;
}

/** What the decoder derives once from the settings: every push would otherwise derive it again. */
interface DerivedSettings {
  settings: VerificationSettings;
  /** SHA-256 of the encrypt key (the AES key); undefined when pushes are plain. */
  aesKey: Buffer | undefined;
  tokenAccepted: (token: unknown) => boolean;
}

/**
 * Feishu's envelopes nest a few levels deep; JSON.parse of 100 KB of nested brackets costs a quarter of a
 * second (measured here), so anything deeper than this is refused by a linear scan before JSON.parse.
 */
const MAX_JSON_DEPTH = 32;

/**
 * Whether JSON nests at most maxDepth arrays/objects (strings skipped, escapes honoured). Linear, over the
 * UTF-8 bytes rather than the decoded text: a byte below 0x80 is never part of a multi-byte character, so
 * brackets and quotes read the same, and indexing bytes stays fast for Chinese text too (charCodeAt over a
 * two-byte string measured ~3× slower than over the bytes).
 */
export function nestsAtMost(json: Uint8Array, maxDepth: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < json.length; i += 1) {
    const c = json[i];
    if (inString) {
      if (c === 0x5c)
        i += 1; // backslash: the next character is escaped
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      depth += 1;
      if (depth > maxDepth) return false;
    } else if (c === 0x7d || c === 0x5d) depth -= 1;
  }
  return true;
}

/** UTF-8 JSON → an object, or undefined when it is not one (or nests deeper than any Feishu push). */
function parseObject(json: Buffer): JsonObject | undefined {
  if (!nestsAtMost(json, MAX_JSON_DEPTH)) return undefined;
  try {
    const value: unknown = JSON.parse(json.toString('utf8'));
    return isJsonObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

export type EnvelopeDecoder = (rawBody: Buffer, headers: SignatureHeaders, nowMs: number) => DecodeResult;

/** The largest unsigned body decoded when an encrypt key is set: an encrypted url_verification is ~200 bytes. */
const UNSIGNED_BODY_MAX_BYTES = 4096;

/** An unsigned body is refused with this one answer, whatever its decryption gave (no padding oracle). */
const SIGNATURE_REQUIRED = rejectEnvelope(
  401,
  'missing_signature',
  'X-Lark-Request-Timestamp, X-Lark-Request-Nonce and X-Lark-Signature are required',
);

/**
 * Everything between the raw bytes and a trusted event, in Feishu's order:
 * parse → signature (before decrypting, when the headers are there) → decrypt → url_verification (token
 * only: Feishu does not sign it) → signature required → token → envelope shape.
 *
 * With an encrypt key set, a body without signature headers is decrypted only to recognise Feishu's
 * url_verification challenge; anything else unsigned (undecryptable, not JSON, a wrong token, an event)
 * gets SIGNATURE_REQUIRED, identical in status and body, so an unsigned request learns nothing about
 * what decryption made of it.
 */
export function createEnvelopeDecoder(settings: VerificationSettings): EnvelopeDecoder {
  const derived: DerivedSettings = {
    settings,
    aesKey: settings.encryptKey === '' ? undefined : aesKeyFor(settings.encryptKey),
    tokenAccepted: createTokenCheck(settings.verificationToken),
  };
  return (rawBody, headers, nowMs) => decode(rawBody, headers, nowMs, derived);
}

function decode(rawBody: Buffer, headers: SignatureHeaders, nowMs: number, derived: DerivedSettings): DecodeResult {
  const { settings, aesKey } = derived;
  // The signature covers the raw bytes: check it before spending anything on parsing them.
  let signatureChecked = false;
  if (aesKey && hasSignatureHeaders(headers)) {
    if (!verifySignature(headers, settings.encryptKey, rawBody)) {
      return rejectEnvelope(
        401,
        'bad_signature',
        'X-Lark-Signature does not match the body (check FEISHU_ENCRYPT_KEY)',
      );
    }
    if (!checkTimestamp(headers.timestamp, nowMs, settings.signatureToleranceSeconds)) {
      return rejectEnvelope(
        401,
        'stale_timestamp',
        `X-Lark-Request-Timestamp is more than ${settings.signatureToleranceSeconds} s from now`,
      );
    }
    signatureChecked = true;
  }
  const unsigned = aesKey !== undefined && !signatureChecked;
  // Unsigned, only Feishu's url_verification is answered, and it is a few hundred bytes.
  if (unsigned && rawBody.length > UNSIGNED_BODY_MAX_BYTES) return SIGNATURE_REQUIRED;

  const body = parseObject(rawBody);
  if (!body)
    return unsigned
      ? SIGNATURE_REQUIRED
      : rejectEnvelope(400, 'malformed_json', 'body is not a JSON object (or nests deeper than any Feishu push)');

  let payload = body;
  if ('encrypt' in body) {
    if (!aesKey) {
      return rejectEnvelope(
        400,
        'encrypt_key_missing',
        'the body is encrypted but no encrypt key is configured: set FEISHU_ENCRYPT_KEY',
      );
    }
    let decrypted: JsonObject | undefined;
    try {
      decrypted = typeof body.encrypt === 'string' ? parseObject(decryptPayloadBytes(body.encrypt, aesKey)) : undefined;
    } catch {
      decrypted = undefined;
    }
    if (!decrypted) {
      if (unsigned) return SIGNATURE_REQUIRED;
      return rejectEnvelope(
        400,
        'undecryptable',
        'cannot decrypt the body with the configured encrypt key (check FEISHU_ENCRYPT_KEY)',
      );
    }
    payload = decrypted;
  }

  if (payload.type === 'url_verification') {
    const accepted = derived.tokenAccepted(payload.token) && typeof payload.challenge === 'string';
    if (accepted) return { kind: 'challenge', challenge: payload.challenge as string };
    if (unsigned) return SIGNATURE_REQUIRED;
    if (typeof payload.challenge !== 'string')
      return rejectEnvelope(400, 'invalid_envelope', 'url_verification without a challenge');
    return rejectEnvelope(401, 'bad_token', 'url_verification token does not match (check FEISHU_VERIFICATION_TOKEN)');
  }

  if (unsigned) return SIGNATURE_REQUIRED;

  if (payload.schema === '2.0') return checkSchema2(payload, derived.tokenAccepted);

  // schema 1.0: {uuid, token, ts, type: "event_callback", event: {type, …}}
  if (payload.type === 'event_callback') {
    if (!derived.tokenAccepted(payload.token)) {
      return rejectEnvelope(401, 'bad_token', 'verification token does not match (check FEISHU_VERIFICATION_TOKEN)');
    }
    const event = payload.event;
    const eventType = isJsonObject(event) && typeof event.type === 'string' ? event.type : undefined;
    if (!isJsonObject(event) || eventType === undefined || typeof event.app_id !== 'string')
      return { kind: 'legacy', eventType };
    return {
      kind: 'legacy',
      eventType,
      ...(typeof payload.uuid === 'string' ? { uuid: payload.uuid.slice(0, 64) } : {}),
      event: event as LegacyEvent,
    };
  }

  return rejectEnvelope(
    400,
    'invalid_envelope',
    'not a Feishu event: expected a schema 2.0 envelope or url_verification',
  );
}
