// Who a received message is for, and whether the bot may answer it (pure: no I/O, never throws).
//
// Addressed: a p2p message, or a group message whose `mentions` list the bot's own open_id (获取机器人信息,
// GET /open-apis/bot/v3/info). An addressed message is answered like a p2p one (command, room IDs alone, or the
// help card); a message that is not addressed is answered only when it is a `/room` command (with the
// im:message.group_msg scope Feishu pushes every group message, mentions of others and @_all included).
//
// Who may ask is decided by access.ts (one policy for every entry point), and only for messages the bot would
// answer, so what it counts is refusals that matter, not every line of chatter.
import { isJsonObject } from '../json.js';
import type { EventHeader, MessageReceiveEvent } from '../protocol/events.js';
import { decideAccess, type AccessPolicy, type RefusalReason } from './access.js';
import { parseCommand, type Command, type CommandLimits, type IgnoreReason } from './command.js';

/** The bot as Feishu knows it (bot/v3/info): its open_id in this tenant, and its name as members see it. */
export interface BotIdentity {
  openId: string;
  name: string;
}

export { accessPolicy, type AccessPolicy, type RefusalReason } from './access.js';

export type TriageIgnoreReason = IgnoreReason | 'sender_not_user' | RefusalReason;

/** What to do with a message: its command, or why it is ignored. */
export type Triage = Exclude<Command, { kind: 'ignore' }> | { kind: 'ignore'; reason: TriageIgnoreReason };

/** What the triage made of a message, for the roombot_messages_triaged_total counter. */
export type TriageOutcome = 'command' | 'addressed_lookup' | 'addressed_help' | TriageIgnoreReason;

export interface TriageContext {
  limits: CommandLimits;
  access: AccessPolicy;
  /** undefined while bot/v3/info has not answered: then no group message counts as addressed (only `/room`). */
  bot: BotIdentity | undefined;
}

export function triageMessage(
  event: MessageReceiveEvent,
  header: Pick<EventHeader, 'tenant_key'>,
  context: TriageContext,
): Triage {
  // Apps and bots (including this one) never get an answer: no loops.
  if (event.sender?.sender_type !== 'user') return { kind: 'ignore', reason: 'sender_not_user' };
  const message = event.message;
  const addressed = message.chat_type === 'p2p' || mentionsBot(message.mentions, context.bot);
  const command = parseCommand(message, context.limits, addressed);
  if (command.kind === 'ignore') return command;
  const access = decideAccess(context.access, {
    senderTenantKey: event.sender.tenant_key,
    appTenantKey: header.tenant_key,
    chatId: message.chat_id,
  });
  if (!access.allowed) return { kind: 'ignore', reason: access.reason };
  return command;
}

/** Whether the message's mentions list the bot (by open_id: names are not unique, and members can rename). */
export function mentionsBot(mentions: unknown, bot: BotIdentity | undefined): boolean {
  if (bot === undefined || !Array.isArray(mentions)) return false;
  for (const mention of mentions as unknown[]) {
    if (!isJsonObject(mention)) continue;
    const { id } = mention;
    if (isJsonObject(id) && id.open_id === bot.openId) return true;
  }
  return false;
}

/** Whether an ignored message was refused by the access policy (logged and counted) rather than not for the bot. */
export function isRefusal(reason: TriageIgnoreReason): reason is RefusalReason {
  return reason === 'external_sender' || reason === 'chat_not_allowed';
}

/** The counter label of a triage: the ignore reason, or what kind of answer it gets. */
export function triageOutcome(triage: Triage): TriageOutcome {
  switch (triage.kind) {
    case 'ignore':
      return triage.reason;
    case 'lookup':
      return triage.implicit ? 'addressed_lookup' : 'command';
    case 'help':
      return triage.reason === 'requested' || triage.reason === 'no_ids' ? 'command' : 'addressed_help';
    case 'invalid':
    case 'book':
    case 'find':
    case 'free':
      return 'command';
  }
}
