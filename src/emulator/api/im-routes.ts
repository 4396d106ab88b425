// POST /open-apis/im/v1/messages/:message_id/reply (回复消息) and PATCH /open-apis/im/v1/messages/:message_id
// (更新应用发送的消息卡片), validated as Feishu does.
import { checkCard } from './card-check.js';
import type Router from 'koa-router';
import { MESSAGE_RATE_LIMIT_CODE, type FaultInjector } from '../faults.js';
import type { JsonObject, MessageStore } from '../messages.js';
import type { TokenAuthority } from '../tokens.js';
import { FeishuCode, FeishuMsg, sendFeishuError } from './errors.js';
import { openApi, requireTenantToken } from './middleware.js';
import { jsonObjectOf } from './raw-body.js';
import type { ApiContext, EmulatorState } from './state.js';
import { isJsonObject } from '../../json.js';

/** msg_type values the reply API accepts (回复消息, msg_type 可选值). */
export const MESSAGE_TYPES = [
  'text',
  'post',
  'image',
  'file',
  'audio',
  'media',
  'sticker',
  'interactive',
  'share_chat',
  'share_user',
] as const;

/** Size limits of `content` in UTF-8 bytes: text 150 KB; cards and rich text 30 KB (回复消息, content). */
export const TEXT_CONTENT_LIMIT_BYTES = 150 * 1024;
export const CONTENT_LIMIT_BYTES = 30 * 1024;
/** uuid: 最大长度 50 字符. */
export const MAX_UUID_CHARS = 50;

const MESSAGE_ID = /^om_[A-Za-z0-9_-]+$/;

export interface ReplyRequest {
  msgType: string;
  content: string;
  /** `content` parsed (always a JSON object for the message types above). */
  parsedContent: JsonObject;
  uuid?: string;
  replyInThread: boolean;
}

/** Checks a reply body; returns the request, or the `ext` text of a 230001 answer. */
export function parseReplyRequest(body: JsonObject): ReplyRequest | string {
  const { msg_type: msgType, content, uuid, reply_in_thread: replyInThread } = body;
  if (typeof msgType !== 'string' || !(MESSAGE_TYPES as readonly string[]).includes(msgType)) return 'invalid msg_type';
  if (typeof content !== 'string') return 'content must be a string';
  let parsedContent: unknown;
  try {
    parsedContent = JSON.parse(content);
  } catch {
    return 'content is not valid JSON';
  }
  if (!isJsonObject(parsedContent)) {
    return `content of a ${msgType} message must be a JSON object`;
  }
  if (uuid !== undefined && (typeof uuid !== 'string' || [...uuid].length > MAX_UUID_CHARS))
    return `uuid must be a string of at most ${MAX_UUID_CHARS} characters`;
  if (replyInThread !== undefined && typeof replyInThread !== 'boolean') return 'reply_in_thread must be a boolean';
  return {
    msgType,
    content,
    parsedContent: parsedContent as JsonObject,
    ...(uuid !== undefined ? { uuid } : {}),
    replyInThread: replyInThread ?? false,
  };
}

function contentTooLong(request: ReplyRequest): boolean {
  const limit = request.msgType === 'text' ? TEXT_CONTENT_LIMIT_BYTES : CONTENT_LIMIT_BYTES;
  return Buffer.byteLength(request.content, 'utf8') > limit;
}

export interface ReplyIdentity {
  appId: string;
  tenantKey: string;
}

/** 更新应用发送的消息卡片: messages sent within 14 days, at most 5 updates a second per message. */
export const PATCH_WINDOW_MS = 14 * 24 * 60 * 60 * 1000;
export const PATCHES_PER_SECOND = 5;

export function registerImRoutes(
  router: Router<EmulatorState>,
  messages: MessageStore,
  /** The app in the tenant whose token authorised the request. */
  identityOf: (tenantKey: string) => ReplyIdentity,
  tokens: TokenAuthority,
  faults: FaultInjector,
  now: () => number = Date.now,
): void {
  const invalid = (ctx: ApiContext, ext: string) =>
    sendFeishuError(ctx, 400, FeishuCode.IM_INVALID_PARAM, `${FeishuMsg.IM_INVALID_PARAM}, ext=${ext}`);

  router.post(
    '/open-apis/im/v1/messages/:message_id/reply',
    openApi('reply', faults),
    requireTenantToken(tokens),
    (ctx) => {
      const messageId = ctx.params.message_id ?? '';
      if (!MESSAGE_ID.test(messageId)) return invalid(ctx, 'invalid message_id');
      if (ctx.request.type !== 'application/json') return invalid(ctx, 'Content-Type must be application/json');
      const body = jsonObjectOf(ctx.state.rawBody);
      if (!body) return invalid(ctx, 'request body must be a JSON object');
      const request = parseReplyRequest(body);
      if (typeof request === 'string') return invalid(ctx, request);
      if (contentTooLong(request))
        return sendFeishuError(ctx, 400, FeishuCode.IM_CONTENT_TOO_LONG, FeishuMsg.IM_CONTENT_TOO_LONG);
      const cardProblem = request.msgType === 'interactive' ? checkCard(request.parsedContent) : undefined;
      if (cardProblem)
        return sendFeishuError(ctx, 400, FeishuCode.IM_CARD_INVALID, `${FeishuMsg.IM_CARD_INVALID}${cardProblem}; `);
      const parent = messages.find(messageId);
      if (!parent) return invalid(ctx, `message ${messageId} not found`);
      const identity = identityOf(ctx.state.tenantKey ?? '');
      // A store app's token is good for its own tenant only (通用错误码 10034: 不能跨企业发起请求).
      if (parent.tenantKey !== undefined && parent.tenantKey !== identity.tenantKey)
        return sendFeishuError(ctx, 400, FeishuCode.CROSS_TENANT, FeishuMsg.CROSS_TENANT);

      // Same uuid within the hour: answer with the message already posted, post nothing new.
      const earlier = request.uuid !== undefined ? messages.replyWithUuid(request.uuid) : undefined;
      const reply =
        earlier ??
        messages.addReply({
          parent,
          msgType: request.msgType,
          content: request.content,
          ...(request.msgType === 'interactive' ? { card: request.parsedContent } : {}),
          ...(request.uuid !== undefined ? { uuid: request.uuid } : {}),
          replyInThread: request.replyInThread,
          sender: { id: identity.appId, id_type: 'app_id', sender_type: 'app', tenant_key: identity.tenantKey },
        });
      ctx.body = { code: 0, msg: 'success', data: reply.message };
    },
  );
  // message_id → when it was patched lately (the last second's worth).
  const patchTimes = new Map<string, number[]>();
  router.patch(
    '/open-apis/im/v1/messages/:message_id',
    openApi('message_patch', faults),
    requireTenantToken(tokens),
    (ctx) => {
      const messageId = ctx.params.message_id ?? '';
      if (!MESSAGE_ID.test(messageId)) return invalid(ctx, 'invalid message_id');
      const body = jsonObjectOf(ctx.state.rawBody);
      if (!body || typeof body.content !== 'string') return invalid(ctx, 'content must be a string');
      let card: unknown;
      try {
        card = JSON.parse(body.content);
      } catch {
        return invalid(ctx, 'content is not valid JSON');
      }
      if (!isJsonObject(card)) return invalid(ctx, 'content must be a card (a JSON object)');
      if (Buffer.byteLength(body.content, 'utf8') > CONTENT_LIMIT_BYTES)
        return sendFeishuError(ctx, 400, FeishuCode.IM_CONTENT_TOO_LONG, FeishuMsg.IM_CONTENT_TOO_LONG);
      const cardProblem = checkCard(card);
      if (cardProblem)
        return sendFeishuError(ctx, 400, FeishuCode.IM_CARD_INVALID, `${FeishuMsg.IM_CARD_INVALID}${cardProblem}; `);
      const sent = messages.reply(messageId);
      // Only the app that sent a message may update it; a user's message is not the app's.
      if (!sent)
        return invalid(ctx, messages.find(messageId) ? 'the message was not sent by this app' : 'message not found');
      if (sent.msgType !== 'interactive' || !sent.card) return invalid(ctx, 'only card messages can be updated');
      if (now() - sent.at > PATCH_WINDOW_MS) return invalid(ctx, 'only messages sent within 14 days can be updated');
      if (!isSharedCard(sent.card) || !isSharedCard(card))
        return invalid(ctx, 'config.update_multi must be true in the card before and after the update');
      const recent = (patchTimes.get(messageId) ?? []).filter((at) => now() - at < 1000);
      if (recent.length >= PATCHES_PER_SECOND)
        return sendFeishuError(ctx, 400, MESSAGE_RATE_LIMIT_CODE, 'The message update frequency exceeds the limit.');
      patchTimes.set(messageId, [...recent, now()]);
      messages.updateCard(messageId, card);
      ctx.body = { code: 0, msg: 'success', data: {} };
    },
  );
}

/** A shared card (共享卡片): config.update_multi true, which an update needs before and after. */
function isSharedCard(card: Record<string, unknown>): boolean {
  return isJsonObject(card.config) && card.config.update_multi === true;
}
