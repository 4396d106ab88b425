// The triage before the ack: addressed or not (the bot's open_id among the mentions), command or not, p2p or
// group, and who may ask (the sender's tenant, the chat).
import { describe, expect, it } from 'vitest';
import {
  accessPolicy,
  isRefusal,
  mentionsBot,
  triageMessage,
  triageOutcome,
  type BotIdentity,
  type Triage,
  type TriageContext,
} from '../../src/bot/triage.js';
import type { MessageMention, MessageReceiveEvent } from '../../src/protocol/events.js';
import { CONFIGURED_LIMITS } from '../helpers/configured.js';

const TENANT = 'tenant_app';
const BOT: BotIdentity = { openId: 'ou_bot', name: 'RoomBot' };
const HEADER = { tenant_key: TENANT };
const OPEN = accessPolicy({ allowExternalSenders: false, allowedChatIds: [] });

const botMention = (key = '@_user_1'): MessageMention => ({
  key,
  id: { open_id: BOT.openId, union_id: 'on_bot' },
  name: 'RoomBot',
  tenant_key: TENANT,
});
const alice = (key = '@_user_1'): MessageMention => ({
  key,
  id: { open_id: 'ou_alice', union_id: 'on_alice', user_id: 'alice' },
  name: 'Alice',
  tenant_key: TENANT,
});
/** What Feishu sends when a bot of another app, also called RoomBot, is mentioned: same name, other open_id. */
const namesake = (key = '@_user_1'): MessageMention => ({
  key,
  id: { open_id: 'ou_other_bot' },
  name: 'RoomBot',
  tenant_key: TENANT,
});

interface Message {
  text: string;
  chat?: 'p2p' | 'group';
  mentions?: MessageMention[];
  senderTenant?: string;
  senderType?: string;
  chatId?: string;
}

function event({
  text,
  chat = 'group',
  mentions,
  senderTenant = TENANT,
  senderType = 'user',
  chatId = 'oc_team',
}: Message): MessageReceiveEvent {
  return {
    sender: { sender_id: { open_id: 'ou_sender' }, sender_type: senderType, tenant_key: senderTenant },
    message: {
      message_id: 'om_1',
      create_time: '0',
      chat_id: chatId,
      chat_type: chat,
      message_type: 'text',
      content: JSON.stringify({ text }),
      ...(mentions ? { mentions } : {}),
    },
  };
}

function triage(message: Message, context: Partial<TriageContext> = {}): Triage {
  return triageMessage(event(message), HEADER, { limits: CONFIGURED_LIMITS, access: OPEN, bot: BOT, ...context });
}

const LOOKUP: Triage = { kind: 'lookup', ids: ['test01', 'test02'] };
const IMPLICIT: Triage = { kind: 'lookup', ids: ['test01', 'test02'], implicit: true };
const HELP: Triage = { kind: 'help', reason: 'not_a_command' };
const IGNORED: Triage = { kind: 'ignore', reason: 'not_a_command' };

describe('triage: addressed or not × command or not × p2p or group', () => {
  const cases: [string, Message, Triage][] = [
    ['p2p command', { chat: 'p2p', text: '/room test01 test02' }, LOOKUP],
    ['p2p IDs alone', { chat: 'p2p', text: 'test01 test02' }, IMPLICIT],
    ['p2p chatter', { chat: 'p2p', text: 'hello' }, HELP],
    ['group command after the bot', { text: '@_user_1 /room test01 test02', mentions: [botMention()] }, LOOKUP],
    ['group IDs after the bot', { text: '@_user_1 test01 test02', mentions: [botMention()] }, IMPLICIT],
    [
      'group IDs after the bot, comma-separated',
      { text: '@_user_1 test01，test02', mentions: [botMention()] },
      IMPLICIT,
    ],
    ['group bot alone', { text: '@_user_1', mentions: [botMention()] }, HELP],
    ['group bot and a sentence', { text: '@_user_1 is test01 free?', mentions: [botMention()] }, HELP],
    ['group bot and help', { text: '@_user_1 help', mentions: [botMention()] }, { kind: 'help', reason: 'requested' }],
    ['group command without a mention', { text: '/room test01 test02' }, LOOKUP],
    ['group IDs without a mention', { text: 'test01 test02' }, IGNORED],
    ['group chatter without a mention', { text: 'lunch?' }, IGNORED],
    ['group IDs after someone else', { text: '@_user_1 test01 test02', mentions: [alice()] }, IGNORED],
    ['group IDs after a namesake of the bot', { text: '@_user_1 test01 test02', mentions: [namesake()] }, IGNORED],
    ['group command after someone else', { text: '@_user_1 /room test01 test02', mentions: [alice()] }, LOOKUP],
    ['group IDs after @_all', { text: '@_all test01 test02' }, IGNORED],
    ['group command after @_all', { text: '@_all /room test01 test02' }, LOOKUP],
    ['group @_all and the bot', { text: '@_all @_user_1 test01 test02', mentions: [botMention()] }, IMPLICIT],
    [
      'group several mentions, the bot second',
      { text: '@_user_1 @_user_2 /room test01 test02', mentions: [alice(), botMention('@_user_2')] },
      LOOKUP,
    ],
    [
      'group several mentions, IDs between them',
      { text: '@_user_1 test01 @_user_2 test02', mentions: [alice(), botMention('@_user_2')] },
      IMPLICIT,
    ],
  ];
  it.each(cases)('%s', (_name, message, expected) => {
    expect(triage(message)).toEqual(expected);
  });

  it('while the bot does not know its identity: groups as before (only /room), p2p unchanged', () => {
    const unknown = { bot: undefined };
    expect(triage({ text: '@_user_1 test01 test02', mentions: [botMention()] }, unknown)).toEqual(IGNORED);
    expect(triage({ text: '@_user_1', mentions: [botMention()] }, unknown)).toEqual(IGNORED);
    expect(triage({ text: '@_user_1 /room test01 test02', mentions: [botMention()] }, unknown)).toEqual(LOOKUP);
    expect(triage({ chat: 'p2p', text: 'test01 test02' }, unknown)).toEqual(IMPLICIT);
  });

  it('never answers apps and bots, itself included', () => {
    expect(triage({ chat: 'p2p', text: '/room test01', senderType: 'app' })).toEqual({
      kind: 'ignore',
      reason: 'sender_not_user',
    });
    expect(triage({ text: '@_user_1 test01', mentions: [botMention()], senderType: 'bot' })).toEqual({
      kind: 'ignore',
      reason: 'sender_not_user',
    });
  });
});

describe('triage: who may ask', () => {
  it('refuses a member of another tenant, in groups and p2p, unless external senders are allowed', () => {
    const external: Message = { text: '/room test01 test02', senderTenant: 'tenant_other' };
    expect(triage(external)).toEqual({ kind: 'ignore', reason: 'external_sender' });
    expect(triage({ ...external, chat: 'p2p' })).toEqual({ kind: 'ignore', reason: 'external_sender' });
    expect(triage({ text: '@_user_1 test01 test02', mentions: [botMention()], senderTenant: 'tenant_other' })).toEqual({
      kind: 'ignore',
      reason: 'external_sender',
    });
    expect(triage(external, { access: accessPolicy({ allowExternalSenders: true, allowedChatIds: [] }) })).toEqual(
      LOOKUP,
    );
  });

  it('takes a sender without a tenant for an outsider, and leaves the chatter of outsiders as chatter', () => {
    const noTenant = event({ text: '/room test01 test02' });
    delete noTenant.sender.tenant_key;
    expect(triageMessage(noTenant, HEADER, { limits: CONFIGURED_LIMITS, access: OPEN, bot: BOT })).toEqual({
      kind: 'ignore',
      reason: 'external_sender',
    });
    expect(
      triageMessage(
        event({ text: '/room test01' }),
        { tenant_key: '' },
        { limits: CONFIGURED_LIMITS, access: OPEN, bot: BOT },
      ),
    ).toEqual({ kind: 'ignore', reason: 'external_sender' });
    expect(triage({ text: 'lunch?', senderTenant: 'tenant_other' })).toEqual(IGNORED);
  });

  it('answers only in the chats allowed, p2p included, when a list is set', () => {
    const access = accessPolicy({ allowExternalSenders: false, allowedChatIds: ['oc_team'] });
    expect(triage({ text: '/room test01 test02', chatId: 'oc_team' }, { access })).toEqual(LOOKUP);
    expect(triage({ text: '/room test01 test02', chatId: 'oc_elsewhere' }, { access })).toEqual({
      kind: 'ignore',
      reason: 'chat_not_allowed',
    });
    expect(triage({ chat: 'p2p', text: 'test01', chatId: 'oc_p2p' }, { access })).toEqual({
      kind: 'ignore',
      reason: 'chat_not_allowed',
    });
    expect(triage({ text: 'lunch?', chatId: 'oc_elsewhere' }, { access })).toEqual(IGNORED); // not a refusal: not for the bot anyway
  });
});

describe('mentionsBot', () => {
  it('matches the open_id only, and survives whatever the mentions field holds', () => {
    expect(mentionsBot([alice(), botMention('@_user_2')], BOT)).toBe(true);
    expect(mentionsBot([namesake()], BOT)).toBe(false);
    expect(mentionsBot([botMention()], undefined)).toBe(false);
    for (const odd of [undefined, null, 'x', 5, {}, [null], [{ id: null }], [{ id: 'ou_bot' }], [{ key: '@_user_1' }]])
      expect(mentionsBot(odd, BOT)).toBe(false);
  });
});

describe('triageOutcome (the counter label)', () => {
  it('tells addressed lookups and help from commands, and refusals from chatter', () => {
    expect(triageOutcome(LOOKUP)).toBe('command');
    expect(triageOutcome(IMPLICIT)).toBe('addressed_lookup');
    expect(triageOutcome(HELP)).toBe('addressed_help');
    expect(triageOutcome({ kind: 'help', reason: 'unsupported_message_type' })).toBe('addressed_help');
    expect(triageOutcome({ kind: 'help', reason: 'no_ids' })).toBe('command');
    expect(triageOutcome({ kind: 'invalid', problem: 'too_many_ids', count: 101, max: 100 })).toBe('command');
    expect(triageOutcome({ kind: 'ignore', reason: 'external_sender' })).toBe('external_sender');
    expect(isRefusal('external_sender') && isRefusal('chat_not_allowed')).toBe(true);
    expect(isRefusal('not_a_command') || isRefusal('sender_not_user')).toBe(false);
  });
});
