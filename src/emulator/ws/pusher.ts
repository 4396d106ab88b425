// Delivers events over the long connection as Feishu does: the plain JSON envelope (schema 2.0, never
// encrypted on this transport) as the payload of data frames to one randomly chosen connection that has
// pinged; acknowledged only by the echoed frame with payload {"code":200} within the deadline, otherwise
// re-delivered on the schedule of events/delivery.ts. Card callbacks travel the same way; the answer comes
// back base64-encoded in the acknowledgement's `data`.
import { setMaxListeners } from 'node:events';
import type { EventEnvelope } from '../../protocol/events.js';
import type { Logger } from '../../log.js';
import {
  deliverOnSchedule,
  logAttempt,
  reserveAttempt,
  withOverrides,
  type DeliveryAttempt,
  type DeliveryPolicy,
  type DeliveryResult,
} from '../events/delivery.js';
import type { WebhookResponse } from '../events/transport.js';
import type { AckOutcome } from './connection.js';
import type { WsGateway } from './gateway.js';

export interface WsPushOptions {
  /** Split each push into this many data frames (headers sum/seq), as Feishu does with large events; default 1. */
  fragments?: number;
}

export interface WsPusherConfig {
  gateway: WsGateway;
  policy: DeliveryPolicy;
  now: () => number;
  logger: Logger;
  /** Where every settled push is appended (shared with the webhook pusher). */
  log: DeliveryAttempt[];
  maxRecords: number;
}

/** What one push over the long connection came to. */
interface Exchange extends AckOutcome {
  url: string;
  connectionId?: string;
  durationMs: number;
}

export class WsEventPusher {
  private readonly closing = new AbortController();

  constructor(private readonly config: WsPusherConfig) {
    setMaxListeners(0, this.closing.signal);
  }

  deliver(envelope: EventEnvelope, overrides: Partial<DeliveryPolicy> & WsPushOptions = {}): Promise<DeliveryResult> {
    const { fragments, ...policyOverrides } = overrides;
    const policy = withOverrides(this.config.policy, policyOverrides);
    const attempts: DeliveryAttempt[] = [];
    const payload = JSON.stringify(envelope);
    const push = async (kind: DeliveryAttempt['kind']): Promise<DeliveryAttempt> => {
      const startedAt = this.config.now();
      const { number, slot } = reserveAttempt(attempts);
      const exchange = await this.exchange(payload, fragments ?? 1, policy.ackTimeoutMs);
      Object.assign(slot, {
        eventId: envelope.header.event_id,
        eventType: envelope.header.event_type,
        url: exchange.url,
        kind,
        attempt: number,
        startedAt,
        durationMs: exchange.durationMs,
        ...(exchange.ack ? { status: exchange.ack.code } : {}),
        acknowledged: exchange.ack?.code === 200,
        ...(exchange.error ? { error: exchange.error } : {}),
        responseBody: exchange.ackText,
        requestHeaders: exchange.headers,
        requestBody: payload,
        ...(exchange.connectionId ? { connectionId: exchange.connectionId } : {}),
      } satisfies DeliveryAttempt);
      logAttempt(this.config.log, slot, this.config.maxRecords);
      this.config.logger.debug(
        {
          event_id: slot.eventId,
          kind,
          attempt: number,
          connection: slot.connectionId,
          status: slot.status,
          error: slot.error,
          duration_ms: slot.durationMs,
        },
        'event pushed over the long connection',
      );
      return slot;
    };
    return deliverOnSchedule(envelope.header.event_id, policy, push, attempts, this.closing.signal, this.config.logger);
  }

  /**
   * One push outside any schedule (a card callback), read as the webhook's answer would be: `status` is the
   * acknowledgement's code and `body` its decoded `data` ('' when the handler returned nothing).
   */
  async call(payload: unknown, timeoutMs: number): Promise<WebhookResponse & { connectionId?: string }> {
    const exchange = await this.exchange(JSON.stringify(payload), 1, timeoutMs);
    const body = exchange.ack?.data === undefined ? '' : Buffer.from(exchange.ack.data, 'base64').toString('utf8');
    return {
      ...(exchange.ack ? { status: exchange.ack.code } : {}),
      body,
      durationMs: exchange.durationMs,
      ...(exchange.error ? { error: exchange.error } : {}),
      ...(exchange.connectionId ? { connectionId: exchange.connectionId } : {}),
    };
  }

  close(): void {
    this.closing.abort();
  }

  /** Waits (within the deadline) for a connection that has pinged, then pushes and waits for its acknowledgement. */
  private async exchange(payload: string, fragments: number, timeoutMs: number): Promise<Exchange> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const signal = this.closing.signal;
    const connection = await this.config.gateway.pickReady(timeoutMs, signal);
    if (!connection) {
      return {
        url: '',
        headers: {},
        ackText: '',
        error: signal.aborted ? 'cancelled' : 'no connection',
        durationMs: elapsed(),
      };
    }
    const outcome = await connection.push({
      payload: Buffer.from(payload),
      fragments,
      timeoutMs: Math.max(1, timeoutMs - elapsed()),
      signal,
    });
    return { ...outcome, url: connection.info.url, connectionId: connection.info.id, durationMs: elapsed() };
  }
}
