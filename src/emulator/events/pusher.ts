// Delivers pushes to the bot the way Feishu does (事件概述): an event counts as received only on HTTP 200
// within the deadline (3 s); otherwise it is pushed again, identical, after each delay of the retry
// schedule (Feishu: 15 s, 5 min, 1 h, 6 h). Feishu may also push an event more than once even after a
// 200 ("特殊情况下可能会收到重复的推送"), which extra deliveries reproduce on purpose.
import { setMaxListeners } from 'node:events';
import type { EventEnvelope } from '../../feishu/events.js';
import type { Logger } from '../../log.js';
import { encodePush, postWebhook, type EncodedPush, type WebhookResponse } from './transport.js';

/** Duplicates of each event: some pushed alongside the first delivery (before its ack), some after it settles. */
export interface ExtraDeliveries {
  concurrent?: number;
  afterAck?: number;
}

export interface DeliveryPolicy {
  /** An event is acknowledged only by HTTP 200 within this time (Feishu: 3000 ms). */
  ackTimeoutMs: number;
  /** Waits before each re-delivery of an unacknowledged event; its length is the number of retries. */
  retryDelaysMs: readonly number[];
  /** A number N means ceil(N/2) concurrent and floor(N/2) after-ack duplicates. */
  extraDeliveries: number | ExtraDeliveries;
}

export const FEISHU_RETRY_DELAYS_MS: readonly number[] = [15_000, 5 * 60_000, 60 * 60_000, 6 * 60 * 60_000];
export const FEISHU_ACK_TIMEOUT_MS = 3000;

export interface DeliveryAttempt {
  eventId: string;
  eventType: string;
  url: string;
  /** 'first' and 'retry' follow the schedule; 'duplicate' is an extra delivery. */
  kind: 'first' | 'retry' | 'duplicate';
  /** 1-based order in which the pushes of this event started. */
  attempt: number;
  startedAt: number;
  durationMs: number;
  status?: number;
  acknowledged: boolean;
  /** 'timeout', 'cancelled', or a network error message. */
  error?: string;
  responseBody: string;
  requestHeaders: Record<string, string>;
  requestBody: string;
}

export interface DeliveryResult {
  eventId: string;
  /** Whether any scheduled delivery (first or retry) was answered 200 in time. */
  acknowledged: boolean;
  /** The emulator closed before the schedule finished. */
  cancelled: boolean;
  attempts: DeliveryAttempt[];
}

export interface PushOptions {
  /** Added to the signing timestamp, to test a receiver's replay window. */
  clockSkewSeconds?: number;
}

export interface PusherConfig {
  encryptKey?: string;
  policy: DeliveryPolicy;
  now: () => number;
  logger: Logger;
  /** How many attempts `attempts` keeps (oldest dropped). */
  maxRecords: number;
}

function splitExtras(extra: number | ExtraDeliveries): Required<ExtraDeliveries> {
  if (typeof extra === 'number') return { concurrent: Math.ceil(extra / 2), afterAck: Math.floor(extra / 2) };
  return { concurrent: extra.concurrent ?? 0, afterAck: extra.afterAck ?? 0 };
}

export class EventPusher {
  /** Every event push made, across events, in the order they finished. */
  readonly attempts: DeliveryAttempt[] = [];
  private readonly closing = new AbortController();

  constructor(private readonly config: PusherConfig) {
    // one abort listener per push in flight: many concurrent pushes are normal, not a leak
    setMaxListeners(0, this.closing.signal);
  }

  /** Encrypts/signs (when an Encrypt Key is set) with a fresh timestamp and nonce. */
  encode(payload: unknown, sign: boolean, options: PushOptions = {}): EncodedPush {
    const timestampSeconds = Math.floor(this.config.now() / 1000) + (options.clockSkewSeconds ?? 0);
    return encodePush(payload, { ...(this.config.encryptKey ? { encryptKey: this.config.encryptKey } : {}), sign, timestampSeconds });
  }

  /** Pushes one event until acknowledged or the schedule is exhausted, plus the extra deliveries. */
  async deliver(envelope: EventEnvelope, url: string, overrides: Partial<DeliveryPolicy> & PushOptions = {}): Promise<DeliveryResult> {
    const { clockSkewSeconds, ...policyOverrides } = overrides;
    const policy = { ...this.config.policy, ...definedOnly(policyOverrides) };
    const extras = splitExtras(policy.extraDeliveries);
    const attempts: DeliveryAttempt[] = [];
    const push = (kind: DeliveryAttempt['kind']) => this.pushOnce(envelope, url, kind, attempts, policy.ackTimeoutMs, { clockSkewSeconds });

    const concurrent = Array.from({ length: extras.concurrent }, () => push('duplicate'));
    let acknowledged = false;
    let cancelled = false;
    for (let retry = 0; ; retry += 1) {
      const attempt = await push(retry === 0 ? 'first' : 'retry');
      if (attempt.acknowledged) {
        acknowledged = true;
        break;
      }
      const delay = policy.retryDelaysMs[retry];
      if (delay === undefined) break;
      if (!(await this.sleep(delay))) {
        cancelled = true;
        break;
      }
    }
    await Promise.all(concurrent);
    for (let i = 0; i < extras.afterAck && !this.closing.signal.aborted; i += 1) await push('duplicate');
    cancelled ||= this.closing.signal.aborted;
    const result = { eventId: envelope.header.event_id, acknowledged, cancelled, attempts };
    if (!acknowledged) {
      this.config.logger.warn({ event_id: result.eventId, attempts: attempts.length, cancelled }, 'event was not acknowledged');
    }
    return result;
  }

  /** One POST of a signed push (or an unsigned one with sign=false), outside any retry schedule. */
  async post(url: string, payload: unknown, sign: boolean, timeoutMs: number): Promise<WebhookResponse & { request: EncodedPush }> {
    const request = this.encode(payload, sign);
    const response = await postWebhook(url, request, timeoutMs, this.closing.signal);
    return { ...response, request };
  }

  /** Stops pending retries and in-flight pushes; deliveries in progress resolve with cancelled: true. */
  close(): void {
    this.closing.abort();
  }

  private async pushOnce(
    envelope: EventEnvelope,
    url: string,
    kind: DeliveryAttempt['kind'],
    attempts: DeliveryAttempt[],
    ackTimeoutMs: number,
    options: PushOptions,
  ): Promise<DeliveryAttempt> {
    const request = this.encode(envelope, true, options);
    const startedAt = this.config.now();
    const number = attempts.length + 1;
    const placeholder = { acknowledged: false } as DeliveryAttempt;
    attempts.push(placeholder); // reserve the slot so concurrent pushes keep their start order
    const response = await postWebhook(url, request, ackTimeoutMs, this.closing.signal);
    const attempt: DeliveryAttempt = {
      eventId: envelope.header.event_id,
      eventType: envelope.header.event_type,
      url,
      kind,
      attempt: number,
      startedAt,
      durationMs: response.durationMs,
      ...(response.status !== undefined ? { status: response.status } : {}),
      acknowledged: response.status === 200,
      ...(response.error ? { error: response.error } : {}),
      responseBody: response.body,
      requestHeaders: request.headers,
      requestBody: request.body,
    };
    Object.assign(placeholder, attempt);
    this.attempts.push(placeholder);
    if (this.attempts.length > this.config.maxRecords) this.attempts.splice(0, this.attempts.length - this.config.maxRecords);
    this.config.logger.debug(
      { event_id: attempt.eventId, kind, attempt: number, status: attempt.status, error: attempt.error, duration_ms: attempt.durationMs },
      'event pushed',
    );
    return placeholder;
  }

  /** Waits `ms`; false when the emulator closed meanwhile. */
  private sleep(ms: number): Promise<boolean> {
    const signal = this.closing.signal;
    if (signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve(true);
      }, ms);
      const onAbort = () => {
        clearTimeout(timer);
        resolve(false);
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
