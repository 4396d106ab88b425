// One place for the errors that cross module boundaries. Codes are stable strings for logs and tests.

/** How a failed Feishu call should be treated. */
export type FeishuFailureKind =
  | 'rate_limited' // HTTP 429, 99991400, 230020: wait and retry
  | 'unavailable' // HTTP 5xx, network error, timeout: retry with backoff
  | 'invalid_token' // 99991663 / 99991661: refresh the token once and retry
  | 'permission' // 99991672 and the like: the admin has to enable a scope
  | 'rejected'; // any other non-zero code: permanent, show an error

const TRANSIENT_KINDS: ReadonlySet<FeishuFailureKind> = new Set(['rate_limited', 'unavailable', 'invalid_token']);

/** A failed call to the Feishu Open API, with what Feishu said about it (code, msg, log_id). */
export class FeishuApiError extends Error {
  override readonly name = 'FeishuApiError';
  constructor(
    readonly kind: FeishuFailureKind,
    readonly api: string,
    readonly code: number | undefined,
    readonly feishuMsg: string | undefined,
    readonly logId: string | undefined,
    readonly httpStatus: number | undefined,
    /** For rate limits: how long Feishu asked us to wait (x-ogw-ratelimit-reset), in ms. */
    readonly retryAfterMs?: number,
  ) {
    super(`${api} failed: ${kind} (http ${httpStatus ?? '-'}, code ${code ?? '-'}: ${feishuMsg ?? 'no message'})`);
  }

  /**
   * Worth trying again later: Feishu was busy, down or unreachable, or refused a token that the next attempt
   * fetches anew; not a permanent refusal (permission, rejected).
   */
  get transient(): boolean {
    return TRANSIENT_KINDS.has(this.kind);
  }

  /** Fields for a structured log line; never contains credentials. `msg` is the log line's own message. */
  toLog(): Record<string, unknown> {
    return {
      api: this.api,
      kind: this.kind,
      code: this.code,
      feishu_msg: this.feishuMsg,
      log_id: this.logId,
      http_status: this.httpStatus,
    };
  }
}

/** Configuration that cannot be used; the message names the key and says what to fix. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Something outside the bot keeps it from starting (a busy port, credentials Feishu refuses); the message says what to change. */
export class StartupError extends Error {
  override readonly name: string = 'StartupError';
}

/**
 * Feishu refused the app's long connection for good (bad credentials, too many connections, …): the SDK
 * does not retry, and neither should the bot. The message says what to check.
 */
export class LongConnectionRefused extends StartupError {
  override readonly name = 'LongConnectionRefused';
  constructor(
    message: string,
    /** Feishu's code from the endpoint answer (514, 1000040350, …), when the SDK reported one. */
    readonly code: number | undefined,
  ) {
    super(message);
  }
}

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
  | 'foreign_app' // 400: header.app_id is another app's
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
