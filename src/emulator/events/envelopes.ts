// Builds what Feishu pushes, in schema 2.0: im.message.receive_v1 (接收消息, content per 接收消息内容结构),
// card.action.trigger (卡片回传交互回调) and the url_verification challenge. Pure: no I/O.
import { createHash } from 'node:crypto';
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

/**
 * Someone a message @mentions: the bot, everyone (@所有人), or a member called `name` (of the app's tenant unless
 * tenantKey says otherwise; the same name always gets the same open_id).
 */
export type MentionInput = 'bot' | 'all' | { name: string; openId?: string; tenantKey?: string };

export interface MessageInput {
  /** A text message: what the user typed, e.g. "/room test01" (mentions not in it are put before it). */
  text?: string;
  /** A rich-text message: a string (lines become paragraphs) or the full received post content. */
  post?: string | PostContent;
  /** Default 'p2p'. */
  chatType?: 'p2p' | 'group';
  /** Whether the message @-mentions the bot; default true in groups, false in p2p. Ignored when `mentions` is given. */
  mentionBot?: boolean;
  /**
   * Who the message @mentions, in order ([] = nobody); replaces mentionBot. As in Feishu's content (接收消息内容结构),
   * the text refers to each by a placeholder: "@_user_N" (N counting the mentions other than 'all') or "@_all";
   * a placeholder the text lacks is put before it, as when one picks the people first and then types.
   * `mentions` lists each member and the bot; "@_all" stays in the text only (Feishu often leaves it out of
   * `mentions`, the SDK notes, so a bot must not rely on it).
   */
  mentions?: readonly MentionInput[];
  /** Store app: the tenant (one that installed the app) the message is sent in; default the first. */
  tenantKey?: string;
  /** The sender's tenant_key; default the app's tenant. Another one is a member of another tenant (external group, 外部群). */
  senderTenantKey?: string;
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

const ALL_KEY = '@_all';

/** A mention with its placeholder key, and its entry in `mentions` (none for @_all). */
interface PlacedMention {
  key: string;
  name: string;
  entry?: MessageMention;
}

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

/** Keys in order: "@_all" for everyone, "@_user_1", "@_user_2", … for the others. */
function placeMentions(identity: TenantIdentity, mentions: readonly MentionInput[]): PlacedMention[] {
  let users = 0;
  return mentions.map((mention) => {
    if (mention === 'all') return { key: ALL_KEY, name: '所有人' };
    const key = `@_user_${(users += 1)}`;
    if (mention === 'bot') {
      const { openId, unionId, name } = identity.bot;
      return {
        key,
        name,
        entry: { key, id: { union_id: unionId, open_id: openId }, name, tenant_key: identity.tenantKey },
      };
    }
    const member = memberIds(mention.name);
    const id = { ...member, open_id: mention.openId ?? member.open_id };
    return {
      key,
      name: mention.name,
      entry: { key, id, name: mention.name, tenant_key: mention.tenantKey ?? identity.tenantKey },
    };
  });
}

/** Stable IDs for a member called `name`, so that the same name is the same person in every message. */
function memberIds(name: string): Required<UserId> {
  const hex = createHash('sha256').update(name).digest('hex');
  return { open_id: `ou_${hex.slice(0, 32)}`, union_id: `on_${hex.slice(32)}`, user_id: hex.slice(0, 8) };
}

function textContent(text: string, mentions: readonly PlacedMention[]): string {
  const missing = mentions.filter((mention) => !text.includes(mention.key)).map((mention) => `${mention.key} `);
  return JSON.stringify({ text: missing.join('') + text });
}

function postContent(post: string | PostContent, mentions: readonly PlacedMention[]): string {
  if (typeof post !== 'string') return JSON.stringify(post);
  const paragraphs = post
    .split('\n')
    .map((line) => [{ tag: 'text', text: line, style: [] as string[] }] as Array<Record<string, unknown>>);
  if (mentions.length > 0) {
    const first = paragraphs[0]!;
    first[0] = { ...first[0], text: ` ${String(first[0]!.text)}` };
    first.unshift(
      ...mentions.map((mention) => ({ tag: 'at', user_id: mention.key, user_name: mention.name, style: [] })),
    );
  }
  return JSON.stringify({ title: '', content: paragraphs });
}

/**
 * A line as typed in a Feishu client, "@" names and all, as `text` + `mentions`: "@RoomBot test01",
 * "@Alice @RoomBot /room a", "@all hello". `@<the bot's name>` (any case) is the bot; `@all`, `@_all` and
 * `@所有人` are everyone; any other `@word` is a member of that name. An "@" inside a word is text.
 */
export function typedMentions(typed: string, botName: string): { text: string; mentions: MentionInput[] } {
  const mentions: MentionInput[] = [];
  const keys = new Map<string, string>();
  let users = 0;
  const text = typed.replace(/(^|\s)@(\S+)/gu, (_match, before: string, name: string) => {
    const mention: MentionInput =
      name.toLowerCase() === botName.toLowerCase() ? 'bot' : EVERYONE.has(name.toLowerCase()) ? 'all' : { name };
    const id = typeof mention === 'string' ? mention : `member:${mention.name}`;
    let key = keys.get(id);
    if (key === undefined) {
      key = mention === 'all' ? ALL_KEY : `@_user_${(users += 1)}`;
      keys.set(id, key);
      mentions.push(mention);
    }
    return `${before}${key}`;
  });
  return { text, mentions };
}

const EVERYONE: ReadonlySet<string> = new Set(['all', '_all', '所有人']);

/**
 * A message whose text is as a person types it (the control API, the standalone emulator's terminal): "@" names
 * in the text become mentions (typedMentions), unless the input lists `mentions` itself; a text without any
 * keeps mentionBot's default (the bot, in groups).
 */
export function withTypedMentions(input: MessageInput, botName: string): MessageInput {
  if (input.text === undefined || input.mentions !== undefined) return input;
  const typed = typedMentions(input.text, botName);
  return typed.mentions.length > 0 ? { ...input, ...typed } : input;
}

/** An im.message.receive_v1 event for a message the user sends to the bot. */
export function buildMessageEvent(identity: TenantIdentity, input: MessageInput, now: number): BuiltMessage {
  if ((input.text === undefined) === (input.post === undefined)) throw new Error('give exactly one of text or post');
  const chatType = input.chatType ?? 'p2p';
  const placed = placeMentions(identity, input.mentions ?? ((input.mentionBot ?? chatType === 'group') ? ['bot'] : []));
  const messageId = input.messageId ?? newId('om');
  const chatId = input.chatId ?? identity.chats[chatType];
  const mentions = placed.flatMap((mention) => (mention.entry ? [mention.entry] : []));
  const event: MessageReceiveEvent = {
    sender: {
      sender_id: input.sender ?? identity.user,
      sender_type: input.senderType ?? 'user',
      tenant_key: input.senderTenantKey ?? identity.tenantKey,
    },
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
      content: input.text !== undefined ? textContent(input.text, placed) : postContent(input.post!, placed),
      ...(mentions.length > 0 ? { mentions } : {}),
    },
  };
  return {
    envelope: { schema: '2.0', header: header(identity, MESSAGE_RECEIVE, String(now), input.eventId), event },
    message: {
      messageId,
      chatId,
      tenantKey: identity.tenantKey,
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
  /** The clicker's tenant_key; default the app's tenant. Another one is a member of another tenant (external group, 外部群). */
  operatorTenantKey?: string;
  /** Component tag; default 'button'. */
  tag?: string;
  name?: string;
}

/** A card.action.trigger callback; header.create_time is in microseconds, as the doc's example. */
export function buildCardActionEvent(
  identity: TenantIdentity,
  input: CardClickInput,
  chatId: string,
  now: number,
): EventEnvelope<CardActionEvent> {
  const operator = input.operatorOpenId ? { ...identity.user, open_id: input.operatorOpenId } : identity.user;
  return {
    schema: '2.0',
    header: header(identity, CARD_ACTION_TRIGGER, String(now * 1000)),
    event: {
      operator: { tenant_key: input.operatorTenantKey ?? identity.tenantKey, ...operator },
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
