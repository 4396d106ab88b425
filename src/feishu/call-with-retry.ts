// One Feishu API call, retried: callWithRetry runs a call, turns what fails into a FeishuApiError of one
// kind (HTTP status + Feishu `code`), and tries again, bounded, when that kind is worth retrying.
// Codes: 通用错误码 (99991400 rate limit, 99991661/99991663 token, 99991672 scope) and the reply
// API's own table (230020 message rate limit, 230027 lack of permission).
import { isAxiosError } from 'axios';
import { FeishuApiError, type FeishuFailureKind } from '../errors.js';
import type { Logger } from '../log.js';
import type { BotMetrics } from '../metrics.js';
import { isJsonObject } from '../json.js';
import { backoffDelay } from '../backoff.js';

/**
 * One call's backoff: short, because a call waits inside a worker's job and the queue's own retry
 * (config queue.retryBaseDelayMs) takes over for longer outages.
 */
export const CALL_RETRY_BASE_DELAY_MS = 200;
export const CALL_RETRY_MAX_DELAY_MS = 5_000;

export interface CallPolicy {
  /** Attempts for retryable failures (rate limit, 5xx, network), including the first. */
  maxAttempts: number;
  logger: Logger;
  /** Base of the exponential backoff, in ms (tests shorten it); CALL_RETRY_BASE_DELAY_MS otherwise. */
  baseDelayMs?: number;
  /** Cap of one wait, in ms (also caps x-ogw-ratelimit-reset); CALL_RETRY_MAX_DELAY_MS otherwise. */
  maxDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Told of every attempt (api, Feishu code or why there is none, seconds) and every retry. */
  metrics?: Pick<BotMetrics, 'feishuCall' | 'retry'>;
}

/** What a call needs of the tenant token cache (token.ts's provider is one): a token, and a way to drop a refused one. */
export interface TokenSource {
  get(): Promise<string>;
  invalidate(token: string): void;
}

interface FeishuBody {
  code?: number;
  msg?: string;
  error?: { log_id?: string };
}

const RATE_LIMIT_CODES = new Set([99991400, 230020]);
const TOKEN_CODES = new Set([99991661, 99991663]);
const PERMISSION_CODES = new Set([99991672, 99991679, 230027]);

function kindOf(httpStatus: number | undefined, code: number | undefined): FeishuFailureKind {
  if (httpStatus === 429 || (code !== undefined && RATE_LIMIT_CODES.has(code))) return 'rate_limited';
  if (code !== undefined && TOKEN_CODES.has(code)) return 'invalid_token';
  if (code !== undefined && PERMISSION_CODES.has(code)) return 'permission';
  if (httpStatus === undefined || httpStatus >= 500) return 'unavailable';
  return 'rejected';
}

function header(headers: unknown, name: string): string | undefined {
  if (!isJsonObject(headers)) return undefined;
  const value = headers[name];
  return typeof value === 'string' ? value : Array.isArray(value) ? String(value[0]) : undefined;
}

/** Turns whatever a call threw into a FeishuApiError; errors that are not HTTP errors pass through. */
export function toFeishuError(api: string, error: unknown): unknown {
  if (error instanceof FeishuApiError || !isAxiosError(error)) return error;
  const response = error.response;
  if (!response)
    return new FeishuApiError('unavailable', api, undefined, error.code ?? error.message, undefined, undefined);
  const body = (isJsonObject(response.data) ? response.data : {}) as FeishuBody;
  const reset = Number(header(response.headers, 'x-ogw-ratelimit-reset'));
  return new FeishuApiError(
    kindOf(response.status, body.code),
    api,
    body.code,
    body.msg,
    body.error?.log_id ?? header(response.headers, 'x-tt-logid'),
    response.status,
    Number.isFinite(reset) && reset >= 0 ? reset * 1000 : undefined,
  );
}

/** A body with code != 0 is a failure even on HTTP 200. */
function checkBody<T>(api: string, body: T): T {
  const { code, msg, error } = (body ?? {}) as FeishuBody;
  if (code !== undefined && code !== 0) {
    throw new FeishuApiError(kindOf(200, code), api, code, msg, error?.log_id, 200);
  }
  return body;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function retryDelay(error: FeishuApiError, attempt: number, policy: CallPolicy): number {
  const max = policy.maxDelayMs ?? CALL_RETRY_MAX_DELAY_MS;
  if (error.kind === 'rate_limited' && error.retryAfterMs !== undefined) return Math.min(max, error.retryAfterMs);
  // Jittered below the cap only: a call's wait is bounded by maxDelayMs.
  const backoff = { baseMs: policy.baseDelayMs ?? CALL_RETRY_BASE_DELAY_MS, maxMs: max, jitter: [0.5, 1] as const };
  return backoffDelay(attempt, backoff, policy.random);
}

/** The `code` label of a failed call: Feishu's code, or what happened instead (http_503, network). */
function codeLabel(error: unknown): string {
  if (!(error instanceof FeishuApiError)) return 'error';
  if (error.code !== undefined) return String(error.code);
  return error.httpStatus !== undefined ? `http_${error.httpStatus}` : 'network';
}

/**
 * Runs `call` with retries. With a token provider, the call gets a tenant token, and an invalid-token
 * answer refreshes the token once and tries again.
 */
export async function callWithRetry<T>(
  api: string,
  policy: CallPolicy,
  call: (token: string) => Promise<T>,
  tokens?: TokenSource,
): Promise<T> {
  let refreshedToken = false;
  for (let attempt = 1; ; attempt += 1) {
    const token = tokens ? await tokens.get() : '';
    const started = performance.now();
    try {
      const body = checkBody(api, await call(token));
      policy.metrics?.feishuCall(api, '0', (performance.now() - started) / 1000);
      return body;
    } catch (thrown) {
      const error = toFeishuError(api, thrown);
      policy.metrics?.feishuCall(api, codeLabel(error), (performance.now() - started) / 1000);
      if (!(error instanceof FeishuApiError)) throw error;
      if (error.kind === 'invalid_token' && tokens && !refreshedToken) {
        refreshedToken = true;
        tokens.invalidate(token);
        policy.logger.warn(error.toLog(), 'feishu token rejected; fetching a new one');
        continue;
      }
      // A token refused even after the refresh is left to the caller's later attempt, not retried here at once.
      if (!error.transient || error.kind === 'invalid_token' || attempt >= policy.maxAttempts) throw error;
      const delay = retryDelay(error, attempt, policy);
      policy.logger.warn({ ...error.toLog(), attempt, retry_in_ms: delay }, 'feishu call failed; retrying');
      policy.metrics?.retry('call');
      await (policy.sleep ?? defaultSleep)(delay);
    }
  }
}
