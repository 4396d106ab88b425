// Builds what Feishu pushes, in schema 2.0: im.message.receive_v1 (接收消息, content per 接收消息内容结构),
// card.action.trigger (卡片回传交互回调) and the url_verification challenge. Pure: no I/O.
import {
  CARD_ACTION_TRIGGER,
  MESSAGE_RECEIVE,
  type CardActionEvent,
  type EventEnvelope,
  type MessageMention,
  type MessageReceiveEvent,
  type UrlVerification,
  type UserId,
} from '../../protocol/events.js';
import { newCardToken, newEventId, newId, newNonce } from '../ids.js';
import type { KnownMessage } from '../messages.js';

/** Who is who in the emulated tenant. */
export interface TenantIdentity {
  appId: string;
  tenantKey: string;
  verificationToken: string;
  bot: { openId: string; unionId: string; name: string };
  /** The default user who sends messages and clicks buttons. */
  user: Required<UserId>;
  /** Default chats: the user's p2p chat with the bot, and a group the bot is in. */
  chats: { p2p: string; group: string };
}

/** A rich-text (post) message as received: {title, content: paragraphs of elements}. */
export interface PostContent {
  title: string;
  content: Array<Array<Record<string, unknown>>>;
}

export interface MessageInput {
  /** A text message: what the user typed, e.g. "/room test01" (the @bot mention is added when mentionBot). */
  text?: string;
  /** A rich-text message: a string (lines become paragraphs) or the full received post content. */
  post?: string | PostContent;
  /** Default 'p2p'. */
  chatType?: 'p2p' | 'group';
  /** Whether the message @-mentions the bot; default true in groups, false in p2p. */
  mentionBot?: boolean;
  messageId?: string;
  chatId?: string;
  eventId?: string;
  /** Default 'user' (Feishu only pushes messages sent by users). */
  senderType?: string;
  sender?: UserId;
  rootId?: string;
  parentId?: string;
  threadId?: string;
}

export interface BuiltMessage {
  envelope: EventEnvelope<MessageReceiveEvent>;
  message: KnownMessage;
}

const BOT_MENTION_KEY = '@_user_1';

function header(identity: TenantIdentity, eventType: string, createTime: string, eventId = newEventId()) {
  return {
    event_id: eventId,
    event_type: eventType,
    create_time: createTime,
    token: identity.verificationToken,
    app_id: identity.appId,
    tenant_key: identity.tenantKey,
  };
}

function textContent(text: string, mention: boolean): string {
  const withMention = mention && !text.includes(BOT_MENTION_KEY) ? `${BOT_MENTION_KEY} ${text}` : text;
  return JSON.stringify({ text: withMention });
}

function postContent(post: string | PostContent, mention: boolean, botName: string): string {
  if (typeof post !== 'string') return JSON.stringify(post);
  const paragraphs = post.split('\n').map((line) => [{ tag: 'text', text: line, style: [] as string[] }] as Array<Record<string, unknown>>);
  if (mention) {
    const first = paragraphs[0]!;
    first[0] = { ...first[0], text: ` ${String(first[0]!.text)}` };
    first.unshift({ tag: 'at', user_id: BOT_MENTION_KEY, user_name: botName, style: [] });
  }
  return JSON.stringify({ title: '', content: paragraphs });
}

/** An im.message.receive_v1 event for a message the user sends to the bot. */
export function buildMessageEvent(identity: TenantIdentity, input: MessageInput, now: number): BuiltMessage {
  if ((input.text === undefined) === (input.post === undefined)) throw new Error('give exactly one of text or post');
  const chatType = input.chatType ?? 'p2p';
  const mention = input.mentionBot ?? chatType === 'group';
  const messageId = input.messageId ?? newId('om');
  const chatId = input.chatId ?? identity.chats[chatType];
  const mentions: MessageMention[] = mention
    ? [{ key: BOT_MENTION_KEY, id: { union_id: identity.bot.unionId, open_id: identity.bot.openId }, name: identity.bot.name, tenant_key: identity.tenantKey }]
    : [];
  const event: MessageReceiveEvent = {
    sender: { sender_id: input.sender ?? identity.user, sender_type: input.senderType ?? 'user', tenant_key: identity.tenantKey },
    message: {
      message_id: messageId,
      ...(input.rootId ? { root_id: input.rootId } : {}),
      ...(input.parentId ? { parent_id: input.parentId } : {}),
      create_time: String(now),
      update_time: String(now),
      chat_id: chatId,
      ...(input.threadId ? { thread_id: input.threadId } : {}),
      chat_type: chatType,
      message_type: input.text !== undefined ? 'text' : 'post',
      content: input.text !== undefined ? textContent(input.text, mention) : postContent(input.post!, mention, identity.bot.name),
      ...(mentions.length > 0 ? { mentions } : {}),
    },
  };
  return {
    envelope: { schema: '2.0', header: header(identity, MESSAGE_RECEIVE, String(now), input.eventId), event },
    message: {
      messageId,
      chatId,
      chatType,
      ...(input.rootId ? { rootId: input.rootId } : {}),
      ...(input.threadId ? { threadId: input.threadId } : {}),
    },
  };
}

export interface CardClickInput {
  /** The bot's reply message that carries the card. */
  messageId: string;
  /** The button's `value` (object or string), as the card declared it. */
  value: Record<string, unknown> | string;
  operatorOpenId?: string;
  /** Component tag; default 'button'. */
  tag?: string;
  name?: string;
}

/** A card.action.trigger callback; header.create_time is in microseconds, as the doc's example. */
export function buildCardActionEvent(identity: TenantIdentity, input: CardClickInput, chatId: string, now: number): EventEnvelope<CardActionEvent> {
  const operator = input.operatorOpenId ? { ...identity.user, open_id: input.operatorOpenId } : identity.user;
  return {
    schema: '2.0',
    header: header(identity, CARD_ACTION_TRIGGER, String(now * 1000)),
    event: {
      operator: { tenant_key: identity.tenantKey, ...operator },
      token: newCardToken(),
      action: { value: input.value, tag: input.tag ?? 'button', ...(input.name ? { name: input.name } : {}) },
      host: 'im_message',
      context: { open_message_id: input.messageId, open_chat_id: chatId },
    },
  };
}

/** The challenge Feishu sends when a request URL is saved. */
export function buildUrlVerification(identity: TenantIdentity): UrlVerification {
  return { challenge: `${newNonce()}-${newNonce()}`, token: identity.verificationToken, type: 'url_verification' };
}
