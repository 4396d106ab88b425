// Random identifiers in Feishu's shapes (om_…, oc_…, ou_…): tests see values that look like the real ones.
import { randomBytes } from 'node:crypto';

function hex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

/** A new ID with Feishu's prefix and 32 hex characters, e.g. newId('om') → "om_5ce6d572455d361153b7cb51da133945". */
export function newId(prefix: 'om' | 'oc' | 'ou' | 'on' | 'omt' | 'omm' | 'omb'): string {
  return `${prefix}_${hex(16)}`;
}

/** An event_id as Feishu sends it: 32 hex characters, no prefix. */
export function newEventId(): string {
  return hex(16);
}

/** A tenant_access_token: "t-" and 40 hex characters, as in the token doc's example. */
export function newTenantToken(): string {
  return `t-${hex(20)}`;
}

/** The short-lived card-update token of card.action.trigger ("c-…"). */
export function newCardToken(): string {
  return `c-${hex(20)}`;
}

/** A random nonce for X-Lark-Request-Nonce. */
export function newNonce(): string {
  return hex(8);
}

/** A log_id / x-tt-logid in Feishu's shape: yyyyMMddHHmmss followed by 20 upper-case hex digits. */
export function newLogId(now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return stamp + hex(10).toUpperCase();
}

/** A tenant_key: 16 hex characters, as in the event examples ("736588c9260f175e"). */
export function newTenantKey(): string {
  return hex(8);
}

/** A tenant-scoped user_id: 8 characters, as in the event examples ("e33ggbyz" style). */
export function newUserId(): string {
  return hex(4);
}
