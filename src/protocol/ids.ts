// Feishu's ID formats, for IDs that arrive in events and later reach a URL or a Redis key.
// An ID from an event is data, never a path: one that does not look like Feishu's is refused at intake.

/**
 * An open message ID: "om_" and letters, digits, '_' or '-' (Feishu's are "om_" + 32 hex characters,
 * e.g. om_dc13264520392913993dd051dba21dcf; newer ones have other alphanumerics). Nothing that could
 * change a URL path or query (/, ., ?, &, %, #) gets through.
 */
const MESSAGE_ID = /^om_[A-Za-z0-9_-]{1,96}$/;

export function isMessageId(value: unknown): value is string {
  return typeof value === 'string' && MESSAGE_ID.test(value);
}
