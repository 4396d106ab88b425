// Who may ask the bot anything: one decision for every entry point (a message, a card click, and the booking
// and directory commands), so a door cannot be added that skips it. Pure: no I/O, never throws.
//
// The room directory is internal to the tenant the app is installed in (the envelope header's tenant_key). In
// external groups (外部群) members of other tenants write and click too: their message's sender.tenant_key, or
// their click's operator.tenant_key (卡片回传交互: event.operator.tenant_key), is another one, and they are
// refused unless allowExternalSenders. allowedChatIds, when not empty, limits the chats the bot answers in at
// all (a click's chat is event.context.open_chat_id).

/** Who may get answers (config `access`). */
export interface AccessPolicy {
  /** Answer senders of other tenants (external groups); default false. */
  allowExternalSenders: boolean;
  /** The only chats (chat_id) answered in; empty = every chat. */
  allowedChatIds: ReadonlySet<string>;
}

/** The policy from its settings (config `access`). */
export function accessPolicy(settings: {
  allowExternalSenders: boolean;
  allowedChatIds: readonly string[];
}): AccessPolicy {
  return { allowExternalSenders: settings.allowExternalSenders, allowedChatIds: new Set(settings.allowedChatIds) };
}

/** Why a request the bot would answer is refused. */
export type RefusalReason = 'external_sender' | 'chat_not_allowed';

/** Who asks, from where: values as the event carries them (unknown: they come from the wire). */
export interface AccessRequest {
  /** The sender's (message) or operator's (click) tenant_key. */
  senderTenantKey: unknown;
  /** The tenant the app is installed in: the envelope header's tenant_key. */
  appTenantKey: unknown;
  /** The chat the request comes from: message.chat_id, or a click's context.open_chat_id. */
  chatId: unknown;
}

export type AccessDecision = { allowed: true } | { allowed: false; reason: RefusalReason };

const ALLOWED: AccessDecision = { allowed: true };
const CHAT_NOT_ALLOWED: AccessDecision = { allowed: false, reason: 'chat_not_allowed' };
const EXTERNAL_SENDER: AccessDecision = { allowed: false, reason: 'external_sender' };

export function decideAccess(policy: AccessPolicy, request: AccessRequest): AccessDecision {
  const { allowedChatIds, allowExternalSenders } = policy;
  if (allowedChatIds.size > 0 && !(typeof request.chatId === 'string' && allowedChatIds.has(request.chatId)))
    return CHAT_NOT_ALLOWED;
  if (!allowExternalSenders && !isSameTenant(request.senderTenantKey, request.appTenantKey)) return EXTERNAL_SENDER;
  return ALLOWED;
}

/** Both tenants known and equal: a sender without a tenant_key is not taken for one of ours. */
function isSameTenant(senderTenant: unknown, appTenant: unknown): boolean {
  return typeof senderTenant === 'string' && senderTenant !== '' && senderTenant === appTenant;
}
