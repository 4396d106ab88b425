// Why a webhook request was turned away: one stable code per reason, used in the JSON error body
// ({ error: code, message }) and in the single log line each rejection gets.

export type RejectReason =
  | 'unsupported_media_type' // 415: Content-Type is not application/json (or a compressed body)
  | 'body_too_large' // 413: over bodyLimitBytes (declared or counted)
  | 'request_aborted' // 400: the client went away while sending the body
  | 'malformed_json' // 400: not JSON, or not a JSON object
  | 'encrypt_key_missing' // 400: {"encrypt": …} but no encrypt key is configured
  | 'undecryptable' // 400: cannot be decrypted with the configured encrypt key
  | 'invalid_envelope' // 400: not a Feishu event (no header / event_type / event / challenge)
  | 'missing_signature' // 401: encrypt key set, but X-Lark-* signature headers absent
  | 'bad_signature' // 401: X-Lark-Signature does not match the raw body
  | 'stale_timestamp' // 401: X-Lark-Request-Timestamp outside the accepted window
  | 'bad_token' // 401: verification token differs from the configured one
  | 'invalid_id' // 400: an ID in the event (message_id) cannot be Feishu's; it is never used
  | 'busy' // 503: the intake queue is full; Feishu re-delivers later
  | 'store_unavailable' // 503: the intake store (Redis) could not record the event; Feishu re-delivers later
  | 'draining' // 503: shutting down; Feishu re-delivers (to another replica)
  | 'not_ready' // 503: still starting
  | 'not_found' // 404
  | 'method_not_allowed' // 405
  | 'internal_error'; // 500: a bug or an unexpected failure, logged at error level

/** A request we refuse on purpose; the error middleware answers it and logs it once. */
export class RequestRejected extends Error {
  override readonly name = 'RequestRejected';
  constructor(
    readonly status: number,
    readonly reason: RejectReason,
    message: string,
    readonly extra: {
      /** event_id when it is already known (after decryption), for the log line. */
      eventId?: string;
      /** Response headers to add (Retry-After, …). */
      headers?: Record<string, string>;
      /** Close the connection after answering (a body we stopped reading is still on the wire). */
      closeConnection?: boolean;
    } = {},
  ) {
    super(message);
  }
}

/** Seconds Feishu is asked to wait before re-delivering after a 503. */
export const RETRY_AFTER_SECONDS = '5';
