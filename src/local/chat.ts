// The terminal chat of `npm start` in local mode: what you type is sent as a Feishu user's message
// (a real signed, encrypted event through the emulator), and the card the bot replied with is printed
// as text — rendered from the same card JSON a Feishu client would show.
import { clearLine, createInterface, cursorTo, type Interface } from 'node:readline';
import type { Locale } from '../bot/i18n.js';
import type { Card } from '../bot/ports.js';
import { renderCardAsText } from './render-text.js';
import { triageMessage, type AccessPolicy, type Triage } from '../bot/triage.js';
import type { CommandLimits } from '../bot/command.js';
import { typedMentions, type DeliveryResult, type Emulator, type RecordedReply } from '../emulator/index.js';
import { chatHelp, COMMAND_LIST, parseChatInput, type ChatCommand } from './chat-input.js';
import { markdownToTerminal } from './terminal-markdown.js';

/** What the chat uses of the emulator. */
export type ChatEmulator = Pick<
  Emulator,
  'identity' | 'createMessage' | 'deliverEnvelope' | 'clickCardButton' | 'onReply' | 'onCardUpdate' | 'store'
>;

export interface ChatOptions {
  /** Default process.stdin / process.stdout. */
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream;
  /** Bold as ANSI escapes; default: when output is a terminal. */
  ansi?: boolean;
  /** How long the prompt waits for a reply the bot is expected to send; later replies still show. Default 10 s. */
  replyTimeoutMs?: number;
  /** The bot's command limits and access settings (config `lookup`, `access`), to tell at once when it will not answer. */
  limits: CommandLimits;
  access: AccessPolicy;
}

interface ChatState {
  chatType: 'p2p' | 'group';
  locale: Locale;
  lastReply?: RecordedReply;
  /** Store app: which installed tenant the user is a member of (an index into the emulator's tenants). */
  tenant: number;
  /** A line is being handled: the prompt is not on screen. */
  busy: boolean;
}

function confirmation(
  command: Exclude<ChatCommand, 'refresh' | 'click' | 'help' | 'quit' | 'tenant'>,
  botName: string,
): string {
  switch (command) {
    case 'group':
      return `(now sending in a group: @${botName} mentions the bot, e.g. @${botName} test01; /room commands need no mention)`;
    case 'p2p':
      return '(now sending in the one-to-one chat with the bot)';
    case 'zh':
      return '(cards now shown in 简体中文)';
    case 'en':
      return '(cards now shown in English)';
  }
}

/**
 * Why the bot will not answer this message, or undefined when it will: the bot's own triage (bot/triage.ts)
 * with its identity known. Ignored messages are acknowledged all the same, so the chat cannot tell from the
 * push and says so at once instead of waiting for a reply.
 */
function whyUnanswered(triage: Triage, botName: string): string | undefined {
  if (triage.kind !== 'ignore') return undefined;
  switch (triage.reason) {
    case 'chat_not_allowed':
      return '(the bot does not answer in this chat: ALLOWED_CHAT_IDS does not list it)';
    case 'external_sender':
      return '(the bot does not answer members of other tenants: ALLOW_EXTERNAL_SENDERS is false)';
    default:
      return `(the bot answers group messages that @mention it (@${botName}) or start with /room; this one does neither)`;
  }
}

function unacknowledged(delivery: DeliveryResult): string {
  const answers = delivery.attempts.map((attempt) =>
    attempt.status !== undefined ? `HTTP ${attempt.status}` : (attempt.error ?? 'no answer'),
  );
  return `(the bot did not acknowledge the message: ${answers.join(', ')}; Feishu would push it again in 15 s — send it again to retry)`;
}

/** How long the prompt waits for a reply before it gives the prompt back (the reply still shows when it comes). */
const REPLY_TIMEOUT_MS = 10_000;

export function startChat(emulator: ChatEmulator, options: ChatOptions): Interface {
  const input = options.input ?? process.stdin;
  const output = options.output ?? process.stdout;
  const terminal = (output as { isTTY?: boolean }).isTTY === true;
  const ansi = options.ansi ?? terminal;
  const replyTimeoutMs = options.replyTimeoutMs ?? REPLY_TIMEOUT_MS;
  const state: ChatState = { chatType: 'p2p', locale: 'en_us', busy: false, tenant: 0 };
  const tenantKey = (): string | undefined => emulator.store?.tenants()[state.tenant]?.identity.tenantKey;
  const bot = { openId: emulator.identity.bot.openId, name: emulator.identity.bot.name };
  const rl = createInterface({ input, output, prompt: 'you> ', terminal });
  const print = (text: string): void => void output.write(`${text}\n`);

  /** Messages sent whose reply has not been shown, and the send waiting for it, if any. */
  const unanswered = new Map<string, ((reply: RecordedReply) => void) | undefined>();
  const stopListening = emulator.onReply((reply) => {
    if (!unanswered.has(reply.parentMessageId)) return;
    const waiting = unanswered.get(reply.parentMessageId);
    unanswered.delete(reply.parentMessageId);
    if (waiting) waiting(reply);
    else showLate(reply);
  });
  rl.on('close', stopListening);
  // A card patched later (a booking's outcome) is shown as it changes, like a Feishu client would.
  const stopWatching = emulator.onCardUpdate((reply) => {
    if (reply.replyMessageId === state.lastReply?.replyMessageId) showLate(reply);
  });
  rl.on('close', stopWatching);

  function cardText(card: unknown): string {
    const text = markdownToTerminal(renderCardAsText(card as Card, state.locale), { ansi });
    return `\n${indent(text)}\n`;
  }

  function showReply(reply: RecordedReply): void {
    state.lastReply = reply;
    print(cardText(reply.card));
  }

  /** A reply that came after the prompt stopped waiting: shown above the prompt. */
  function showLate(reply: RecordedReply): void {
    if (state.busy) return showReply(reply);
    if (terminal) {
      clearLine(output, 0);
      cursorTo(output, 0);
    }
    showReply(reply);
    rl.prompt(true);
  }

  function replyTo(messageId: string): Promise<RecordedReply | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        if (unanswered.has(messageId)) unanswered.set(messageId, undefined); // shown by showLate if it comes
        resolve(undefined);
      }, replyTimeoutMs);
      unanswered.set(messageId, (reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
    });
  }

  async function send(typed: string): Promise<void> {
    // "@RoomBot test01" as in a Feishu client: the typed names become mentions; none is added.
    const key = tenantKey();
    const created = emulator.createMessage({
      ...typedMentions(typed, bot.name),
      chatType: state.chatType,
      ...(key !== undefined ? { tenantKey: key } : {}),
    });
    const silence = whyUnanswered(
      triageMessage(created.envelope.event, created.envelope.header, {
        limits: options.limits,
        access: options.access,
        bot,
      }),
      bot.name,
    );
    const replied = silence === undefined ? replyTo(created.messageId) : undefined;
    // One push, no re-deliveries: a message the bot does not acknowledge is reported now, rather than the
    // prompt waiting out Feishu's retry schedule (15 s, 5 min, 1 h, 6 h).
    const delivery = await emulator.deliverEnvelope(created.envelope, { retryDelaysMs: [] });
    if (!delivery.acknowledged) {
      if (replied) unanswered.set(created.messageId, undefined); // it may have been recorded all the same
      return print(unacknowledged(delivery));
    }
    if (!replied) return print(silence ?? '');
    const reply = await replied;
    if (reply) showReply(reply);
    else print(`(no reply within ${replyTimeoutMs / 1000} s; it will show here when it comes)`);
  }

  async function click(value: Record<string, unknown>): Promise<void> {
    const reply = state.lastReply!;
    const before = reply.cardUpdates;
    const outcome = await emulator.clickCardButton({ messageId: reply.replyMessageId, value });
    const toastText = outcome.response?.toast?.i18n?.[state.locale] ?? outcome.response?.toast?.content;
    if (toastText) print(`(toast: ${toastText})`);
    // an updated card (the answer's, or a later patch) is shown by the onCardUpdate listener
    if (!toastText && reply.cardUpdates === before)
      print(`(card not updated: ${JSON.stringify(outcome.response ?? outcome)})`);
  }

  async function refresh(): Promise<void> {
    if (!state.lastReply) return print('(no card yet)');
    const value = callbackValues(state.lastReply.card).find((v) => v.value.action === 'refresh')?.value;
    if (!value) return print('(the last card has no Refresh button)');
    return click(value);
  }

  /** `:click` lists the last card's buttons; `:click N` clicks the N-th. */
  async function clickButton(argument: string | undefined): Promise<void> {
    if (!state.lastReply) return print('(no card yet)');
    const buttons = callbackValues(state.lastReply.card);
    if (buttons.length === 0) return print('(the last card has no buttons)');
    const index = Number(argument);
    if (argument === undefined || !Number.isInteger(index) || index < 1 || index > buttons.length)
      return print(buttons.map((button, i) => `  ${i + 1}. [${button.label}]`).join('\n'));
    return click(buttons[index - 1]!.value);
  }

  async function run(command: ChatCommand, argument?: string): Promise<void> {
    switch (command) {
      case 'click':
        return clickButton(argument);
      case 'quit':
        return void rl.close();
      case 'help':
        return print(chatHelp());
      case 'refresh':
        return refresh();
      case 'group':
      case 'p2p':
        state.chatType = command;
        return print(confirmation(command, bot.name));
      case 'tenant': {
        const tenants = emulator.store?.tenants() ?? [];
        if (tenants.length === 0)
          return print('(one tenant only: a self-built app; FEISHU_APP_TYPE=store npm start has several)');
        state.tenant = (state.tenant + 1) % tenants.length;
        return print(
          `(now a member of tenant ${tenantKey()} (${state.tenant + 1} of ${tenants.length}): the same custom IDs are its own rooms)`,
        );
      }
      case 'zh':
      case 'en':
        state.locale = command === 'zh' ? 'zh_cn' : 'en_us';
        return print(confirmation(command, bot.name));
    }
  }

  async function onLine(line: string): Promise<void> {
    const typed = parseChatInput(line);
    if (typed.kind === 'command') await run(typed.command, typed.argument);
    else if (typed.kind === 'unknown_command')
      print(`(unknown command ${typed.word}; the commands are ${COMMAND_LIST})`);
    else if (typed.kind === 'message') await send(typed.text);
  }

  // readline owns the terminal in raw mode: Ctrl-C reaches it, not the process, so end the chat (and the bot)
  rl.on('SIGINT', () => rl.close());
  print(chatHelp());
  rl.prompt();
  let closed = false;
  rl.on('close', () => (closed = true));
  let lines = Promise.resolve();
  rl.on('line', (line) => {
    lines = lines
      .then(() => {
        state.busy = true;
        return onLine(line);
      })
      .catch((error: unknown) => print(`(error: ${(error as Error).message})`))
      .finally(() => {
        state.busy = false;
        if (!closed) rl.prompt();
      });
  });
  return rl;
}

/** Every callback button of a card, in order: its English label and the value a click sends back. */
function callbackValues(card: unknown): { label: string; value: Record<string, unknown> }[] {
  const found: { label: string; value: Record<string, unknown> }[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (typeof node !== 'object' || node === null) return;
    const element = node as { tag?: unknown; text?: { content?: unknown }; behaviors?: unknown };
    if (element.tag === 'button' && Array.isArray(element.behaviors)) {
      const callback = element.behaviors.find((b: { type?: string }) => b?.type === 'callback') as
        { value?: Record<string, unknown> } | undefined;
      const label = typeof element.text?.content === 'string' ? element.text.content : 'button';
      if (callback?.value) found.push({ label, value: callback.value });
      return;
    }
    Object.values(node).forEach(walk);
  };
  walk(card);
  return found;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  │ ${line}`)
    .join('\n');
}
