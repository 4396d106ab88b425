// The terminal chat of `npm start` in local mode: what you type is sent as a Feishu user's message
// (a real signed, encrypted event through the emulator), and the card the bot replied with is printed
// as text — rendered from the same card JSON a Feishu client would show.
import { createInterface, type Interface } from 'node:readline';
import type { Card } from './bot/ports.js';
import { renderCardAsText } from './bot/render-text.js';
import type { Locale } from './bot/i18n.js';
import type { Emulator, RecordedReply } from './emulator/index.js';

const HELP = [
  'Type a message as a Feishu user would, e.g.  /room test01 test02',
  'Commands:  :group (send in a group, @-mentioning the bot)  :p2p  :zh  :en  :refresh (click Refresh on the last card)  :quit',
].join('\n');

interface ChatState {
  chatType: 'p2p' | 'group';
  locale: Locale;
  lastReply?: RecordedReply;
}

export function startChat(emulator: Emulator, output: NodeJS.WritableStream = process.stdout): Interface {
  const state: ChatState = { chatType: 'p2p', locale: 'en_us' };
  const print = (text: string): void => void output.write(`${text}\n`);
  const rl = createInterface({ input: process.stdin, output: process.stdout, prompt: 'you> ' });

  const showCard = (card: unknown) => print(`\n${indent(renderCardAsText(card as Card, state.locale))}\n`);

  async function send(text: string): Promise<void> {
    const created = emulator.createMessage({ text, chatType: state.chatType });
    const replied = waitForReplyTo(emulator, created.messageId, 10_000);
    const delivery = await emulator.deliverEnvelope(created.envelope);
    if (!delivery.acknowledged) print(`(the bot did not acknowledge the event: ${delivery.attempts.map((a) => a.status ?? a.error).join(', ')})`);
    const reply = await replied;
    if (!reply) return print('(no reply — the bot ignores group messages that are not /room commands)');
    state.lastReply = reply;
    showCard(reply.card);
  }

  async function refresh(): Promise<void> {
    if (!state.lastReply) return print('(no card yet)');
    const value = findRefreshValue(state.lastReply.card);
    if (!value) return print('(the last card has no Refresh button)');
    const outcome = await emulator.clickCardButton({ messageId: state.lastReply.replyMessageId, value });
    if (outcome.card) showCard(outcome.card);
    else print(`(card not updated: ${JSON.stringify(outcome.response ?? outcome)})`);
  }

  async function onLine(line: string): Promise<void> {
    const text = line.trim();
    if (text === ':quit' || text === ':q') return void rl.close();
    if (text === ':group' || text === ':p2p') state.chatType = text === ':group' ? 'group' : 'p2p';
    else if (text === ':zh' || text === ':en') state.locale = text === ':zh' ? 'zh_cn' : 'en_us';
    else if (text === ':refresh') await refresh();
    else if (text === ':help' || text === '?') print(HELP);
    else if (text !== '') await send(text);
  }

  // readline owns the terminal in raw mode: Ctrl-C reaches it, not the process, so end the chat (and the bot)
  rl.on('SIGINT', () => rl.close());
  print(HELP);
  rl.prompt();
  let busy = Promise.resolve();
  rl.on('line', (line) => {
    busy = busy
      .then(() => onLine(line))
      .catch((error: unknown) => print(`(error: ${(error as Error).message})`))
      .finally(() => rl.prompt());
  });
  return rl;
}

function waitForReplyTo(emulator: Emulator, messageId: string, timeoutMs: number): Promise<RecordedReply | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      stop();
      resolve(undefined);
    }, timeoutMs);
    const stop = emulator.onReply((reply) => {
      if (reply.parentMessageId !== messageId) return;
      clearTimeout(timer);
      stop();
      resolve(reply);
    });
  });
}

/** The callback value of the card's first callback button (what a click sends back). */
function findRefreshValue(card: unknown): Record<string, unknown> | undefined {
  let found: Record<string, unknown> | undefined;
  JSON.stringify(card, (key, value: unknown) => {
    if (!found && key === 'behaviors' && Array.isArray(value)) {
      const callback = value.find((b: { type?: string }) => b?.type === 'callback') as { value?: Record<string, unknown> } | undefined;
      found = callback?.value;
    }
    return value;
  });
  return found;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  │ ${line}`)
    .join('\n');
}
