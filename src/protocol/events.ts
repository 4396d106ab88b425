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

/**
 * A schema 1.0 event (事件概述: the older format), as Feishu still pushes the app events of a store app:
 * app_ticket (every hour and on resend), app_status_change (停启用), app_uninstalled (卸载).
 * {ts, uuid, token, type: "event_callback", event: {type, app_id, …}}.
 */
export interface LegacyEventEnvelope<E extends LegacyEvent = LegacyEvent> {
  ts: string;
  uuid: string;
  token: string;
  type: 'event_callback';
  event: E;
}

export interface LegacyEvent {
  type: string;
  app_id: string;
  [field: string]: unknown;
}

/** app_ticket 事件: {app_id, app_ticket, type: "app_ticket"}. */
export interface AppTicketEvent extends LegacyEvent {
  type: 'app_ticket';
  app_ticket: string;
}

/** 应用停启用: status start_by_tenant / stop_by_tenant / stop_by_platform; operator only with start_by_tenant. */
export interface AppStatusChangeEvent extends LegacyEvent {
  type: 'app_status_change';
  tenant_key: string;
  status: 'start_by_tenant' | 'stop_by_tenant' | 'stop_by_platform' | string;
  operator?: UserId;
}

/** 应用卸载: {app_id, tenant_key, type: "app_uninstalled"}. */
export interface AppUninstalledEvent extends LegacyEvent {
  type: 'app_uninstalled';
  tenant_key: string;
}

export const APP_TICKET = 'app_ticket';
export const APP_STATUS_CHANGE = 'app_status_change';
export const APP_UNINSTALLED = 'app_uninstalled';

/** The event's ID for logs and de-duplication: header.event_id in schema 2.0, uuid in schema 1.0. */
export function pushId(envelope: EventEnvelope | LegacyEventEnvelope): { id: string; type: string } {
  return 'header' in envelope
    ? { id: envelope.header.event_id, type: envelope.header.event_type }
    : { id: envelope.uuid, type: envelope.event.type };
}
