// End to end in groups, over real HTTP with the real SDK: the bot answers what is addressed to it (an @mention by
// its open_id, read from bot/v3/info), `/room` anywhere, and only members of its own tenant in allowed chats.
import { afterEach, describe, expect, it } from 'vitest';
import type { Card } from '../../src/bot/ports.js';
import { renderCardAsText } from '../../src/local/render-text.js';
import type { MessageInput } from '../../src/emulator/index.js';
import { strings } from '../../src/bot/i18n.js';
import { callbackValue } from '../helpers/card.js';
import { SEED_ROOM_IDS, startStack, waitForBotIdentity, type Stack } from '../helpers/stack.js';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

const { test01: TEST01, test02: TEST02 } = SEED_ROOM_IDS;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A stack whose bot knows its identity (it reads it in the background at start). */
async function groupStack(
  env: Record<string, string> = {},
  eventMode: 'webhook' | 'websocket' = 'webhook',
): Promise<Stack> {
  const started = await startStack({ env, eventMode });
  await waitForBotIdentity(started.bot);
  return started;
}

/** Sends a group message and returns the text of the card that answers it. */
async function answer(s: Stack, input: MessageInput): Promise<string> {
  const sent = await s.emulator.sendMessage({ chatType: 'group', ...input });
  expect(sent.acknowledged).toBe(true);
  for (const deadline = Date.now() + 5_000; Date.now() < deadline; await sleep(10)) {
    const [reply] = s.emulator.repliesTo(sent.messageId);
    if (reply) return renderCardAsText(reply.card as Card, 'en_us');
  }
  throw new Error(`no reply to ${JSON.stringify(input)}`);
}

/**
 * Sends a group message and checks it is acknowledged and never answered: ignored at intake (before the ack,
 * so the log line is there once the push is acknowledged), never recorded, so no reply can follow.
 */
async function expectIgnored(s: Stack, input: MessageInput, reason: string): Promise<void> {
  const sent = await s.emulator.sendMessage({ chatType: 'group', ...input });
  expect(sent.acknowledged).toBe(true);
  expect(s.logs.find({ message_id: sent.messageId, outcome: 'ignored', reason }), JSON.stringify(input)).toHaveLength(
    1,
  );
  expect(s.logs.find({ message_id: sent.messageId, msg: 'message handled', outcome: 'found' })).toHaveLength(0);
  await sleep(100);
  expect(s.emulator.repliesTo(sent.messageId)).toHaveLength(0);
}

function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const botInfoCalls = (s: Stack) => s.emulator.requests.filter((r) => r.path === '/open-apis/bot/v3/info');

describe('groups: the bot answers whenever it is addressed', () => {
  it('@RoomBot test01 → the room; @RoomBot → help in the group form; @Alice test01 → nothing', async () => {
    stack = await groupStack();
    const lookup = await answer(stack, { text: 'test01', mentions: ['bot'] });
    expect(lookup).toContain(TEST01);

    const help = await answer(stack, { text: '', mentions: ['bot'] });
    expect(help).toContain('@RoomBot /room test01 test02');
    expect(help).toContain('In a group, @mention the bot');

    await expectIgnored(stack, { text: 'test01', mentions: [{ name: 'Alice' }] }, 'not_a_command');
    await expectIgnored(stack, { text: 'test01', mentions: ['all'] }, 'not_a_command');
    await expectIgnored(stack, { text: 'lunch at noon?', mentions: [] }, 'not_a_command');
  });

  it('@Alice @RoomBot /room test02 is answered once; /room without a mention and after @all is answered too', async () => {
    stack = await groupStack();
    const sent = await stack.emulator.sendMessage({
      chatType: 'group',
      text: '/room test02',
      mentions: [{ name: 'Alice' }, 'bot'],
    });
    expect(sent.envelope.event.message.content).toBe(JSON.stringify({ text: '@_user_1 @_user_2 /room test02' }));
    await stack.emulator.waitForReplies(1, 5_000);
    await sleep(200);
    expect(stack.emulator.repliesTo(sent.messageId)).toHaveLength(1);
    expect(renderCardAsText(stack.emulator.repliesTo(sent.messageId)[0]!.card as Card, 'en_us')).toContain(TEST02);

    expect(await answer(stack, { text: '/room test01', mentions: [] })).toContain(TEST01); // the im:message.group_msg case
    expect(await answer(stack, { text: '/room test01', mentions: ['all'] })).toContain(TEST01);
    expect(
      await answer(stack, { text: '@_user_1 test01 @_user_2 test02', mentions: ['bot', { name: 'Alice' }] }),
    ).toContain(TEST02); // mentions stripped
  });

  it('reads bot/v3/info once per process, whatever the traffic', async () => {
    stack = await groupStack();
    await answer(stack, { text: 'test01', mentions: ['bot'] });
    await answer(stack, { text: '/room test02', mentions: [] });
    await answer(stack, { text: 'test02', mentions: ['bot'] });
    expect(botInfoCalls(stack)).toHaveLength(1);
    expect(botInfoCalls(stack)[0]!.status).toBe(200);
    expect((await stack.bot.stats()).botInfoCalls).toBe(1);
    const replica = await stack.addReplica();
    await waitForBotIdentity(replica);
    expect(botInfoCalls(stack)).toHaveLength(2); // one more process, one more read
  });

  it('counts addressed lookups and help apart from commands', async () => {
    stack = await groupStack();
    await answer(stack, { text: 'test01', mentions: ['bot'] });
    await answer(stack, { text: 'hello', mentions: ['bot'] });
    await answer(stack, { text: '/room test02', mentions: ['bot'] });
    await expectIgnored(stack, { text: 'hello', mentions: [] }, 'not_a_command');
    const text = await (await fetch(`${stack.bot.url}/metrics`)).text();
    expect(sample(text, 'roombot_messages_triaged_total{outcome="addressed_lookup"}')).toBe(1);
    expect(sample(text, 'roombot_messages_triaged_total{outcome="addressed_help"}')).toBe(1);
    expect(sample(text, 'roombot_messages_triaged_total{outcome="command"}')).toBe(1);
    expect(sample(text, 'roombot_messages_triaged_total{outcome="not_a_command"}')).toBe(1);
    expect(sample(text, 'roombot_events_total{outcome="accepted"}')).toBe(3); // the intake's outcomes are unchanged
    expect(sample(text, 'roombot_events_total{outcome="ignored"}')).toBe(1);
  });
});

describe('groups: bot/v3/info failing at start', () => {
  it('the bot still starts and serves /room, logs it once, and recognises @mentions once a retry succeeds', async () => {
    stack = await groupStack();
    // A second process, started while bot/v3/info fails; events go to it alone.
    stack.emulator.faults.inject({ api: 'bot_info', kind: 'http_500', times: Number.POSITIVE_INFINITY });
    const replica = await stack.addReplica({
      FEISHU_MAX_ATTEMPTS: '1',
      QUEUE_RETRY_BASE_DELAY_MS: '50',
      QUEUE_RETRY_MAX_DELAY_MS: '100',
    });
    stack.emulator.setEventTargets(`${replica.url}/webhook/event`, `${replica.url}/webhook/card`);
    const before = stack.emulator.replies.length;
    expect(await answer(stack, { text: '/room test01', mentions: ['bot'] })).toContain(TEST01);
    expect(await answer(stack, { text: '/room test02', mentions: [] })).toContain(TEST02);
    await expectIgnored(stack, { text: 'test01', mentions: ['bot'] }, 'not_a_command'); // as before the bot knew itself
    await sleep(300); // several background retries
    expect((await replica.stats()).botIdentityKnown).toBe(false);
    expect(
      stack.logs.find({
        msg: 'bot identity unknown (bot/v3/info failed): in groups only /room commands are answered until it is known; retrying in the background',
      }),
    ).toHaveLength(1);
    expect(botInfoCalls(stack).filter((r) => r.status === 500).length).toBeGreaterThan(2);

    stack.emulator.faults.clear();
    await waitForBotIdentity(replica);
    expect(await answer(stack, { text: 'test01', mentions: ['bot'] })).toContain(TEST01);
    expect(stack.emulator.replies.length - before).toBe(3);
  });
});

describe('groups: who may ask', () => {
  const EXTERNAL = { senderTenantKey: 'tenant_of_another_company' } as const;

  it("an external sender's /room is not answered, logged and counted; with ALLOW_EXTERNAL_SENDERS=true it is", async () => {
    stack = await groupStack();
    await expectIgnored(stack, { text: '/room test01', ...EXTERNAL }, 'external_sender');
    await expectIgnored(stack, { text: 'test01', mentions: ['bot'], ...EXTERNAL }, 'external_sender');
    const refusal = stack.logs.find({
      reason: 'external_sender',
      msg: 'message not answered: refused by the access settings',
    });
    expect(refusal).toHaveLength(2);
    expect(refusal[0]!.level).toBe(30); // info: an operator sees who was refused where
    expect(refusal[0]!.chat_id).toBe(stack.emulator.identity.chats.group);
    const text = await (await fetch(`${stack.bot.url}/metrics`)).text();
    expect(sample(text, 'roombot_messages_triaged_total{outcome="external_sender"}')).toBe(2);
    expect(stack.emulator.requests.filter((r) => r.api === 'batch_get_id' || r.api === 'reply')).toHaveLength(0); // nothing echoed back
    // chatter of external members is just chatter: not a refusal
    await expectIgnored(stack, { text: 'hello', ...EXTERNAL, mentions: [] }, 'not_a_command');
    await stack.close();

    stack = await groupStack({ ALLOW_EXTERNAL_SENDERS: 'true' });
    expect(await answer(stack, { text: '/room test01', ...EXTERNAL })).toContain(TEST01);
  });

  it('ALLOWED_CHAT_IDS: answers in the chats listed only, p2p included', async () => {
    stack = await groupStack({ ALLOWED_CHAT_IDS: 'oc_rooms_team, oc_facilities' });
    expect(await answer(stack, { text: '/room test01', chatId: 'oc_facilities' })).toContain(TEST01);
    expect(await answer(stack, { text: 'test02', mentions: ['bot'], chatId: 'oc_rooms_team' })).toContain(TEST02);
    await expectIgnored(stack, { text: '/room test01' }, 'chat_not_allowed'); // the emulator's default group
    await expectIgnored(stack, { text: '/room test01', chatType: 'p2p' }, 'chat_not_allowed');
    await expectIgnored(stack, { text: 'lunch?', mentions: [] }, 'not_a_command');
  });
});

describe('groups: card clicks pass the same policy as messages', () => {
  const LOOKUP_APIS = new Set(['batch_get_id', 'batch_get', 'freebusy', 'reply']);
  const feishuCalls = (s: Stack) =>
    s.emulator.requests.filter((r) => r.api !== undefined && LOOKUP_APIS.has(r.api)).length;

  /** A group /room answered by the stack's bot: the card message whose Refresh is clicked. */
  async function cardInGroup(s: Stack): Promise<{ replyMessageId: string; value: Record<string, unknown> }> {
    const sent = await s.emulator.sendMessage({ chatType: 'group', text: '/room test01' });
    expect(sent.acknowledged).toBe(true);
    const [reply] = await s.emulator.waitForReplies(1, 5_000);
    // until the bot has logged its answer, the emulator may not have recorded the reply call yet
    while (s.logs.find({ message_id: sent.messageId, msg: 'message handled' }).length === 0) await sleep(5);
    return { replyMessageId: reply!.replyMessageId, value: callbackValue(reply!.card) };
  }

  it("another tenant's member clicking Refresh gets a neutral toast: no lookup, logged, counted", async () => {
    stack = await groupStack();
    const card = await cardInGroup(stack);
    const before = feishuCalls(stack);
    const outcome = await stack.emulator.clickCardButton({
      messageId: card.replyMessageId,
      value: card.value,
      operatorTenantKey: 'tenant_of_another_company',
    });
    expect(outcome.ok).toBe(true);
    expect(outcome.response?.card).toBeUndefined();
    expect(outcome.response?.toast).toMatchObject({ type: 'info', i18n: strings.toastNotAvailableHere });
    expect(feishuCalls(stack)).toBe(before);
    const [line] = stack.logs.find({ msg: 'card action not answered: refused by the access settings' });
    expect(line).toMatchObject({ reason: 'external_sender', chat_id: stack.emulator.identity.chats.group });
    const text = await (await fetch(`${stack.bot.url}/metrics`)).text();
    expect(sample(text, 'roombot_access_refused_total{entry="card_action",reason="external_sender"}')).toBe(1);
    // the same click by a member of the app's tenant refreshes
    const own = await stack.emulator.clickCardButton({ messageId: card.replyMessageId, value: card.value });
    expect(own.response?.toast?.type).toBe('success');
    expect(feishuCalls(stack)).toBeGreaterThan(before);
  });

  it('a card left in a chat that is no longer in ALLOWED_CHAT_IDS: its Refresh does nothing', async () => {
    stack = await groupStack();
    const card = await cardInGroup(stack);
    // the operator restricts the bot to other chats; the old card stays in the group
    const restricted = await stack.addReplica({ ALLOWED_CHAT_IDS: 'oc_facilities' });
    const before = feishuCalls(stack);
    const outcome = await stack.emulator.clickCardButton({
      messageId: card.replyMessageId,
      value: card.value,
      url: `${restricted.url}/webhook/card`,
    });
    expect(outcome.response?.toast).toMatchObject({ type: 'info', i18n: strings.toastNotAvailableHere });
    expect(outcome.response?.card).toBeUndefined();
    expect(feishuCalls(stack)).toBe(before);
    expect(
      stack.logs.find({ msg: 'card action not answered: refused by the access settings', reason: 'chat_not_allowed' }),
    ).toHaveLength(1);
    const text = await (await fetch(`${restricted.url}/metrics`)).text();
    expect(sample(text, 'roombot_access_refused_total{entry="card_action",reason="chat_not_allowed"}')).toBe(1);
  });

  it('a refused message counts in the same metric', async () => {
    stack = await groupStack({ ALLOWED_CHAT_IDS: 'oc_facilities' });
    await expectIgnored(stack, { text: '/room test01' }, 'chat_not_allowed');
    const text = await (await fetch(`${stack.bot.url}/metrics`)).text();
    expect(sample(text, 'roombot_access_refused_total{entry="message",reason="chat_not_allowed"}')).toBe(1);
  });
});

describe('groups over the long connection', () => {
  it('the same triage: @RoomBot test01 answered, @Alice test01 and an external /room not', async () => {
    stack = await groupStack({}, 'websocket');
    expect(await answer(stack, { text: 'test01', mentions: ['bot'] })).toContain(TEST01);
    expect(await answer(stack, { text: '', mentions: ['bot'] })).toContain('@RoomBot /room test01 test02');
    await expectIgnored(stack, { text: 'test01', mentions: [{ name: 'Alice' }] }, 'not_a_command');
    await expectIgnored(
      stack,
      { text: '/room test01', senderTenantKey: 'tenant_of_another_company' },
      'external_sender',
    );
    expect(botInfoCalls(stack)).toHaveLength(1);
  });
});
