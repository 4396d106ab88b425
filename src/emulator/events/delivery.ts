// Feishu's delivery schedule, whatever the transport (事件概述): an event counts as received only when the
// bot acknowledges it within the deadline (3 s); otherwise it is pushed again, identical, after each delay
// of the retry schedule (Feishu: 15 s, 5 min, 1 h, 6 h). Feishu may also push an event more than once even
// after an acknowledgement ("特殊情况下可能会收到重复的推送"), which extra deliveries reproduce on purpose.
// The webhook pusher (HTTP 200) and the long connection (an ack frame with code 200) both run this loop.
import type { Logger } from '../../log.js';

/** Duplicates of each event: some pushed alongside the first delivery (before its ack), some after it settles. */
export interface ExtraDeliveries {
  concurrent?: number;
  afterAck?: number;
}

export interface DeliveryPolicy {
  /** An event is acknowledged only within this time (Feishu: 3000 ms). */
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
  /** Webhook: the URL posted to. Long connection: the connection's URL without its ticket ('' when no connection was ready). */
  url: string;
  /** 'first' and 'retry' follow the schedule; 'duplicate' is an extra delivery. */
  kind: 'first' | 'retry' | 'duplicate';
  /** 1-based order in which the pushes of this event started. */
  attempt: number;
  startedAt: number;
  durationMs: number;
  /** Webhook: the HTTP status. Long connection: the `code` of the acknowledgement frame. */
  status?: number;
  /** Whether this push was answered with 200 in time. */
  acknowledged: boolean;
  /** 'timeout', 'cancelled', 'no connection', 'connection closed', 'bad ack', or a network error message. */
  error?: string;
  /** Webhook: the response body. Long connection: the acknowledgement payload (JSON text). */
  responseBody: string;
  /** Webhook: the signature headers. Long connection: the headers of the (first) data frame. */
  requestHeaders: Record<string, string>;
  /** Exact body bytes sent, as UTF-8 text (for fragments: all of them joined). */
  requestBody: string;
  /** Long connection only: the device_id of the connection that carried the push. */
  connectionId?: string;
}

export interface DeliveryResult {
  eventId: string;
  /** Whether any scheduled delivery (first or retry) was acknowledged in time. */
  acknowledged: boolean;
  /** The emulator closed before the schedule finished. */
  cancelled: boolean;
  attempts: DeliveryAttempt[];
}

/** One push of the event; resolves (never rejects) with its settled record. */
export type PushOnce = (kind: DeliveryAttempt['kind']) => Promise<DeliveryAttempt>;

function splitExtras(extra: number | ExtraDeliveries): Required<ExtraDeliveries> {
  if (typeof extra === 'number') return { concurrent: Math.ceil(extra / 2), afterAck: Math.floor(extra / 2) };
  return { concurrent: extra.concurrent ?? 0, afterAck: extra.afterAck ?? 0 };
}

/** Pushes until acknowledged or the schedule is exhausted, plus the extra deliveries; `attempts` collects every push. */
export async function deliverOnSchedule(
  eventId: string,
  policy: DeliveryPolicy,
  push: PushOnce,
  attempts: DeliveryAttempt[],
  closing: AbortSignal,
  logger: Logger,
): Promise<DeliveryResult> {
  const extras = splitExtras(policy.extraDeliveries);
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
    if (!(await sleepUnlessAborted(delay, closing))) {
      cancelled = true;
      break;
    }
  }
  await Promise.all(concurrent);
  for (let i = 0; i < extras.afterAck && !closing.aborted; i += 1) await push('duplicate');
  cancelled ||= closing.aborted;
  if (!acknowledged)
    logger.warn({ event_id: eventId, attempts: attempts.length, cancelled }, 'event was not acknowledged');
  return { eventId, acknowledged, cancelled, attempts };
}

/** Keeps a push's start order: the slot is reserved when it starts and filled when it settles. */
export function reserveAttempt(attempts: DeliveryAttempt[]): { number: number; slot: DeliveryAttempt } {
  const slot = { acknowledged: false } as DeliveryAttempt;
  attempts.push(slot);
  return { number: attempts.length, slot };
}

/** Appends a settled attempt to the emulator-wide log, keeping the last `maxRecords`. */
export function logAttempt(log: DeliveryAttempt[], attempt: DeliveryAttempt, maxRecords: number): void {
  log.push(attempt);
  if (log.length > maxRecords) log.splice(0, log.length - maxRecords);
}

/** Waits `ms`; false when `signal` aborted meanwhile. */
export function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<boolean> {
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

/** The policy with the overrides that are set. */
export function withOverrides(policy: DeliveryPolicy, overrides: Partial<DeliveryPolicy>): DeliveryPolicy {
  const defined = Object.fromEntries(
    Object.entries(overrides).filter(([, v]) => v !== undefined),
  ) as Partial<DeliveryPolicy>;
  return { ...policy, ...defined };
}
