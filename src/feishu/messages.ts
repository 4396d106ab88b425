// Replies through the SDK's typed message-reply API (im.v1.message.reply), and card updates in place
// (im.v1.message.patch).
// Doc: 回复消息 — `uuid` (≤ 50 chars): requests with the same uuid post at most one message per hour.
// Doc: 更新应用发送的消息卡片 — only the app that sent it; the card keeps update_multi: true; 5 QPS per message;
// within 14 days of sending.
import type * as lark from '@larksuiteoapi/node-sdk';
import type { Card, CardPatcher, Messenger } from '../bot/ports.js';
import { callWithRetry, type CallPolicy, type TokenSource } from './call-with-retry.js';
import { withTenantToken } from './client.js';

export function createFeishuMessenger(options: {
  client: lark.Client;
  tokens: TokenSource;
  policy: CallPolicy;
}): Messenger & CardPatcher & { stats: { replyCalls: number; patchCalls: number } } {
  const { client, tokens, policy } = options;
  const stats = { replyCalls: 0, patchCalls: 0 };
  return {
    stats,
    async replyWithCard(messageId: string, card: Card, uuid: string) {
      const body = await callWithRetry(
        'im.message.reply',
        policy,
        (token) => {
          stats.replyCalls += 1;
          return client.im.v1.message.reply(
            {
              path: { message_id: messageId },
              data: { msg_type: 'interactive', content: JSON.stringify(card), uuid },
            },
            withTenantToken(token),
          );
        },
        tokens,
      );
      return { message_id: body.data?.message_id };
    },

    async patchCard(messageId: string, card: Card) {
      await callWithRetry(
        'im.message.patch',
        policy,
        (token) => {
          stats.patchCalls += 1;
          return client.im.v1.message.patch(
            { path: { message_id: messageId }, data: { content: JSON.stringify(card) } },
            withTenantToken(token),
          );
        },
        tokens,
      );
    },
  };
}
