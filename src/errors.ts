// One place for the errors that cross module boundaries. Codes are stable strings for logs and tests.

/** How a failed Feishu call should be treated. */
export type FeishuFailureKind =
  | 'rate_limited' // HTTP 429, 99991400, 230020: wait and retry
  | 'unavailable' // HTTP 5xx, network error, timeout: retry with backoff
  | 'invalid_token' // 99991663 / 99991661: refresh the token once and retry
  | 'permission' // 99991672 and the like: the admin has to enable a scope
  | 'rejected'; // any other non-zero code: permanent, show an error

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
