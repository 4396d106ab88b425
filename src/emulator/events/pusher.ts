// Delivers pushes to the bot's webhook as Feishu does: signed (and encrypted when an Encrypt Key is set)
// HTTP POSTs, acknowledged only by HTTP 200 within the deadline, on the schedule of delivery.ts.
import { setMaxListeners } from 'node:events';
import { pushId, type EventEnvelope, type LegacyEventEnvelope } from '../../protocol/events.js';
import type { Logger } from '../../log.js';
import {
  deliverOnSchedule,
  logAttempt,
  reserveAttempt,
  withOverrides,
  type DeliveryAttempt,
  type DeliveryPolicy,
  type DeliveryResult,
} from './delivery.js';
import { encodePush, postWebhook, type EncodedPush, type WebhookResponse } from './transport.js';

export interface PushOptions {
  /** Added to the signing timestamp, to test a receiver's replay window. */
  clockSkewSeconds?: number;
}

export interface PusherConfig {
  encryptKey?: string;
  policy: DeliveryPolicy;
  now: () => number;
  logger: Logger;
  /** Where every settled push is appended (shared with the long connection). */
  log: DeliveryAttempt[];
  /** How many attempts `log` keeps (oldest dropped). */
  maxRecords: number;
}

export class EventPusher {
  private readonly closing = new AbortController();

  constructor(private readonly config: PusherConfig) {
    // one abort listener per push in flight: many concurrent pushes are normal, not a leak
    setMaxListeners(0, this.closing.signal);
  }

  /** Encrypts/signs (when an Encrypt Key is set) with a fresh timestamp and nonce. */
  encode(payload: unknown, sign: boolean, options: PushOptions = {}): EncodedPush {
    const timestampSeconds = Math.floor(this.config.now() / 1000) + (options.clockSkewSeconds ?? 0);
    return encodePush(payload, {
      ...(this.config.encryptKey ? { encryptKey: this.config.encryptKey } : {}),
      sign,
      timestampSeconds,
    });
  }

  /** Pushes one event until acknowledged or the schedule is exhausted, plus the extra deliveries. */
  deliver(
    envelope: EventEnvelope | LegacyEventEnvelope,
    url: string,
    overrides: Partial<DeliveryPolicy> & PushOptions = {},
  ): Promise<DeliveryResult> {
    const { clockSkewSeconds, ...policyOverrides } = overrides;
    const policy = withOverrides(this.config.policy, policyOverrides);
    const attempts: DeliveryAttempt[] = [];
    const push = (kind: DeliveryAttempt['kind']) =>
      this.pushOnce(envelope, url, kind, attempts, policy.ackTimeoutMs, { clockSkewSeconds });
    return deliverOnSchedule(pushId(envelope).id, policy, push, attempts, this.closing.signal, this.config.logger);
  }

  /** One POST of a signed push (or an unsigned one with sign=false), outside any retry schedule. */
  async post(
    url: string,
    payload: unknown,
    sign: boolean,
    timeoutMs: number,
  ): Promise<WebhookResponse & { request: EncodedPush }> {
    const request = this.encode(payload, sign);
    const response = await postWebhook(url, request, timeoutMs, this.closing.signal);
    return { ...response, request };
  }

  /** Stops pending retries and in-flight pushes; deliveries in progress resolve with cancelled: true. */
  close(): void {
    this.closing.abort();
  }

  private async pushOnce(
    envelope: EventEnvelope | LegacyEventEnvelope,
    url: string,
    kind: DeliveryAttempt['kind'],
    attempts: DeliveryAttempt[],
    ackTimeoutMs: number,
    options: PushOptions,
  ): Promise<DeliveryAttempt> {
    const request = this.encode(envelope, true, options);
    const startedAt = this.config.now();
    const { number, slot } = reserveAttempt(attempts);
    const response = await postWebhook(url, request, ackTimeoutMs, this.closing.signal);
    Object.assign(slot, {
      eventId: pushId(envelope).id,
      eventType: pushId(envelope).type,
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
    } satisfies DeliveryAttempt);
    logAttempt(this.config.log, slot, this.config.maxRecords);
    this.config.logger.debug(
      {
        event_id: slot.eventId,
        kind,
        attempt: number,
        status: slot.status,
        error: slot.error,
        duration_ms: slot.durationMs,
      },
      'event pushed',
    );
    return slot;
  }
}
