import { createHash } from 'node:crypto';

/**
 * The reply's `uuid`, derived from the message being answered, so every attempt on every replica uses the
 * same one and Feishu posts at most one reply (doc 回复消息: same uuid → at most one message per hour;
 * at most 50 characters).
 */
export function replyUuidFor(messageId: string): string {
  return `room-${createHash('sha256').update(messageId, 'utf8').digest('hex').slice(0, 40)}`;
}
