// Shapes of what Feishu pushes to the webhook, named after Feishu's own fields.
// Docs: "接收消息" (im.message.receive_v1), "卡片回传交互回调" (card.action.trigger), event schema 2.0.

export interface UserId {
  union_id?: string;
  user_id?: string;
  open_id?: string;
}

/** schema 2.0 envelope header. */
export interface EventHeader {
  event_id: string;
  event_type: string;
  create_time: string;
  token: string;
  app_id: string;
  tenant_key: string;
}

export interface EventEnvelope<E = unknown> {
  schema: '2.0';
  header: EventHeader;
  event: E;
}

export interface MessageMention {
  key: string; // "@_user_1"
  id: UserId;
  name: string;
  tenant_key?: string;
}

export interface ReceivedMessage {
  message_id: string;
  root_id?: string;
  parent_id?: string;
  create_time: string;
  update_time?: string;
  chat_id: string;
  thread_id?: string;
  chat_type: 'p2p' | 'group' | string;
  message_type: string; // text | post | image | ...
  content: string; // JSON string, shape depends on message_type
  mentions?: MessageMention[];
  user_agent?: string;
}

export interface MessageReceiveEvent {
  sender: {
    sender_id?: UserId;
    sender_type: 'user' | 'app' | string;
    tenant_key?: string;
  };
  message: ReceivedMessage;
}

/** The URL-verification request Feishu sends when the request URL is saved (never signed). */
export interface UrlVerification {
  challenge: string;
  token: string;
  type: 'url_verification';
}

export interface CardActionEvent {
  operator: UserId & { tenant_key?: string };
  token?: string;
  action: {
    value?: Record<string, unknown> | string;
    tag: string;
    name?: string;
  };
  host?: string;
  context?: { open_message_id?: string; open_chat_id?: string };
}

/** Response body to card.action.trigger: an optional toast and an optional replacement card. */
export interface CardActionResponse {
  toast?: { type: 'info' | 'success' | 'error' | 'warning'; content?: string; i18n?: Record<string, string> };
  card?: { type: 'raw'; data: object };
}

export const MESSAGE_RECEIVE = 'im.message.receive_v1';
export const CARD_ACTION_TRIGGER = 'card.action.trigger';
